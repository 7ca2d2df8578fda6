//! What the IPv4 and IPv6 parsers have in common: the result they give, and the choice
//! between them by the version nibble.

use std::net::IpAddr;

use crate::{ipv4, ipv6, transport, PacketInfo, ParseError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IpVersion {
    V4,
    V6,
}

/// An IP header, parsed, and the upper-layer bytes after it.
pub(crate) struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Upper-layer protocol (IPv6: after the extension headers).
    pub protocol: u8,
    pub fragment: bool,
    pub ip_length: u32,
    /// The upper-layer header onwards, as far as captured and within the IP length; `None`
    /// when this packet does not carry it (a non-first fragment, or cut before it).
    pub payload: Option<&'a [u8]>,
}

impl IpPacket<'_> {
    pub fn info(&self, vlan: Option<u16>) -> PacketInfo {
        let ports = self
            .payload
            .map(|p| transport::parse(self.protocol, p))
            .unwrap_or_default();
        PacketInfo {
            src: self.src,
            dst: self.dst,
            protocol: self.protocol,
            src_port: ports.src_port,
            dst_port: ports.dst_port,
            tcp_flags: ports.tcp_flags,
            fragment: self.fragment,
            ip_length: self.ip_length,
            vlan,
        }
    }
}

/// The IP version a packet announces in its first nibble.
pub(crate) fn version_of(packet: &[u8]) -> Result<IpVersion, ParseError> {
    match packet.first().ok_or(ParseError::Truncated)? >> 4 {
        4 => Ok(IpVersion::V4),
        6 => Ok(IpVersion::V6),
        _ => Err(ParseError::NotIp),
    }
}

#[inline]
pub(crate) fn parse(version: IpVersion, packet: &[u8]) -> Result<IpPacket<'_>, ParseError> {
    match version {
        IpVersion::V4 => ipv4::parse(packet),
        IpVersion::V6 => ipv6::parse(packet),
    }
}

/// The IP length for a length field of zero: TSO/GSO and BIG TCP packets captured on the
/// sending host carry no length, so the captured size is the best there is.
pub(crate) fn length_or_captured(length: usize, captured: usize) -> usize {
    if length == 0 {
        captured
    } else {
        length
    }
}
