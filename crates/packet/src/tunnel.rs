//! Decapsulation: from an outer IP packet to the one its GRE or GTP-U tunnel carries.

use crate::bytes::be16;
use crate::ip::{self, IpPacket};
use crate::{gre, gtpu, PROTO_UDP};

const PROTO_GRE: u8 = 47;
const UDP_HEADER_LEN: usize = 8;
const UDP_DST_PORT_AT: usize = 2;

/// The tunnelled packet, or `None` when `outer` is not a tunnel packet whose inner IP
/// header can be read.
pub(crate) fn inner<'a>(outer: &IpPacket<'a>) -> Option<IpPacket<'a>> {
    let payload = outer.payload?;
    let (version, packet) = match outer.protocol {
        PROTO_GRE => gre::inner(payload)?,
        PROTO_UDP if be16(payload, UDP_DST_PORT_AT)? == gtpu::PORT => {
            gtpu::inner(payload.get(UDP_HEADER_LEN..)?)?
        }
        _ => return None,
    };
    ip::parse(version, packet).ok()
}
