//! Prints the cost of the detection hot paths. No assertions: figures only.
//!
//!     cargo bench -p floodwatch-detect

use floodwatch_counters::{CounterConfig, HostTable, LocalAggregator};
use floodwatch_detect::{
    check, Group, Limits, MetricSlot, SampleCollector, SampleStore, Thresholds, WatchList,
};
use floodwatch_packet::{FlowRecord, PROTO_TCP, TCP_SYN};
use floodwatch_test_support::{flow, XorShift};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

const RECORDS: usize = 200_000;
const ROUNDS: usize = 20;

/// Records from random outside sources to `hosts` hosts of 10.0.0.0/16; every
/// `victim_every`-th goes to 10.0.0.1 instead.
fn records(hosts: u32, victim_every: u64) -> Vec<FlowRecord> {
    let mut random = XorShift::new(7);
    (0..RECORDS)
        .map(|_| {
            let dst = if random.next().is_multiple_of(victim_every) {
                Ipv4Addr::new(10, 0, 0, 1)
            } else {
                Ipv4Addr::from(0x0a00_0000 + 2 + (random.next() as u32 % hosts))
            };
            let udp = random.next().is_multiple_of(2);
            let src = Ipv4Addr::from(0xc000_0000 | (random.next() as u32 >> 4));
            let record = flow(src, dst).bytes(60);
            if udp {
                record.ports(123, 80).build()
            } else {
                record
                    .protocol(PROTO_TCP)
                    .ports(random.next() as u16, 80)
                    .tcp_flags(TCP_SYN)
                    .build()
            }
        })
        .collect()
}

/// ns per record of `offer`, taking the buffer every `take_every` records as a tick would.
fn offer(label: &str, list: &WatchList, records: &[FlowRecord], take_every: usize) {
    let mut collector = SampleCollector::new(list);
    let mut kept = 0;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        for chunk in records.chunks(take_every) {
            for record in chunk {
                collector.offer(black_box(record));
            }
            kept += collector.take().len();
        }
    }
    let ns = started.elapsed().as_nanos() as f64 / (ROUNDS * records.len()) as f64;
    let share = kept as f64 / (ROUNDS * records.len()) as f64 * 100.0;
    println!(
        "{:<64} {ns:6.2} ns/record  ({share:.1}% kept)",
        format!("SampleCollector::offer, {label}")
    );
}

fn store_add(list: &WatchList, records: &[FlowRecord]) {
    let mut store = SampleStore::new(list);
    let started = Instant::now();
    for _ in 0..ROUNDS {
        for chunk in records.chunks(4096) {
            store.add(black_box(chunk));
        }
    }
    let ns = started.elapsed().as_nanos() as f64 / (ROUNDS * records.len()) as f64;
    println!(
        "{:<64} {ns:6.2} ns/record",
        "SampleStore::add, every record to or from the watched host"
    );
    black_box(store.summary(&"10.0.0.1".parse().unwrap()));
}

/// The global thresholds with 7 limits on, and a customers' hostgroup over 10.0.128.0/17.
fn two_groups() -> Thresholds {
    use MetricSlot::*;
    let mut thresholds = Thresholds::new(Group {
        name: "global".to_string(),
        incoming: Limits::default()
            .with(Pps, 20_000.0)
            .with(Mbps, 1_000.0)
            .with(Flows, 3_500.0)
            .with(TcpSynPps, 10_000.0)
            .with(UdpPps, 10_000.0),
        outgoing: Limits::default().with(Pps, 20_000.0).with(Mbps, 1_000.0),
    });
    let customers = thresholds
        .add_group(Group {
            name: "customers".to_string(),
            incoming: Limits::default().with(Pps, 5_000.0),
            ..Group::default()
        })
        .unwrap();
    thresholds
        .add_hostgroup_prefix("10.0.128.0/17".parse().unwrap(), customers)
        .unwrap();
    thresholds
}

fn check_tick(hosts: u32) {
    let config = CounterConfig::default();
    let mut aggregator = LocalAggregator::new(&config);
    let mut table = HostTable::new(config);
    for record in records(hosts, u64::MAX) {
        aggregator.add(&record);
    }
    table.apply(aggregator.take_batch());
    table.tick(1_000_000_100);
    let thresholds = two_groups();
    let updated = table.len();
    let started = Instant::now();
    let mut found = 0;
    for _ in 0..ROUNDS {
        found += check(black_box(&table), &thresholds, 2).len();
    }
    let ns = started.elapsed().as_nanos() as f64 / (ROUNDS * updated) as f64;
    let label = format!("check, {updated} updated hosts, 2 groups, 7 limits on");
    println!("{label:<64} {ns:6.2} ns/host    ({found} over)");
}

fn main() {
    let background = records(60_000, u64::MAX);
    let one_percent = records(60_000, 100);
    let all_to_victim = records(60_000, 1);

    let list = WatchList::new();
    offer("nothing watched", &list, &background, 4096);
    list.watch("10.0.0.1".parse().unwrap());
    offer(
        "one watched host, none of its traffic",
        &list,
        &background,
        4096,
    );
    offer(
        "one watched host, 1% of the records",
        &list,
        &one_percent,
        4096,
    );
    offer(
        "one watched host, all of the records",
        &list,
        &all_to_victim,
        4096,
    );
    for host in 0..100u32 {
        list.watch(IpAddr::V4(Ipv4Addr::from(0x0a01_0000 + host)));
    }
    offer(
        "101 watched hosts, 1% of the records",
        &list,
        &one_percent,
        4096,
    );
    store_add(&list, &all_to_victim);
    check_tick(60_000);
}
