//! From a captured frame, whatever its link type, to the `PacketInfo` of its IP packet.

use std::fmt;

use floodwatch_packet::{parse_ethernet_with, parse_ip_with, PacketInfo, ParseError, ParseOptions};

use super::linktype::{ETHERNET, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, LOOP, NULL, RAW};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketInfoError {
    UnsupportedLinkType(u16),
    Packet(ParseError),
}

impl fmt::Display for PacketInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketInfoError::UnsupportedLinkType(linktype) => write!(
                f,
                "link type {linktype} is not supported (Ethernet, raw IP, Linux SLL and SLL2, BSD loopback are)"
            ),
            PacketInfoError::Packet(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for PacketInfoError {}

impl From<ParseError> for PacketInfoError {
    fn from(error: ParseError) -> Self {
        PacketInfoError::Packet(error)
    }
}

/// Parses the IP packet in a frame of link type `linktype` (one of [`super::linktype`]).
pub fn packet_info(
    linktype: u16,
    data: &[u8],
    opts: &ParseOptions,
) -> Result<PacketInfo, PacketInfoError> {
    match linktype {
        ETHERNET => Ok(parse_ethernet_with(data, opts)?),
        RAW | IPV4 | IPV6 => Ok(parse_ip_with(data, opts)?),
        LINUX_SLL => linux_sll(data, opts),
        LINUX_SLL2 => linux_sll2(data, opts),
        NULL | LOOP => loopback(data, opts),
        other => Err(PacketInfoError::UnsupportedLinkType(other)),
    }
}

/// An SLL header ends, as an Ethernet header does, with an EtherType-valued protocol type
/// right before the payload; dropping its first 2 bytes lines it up with an Ethernet header
/// whose 12 address bytes the Ethernet parser never reads. VLAN tags, MPLS and PPPoE after
/// it are then handled as in an Ethernet frame.
fn linux_sll(data: &[u8], opts: &ParseOptions) -> Result<PacketInfo, PacketInfoError> {
    const ETHERNET_VIEW_AT: usize = 2;
    let frame = data.get(ETHERNET_VIEW_AT..).ok_or(ParseError::Truncated)?;
    Ok(parse_ethernet_with(frame, opts)?)
}

fn linux_sll2(data: &[u8], opts: &ParseOptions) -> Result<PacketInfo, PacketInfoError> {
    const HEADER_LEN: usize = 20;
    let protocol = be16(data, 0).ok_or(ParseError::Truncated)?;
    let payload = data.get(HEADER_LEN..).ok_or(ParseError::Truncated)?;
    Ok(after_ethertype(protocol, payload, opts)?)
}

/// The IP packet after an EtherType and any VLAN tags. MPLS and PPPoE are not entered here:
/// `floodwatch_packet` only reads them inside an Ethernet frame.
fn after_ethertype(
    mut ethertype: u16,
    mut payload: &[u8],
    opts: &ParseOptions,
) -> Result<PacketInfo, ParseError> {
    const IPV4_ETHERTYPE: u16 = 0x0800;
    const IPV6_ETHERTYPE: u16 = 0x86dd;
    const VLAN_TAG_LEN: usize = 4;
    const VLAN_ID_MASK: u16 = 0x0fff;
    let mut vlan = None;
    while matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) {
        let id = be16(payload, 0).ok_or(ParseError::Truncated)? & VLAN_ID_MASK;
        ethertype = be16(payload, 2).ok_or(ParseError::Truncated)?;
        payload = &payload[VLAN_TAG_LEN..];
        if vlan.is_none() && id != 0 {
            vlan = Some(id);
        }
    }
    if !matches!(ethertype, IPV4_ETHERTYPE | IPV6_ETHERTYPE) {
        return Err(ParseError::NotIp);
    }
    let mut info = parse_ip_with(payload, opts)?;
    info.vlan = vlan;
    Ok(info)
}

fn loopback(data: &[u8], opts: &ParseOptions) -> Result<PacketInfo, PacketInfoError> {
    const FAMILY_LEN: usize = 4;
    const AF_INET: u32 = 2;
    // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD and macOS.
    const AF_INET6: [u32; 4] = [10, 24, 28, 30];
    let family: [u8; FAMILY_LEN] = data
        .get(..FAMILY_LEN)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(ParseError::Truncated)?;
    // The family is in the byte order of whichever host captured: a family is a small
    // number, so the order that makes it one is the right one.
    let family = match u32::from_le_bytes(family) {
        small @ 0..=0xffff => small,
        _ => u32::from_be_bytes(family),
    };
    if family != AF_INET && !AF_INET6.contains(&family) {
        return Err(ParseError::NotIp.into());
    }
    Ok(parse_ip_with(&data[FAMILY_LEN..], opts)?)
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}
