//! PPPoE session stage (RFC 2516) and the PPP protocol field it carries.

use crate::bytes::{array, be16};
use crate::ip::IpVersion;
use crate::ParseError;

const HEADER_LEN: usize = 6;
const VERSION_1_TYPE_1: u8 = 0x11;
const CODE_SESSION_DATA: u8 = 0x00;

const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

pub(crate) fn ip_in(session: &[u8]) -> Result<(IpVersion, &[u8]), ParseError> {
    let [version_type, code, ..]: [u8; HEADER_LEN] =
        array(session, 0).ok_or(ParseError::Truncated)?;
    if version_type != VERSION_1_TYPE_1 || code != CODE_SESSION_DATA {
        return Err(ParseError::BadHeader);
    }
    let first = *session.get(HEADER_LEN).ok_or(ParseError::Truncated)?;
    // An odd first byte is a whole protocol field, compressed to one byte (RFC 1661 PFC).
    let (protocol, protocol_len) = if first & 1 == 1 {
        (u16::from(first), 1)
    } else {
        (be16(session, HEADER_LEN).ok_or(ParseError::Truncated)?, 2)
    };
    let packet = session
        .get(HEADER_LEN + protocol_len..)
        .ok_or(ParseError::Truncated)?;
    match protocol {
        PPP_IPV4 => Ok((IpVersion::V4, packet)),
        PPP_IPV6 => Ok((IpVersion::V6, packet)),
        _ => Err(ParseError::NotIp),
    }
}
