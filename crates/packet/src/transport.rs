//! Ports and TCP flags from the upper-layer header.

use crate::bytes::{array, be16};
use crate::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};

const PROTO_DCCP: u8 = 33;
const PROTO_SCTP: u8 = 132;
const PROTO_UDP_LITE: u8 = 136;

const TCP_FLAGS_AT: usize = 13;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Transport {
    pub src_port: u16,
    pub dst_port: u16,
    pub tcp_flags: u8,
}

/// Reads what `header` holds; fields it is too short for stay 0.
///
/// ICMP and ICMPv6 have no ports: `src_port` is 0 and `dst_port` is `type << 8 | code`, as
/// NetFlow reports them. Protocols without ports give 0 for both.
pub(crate) fn parse(protocol: u8, header: &[u8]) -> Transport {
    match protocol {
        PROTO_TCP => Transport {
            tcp_flags: header.get(TCP_FLAGS_AT).copied().unwrap_or(0),
            ..ports(header)
        },
        PROTO_UDP | PROTO_SCTP | PROTO_DCCP | PROTO_UDP_LITE => ports(header),
        PROTO_ICMP | PROTO_ICMPV6 => Transport {
            dst_port: be16(header, 0).unwrap_or(0),
            ..Transport::default()
        },
        _ => Transport::default(),
    }
}

fn ports(header: &[u8]) -> Transport {
    let [src_high, src_low, dst_high, dst_low] = array(header, 0).unwrap_or_default();
    Transport {
        src_port: u16::from_be_bytes([src_high, src_low]),
        dst_port: u16::from_be_bytes([dst_high, dst_low]),
        tcp_flags: 0,
    }
}
