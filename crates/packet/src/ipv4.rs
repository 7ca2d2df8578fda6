//! IPv4 header (RFC 791): options skipped by IHL, fragments flagged.

use std::net::{IpAddr, Ipv4Addr};

use crate::bytes::array;
use crate::ip::{length_or_captured, IpPacket};
use crate::ParseError;

const MIN_HEADER_LEN: usize = 20;
const MORE_FRAGMENTS: u16 = 0x2000;
const FRAGMENT_OFFSET: u16 = 0x1fff;

#[inline]
pub(crate) fn parse(packet: &[u8]) -> Result<IpPacket<'_>, ParseError> {
    let header: [u8; MIN_HEADER_LEN] = array(packet, 0).ok_or(ParseError::Truncated)?;
    if header[0] >> 4 != 4 {
        return Err(ParseError::BadHeader);
    }
    let header_len = usize::from(header[0] & 0x0f) * 4;
    let total_len = length_or_captured(
        usize::from(u16::from_be_bytes([header[2], header[3]])),
        packet.len(),
    );
    if header_len < MIN_HEADER_LEN || total_len < header_len {
        return Err(ParseError::BadHeader);
    }
    if packet.len() < header_len {
        return Err(ParseError::Truncated);
    }
    let fragment_field = u16::from_be_bytes([header[6], header[7]]);
    let offset = fragment_field & FRAGMENT_OFFSET;
    let payload = if offset == 0 {
        packet.get(header_len..total_len.min(packet.len()))
    } else {
        None
    };
    Ok(IpPacket {
        src: IpAddr::V4(Ipv4Addr::new(
            header[12], header[13], header[14], header[15],
        )),
        dst: IpAddr::V4(Ipv4Addr::new(
            header[16], header[17], header[18], header[19],
        )),
        protocol: header[9],
        fragment: offset != 0 || fragment_field & MORE_FRAGMENTS != 0,
        ip_length: u32::try_from(total_len).unwrap_or(u32::MAX),
        payload,
    })
}

/// Whether `packet` starts with a whole IPv4 header whose checksum is right (RFC 1071: the
/// ones' complement sum of the header, checksum included, is all ones).
pub(crate) fn checksum_is_valid(packet: &[u8]) -> bool {
    let Some(&first) = packet.first() else {
        return false;
    };
    let header_len = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || header_len < MIN_HEADER_LEN {
        return false;
    }
    let Some(header) = packet.get(..header_len) else {
        return false;
    };
    let sum: u32 = header
        .chunks_exact(2)
        .map(|word| u32::from(u16::from_be_bytes([word[0], word[1]])))
        .sum();
    let folded = (sum & 0xffff) + (sum >> 16);
    (folded & 0xffff) + (folded >> 16) == 0xffff
}
