//! Names of IP protocols, for reports.

use floodwatch_packet::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};

pub(crate) fn protocol_name(protocol: u8) -> &'static str {
    match protocol {
        PROTO_ICMP => "icmp",
        2 => "igmp",
        4 => "ipip",
        PROTO_TCP => "tcp",
        PROTO_UDP => "udp",
        41 => "ipv6",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        PROTO_ICMPV6 => "icmpv6",
        89 => "ospf",
        132 => "sctp",
        _ => "other",
    }
}

/// Whether the protocol's records carry ports.
pub(crate) fn has_ports(protocol: u8) -> bool {
    matches!(protocol, PROTO_TCP | PROTO_UDP | 132)
}
