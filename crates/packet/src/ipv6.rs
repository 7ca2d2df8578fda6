//! IPv6 header (RFC 8200) and its extension header chain, walked to the upper-layer protocol.

use std::net::{IpAddr, Ipv6Addr};

use crate::bytes::array;
use crate::ip::{length_or_captured, IpPacket};
use crate::ParseError;

const HEADER_LEN: usize = 40;
/// Longer chains than this are not seen in honest traffic; they are refused, not walked.
const MAX_EXTENSION_HEADERS: usize = 16;

const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const AUTHENTICATION: u8 = 51;
const DESTINATION_OPTIONS: u8 = 60;
const MOBILITY: u8 = 135;
const HOST_IDENTITY: u8 = 139;
const SHIM6: u8 = 140;
const EXPERIMENTAL_1: u8 = 253;
const EXPERIMENTAL_2: u8 = 254;

const FRAGMENT_HEADER_LEN: usize = 8;
const FRAGMENT_OFFSET_MASK: u16 = 0xfff8;

#[inline]
pub(crate) fn parse(packet: &[u8]) -> Result<IpPacket<'_>, ParseError> {
    let [version, _, _, _, len_high, len_low, next_header, _]: [u8; 8] =
        array(packet, 0).ok_or(ParseError::Truncated)?;
    let src: [u8; 16] = array(packet, 8).ok_or(ParseError::Truncated)?;
    let dst: [u8; 16] = array(packet, 24).ok_or(ParseError::Truncated)?;
    if version >> 4 != 6 {
        return Err(ParseError::BadHeader);
    }
    let payload_len = usize::from(u16::from_be_bytes([len_high, len_low]));
    let total_len = HEADER_LEN + length_or_captured(payload_len, packet.len() - HEADER_LEN);
    let within_length = packet.get(..total_len).unwrap_or(packet);
    // Running past what was captured is truncation; past the packet's own length, a lie.
    let cut = if within_length.len() < total_len {
        ParseError::Truncated
    } else {
        ParseError::BadHeader
    };

    let mut parsed = IpPacket {
        src: IpAddr::V6(Ipv6Addr::from(src)),
        dst: IpAddr::V6(Ipv6Addr::from(dst)),
        protocol: next_header,
        fragment: false,
        ip_length: u32::try_from(total_len).unwrap_or(u32::MAX),
        payload: None,
    };
    let mut at = HEADER_LEN;
    for _ in 0..=MAX_EXTENSION_HEADERS {
        let (next_header, header_len) = match parsed.protocol {
            HOP_BY_HOP | ROUTING | DESTINATION_OPTIONS | MOBILITY | HOST_IDENTITY | SHIM6
            | EXPERIMENTAL_1 | EXPERIMENTAL_2 => {
                let [next_header, len] = array(within_length, at).ok_or(cut)?;
                (next_header, (usize::from(len) + 1) * 8)
            }
            AUTHENTICATION => {
                let [next_header, len] = array(within_length, at).ok_or(cut)?;
                (next_header, (usize::from(len) + 2) * 4)
            }
            FRAGMENT => {
                parsed.fragment = true;
                let [next_header, _, offset_high, offset_low] =
                    array(within_length, at).ok_or(cut)?;
                if u16::from_be_bytes([offset_high, offset_low]) & FRAGMENT_OFFSET_MASK != 0 {
                    // Only the first fragment holds the headers that follow.
                    parsed.protocol = next_header;
                    return Ok(parsed);
                }
                (next_header, FRAGMENT_HEADER_LEN)
            }
            _ => {
                parsed.payload = within_length.get(at..);
                if parsed.payload.is_none() && cut == ParseError::BadHeader {
                    return Err(ParseError::BadHeader);
                }
                return Ok(parsed);
            }
        };
        parsed.protocol = next_header;
        at += header_len;
    }
    Err(ParseError::BadHeader)
}
