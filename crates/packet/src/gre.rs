//! GRE (RFC 2784, with the RFC 2890 key and sequence number): the packet it carries.

use crate::bytes::array;
use crate::ethernet;
use crate::ip::IpVersion;

const BASE_HEADER_LEN: usize = 4;
const OPTIONAL_FIELD_LEN: usize = 4;
const CHECKSUM_PRESENT: u8 = 0x80;
const ROUTING_PRESENT: u8 = 0x40;
const KEY_PRESENT: u8 = 0x20;
const SEQUENCE_PRESENT: u8 = 0x10;
const VERSION_MASK: u8 = 0x07;

const TRANSPARENT_ETHERNET_BRIDGING: u16 = 0x6558;

/// The IP packet inside, or `None` when there is none this parser reaches: a non-IP
/// payload, PPTP's GRE version 1, RFC 1701 source routing, or a cut header.
pub(crate) fn inner(gre: &[u8]) -> Option<(IpVersion, &[u8])> {
    let [flags, version, type_high, type_low]: [u8; BASE_HEADER_LEN] = array(gre, 0)?;
    if version & VERSION_MASK != 0 || flags & ROUTING_PRESENT != 0 {
        return None;
    }
    let optional_fields = [CHECKSUM_PRESENT, KEY_PRESENT, SEQUENCE_PRESENT]
        .into_iter()
        .filter(|&field| flags & field != 0)
        .count();
    let payload = gre.get(BASE_HEADER_LEN + optional_fields * OPTIONAL_FIELD_LEN..)?;
    match u16::from_be_bytes([type_high, type_low]) {
        TRANSPARENT_ETHERNET_BRIDGING => {
            let link = ethernet::parse_frame(payload).ok()?;
            Some((link.version, link.packet))
        }
        ethertype => ethernet::ip_in(ethertype, payload).ok(),
    }
}
