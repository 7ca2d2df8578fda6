//! Attack classification from a watched host's counters and samples, records fed end to end.

mod common;

use common::*;
use floodwatch_counters::DirectionView;
use floodwatch_detect::{classify, AttackType, Direction, DirectionSamples};
use floodwatch_packet::{FlowRecord, PROTO_ICMP, PROTO_UDP};

const VICTIM: &str = "10.0.0.1";

/// Watches the victim, runs 1 s of `traffic(tick)` and classifies its incoming direction.
fn classify_incoming(traffic: impl FnMut(u32) -> Vec<FlowRecord>) -> AttackType {
    let (counters, samples) = observe(Direction::Incoming, traffic);
    classify(&counters, Some(&samples))
}

fn observe(
    direction: Direction,
    mut traffic: impl FnMut(u32) -> Vec<FlowRecord>,
) -> (DirectionView, DirectionSamples) {
    let mut sim = Sim::new();
    sim.watch.watch(ip(VICTIM));
    for tick in 0..10 {
        sim.add_all(&traffic(tick));
        sim.tick();
    }
    let counters = sim.host(VICTIM).direction(direction).clone();
    let samples = sim.store.summary(&ip(VICTIM)).expect("samples kept");
    (counters, samples.direction(direction).clone())
}

fn icmp(src: &str, dst: &str, packets: u64) -> FlowRecord {
    flow(src, dst)
        .protocol(PROTO_ICMP)
        .ports(0, 0)
        .packets(packets)
        .bytes(packets * 84)
        .build()
}

/// The second and later fragments of a datagram: no ports.
fn trailing_fragment(src: &str, dst: &str, protocol: u8, packets: u64) -> FlowRecord {
    flow(src, dst)
        .protocol(protocol)
        .fragment(true)
        .ports(0, 0)
        .packets(packets)
        .bytes(packets * 1500)
        .build()
}

#[test]
fn syn_flood() {
    let kind = classify_incoming(|tick| {
        let mut records: Vec<_> = (0..20)
            .map(|i| syn(&spoofed(tick * 20 + i), VICTIM, 100))
            .collect();
        records.push(ack("192.0.2.1", VICTIM, 50));
        records.push(udp("192.0.2.53", VICTIM, 53, 5353, 20, 2000));
        records
    });
    assert_eq!(kind, "syn_flood");
}

#[test]
fn ntp_amplification() {
    let kind = classify_incoming(|tick| {
        let mut records: Vec<_> = (0..30)
            .map(|i| udp(&spoofed(tick * 30 + i), VICTIM, 123, 80, 50, 50 * 468))
            .collect();
        records.push(udp("192.0.2.53", VICTIM, 53, 5353, 30, 3000));
        records.push(ack("192.0.2.1", VICTIM, 100));
        records
    });
    assert_eq!(kind, "ntp_amplification");
}

#[test]
fn dns_amplification_with_fragmented_answers() {
    // Each 4 kB answer is three packets, only the first carrying the UDP header.
    let kind = classify_incoming(|tick| {
        (0..20)
            .flat_map(|i| {
                let reflector = spoofed(tick * 20 + i);
                let mut first = udp(&reflector, VICTIM, 53, 31337, 10, 15_000);
                first.fragment = true;
                [first, trailing_fragment(&reflector, VICTIM, PROTO_UDP, 20)]
            })
            .collect()
    });
    assert_eq!(kind, "dns_amplification");
}

#[test]
fn memcached_and_ssdp_are_named_by_their_ports() {
    for (port, expected) in [
        (11211, "memcached_amplification"),
        (1900, "ssdp_amplification"),
    ] {
        let kind = classify_incoming(|tick| {
            (0..10)
                .map(|i| udp(&spoofed(tick * 10 + i), VICTIM, port, 443, 100, 140_000))
                .collect()
        });
        assert_eq!(kind, expected);
    }
}

#[test]
fn a_udp_flood_from_random_ports_is_a_udp_flood() {
    let kind = classify_incoming(|tick| {
        (0..50)
            .map(|i| {
                let n = tick * 50 + i;
                udp(
                    &spoofed(n),
                    VICTIM,
                    1024 + n as u16,
                    9 + n as u16,
                    40,
                    40 * 512,
                )
            })
            .collect()
    });
    assert_eq!(kind, "udp_flood");
}

#[test]
fn a_reflector_port_with_under_half_the_udp_is_no_amplification() {
    let kind = classify_incoming(|tick| {
        (0..40)
            .map(|i| {
                let n = tick * 40 + i;
                let port = if i % 3 == 0 { 123 } else { 2000 + n as u16 };
                udp(&spoofed(n), VICTIM, port, 80, 40, 40 * 468)
            })
            .collect()
    });
    assert_eq!(kind, "udp_flood");
}

#[test]
fn a_dns_server_answering_a_udp_flood_is_not_a_dns_amplification() {
    // Queries flood in to port 53; the answers go out from port 53.
    let traffic = |tick: u32| -> Vec<FlowRecord> {
        (0..30)
            .flat_map(|i| {
                let client = spoofed(tick * 30 + i);
                [
                    udp(&client, VICTIM, 40000 + i as u16, 53, 100, 100 * 80),
                    udp(VICTIM, &client, 53, 40000 + i as u16, 100, 100 * 500),
                ]
            })
            .collect()
    };
    let (counters, samples) = observe(Direction::Incoming, traffic);
    assert_eq!(classify(&counters, Some(&samples)), "udp_flood");
    let (counters, samples) = observe(Direction::Outgoing, traffic);
    assert_eq!(
        classify(&counters, Some(&samples)),
        "dns_amplification",
        "outgoing, the host is the reflector"
    );
}

#[test]
fn icmp_flood() {
    let kind = classify_incoming(|tick| {
        let mut records: Vec<_> = (0..20)
            .map(|i| icmp(&spoofed(tick * 20 + i), VICTIM, 100))
            .collect();
        records.push(syn("192.0.2.1", VICTIM, 10));
        records
    });
    assert_eq!(kind, "icmp_flood");
}

#[test]
fn ip_fragmentation() {
    // Trailing fragments of nothing: ICMP and UDP fragments, no reflector port.
    let kind = classify_incoming(|tick| {
        (0..20)
            .flat_map(|i| {
                let src = spoofed(tick * 20 + i);
                [
                    trailing_fragment(&src, VICTIM, PROTO_UDP, 30),
                    trailing_fragment(&src, VICTIM, PROTO_ICMP, 40),
                    udp(&src, VICTIM, 5000, 6000, 10, 1000),
                ]
            })
            .collect()
    });
    assert_eq!(kind, "ip_fragmentation");
}

#[test]
fn an_ack_flood_is_a_tcp_flood() {
    let kind = classify_incoming(|tick| {
        (0..20)
            .map(|i| ack(&spoofed(tick * 20 + i), VICTIM, 100))
            .collect()
    });
    assert_eq!(kind, "tcp_flood");
}

#[test]
fn unknown() {
    // GRE: none of the flood kinds.
    let kind = classify_incoming(|tick| {
        (0..20)
            .map(|i| FlowRecord {
                protocol: 47,
                ..udp(&spoofed(tick * 20 + i), VICTIM, 0, 0, 100, 100 * 1400)
            })
            .collect()
    });
    assert_eq!(kind, "unknown");
    assert_eq!(classify(&DirectionView::default(), None), "unknown");
    assert_eq!(
        classify(
            &DirectionView::default(),
            Some(&DirectionSamples::default())
        ),
        "unknown"
    );
}

#[test]
fn without_samples_the_counters_decide() {
    let (counters, _) = observe(Direction::Incoming, |tick| {
        (0..30)
            .map(|i| udp(&spoofed(tick * 30 + i), VICTIM, 123, 80, 50, 50 * 468))
            .collect()
    });
    assert_eq!(
        classify(&counters, None),
        "udp_flood",
        "no samples, no port to tell"
    );
}

#[test]
fn without_speeds_the_totals_or_the_samples_decide() {
    let (mut counters, samples) = observe(Direction::Incoming, |tick| {
        (0..20)
            .map(|i| syn(&spoofed(tick * 20 + i), VICTIM, 100))
            .collect()
    });
    for class in counters.classes.iter_mut() {
        class.pps = 0.0;
    }
    counters.pps = 0.0;
    assert_eq!(classify(&counters, None), "syn_flood", "from the totals");
    assert_eq!(
        classify(&DirectionView::default(), Some(&samples)),
        "syn_flood",
        "from the samples"
    );
}
