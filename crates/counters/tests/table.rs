//! The host table end to end: records through a LocalAggregator into a HostTable.

use floodwatch_counters::*;
use floodwatch_packet::{FlowRecord, PROTO_ICMP, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_SYN};
use floodwatch_test_support::{flow, ip, XorShift};
use std::net::{IpAddr, Ipv6Addr};

const START_MS: u64 = 1_700_000_000_000;

/// UDP from port 40000 to port 53.
fn record(src: &str, dst: &str, packets: u64, bytes: u64) -> FlowRecord {
    flow(src, dst).packets(packets).bytes(bytes).build()
}

/// One worker and the ticker, on a simulated clock.
struct Sim {
    aggregator: LocalAggregator,
    table: HostTable,
    now_ms: u64,
}

impl Sim {
    fn new(config: CounterConfig) -> Sim {
        Sim {
            aggregator: LocalAggregator::new(&config),
            table: HostTable::new(config),
            now_ms: START_MS,
        }
    }

    fn monitoring(networks: &[&str]) -> Sim {
        let networks = networks
            .iter()
            .map(|p| p.parse::<Prefix>().unwrap())
            .collect();
        Sim::new(CounterConfig::with_networks(networks))
    }

    fn add(&mut self, record: &FlowRecord) {
        self.aggregator.add(record);
    }

    /// Ends the tick: the batch goes to the table, the table ticks.
    fn tick(&mut self) {
        self.table.apply(self.aggregator.take_batch());
        self.now_ms += self.table.config().tick_ms;
        self.table.tick(self.now_ms);
    }

    fn host(&self, text: &str) -> HostView {
        self.table
            .host(&ip(text))
            .unwrap_or_else(|| panic!("{text} not in the table"))
    }
}

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance * expected.abs().max(1e-9)
}

#[test]
fn direction_and_scopes() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8", "2001:db8::/32"]);
    sim.add(&record("192.0.2.1", "10.0.0.1", 1, 100)); // incoming
    sim.add(&record("10.0.0.2", "192.0.2.1", 2, 200)); // outgoing
    sim.add(&record("10.0.0.3", "10.0.0.4", 4, 400)); // internal
    sim.add(&record("192.0.2.1", "198.51.100.1", 8, 800)); // other
    sim.add(&record("2001:db9::1", "2001:db8::5", 16, 1600)); // incoming IPv6
    sim.tick();

    let h = sim.host("10.0.0.1");
    assert_eq!((h.incoming.packets_total, h.outgoing.packets_total), (1, 0));
    let h = sim.host("10.0.0.2");
    assert_eq!((h.incoming.packets_total, h.outgoing.packets_total), (0, 2));
    assert_eq!(sim.host("10.0.0.3").outgoing.packets_total, 4);
    assert_eq!(sim.host("10.0.0.4").incoming.packets_total, 4);
    assert_eq!(sim.host("2001:db8::5").incoming.bytes_total, 1600);
    assert_eq!(
        sim.host("::ffff:10.0.0.1").ip,
        ip("10.0.0.1"),
        "IPv4-mapped finds the IPv4 host"
    );
    for outside in ["192.0.2.1", "198.51.100.1", "2001:db9::1"] {
        assert!(
            sim.table.host(&ip(outside)).is_none(),
            "{outside} is not monitored"
        );
    }
    assert_eq!(sim.table.len(), 5);

    let totals = sim.table.totals();
    // Internal traffic is a part of both directions, as on the hosts.
    assert_eq!(totals.incoming.packets_total, 17 + 4);
    assert_eq!(totals.outgoing.packets_total, 2 + 4);
    assert_eq!(totals.internal.packets_total, 4);
    assert_eq!(totals.other.packets_total, 8);
    assert_eq!(totals.other.bytes_total, 800);
    assert!(totals.incoming.pps > 0.0 && totals.other.bps > 0.0);
}

#[test]
fn sampling_and_classes() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8"]);
    let base = record("192.0.2.1", "10.0.0.1", 1, 60);
    sim.add(&FlowRecord {
        protocol: PROTO_TCP,
        tcp_flags: TCP_SYN,
        sampling_rate: 100,
        ..base.clone()
    });
    sim.add(&FlowRecord {
        protocol: PROTO_TCP,
        tcp_flags: TCP_ACK,
        packets: 3,
        bytes: 4500,
        ..base.clone()
    });
    sim.add(&FlowRecord {
        protocol: PROTO_UDP,
        fragment: true,
        packets: 2,
        bytes: 3000,
        ..base.clone()
    });
    sim.add(&FlowRecord {
        protocol: PROTO_ICMP,
        sampling_rate: 10,
        ..base.clone()
    });
    sim.tick();
    let incoming = sim.host("10.0.0.1").incoming;
    let packets: Vec<u64> = Class::ALL
        .iter()
        .map(|&c| incoming.class(c).packets_total)
        .collect();
    let bytes: Vec<u64> = Class::ALL
        .iter()
        .map(|&c| incoming.class(c).bytes_total)
        .collect();
    // total, tcp, tcp_syn, udp, icmp, fragment
    assert_eq!(packets, [115, 103, 100, 2, 10, 2]);
    assert_eq!(
        bytes,
        [6000 + 4500 + 3000 + 600, 6000 + 4500, 6000, 3000, 600, 3000]
    );
    assert_eq!(incoming.packets_total, 115);
    assert!(incoming.class(Class::TcpSyn).pps > 0.0);
    let icmp = incoming.class(Class::Icmp);
    assert!(
        close(icmp.bps, icmp.pps * 60.0 * 8.0, 1e-4),
        "60-byte packets: {icmp:?}"
    );
}

#[test]
fn a_constant_rate_converges_to_itself() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8"]);
    // 1000 packets of 500 bytes per tick: 10 000 pps, 40 Mbit/s.
    for _ in 0..100 {
        sim.add(&record("192.0.2.1", "10.0.0.1", 1000, 500_000));
        sim.tick();
    }
    let h = sim.host("10.0.0.1").incoming;
    assert!(close(h.pps, 10_000.0, 1e-3), "{}", h.pps);
    assert!(close(h.bps, 40e6, 1e-3), "{}", h.bps);
    assert!(close(sim.table.totals().incoming.pps, 10_000.0, 1e-3));

    // Silence: the speed decays towards zero without any traffic.
    for _ in 0..50 {
        sim.tick();
    }
    let pps = sim.host("10.0.0.1").incoming.pps;
    assert!(pps < 10_000.0 * 0.01, "{pps}");
}

#[test]
fn a_flood_at_twice_a_threshold_crosses_it_within_a_second() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8"]);
    let threshold = 20_000.0;
    let mut crossed_after_ms = None;
    for tick in 1..=20 {
        sim.add(&record("192.0.2.1", "10.0.0.1", 4_000, 240_000)); // 40 000 pps
        sim.tick();
        if crossed_after_ms.is_none() && sim.host("10.0.0.1").incoming.pps > threshold {
            crossed_after_ms = Some(tick * 100);
        }
    }
    let crossed = crossed_after_ms.expect("never crossed");
    assert!((600..=800).contains(&crossed), "crossed after {crossed} ms");
}

#[test]
fn a_long_flow_is_spread_not_a_spike() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8"]);
    let packets = 600_000u64;
    sim.add(&FlowRecord {
        duration_ms: 60_000,
        ..record("192.0.2.1", "10.0.0.1", packets, packets * 100)
    });
    sim.tick();
    assert_eq!(
        sim.host("10.0.0.1").incoming.packets_total,
        packets,
        "totals take it at once"
    );

    let steady = packets as f64 / 60.0; // 10 000 pps
    let mut highest: f64 = 0.0;
    for tick in 1..=600 {
        sim.tick();
        let pps = sim.host("10.0.0.1").incoming.pps;
        highest = highest.max(pps);
        if (50..590).contains(&tick) {
            assert!(
                close(pps, steady, 0.03),
                "tick {tick}: {pps} pps, expected {steady}"
            );
        }
    }
    assert!(highest < steady * 1.03, "peak {highest}");
    assert_eq!(sim.table.stats().spreading_hosts, 0, "the spread ended");
    for _ in 0..50 {
        sim.tick();
    }
    assert!(sim.host("10.0.0.1").incoming.pps < steady * 0.01);

    // The same traffic as one short record is a spike.
    let mut spike = Sim::monitoring(&["10.0.0.0/8"]);
    spike.add(&record("192.0.2.1", "10.0.0.1", packets, packets * 100));
    spike.tick();
    assert!(spike.host("10.0.0.1").incoming.pps > steady * 50.0);
}

fn udp_flow(dst: &str, port: u16) -> FlowRecord {
    flow("192.0.2.1", dst).ports(port, 53).build()
}

#[test]
fn flows_per_second_counts_distinct_tuples() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8"]);
    // 2000 distinct flows each second, each flow seen in every tick of the second.
    for second in 0..8u16 {
        for _tick in 0..10 {
            for port in 0..2000u16 {
                sim.add(&udp_flow("10.0.0.1", second * 2000 + port));
            }
            sim.tick();
        }
    }
    let h = sim.host("10.0.0.1").incoming;
    assert!(close(h.flows, 2000.0, 0.05), "{}", h.flows);
    assert!(
        close(h.flows_total as f64, 16_000.0, 0.06),
        "{}",
        h.flows_total
    );
    assert!(close(sim.table.totals().incoming.flows, 2000.0, 0.05));
    // A host with three flows a second.
    let mut small = Sim::monitoring(&["10.0.0.0/8"]);
    for _ in 0..100 {
        for port in 0..3 {
            small.add(&udp_flow("10.0.0.2", port));
        }
        small.tick();
    }
    assert!(close(small.host("10.0.0.2").incoming.flows, 3.0, 0.01));
}

#[test]
fn idle_hosts_are_evicted() {
    let mut sim = Sim::new(CounterConfig {
        networks: PrefixSet::everything(),
        idle_timeout_ms: 5_000,
        ..CounterConfig::default()
    });
    sim.add(&record("192.0.2.1", "10.0.0.1", 1, 100));
    sim.tick();
    for _ in 0..100 {
        sim.add(&record("192.0.2.2", "10.0.0.2", 1, 100));
        sim.tick();
    }
    assert!(sim.table.host(&ip("10.0.0.1")).is_none(), "idle host gone");
    assert!(sim.table.host(&ip("10.0.0.2")).is_some(), "busy host kept");
    assert!(sim.table.host(&ip("192.0.2.2")).is_some());
    let stats = sim.table.stats();
    assert_eq!(stats.evictions_idle, 2, "10.0.0.1 and its peer 192.0.2.1");
    assert_eq!(stats.evictions_full, 0);
    assert_eq!(stats.hosts, 2);
    assert_eq!(stats.ticks, 101);
}

#[test]
fn a_spray_of_random_ipv6_hosts_stays_bounded() {
    let max_hosts = 100_000;
    let mut sim = Sim::new(CounterConfig {
        max_hosts,
        ..CounterConfig::default()
    });
    let mut random = XorShift::new(0x853c_49e6_748f_ea9b);
    let mut record = record("2001:db8::1", "2001:db8::2", 1, 80);
    record.src = ip("192.0.2.1"); // the source is monitored too: one fixed host
    for _tick in 0..20 {
        for _ in 0..100_000 {
            record.dst = IpAddr::V6(Ipv6Addr::from(
                (random.next() as u128) << 64 | random.next() as u128,
            ));
            sim.add(&record);
        }
        sim.tick();
        assert!(sim.table.len() <= max_hosts, "{} hosts", sim.table.len());
    }
    let stats = sim.table.stats();
    assert!(
        stats.evictions_full >= 2_000_000 - max_hosts as u64,
        "{stats:?}"
    );
    assert_eq!(stats.hosts, sim.table.len());
    assert_eq!(stats.records, 2_000_000);
    let totals = sim.table.totals();
    assert_eq!(totals.internal.packets_total, 2_000_000);
    assert_eq!(
        totals.incoming.packets_total, 2_000_000,
        "with everything monitored, all traffic arrives"
    );
    assert!(
        close(totals.internal.flows, 1_000_000.0, 0.5),
        "{}",
        totals.internal.flows
    );
    // The busiest host survives: it is seen in every tick.
    assert_eq!(sim.host("192.0.2.1").outgoing.packets_total, 2_000_000);
    eprintln!("spray: {stats:?}");
}

#[test]
fn top_n_matches_a_full_sort() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8"]);
    let mut random = XorShift::new(7);
    for _ in 0..3 {
        for host in 0..3000u32 {
            let dst = IpAddr::from((0x0a00_0000u32 + host).to_be_bytes());
            let packets = random.next() % 50; // many ties
            if packets > 0 {
                let mut r = record(
                    "192.0.2.1",
                    "10.0.0.1",
                    packets,
                    packets * (1 + random.next() % 1500),
                );
                r.dst = dst;
                r.protocol = if random.next().is_multiple_of(2) {
                    PROTO_TCP
                } else {
                    PROTO_UDP
                };
                sim.add(&r);
            }
        }
        sim.tick();
    }
    for metric in [
        Metric::Pps,
        Metric::Bps,
        Metric::Flows,
        Metric::ClassPps(Class::Tcp),
        Metric::ClassBps(Class::Udp),
    ] {
        let mut all: Vec<(f64, IpAddr)> = Vec::new();
        sim.table
            .for_each_host(|h| all.push((h.speed(Direction::Incoming, metric), h.ip())));
        all.retain(|(value, _)| *value > 0.0);
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for n in [1, 10, 100, 5000] {
            let top = sim.table.top(Direction::Incoming, metric, n);
            let expected: Vec<IpAddr> = all.iter().take(n).map(|(_, ip)| *ip).collect();
            let got: Vec<IpAddr> = top.iter().map(|h| h.ip).collect();
            assert_eq!(got, expected, "{metric:?} top {n}");
            if let Some(first) = top.first() {
                assert_eq!(first.incoming.metric(metric), all[0].0);
            }
        }
    }
    assert!(sim
        .table
        .top(Direction::Outgoing, Metric::Pps, 10)
        .is_empty());
}

#[test]
fn threshold_checks_see_the_hosts_updated_this_tick() {
    let mut sim = Sim::monitoring(&["10.0.0.0/8"]);
    for _ in 0..20 {
        sim.add(&record("192.0.2.1", "10.0.0.1", 5_000, 5_000 * 60)); // 50 000 pps
        sim.add(&record("192.0.2.1", "10.0.0.2", 10, 600)); // 100 pps
        sim.tick();
    }
    let over = sim
        .table
        .hosts_over(|h| h.speed(Direction::Incoming, Metric::Pps) > 20_000.0);
    assert_eq!(
        over.iter().map(|h| h.ip).collect::<Vec<_>>(),
        [ip("10.0.0.1")]
    );
    let mut updated = 0;
    sim.table.for_each_updated(|_| updated += 1);
    assert_eq!(updated, 2);
    sim.tick(); // no traffic: nothing rose
    assert!(sim.table.hosts_over(|_| true).is_empty());
}

#[test]
fn apply_before_the_first_tick_lands_on_its_clock() {
    let config = CounterConfig::default();
    let mut aggregator = LocalAggregator::new(&config);
    let mut table = HostTable::new(config);
    aggregator.add(&FlowRecord {
        duration_ms: 10_000,
        ..record("192.0.2.1", "10.0.0.1", 1000, 100_000)
    });
    table.apply(aggregator.take_batch());
    let mut now = START_MS;
    for _ in 0..51 {
        now += 100;
        table.tick(now);
    }
    let pps = table.host(&ip("10.0.0.1")).unwrap().incoming.pps;
    assert!(close(pps, 100.0, 0.05), "{pps}");
    assert_eq!(
        table.host(&ip("10.0.0.1")).unwrap().last_seen_ms,
        START_MS,
        "the tick before the first"
    );
}

#[test]
fn per_host_memory() {
    let (entry, direction) = HostTable::entry_sizes();
    println!(
        "host slab entry: {entry} bytes; per direction with traffic: {direction} bytes (boxed); flow sketch: {} bytes",
        std::mem::size_of::<FlowSketch>()
    );
    // Key, last seen, flags and the compact tier's two directions (16 bytes each), inline.
    assert!(entry <= 72, "{entry}");
    // 192 bytes of counters, speeds and sketch, and the evidence (datagrams this second and the last).
    assert!(direction <= 200, "{direction}");
}
