//! Ethernet II framing and the link-layer encapsulations above it: 802.1Q/802.1ad VLAN tags,
//! MPLS and PPPoE, down to the IP packet.

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

pub(crate) fn parse_frame(frame: &[u8]) -> Result<Link<'_>, ParseError> {
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
    let (version, packet) = ip_in(ethertype, payload)?;
    Ok(Link {
        vlan,
        version,
        packet,
    })
}

/// The IP packet in `payload`, which the header before it labelled with `ethertype`
/// (VLAN tags excluded: they only occur in a frame).
pub(crate) fn ip_in(ethertype: u16, payload: &[u8]) -> Result<(IpVersion, &[u8]), ParseError> {
    match ethertype {
        ETHERTYPE_IPV4 => Ok((IpVersion::V4, payload)),
        ETHERTYPE_IPV6 => Ok((IpVersion::V6, payload)),
        ETHERTYPE_MPLS_UNICAST | ETHERTYPE_MPLS_MULTICAST => mpls::ip_in(payload),
        ETHERTYPE_PPPOE_SESSION => pppoe::ip_in(payload),
        _ => Err(ParseError::NotIp),
    }
}
