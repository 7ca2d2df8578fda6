//! The host table's two tiers: compact hosts, promotion to full counters, eviction order,
//! protection and the approximate flag.

use floodwatch_counters::*;
use floodwatch_packet::{FlowRecord, PROTO_TCP, TCP_SYN};
use floodwatch_test_support::{flow, ip};
use std::net::IpAddr;

const START_MS: u64 = 1_700_000_000_000;

/// UDP from 192.0.2.1:40000 to port 53, 100 bytes a packet.
fn record(dst: &str, packets: u64) -> FlowRecord {
    flow("192.0.2.1", dst)
        .packets(packets)
        .bytes(packets * 100)
        .build()
}

struct Sim {
    aggregator: LocalAggregator,
    table: HostTable,
    now_ms: u64,
}

impl Sim {
    /// 10.0.0.0/8 monitored; hosts under 1000 pps and 80 Mbit/s stay compact.
    fn new(max_hosts: usize) -> Sim {
        let config = CounterConfig {
            max_hosts,
            idle_timeout_ms: 5_000,
            ..CounterConfig::with_networks(
                ["10.0.0.0/8".parse::<Prefix>().unwrap()]
                    .into_iter()
                    .collect(),
            )
        };
        let mut table = HostTable::new(config.clone());
        table.set_promotion(Promotion {
            pps: 1000.0,
            bps: 80e6,
        });
        Sim {
            aggregator: LocalAggregator::new(&config),
            table,
            now_ms: START_MS,
        }
    }

    fn tick_with(&mut self, records: &[FlowRecord]) {
        for record in records {
            self.aggregator.add(record);
        }
        self.table.apply(self.aggregator.take_batch());
        self.now_ms += self.table.config().tick_ms;
        self.table.tick(self.now_ms);
    }

    fn host(&self, text: &str) -> HostView {
        self.table
            .host(&ip(text))
            .unwrap_or_else(|| panic!("{text} not in the table"))
    }

    fn is_full(&self, text: &str) -> bool {
        let mut full = None;
        self.table.for_each_host(|h| {
            if h.ip() == ip(text) {
                full = Some(h.is_full());
            }
        });
        full.unwrap_or_else(|| panic!("{text} not in the table"))
    }
}

#[test]
fn a_host_that_sends_little_stays_compact_with_exact_totals() {
    let mut sim = Sim::new(1000);
    for _ in 0..5 {
        sim.tick_with(&[record("10.0.0.1", 3)]);
    }
    let host = sim.host("10.0.0.1");
    assert_eq!(
        (host.incoming.packets_total, host.incoming.bytes_total),
        (15, 1500)
    );
    assert!(host.incoming.pps > 0.0 && host.incoming.pps < 1000.0);
    assert!(
        host.incoming.approximate,
        "protocol figures and flows are not kept"
    );
    assert_eq!(host.incoming.class(Class::Udp).packets_total, 0);
    assert!(
        !host.outgoing.approximate,
        "no traffic that way: nothing is missing"
    );
    assert!(!sim.is_full("10.0.0.1"));
    let stats = sim.table.stats();
    assert_eq!(
        (
            stats.hosts,
            stats.hosts_compact,
            stats.hosts_full,
            stats.promotions
        ),
        (1, 1, 0, 0)
    );
    // Compact hosts are never offered to the threshold check: they are under every limit.
    assert!(sim.table.hosts_over(|_| true).is_empty());
}

#[test]
fn a_host_that_grows_is_promoted_and_keeps_its_totals() {
    let mut sim = Sim::new(1000);
    sim.tick_with(&[record("10.0.0.1", 3)]);
    let syn = FlowRecord {
        protocol: PROTO_TCP,
        tcp_flags: TCP_SYN,
        ..record("10.0.0.1", 5_000)
    };
    for _ in 0..10 {
        sim.tick_with(&[syn.clone(), syn.clone()]);
    }
    assert!(sim.is_full("10.0.0.1"));
    let host = sim.host("10.0.0.1");
    assert_eq!(host.incoming.packets_total, 3 + 100_000);
    assert_eq!(host.incoming.class(Class::TcpSyn).packets_total, 100_000);
    assert!(
        host.incoming.class(Class::TcpSyn).pps > 50_000.0,
        "{}",
        host.incoming.class(Class::TcpSyn).pps
    );
    assert!(host.incoming.flows > 0.0);
    assert!(
        host.incoming.approximate,
        "the 3 packets counted compact have no protocol"
    );
    let stats = sim.table.stats();
    assert_eq!(
        (stats.hosts_compact, stats.hosts_full, stats.promotions),
        (0, 1, 1)
    );
    assert_eq!(
        sim.table
            .hosts_over(
                |h| h.speed(Direction::Incoming, Metric::ClassPps(Class::TcpSyn)) > 20_000.0
            )
            .len(),
        1
    );
}

#[test]
fn a_host_big_from_its_first_record_is_exact() {
    let mut sim = Sim::new(1000);
    sim.tick_with(&[record("10.0.0.2", 50_000)]);
    assert!(sim.is_full("10.0.0.2"));
    let host = sim.host("10.0.0.2");
    assert!(!host.incoming.approximate);
    assert_eq!(host.incoming.class(Class::Udp).packets_total, 50_000);
}

#[test]
fn long_flows_promote_a_host() {
    let mut sim = Sim::new(1000);
    sim.tick_with(&[FlowRecord {
        duration_ms: 30_000,
        ..record("10.0.0.3", 30)
    }]);
    assert!(sim.is_full("10.0.0.3"));
    assert_eq!(sim.table.stats().spreading_hosts, 1);
}

#[test]
fn with_no_promotion_speeds_every_host_is_full() {
    let mut sim = Sim::new(1000);
    sim.table.set_promotion(Promotion::default());
    sim.tick_with(&[record("10.0.0.4", 1)]);
    assert!(sim.is_full("10.0.0.4"));
    assert!(!sim.host("10.0.0.4").incoming.approximate);
}

#[test]
fn a_full_table_drops_compact_hosts_first_then_the_least_recent() {
    // max_hosts 20: one host is dropped at a time.
    let mut sim = Sim::new(20);
    sim.tick_with(&[record("10.0.1.1", 50_000)]); // full, the oldest
    for i in 0..19 {
        sim.tick_with(&[record(&format!("10.0.2.{i}"), 1)]); // compact, newer
    }
    assert_eq!(sim.table.len(), 20);
    sim.tick_with(&[record("10.0.3.1", 1)]);
    assert_eq!(sim.table.len(), 20);
    assert!(
        sim.table.host(&ip("10.0.1.1")).is_some(),
        "the full host stays"
    );
    assert!(
        sim.table.host(&ip("10.0.2.0")).is_none(),
        "the least recent compact host went"
    );
    assert!(sim.table.host(&ip("10.0.2.1")).is_some());
    assert_eq!(sim.table.stats().evictions_full, 1);
}

#[test]
fn among_hosts_seen_at_the_same_tick_the_one_with_least_traffic_goes_first() {
    let mut sim = Sim::new(20);
    let spray: Vec<FlowRecord> = (1..=20)
        .map(|i| record(&format!("10.0.2.{i}"), i))
        .collect();
    sim.tick_with(&spray);
    sim.tick_with(&[record("10.0.3.1", 1)]);
    assert!(sim.table.host(&ip("10.0.2.1")).is_none());
    assert!((2..=20).all(|i| sim.table.host(&ip(&format!("10.0.2.{i}"))).is_some()));
}

#[test]
fn protected_hosts_are_never_dropped_to_make_room() {
    let mut sim = Sim::new(20);
    sim.tick_with(&[record("10.0.1.1", 50_000), record("10.0.1.2", 50_000)]);
    sim.table.protect_updated(|h| h.ip() == ip("10.0.1.1"));
    assert_eq!(sim.table.stats().hosts_protected, 1);
    // A spray of compact hosts, then of full ones: 10.0.1.2 goes in time, 10.0.1.1 never.
    for i in 0..100 {
        sim.tick_with(&[record(&format!("10.0.6.{i}"), 1)]);
    }
    for i in 0..40 {
        sim.tick_with(&[record(&format!("10.0.7.{i}"), 50_000)]);
    }
    assert!(sim.table.host(&ip("10.0.1.1")).is_some());
    assert!(sim.table.host(&ip("10.0.1.2")).is_none());
    assert_eq!(sim.table.len(), 20);
}

#[test]
fn a_table_full_of_protected_hosts_refuses_new_ones() {
    let mut sim = Sim::new(20);
    let floods: Vec<FlowRecord> = (0..20)
        .map(|i| record(&format!("10.0.8.{i}"), 50_000))
        .collect();
    sim.tick_with(&floods);
    sim.table.protect_updated(|_| true);
    sim.tick_with(&[record("10.0.9.1", 1)]);
    assert!(sim.table.host(&ip("10.0.9.1")).is_none());
    let stats = sim.table.stats();
    assert_eq!(
        (stats.hosts, stats.hosts_refused, stats.evictions_full),
        (20, 1, 0)
    );
    assert_eq!(
        sim.table.totals().incoming.packets_total,
        20 * 50_000 + 1,
        "the totals still count it"
    );
}

#[test]
fn after_a_spray_the_table_shrinks_back_by_idle_eviction() {
    let mut sim = Sim::new(100_000);
    sim.tick_with(&[record("10.0.1.1", 50_000)]);
    let before = sim.table.stats().memory_bytes;
    for chunk in 0..20u32 {
        let spray: Vec<FlowRecord> = (0..2500u32)
            .map(|i| {
                record(
                    &IpAddr::from(std::net::Ipv4Addr::from(0x0a10_0000 + chunk * 2500 + i))
                        .to_string(),
                    1,
                )
            })
            .collect();
        sim.tick_with(&spray);
    }
    let full = sim.table.stats();
    assert_eq!(full.hosts, 50_001);
    assert_eq!(full.hosts_compact, 50_000);
    assert!(full.memory_bytes > before);
    // 30 s: the flood's speed has decayed to nothing too.
    for _ in 0..300 {
        sim.tick_with(&[]);
    }
    let after = sim.table.stats();
    assert_eq!(after.hosts, 0);
    assert_eq!(after.evictions_idle, 50_001);
    assert!(
        after.memory_bytes < full.memory_bytes / 4,
        "{} of {}",
        after.memory_bytes,
        full.memory_bytes
    );
}
