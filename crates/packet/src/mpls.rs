//! MPLS label stack (RFC 3032) and what its bottom label carries. No field says: the first
//! nibble after the stack tells, as routers read it (RFC 4928): 4 is IPv4, 6 is IPv6, 0 is
//! the control word (RFC 4385) of a pseudowire, before an Ethernet frame (RFC 4448; VPLS and
//! EVPN carry Ethernet the same way). Ethernet pseudowires and EVPN may also do without a
//! control word: then the frame starts right after the stack, and its first nibble is that of
//! the destination MAC address, any value, 0, 4 and 6 included (RFC 8469). Where two readings
//! are possible, the one whose inner header checks out wins (see `pseudowire`).

use crate::bytes::array;
use crate::ip::IpVersion;
use crate::{ethernet, pseudowire, ParseError};

const LABEL_LEN: usize = 4;
const BOTTOM_OF_STACK: u8 = 0x01;

pub(crate) fn ip_in(stack: &[u8], depth: usize) -> Result<(IpVersion, &[u8]), ParseError> {
    let mut at = 0;
    loop {
        let [_, _, label_low, _]: [u8; LABEL_LEN] =
            array(stack, at).ok_or(ParseError::Truncated)?;
        at += LABEL_LEN;
        if label_low & BOTTOM_OF_STACK != 0 {
            break;
        }
    }
    let payload = stack.get(at..).ok_or(ParseError::Truncated)?;
    let frame_at = match pseudowire::reading(payload)? {
        pseudowire::Reading::Ip(version) => return Ok((version, payload)),
        pseudowire::Reading::Ethernet { at } => at,
    };
    if depth >= ethernet::MAX_NESTED_FRAMES {
        return Err(ParseError::BadHeader);
    }
    let frame = payload.get(frame_at..).ok_or(ParseError::Truncated)?;
    // The frame's own VLAN is not the packet's: only the outermost frame's counts.
    let link = ethernet::parse_nested_frame(frame, depth + 1)?;
    Ok((link.version, link.packet))
}
