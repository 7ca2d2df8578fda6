//! MPLS label stack (RFC 3032): no field says what the bottom label carries, so IPv4 or
//! IPv6 is told by the version nibble, as routers do.

use crate::bytes::array;
use crate::ip::{self, IpVersion};
use crate::ParseError;

const LABEL_LEN: usize = 4;
const BOTTOM_OF_STACK: u8 = 0x01;

pub(crate) fn ip_in(stack: &[u8]) -> Result<(IpVersion, &[u8]), ParseError> {
    let mut at = 0;
    loop {
        let [_, _, label_low, _]: [u8; LABEL_LEN] =
            array(stack, at).ok_or(ParseError::Truncated)?;
        at += LABEL_LEN;
        if label_low & BOTTOM_OF_STACK != 0 {
            break;
        }
    }
    let packet = stack.get(at..).ok_or(ParseError::Truncated)?;
    Ok((ip::version_of(packet)?, packet))
}
