//! What kind of attack a host's traffic is, from its counters and, when kept, its samples.

use crate::samples::DirectionSamples;
use floodwatch_counters::{Class, DirectionView};
use floodwatch_packet::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};

/// `syn_flood`, `udp_flood`, `icmp_flood`, `ip_fragmentation`, `tcp_flood`,
/// `<service>_amplification` or `unknown`.
pub type AttackType = &'static str;

/// UDP source ports of services abused as reflectors, and the attack each one names.
pub const REFLECTOR_PORTS: [(u16, AttackType); 16] = [
    (53, "dns_amplification"),
    (123, "ntp_amplification"),
    (1900, "ssdp_amplification"),
    (11211, "memcached_amplification"),
    (19, "chargen_amplification"),
    (389, "cldap_amplification"),
    (161, "snmp_amplification"),
    (520, "rip_amplification"),
    (1434, "mssql_amplification"),
    (137, "netbios_amplification"),
    (111, "portmap_amplification"),
    (17, "qotd_amplification"),
    (3702, "ws_discovery_amplification"),
    (5683, "coap_amplification"),
    (3283, "ard_amplification"),
    (1194, "openvpn_amplification"),
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
            (self.tcp_syn, "syn_flood"),
            (self.udp, "udp_flood"),
            (self.icmp, "icmp_flood"),
            (self.tcp_other, "tcp_flood"),
            (other, "unknown"),
        ]
        .into_iter()
        .filter(|(packets, _)| *packets > 0.0)
        .reduce(|best, part| if part.0 > best.0 { part } else { best })
        .map(|(_, kind)| kind)
        .filter(|&kind| kind != "unknown")
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
        return "unknown";
    };
    let dominant = mix.dominant();
    if dominant == Some("udp_flood") {
        if let Some(kind) = samples.and_then(amplification) {
            return kind;
        }
    }
    if mix.fragments > MOST * mix.total {
        return "ip_fragmentation";
    }
    dominant.unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflector_ports_are_listed_once() {
        let mut ports: Vec<u16> = REFLECTOR_PORTS.iter().map(|(port, _)| *port).collect();
        ports.sort();
        ports.dedup();
        assert_eq!(ports.len(), REFLECTOR_PORTS.len());
        assert!(REFLECTOR_PORTS
            .iter()
            .all(|(_, kind)| kind.ends_with("_amplification")));
    }
}
