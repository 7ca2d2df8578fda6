//! What kind of attack a host's traffic is, from its counters and, when kept, its samples.

use crate::samples::DirectionSamples;
use floodwatch_counters::{Class, DirectionView};
use floodwatch_packet::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};

/// What kind of attack a host's traffic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttackType {
    SynFlood,
    UdpFlood,
    IcmpFlood,
    IpFragmentation,
    TcpFlood,
    DnsAmplification,
    NtpAmplification,
    SsdpAmplification,
    MemcachedAmplification,
    ChargenAmplification,
    CldapAmplification,
    SnmpAmplification,
    RipAmplification,
    MssqlAmplification,
    NetbiosAmplification,
    PortmapAmplification,
    QotdAmplification,
    WsDiscoveryAmplification,
    CoapAmplification,
    ArdAmplification,
    OpenvpnAmplification,
    Unknown,
}

impl AttackType {
    /// Every kind, in declaration order.
    pub const ALL: [AttackType; 22] = [
        AttackType::SynFlood,
        AttackType::UdpFlood,
        AttackType::IcmpFlood,
        AttackType::IpFragmentation,
        AttackType::TcpFlood,
        AttackType::DnsAmplification,
        AttackType::NtpAmplification,
        AttackType::SsdpAmplification,
        AttackType::MemcachedAmplification,
        AttackType::ChargenAmplification,
        AttackType::CldapAmplification,
        AttackType::SnmpAmplification,
        AttackType::RipAmplification,
        AttackType::MssqlAmplification,
        AttackType::NetbiosAmplification,
        AttackType::PortmapAmplification,
        AttackType::QotdAmplification,
        AttackType::WsDiscoveryAmplification,
        AttackType::CoapAmplification,
        AttackType::ArdAmplification,
        AttackType::OpenvpnAmplification,
        AttackType::Unknown,
    ];

    /// The kind's name as the API, the notify script and FastNetMon's users write it.
    pub fn name(self) -> &'static str {
        match self {
            AttackType::SynFlood => "syn_flood",
            AttackType::UdpFlood => "udp_flood",
            AttackType::IcmpFlood => "icmp_flood",
            AttackType::IpFragmentation => "ip_fragmentation",
            AttackType::TcpFlood => "tcp_flood",
            AttackType::DnsAmplification => "dns_amplification",
            AttackType::NtpAmplification => "ntp_amplification",
            AttackType::SsdpAmplification => "ssdp_amplification",
            AttackType::MemcachedAmplification => "memcached_amplification",
            AttackType::ChargenAmplification => "chargen_amplification",
            AttackType::CldapAmplification => "cldap_amplification",
            AttackType::SnmpAmplification => "snmp_amplification",
            AttackType::RipAmplification => "rip_amplification",
            AttackType::MssqlAmplification => "mssql_amplification",
            AttackType::NetbiosAmplification => "netbios_amplification",
            AttackType::PortmapAmplification => "portmap_amplification",
            AttackType::QotdAmplification => "qotd_amplification",
            AttackType::WsDiscoveryAmplification => "ws_discovery_amplification",
            AttackType::CoapAmplification => "coap_amplification",
            AttackType::ArdAmplification => "ard_amplification",
            AttackType::OpenvpnAmplification => "openvpn_amplification",
            AttackType::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for AttackType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for AttackType {
    fn eq(&self, name: &&str) -> bool {
        self.name() == *name
    }
}

/// UDP source ports of services abused as reflectors, and the attack each one names.
pub const REFLECTOR_PORTS: [(u16, AttackType); 16] = [
    (53, AttackType::DnsAmplification),
    (123, AttackType::NtpAmplification),
    (1900, AttackType::SsdpAmplification),
    (11211, AttackType::MemcachedAmplification),
    (19, AttackType::ChargenAmplification),
    (389, AttackType::CldapAmplification),
    (161, AttackType::SnmpAmplification),
    (520, AttackType::RipAmplification),
    (1434, AttackType::MssqlAmplification),
    (137, AttackType::NetbiosAmplification),
    (111, AttackType::PortmapAmplification),
    (17, AttackType::QotdAmplification),
    (3702, AttackType::WsDiscoveryAmplification),
    (5683, AttackType::CoapAmplification),
    (3283, AttackType::ArdAmplification),
    (1194, AttackType::OpenvpnAmplification),
];

/// Part of the traffic a class or a port must carry to name the attack.
const MOST: f64 = 0.5;

/// Packets (per second, or counted) of the disjoint parts of a direction's traffic.
#[derive(Clone, Copy, Debug)]
struct Mix {
    total: f64,
    tcp_syn: f64,
    tcp_other: f64,
    udp: f64,
    icmp: f64,
    fragments: f64,
}

impl Mix {
    /// From the speeds; from the totals when the speeds have decayed to nothing.
    fn of_counters(counters: &DirectionView) -> Option<Mix> {
        let by_speed = |class: Class| counters.class(class).pps;
        let by_total = |class: Class| counters.class(class).packets_total as f64;
        let mix = Mix::from_classes(by_speed);
        if mix.total > 0.0 {
            return Some(mix);
        }
        Some(Mix::from_classes(by_total)).filter(|mix| mix.total > 0.0)
    }

    fn from_classes(packets: impl Fn(Class) -> f64) -> Mix {
        let tcp_syn = packets(Class::TcpSyn);
        Mix {
            total: packets(Class::Total),
            tcp_syn,
            tcp_other: (packets(Class::Tcp) - tcp_syn).max(0.0),
            udp: packets(Class::Udp),
            icmp: packets(Class::Icmp),
            fragments: packets(Class::Fragment),
        }
    }

    fn of_samples(samples: &DirectionSamples) -> Option<Mix> {
        let packets = |protocol| samples.protocol(protocol).packets as f64;
        let tcp_syn = samples.tcp_syn.packets as f64;
        let mix = Mix {
            total: samples.traffic.packets as f64,
            tcp_syn,
            tcp_other: (packets(PROTO_TCP) - tcp_syn).max(0.0),
            udp: packets(PROTO_UDP),
            icmp: packets(PROTO_ICMP) + packets(PROTO_ICMPV6),
            fragments: samples.fragments.packets as f64,
        };
        (mix.total > 0.0).then_some(mix)
    }

    /// The largest part, if it is one of the flood kinds (not some other protocol).
    fn dominant(&self) -> Option<AttackType> {
        let other = (self.total - self.tcp_syn - self.tcp_other - self.udp - self.icmp).max(0.0);
        [
            (self.tcp_syn, AttackType::SynFlood),
            (self.udp, AttackType::UdpFlood),
            (self.icmp, AttackType::IcmpFlood),
            (self.tcp_other, AttackType::TcpFlood),
            (other, AttackType::Unknown),
        ]
        .into_iter()
        .filter(|(packets, _)| *packets > 0.0)
        .reduce(|best, part| if part.0 > best.0 { part } else { best })
        .map(|(_, kind)| kind)
        .filter(|&kind| kind != AttackType::Unknown)
    }
}

/// The reflector port that carries most of the sampled UDP traffic with ports, if any.
fn amplification(samples: &DirectionSamples) -> Option<AttackType> {
    let base = samples.udp_with_ports.packets;
    if base == 0 {
        return None;
    }
    let top = samples
        .source_ports
        .iter()
        .filter(|entry| entry.protocol == PROTO_UDP)
        .max_by_key(|entry| entry.packets)?;
    if (top.packets as f64) <= MOST * base as f64 {
        return None;
    }
    REFLECTOR_PORTS
        .iter()
        .find(|(port, _)| *port == top.port)
        .map(|(_, kind)| *kind)
}

/// Names the attack in one direction of a host: amplification when UDP dominates and one
/// reflector source port carries most of the sampled UDP, IP fragmentation when most packets
/// are fragments, otherwise the dominant class's flood. The counters decide the mix; the
/// samples (of the same direction) do when the counters have nothing.
pub fn classify(counters: &DirectionView, samples: Option<&DirectionSamples>) -> AttackType {
    let Some(mix) = Mix::of_counters(counters).or_else(|| samples.and_then(Mix::of_samples)) else {
        return AttackType::Unknown;
    };
    let dominant = mix.dominant();
    if dominant == Some(AttackType::UdpFlood) {
        if let Some(kind) = samples.and_then(amplification) {
            return kind;
        }
    }
    if mix.fragments > MOST * mix.total {
        return AttackType::IpFragmentation;
    }
    dominant.unwrap_or(AttackType::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binding's string enum (native/src/detection.rs) has the same variants, snake_cased by
    /// napi-rs: each name must be its variant's name snake_cased.
    #[test]
    fn every_kind_is_named_as_its_variant_snake_cased() {
        for kind in AttackType::ALL {
            let mut snake = String::new();
            for (i, c) in format!("{kind:?}").chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            assert_eq!(kind.name(), snake);
        }
        let mut names: Vec<&str> = AttackType::ALL.iter().map(|kind| kind.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AttackType::ALL.len());
    }

    #[test]
    fn reflector_ports_are_listed_once() {
        let mut ports: Vec<u16> = REFLECTOR_PORTS.iter().map(|(port, _)| *port).collect();
        ports.sort();
        ports.dedup();
        assert_eq!(ports.len(), REFLECTOR_PORTS.len());
        assert!(REFLECTOR_PORTS
            .iter()
            .all(|(_, kind)| kind.name().ends_with("_amplification")));
    }
}
