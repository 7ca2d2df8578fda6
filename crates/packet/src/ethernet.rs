//! Ethernet II framing and the link-layer encapsulations above it: 802.1Q/802.1ad VLAN tags,
//! MPLS and PPPoE, down to the IP packet. A frame may be nested in another one (Ethernet
//! carried over MPLS): `depth` counts how deep, so that a crafted frame cannot recurse
//! without end.

use crate::bytes::{array, be16};
use crate::ip::IpVersion;
use crate::{mpls, pppoe, ParseError};

const ETHERTYPE_AT: usize = 12;
const HEADER_LEN: usize = 14;
const VLAN_TAG_LEN: usize = 4;
const VLAN_ID_MASK: u16 = 0x0fff;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_QINQ_LEGACY: u16 = 0x9100;
const ETHERTYPE_MPLS_UNICAST: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;

/// An Ethernet frame's IP packet and the VLAN it travelled in.
pub(crate) struct Link<'a> {
    /// Outermost non-zero VLAN id: a tag with id 0 only carries a priority.
    pub vlan: Option<u16>,
    pub version: IpVersion,
    pub packet: &'a [u8],
}

/// Frames nested deeper than this (Ethernet in MPLS in Ethernet...) are refused as malformed.
pub(crate) const MAX_NESTED_FRAMES: usize = 4;

pub(crate) fn parse_frame(frame: &[u8]) -> Result<Link<'_>, ParseError> {
    parse_nested_frame(frame, 0)
}

/// A frame that `depth` frames carry, one inside the other.
pub(crate) fn parse_nested_frame(frame: &[u8], depth: usize) -> Result<Link<'_>, ParseError> {
    let (vlan, ethertype, payload) = untagged(frame)?;
    let (version, packet) = nested_ip_in(ethertype, payload, depth)?;
    Ok(Link {
        vlan,
        version,
        packet,
    })
}

/// The outermost non-zero VLAN id of the frame's tags.
pub(crate) fn vlan(frame: &[u8]) -> Option<u16> {
    untagged(frame).ok()?.0
}

/// The EtherType after any VLAN tags, and the payload it labels, if the frame holds them.
pub(crate) fn payload(frame: &[u8]) -> Option<(u16, &[u8])> {
    let (_, ethertype, payload) = untagged(frame).ok()?;
    Some((ethertype, payload))
}

/// Whether this parser reads on past `ethertype` (an IP packet or an encapsulation of one).
pub(crate) fn leads_to_ip(ethertype: u16) -> bool {
    matches!(
        ethertype,
        ETHERTYPE_IPV4
            | ETHERTYPE_IPV6
            | ETHERTYPE_MPLS_UNICAST
            | ETHERTYPE_MPLS_MULTICAST
            | ETHERTYPE_PPPOE_SESSION
    )
}

/// The IP version a packet labelled `ethertype` is of, if it is an IP packet.
pub(crate) fn ip_version(ethertype: u16) -> Option<IpVersion> {
    match ethertype {
        ETHERTYPE_IPV4 => Some(IpVersion::V4),
        ETHERTYPE_IPV6 => Some(IpVersion::V6),
        _ => None,
    }
}

/// The outermost non-zero VLAN id, the EtherType after the tags and the payload after it.
fn untagged(frame: &[u8]) -> Result<(Option<u16>, u16, &[u8]), ParseError> {
    let mut ethertype = be16(frame, ETHERTYPE_AT).ok_or(ParseError::Truncated)?;
    let mut at = HEADER_LEN;
    let mut vlan = None;
    while matches!(
        ethertype,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_LEGACY
    ) {
        let [tci_high, tci_low, type_high, type_low] =
            array(frame, at).ok_or(ParseError::Truncated)?;
        let id = u16::from_be_bytes([tci_high, tci_low]) & VLAN_ID_MASK;
        if vlan.is_none() && id != 0 {
            vlan = Some(id);
        }
        ethertype = u16::from_be_bytes([type_high, type_low]);
        at += VLAN_TAG_LEN;
    }
    let payload = frame.get(at..).ok_or(ParseError::Truncated)?;
    Ok((vlan, ethertype, payload))
}

/// The IP packet in `payload`, which the header before it labelled with `ethertype`
/// (VLAN tags excluded: they only occur in a frame).
pub(crate) fn ip_in(ethertype: u16, payload: &[u8]) -> Result<(IpVersion, &[u8]), ParseError> {
    nested_ip_in(ethertype, payload, 0)
}

fn nested_ip_in(
    ethertype: u16,
    payload: &[u8],
    depth: usize,
) -> Result<(IpVersion, &[u8]), ParseError> {
    match ethertype {
        ETHERTYPE_IPV4 => Ok((IpVersion::V4, payload)),
        ETHERTYPE_IPV6 => Ok((IpVersion::V6, payload)),
        ETHERTYPE_MPLS_UNICAST | ETHERTYPE_MPLS_MULTICAST => mpls::ip_in(payload, depth),
        ETHERTYPE_PPPOE_SESSION => pppoe::ip_in(payload),
        _ => Err(ParseError::NotIp),
    }
}
