//! Prints throughput figures for the counters' hot paths. No assertions: figures only.
//!
//!     cargo bench -p floodwatch-counters

use floodwatch_counters::*;
use floodwatch_packet::{FlowRecord, PROTO_TCP, PROTO_UDP, TCP_SYN};
use floodwatch_test_support::{flow, XorShift};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

fn record(src: IpAddr, dst: IpAddr, random: &mut XorShift) -> FlowRecord {
    let udp = random.next().is_multiple_of(3);
    let (protocol, dst_port) = if udp {
        (PROTO_UDP, 53)
    } else {
        (PROTO_TCP, 443)
    };
    flow(src, dst)
        .protocol(protocol)
        .ports(random.next() as u16, dst_port)
        .tcp_flags(if random.next().is_multiple_of(8) {
            TCP_SYN
        } else {
            0x10
        })
        .packets(1 + random.next() % 4)
        .bytes(1500)
        .build()
}

/// Records to `hosts` monitored IPv4 hosts in 10.0.0.0/16 from `peers` outside addresses
/// (0: every record from a new one), a quarter the other way.
fn ipv4_records(hosts: u32, peers: u32, count: usize) -> Vec<FlowRecord> {
    let mut random = XorShift::new(1);
    (0..count)
        .map(|_| {
            let inside = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + (random.next() as u32 % hosts)));
            let peer = if peers == 0 {
                random.next() as u32 >> 4
            } else {
                random.next() as u32 % peers
            };
            let outside = IpAddr::V4(Ipv4Addr::from(0xc000_0000 | peer));
            if random.next().is_multiple_of(4) {
                record(inside, outside, &mut random)
            } else {
                record(outside, inside, &mut random)
            }
        })
        .collect()
}

fn ipv6_records(hosts: u32, count: usize) -> Vec<FlowRecord> {
    let mut random = XorShift::new(2);
    (0..count)
        .map(|_| {
            let inside = IpAddr::V6(Ipv6Addr::from(
                0x2001_0db8u128 << 96 | (random.next() as u32 % hosts) as u128,
            ));
            let outside = IpAddr::V6(Ipv6Addr::from(0x2a00u128 << 112 | random.next() as u128));
            record(outside, inside, &mut random)
        })
        .collect()
}

fn networks(prefixes: &[&str]) -> PrefixSet {
    prefixes
        .iter()
        .map(|p| p.parse::<Prefix>().unwrap())
        .collect()
}

/// Many prefixes, the monitored one among them.
fn large_network_list(count: u32) -> PrefixSet {
    let mut set = networks(&["10.0.0.0/16", "2001:db8::/32"]);
    let mut random = XorShift::new(3);
    for _ in 0..count {
        let addr = Ipv4Addr::from((random.next() as u32 | 0x8000_0000) & 0xffff_ff00);
        set.insert(Prefix::new(addr.into(), 24).unwrap(), ());
    }
    set
}

fn bench_add(name: &str, networks: PrefixSet, records: &[FlowRecord]) {
    let config = CounterConfig::with_networks(networks);
    let mut aggregator = LocalAggregator::new(&config);
    let tick_records = 400_000; // 4 million records/s at 100 ms ticks
    let mut batches = 0;
    for chunk in records.chunks(tick_records) {
        // warm-up round
        chunk.iter().for_each(|r| aggregator.add(r));
        black_box(aggregator.take_batch());
    }
    let rounds = 5;
    let started = Instant::now();
    for _ in 0..rounds {
        for chunk in records.chunks(tick_records) {
            chunk.iter().for_each(|r| aggregator.add(r));
            black_box(aggregator.take_batch());
            batches += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let adds = (records.len() * rounds) as f64;
    println!(
        "LocalAggregator::add  {name:<44} {:>6.2} M adds/s  ({:.0} ns/add, {batches} batches)",
        adds / elapsed / 1e6,
        elapsed * 1e9 / adds
    );
}

fn bench_lookup(name: &str, set: &PrefixSet, probes: &[IpAddr]) {
    let started = Instant::now();
    let rounds = 20;
    let mut found = 0usize;
    for _ in 0..rounds {
        for ip in probes {
            found += set.contains(black_box(ip)) as usize;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let lookups = (probes.len() * rounds) as f64;
    println!(
        "PrefixSet::contains   {name:<44} {:>6.1} M lookups/s ({:.1} ns, {found} hits)",
        lookups / elapsed / 1e6,
        elapsed * 1e9 / lookups
    );
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// The table fed by 4 workers' batches: apply + tick cost per record.
fn bench_table(records: &[FlowRecord]) {
    let config = CounterConfig::with_networks(networks(&["10.0.0.0/16"]));
    let mut table = HostTable::new(config.clone());
    let mut workers: Vec<LocalAggregator> = (0..4).map(|_| LocalAggregator::new(&config)).collect();
    let tick_records = 100_000;
    let mut now = 1_000_000;
    let mut apply_tick = 0.0;
    let mut ticks = 0;
    for _ in 0..3 {
        for chunk in records.chunks(tick_records) {
            for (i, r) in chunk.iter().enumerate() {
                workers[i % 4].add(r);
            }
            let started = Instant::now();
            for worker in &mut workers {
                table.apply(worker.take_batch());
            }
            now += 100;
            table.tick(now);
            apply_tick += started.elapsed().as_secs_f64();
            ticks += 1;
        }
    }
    println!(
        "HostTable apply+tick  {:<44} {:>6.2} ms/tick for {} records from 4 workers ({} hosts, last tick {} us)",
        "10k hosts",
        apply_tick * 1e3 / ticks as f64,
        tick_records,
        table.len(),
        table.stats().last_tick_duration_us
    );
    let started = Instant::now();
    let top = table.top(Direction::Incoming, Metric::Pps, 20);
    println!(
        "HostTable::top(20)    {:<44} {:>6.2} ms",
        "10k hosts",
        started.elapsed().as_secs_f64() * 1e3
    );
    black_box(top);
}

/// A spray of distinct IPv6 destinations, one packet each, into a table capped at `max_hosts`.
fn bench_spray(total: u64, max_hosts: usize) {
    let before = resident_bytes();
    let config = CounterConfig {
        max_hosts,
        ..CounterConfig::default()
    };
    let mut aggregator = LocalAggregator::new(&config);
    let mut table = HostTable::new(config);
    // As the engine promotes with FastNetMon's default thresholds (a tenth of 3500 flows/s).
    table.set_promotion(Promotion {
        pps: 350.0,
        bps: 10e6,
    });
    let mut random = XorShift::new(4);
    let mut template = record(
        "2a00::1".parse().unwrap(),
        "2001:db8::1".parse().unwrap(),
        &mut random,
    );
    template.packets = 1;
    let per_tick = 100_000;
    let mut now = 1_000_000;
    let started = Instant::now();
    let mut sent = 0;
    while sent < total {
        for _ in 0..per_tick {
            template.dst = IpAddr::V6(Ipv6Addr::from(
                (random.next() as u128) << 64 | random.next() as u128,
            ));
            aggregator.add(&template);
        }
        sent += per_tick;
        table.apply(aggregator.take_batch());
        now += 100;
        table.tick(now);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let grown = resident_bytes().saturating_sub(before);
    let stats = table.stats();
    println!(
        "IPv6 spray            {:<44} {:>6.2} M records/s; {} hosts, RSS +{} MB = {} bytes/host; evictions {}",
        format!("{} M destinations, max_hosts {}", total / 1_000_000, max_hosts),
        total as f64 / elapsed / 1e6,
        table.len(),
        grown / 1_000_000,
        grown / table.len().max(1) as u64,
        stats.evictions_full
    );
    black_box(table);
}

/// `FW_BENCH=table cargo bench ...` runs only the sections whose name contains `table`.
fn wanted(section: &str) -> bool {
    std::env::var("FW_BENCH").map_or(true, |only| section.contains(&only))
}

fn main() {
    let (entry, direction) = HostTable::entry_sizes();
    println!(
        "host slab entry {entry} bytes, each direction with traffic {direction} bytes (boxed)"
    );
    if wanted("table") {
        bench_table(&ipv4_records(10_000, 0, 2_000_000));
    }
    if wanted("spray") {
        bench_spray(1_000_000, 1_000_000);
        bench_spray(3_000_000, 1_000_000);
    }
    if !wanted("aggregator prefix") {
        return;
    }
    let v4_10k = ipv4_records(10_000, 0, 2_000_000);
    bench_add(
        "10k IPv4 hosts, 1 monitored prefix",
        networks(&["10.0.0.0/16"]),
        &v4_10k,
    );
    bench_add(
        "10k + 10k peers, all monitored (0/0, ::/0)",
        PrefixSet::everything(),
        &ipv4_records(10_000, 10_000, 2_000_000),
    );
    bench_add(
        "10k + a new peer per record, all monitored",
        PrefixSet::everything(),
        &v4_10k,
    );
    bench_add(
        "10k IPv4 hosts, 10 000 prefixes",
        large_network_list(10_000),
        &v4_10k,
    );
    bench_add(
        "1k IPv4 hosts, 1 monitored prefix",
        networks(&["10.0.0.0/16"]),
        &ipv4_records(1_000, 0, 2_000_000),
    );
    bench_add(
        "10k IPv6 hosts, 1 monitored prefix",
        networks(&["2001:db8::/32"]),
        &ipv6_records(10_000, 2_000_000),
    );
    bench_add(
        "100k IPv4 hosts, 1 monitored prefix",
        networks(&["10.0.0.0/16"]),
        &ipv4_records(100_000, 0, 2_000_000),
    );

    let probes: Vec<IpAddr> = v4_10k
        .iter()
        .flat_map(|r| [r.src, r.dst])
        .take(1_000_000)
        .collect();
    bench_lookup("IPv4, 1 prefix", &networks(&["10.0.0.0/16"]), &probes);
    bench_lookup("IPv4, 100 prefixes", &large_network_list(100), &probes);
    bench_lookup(
        "IPv4, 10 000 prefixes",
        &large_network_list(10_000),
        &probes,
    );
    let probes6: Vec<IpAddr> = ipv6_records(10_000, 500_000)
        .iter()
        .flat_map(|r| [r.src, r.dst])
        .collect();
    bench_lookup(
        "IPv6, 2 prefixes + 10 000 IPv4",
        &large_network_list(10_000),
        &probes6,
    );
}
