//! The threshold check against a real host table fed tick by tick.

mod common;

use common::*;
use floodwatch_detect::{check, over, Direction, Group, Limits, MetricSlot, Thresholds, Violation};
use floodwatch_packet::FlowRecord;
use MetricSlot::*;

/// The engine's default: traffic seen in at least two datagrams (or frames).
const MIN_EVIDENCE: u32 = 2;

/// Limits from (slot, limit) pairs; every other slot is off.
fn limits(on: &[(MetricSlot, f64)]) -> Limits {
    on.iter().fold(Limits::default(), |limits, &(slot, limit)| {
        limits.with(slot, limit)
    })
}

/// The global thresholds alone.
fn global(incoming: &[(MetricSlot, f64)], outgoing: &[(MetricSlot, f64)]) -> Thresholds {
    Thresholds::new(Group {
        name: "global".to_string(),
        incoming: limits(incoming),
        outgoing: limits(outgoing),
    })
}

/// `records_per_tick` SYN records of `packets` packets each to `dst`, from spoofed sources.
fn syn_tick(dst: &str, records_per_tick: u32, packets: u64, tick: u32) -> Vec<FlowRecord> {
    (0..records_per_tick)
        .map(|i| syn(&spoofed(tick * records_per_tick + i), dst, packets))
        .collect()
}

/// Runs `ticks` ticks of `traffic(tick)`, checking after each; returns the violations per tick.
fn run(
    sim: &mut Sim,
    thresholds: &Thresholds,
    ticks: u32,
    mut traffic: impl FnMut(u32) -> Vec<FlowRecord>,
) -> Vec<Vec<Violation>> {
    (0..ticks)
        .map(|tick| {
            sim.add_all(&traffic(tick));
            sim.tick();
            check(&sim.table, thresholds, MIN_EVIDENCE)
        })
        .collect()
}

fn first_violation(per_tick: &[Vec<Violation>]) -> Option<(usize, &Violation)> {
    per_tick
        .iter()
        .enumerate()
        .find_map(|(tick, found)| found.first().map(|v| (tick, v)))
}

#[test]
fn a_syn_flood_at_twice_the_limit_is_caught_within_a_second() {
    let thresholds = global(&[(Pps, 20_000.0), (TcpSynPps, 10_000.0)], &[]);
    let mut sim = Sim::new();
    // 20,000 SYN/s: 2,000 packets per 100 ms tick.
    let per_tick = run(&mut sim, &thresholds, 10, |tick| {
        syn_tick("10.0.0.1", 20, 100, tick)
    });
    let (tick, violation) = first_violation(&per_tick).expect("caught within 10 ticks");
    let elapsed_ms = (tick as u64 + 1) * sim.tick_ms();
    assert!(elapsed_ms <= 1000, "caught after {elapsed_ms} ms");
    assert_eq!(violation.ip, ip("10.0.0.1"));
    assert_eq!(violation.view.ip, ip("10.0.0.1"));
    assert_eq!(
        (violation.group, violation.group_name.as_str()),
        (0, "global")
    );
    assert_eq!(violation.direction, Direction::Incoming);
    assert_eq!(violation.metric, "tcp_syn_pps");
    assert_eq!(violation.threshold, 10000.0);
    assert!(violation.observed > 10000.0 && violation.observed < 20000.0);
    assert!(
        per_tick[tick..].iter().all(|found| found.len() == 1),
        "reported every tick after"
    );
}

#[test]
fn with_the_syn_limit_off_the_same_flood_crosses_pps() {
    let thresholds = global(&[(Pps, 10_000.0), (Mbps, 1_000.0)], &[]);
    let mut sim = Sim::new();
    let per_tick = run(&mut sim, &thresholds, 10, |tick| {
        syn_tick("10.0.0.1", 20, 100, tick)
    });
    let (_, violation) = first_violation(&per_tick).expect("caught within a second");
    assert_eq!((violation.metric, violation.threshold), ("pps", 10000.0));
}

#[test]
fn hosts_under_the_limit_are_never_reported() {
    let thresholds = global(
        &[(Pps, 10_000.0), (Flows, 3_500.0), (TcpSynPps, 10_000.0)],
        &[],
    );
    let mut sim = Sim::new();
    // 10.0.0.2 at 95% of the limit for 10 s, 10.0.0.1 flooded at twice it for the last 2 s.
    let per_tick = run(&mut sim, &thresholds, 100, |tick| {
        let mut records = syn_tick("10.0.0.2", 19, 50, tick);
        if tick >= 80 {
            records.extend(syn_tick("10.0.0.1", 20, 100, tick));
        }
        records
    });
    assert!(
        per_tick[..80].iter().all(Vec::is_empty),
        "nothing before the flood"
    );
    let reported: Vec<_> = per_tick.iter().flatten().map(|v| v.ip).collect();
    assert!(!reported.is_empty());
    assert!(
        reported.iter().all(|&found| found == ip("10.0.0.1")),
        "{reported:?}"
    );
    assert!(over(&sim.host("10.0.0.2"), Direction::Incoming, &thresholds, 0).is_none());
}

#[test]
fn the_limit_crossed_by_the_most_is_reported() {
    let thresholds = global(&[(Pps, 20_000.0), (Mbps, 100.0), (UdpPps, 12_000.0)], &[]);
    let mut sim = Sim::new();
    // 15,000 pps of 1,500-byte UDP: 180 Mbit/s (1.8x), udp_pps 1.25x, pps 0.75x.
    let per_tick = run(&mut sim, &thresholds, 30, |tick| {
        (0..15)
            .map(|i| udp(&spoofed(tick * 15 + i), "10.0.0.1", 53, 4000, 100, 150_000))
            .collect()
    });
    let last = per_tick.last().unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].metric, "mbps");
    assert_eq!(last[0].threshold, 100.0);
    assert!(
        (last[0].observed - 180.0).abs() < 10.0,
        "{}",
        last[0].observed
    );
    // Earlier, while the average rose, udp_pps may have been crossed first; never pps.
    assert!(per_tick.iter().flatten().all(|v| v.metric != "pps"));
}

#[test]
fn a_host_gets_its_hostgroup_limits() {
    let thresholds = {
        let mut thresholds = global(&[(Pps, 50_000.0)], &[]);
        let customers = thresholds
            .add_group(Group {
                name: "customers".to_string(),
                incoming: limits(&[(Pps, 5_000.0)]),
                ..Group::default()
            })
            .unwrap();
        thresholds
            .add_hostgroup_prefix("10.1.0.0/16".parse().unwrap(), customers)
            .unwrap();
        thresholds
    };
    let mut sim = Sim::new();
    let per_tick = run(&mut sim, &thresholds, 20, |tick| {
        let mut records = syn_tick("10.1.0.7", 10, 100, tick);
        records.extend(syn_tick("10.2.0.7", 10, 100, tick));
        records
    });
    let reported: Vec<_> = per_tick.iter().flatten().collect();
    assert!(!reported.is_empty());
    for violation in reported {
        assert_eq!(violation.ip, ip("10.1.0.7"));
        assert_eq!(
            (violation.group, violation.group_name.as_str()),
            (1, "customers")
        );
        assert_eq!(violation.threshold, 5000.0);
    }
}

#[test]
fn outgoing_floods_are_checked_against_outgoing_limits() {
    let thresholds = global(&[(Pps, 1_000_000.0)], &[(UdpPps, 5_000.0)]);
    let mut sim = Sim::new();
    let per_tick = run(&mut sim, &thresholds, 10, |tick| {
        (0..10)
            .map(|i| udp("2001:db8::5", &spoofed(tick * 10 + i), 123, 80, 100, 46_800))
            .collect()
    });
    let (_, violation) = first_violation(&per_tick).expect("caught");
    assert_eq!(violation.ip, ip("2001:db8::5"));
    assert_eq!(violation.direction, Direction::Outgoing);
    assert_eq!(violation.metric, "udp_pps");
}

#[test]
fn a_flood_of_flows_crosses_the_flows_limit() {
    let thresholds = global(&[(Pps, 100_000.0), (Flows, 1_000.0)], &[]);
    let mut sim = Sim::new();
    // 3,000 new 5-tuples per second, one packet each.
    let per_tick = run(&mut sim, &thresholds, 20, |tick| {
        (0..300)
            .map(|i| syn(&spoofed(tick * 300 + i), "10.0.0.9", 1))
            .collect()
    });
    let (_, violation) = first_violation(&per_tick).expect("caught");
    assert_eq!(violation.metric, "flows");
    assert!(violation.observed > 1000.0);
}

#[test]
fn over_follows_a_banned_host_until_its_traffic_decays() {
    let thresholds = global(&[(TcpSynPps, 10_000.0)], &[]);
    let mut sim = Sim::new();
    let per_tick = run(&mut sim, &thresholds, 20, |tick| {
        syn_tick("10.0.0.1", 20, 100, tick)
    });
    assert!(first_violation(&per_tick).is_some());
    let host = sim.host("10.0.0.1");
    let (metric, threshold, observed) = over(&host, Direction::Incoming, &thresholds, 0).unwrap();
    assert_eq!((metric, threshold), ("tcp_syn_pps", 10000.0));
    assert!(observed > 15000.0);
    assert!(over(&host, Direction::Outgoing, &thresholds, 0).is_none());

    // The flood stops: the speeds decay, the host drops under the limit for good.
    let after = run(&mut sim, &thresholds, 30, |_| Vec::new());
    assert!(after[10..].iter().all(Vec::is_empty));
    assert!(over(&sim.host("10.0.0.1"), Direction::Incoming, &thresholds, 0).is_none());
}

#[test]
fn nothing_is_reported_when_every_limit_is_off() {
    let thresholds = Thresholds::default();
    let mut sim = Sim::new();
    let per_tick = run(&mut sim, &thresholds, 10, |tick| {
        syn_tick("10.0.0.1", 20, 1000, tick)
    });
    assert!(per_tick.iter().all(Vec::is_empty));
}

/// One forged datagram, whatever it claims (here 4 billion packets per record, as a
/// sampling rate of 4e9 would make them), is no attack; a second datagram confirms it.
#[test]
fn one_datagram_is_not_enough_evidence_for_a_violation() {
    let thresholds = global(&[(Pps, 20_000.0)], &[]);
    let mut sim = Sim::new();
    sim.tick();
    let forged = [
        udp(
            "192.0.2.1",
            "10.0.0.1",
            123,
            80,
            4_000_000_000,
            4_000_000_000 * 468,
        ),
        udp(
            "192.0.2.2",
            "10.0.0.1",
            123,
            80,
            4_000_000_000,
            4_000_000_000 * 468,
        ),
    ];
    sim.datagram(&forged);
    sim.tick();
    assert!(check(&sim.table, &thresholds, MIN_EVIDENCE).is_empty());
    assert_eq!(
        check(&sim.table, &thresholds, 1).len(),
        1,
        "the same traffic, evidence not required"
    );
    for _ in 0..20 {
        sim.tick();
        assert!(check(&sim.table, &thresholds, MIN_EVIDENCE).is_empty());
    }
    // Two seconds on, the first datagram no longer counts.
    sim.datagram(&forged[..1]);
    sim.tick();
    assert!(check(&sim.table, &thresholds, MIN_EVIDENCE).is_empty());
    sim.tick();
    sim.datagram(&forged[..1]);
    sim.tick();
    assert_eq!(check(&sim.table, &thresholds, MIN_EVIDENCE).len(), 1);
}

/// sFlow at 1 in 4096 of a flood at twice the threshold: about 10 samples a second, packed a
/// few per datagram by the agent, still caught within the second.
#[test]
fn a_sampled_flood_at_twice_the_limit_has_evidence_within_a_second() {
    let thresholds = global(&[(Pps, 20_000.0)], &[]);
    let mut sim = Sim::new();
    let mut caught = None;
    for tick in 0..10u32 {
        // One datagram of 3 samples every 300 ms.
        if tick % 3 == 0 {
            let samples: Vec<FlowRecord> = (0..3)
                .map(|i| FlowRecord {
                    sampling_rate: 4096,
                    ..udp(&spoofed(tick * 3 + i), "10.0.0.1", 123, 80, 1, 468)
                })
                .collect();
            sim.datagram(&samples);
        }
        sim.tick();
        if !check(&sim.table, &thresholds, MIN_EVIDENCE).is_empty() {
            caught = Some(tick);
            break;
        }
    }
    let tick = caught.expect("caught within 10 ticks");
    assert!((tick as u64 + 1) * sim.tick_ms() <= 1000);
}
