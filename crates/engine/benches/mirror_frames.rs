//! A mirror worker's per-frame work on one core, capture left out: minimum-size Ethernet frames
//! parsed, counted for their hosts and offered as samples, the batch taken every 100 ms worth
//! of frames at 200 kpps; each scenario twice, frames parsed (AF_PACKET) and with the headers
//! the source read (AF_XDP's program). Prints nanoseconds per frame; asserts nothing.
//!
//!     cargo bench -p floodwatch-engine --bench mirror_frames

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

use floodwatch_capture::Frame;
use floodwatch_counters::{CounterConfig, LocalAggregator, Prefix, PrefixSet};
use floodwatch_detect::{SampleCollector, WatchList};
use floodwatch_engine::FrameCounter;
use floodwatch_packet::{parse_ethernet, PacketInfo, ParseOptions};
use floodwatch_test_support::XorShift;

const FRAMES_PER_BATCH: usize = 20_000;
const ROUNDS: usize = 200;

/// A 60-byte frame: Ethernet, IPv4, then UDP to port 53 or a TCP segment to port 443.
fn frame(src: Ipv4Addr, dst: Ipv4Addr, source_port: u16, udp: bool, tcp_flags: u8) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[0..6].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    f[14] = 0x45;
    f[16..18].copy_from_slice(&46u16.to_be_bytes());
    f[22] = 64;
    f[23] = if udp { 17 } else { 6 };
    f[26..30].copy_from_slice(&src.octets());
    f[30..34].copy_from_slice(&dst.octets());
    f[34..36].copy_from_slice(&source_port.to_be_bytes());
    f[36..38].copy_from_slice(&(if udp { 53u16 } else { 443 }).to_be_bytes());
    if udp {
        f[38..40].copy_from_slice(&26u16.to_be_bytes());
    } else {
        f[46] = 0x50;
        f[47] = tcp_flags;
    }
    f
}

fn host(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(0x0a50_0000 + i)
}

fn outside(i: u64) -> Ipv4Addr {
    Ipv4Addr::from(0x6440_0000 | (i as u32 & 0x3f_ffff))
}

/// The benchmark's trafgen pattern: one UDP and one TCP frame to each host in turn.
fn round_robin(hosts: u32) -> Vec<Vec<u8>> {
    (0..hosts)
        .flat_map(|h| {
            let i = u64::from(h) * 2;
            [
                frame(outside(i), host(h), 1024 + h as u16, true, 0),
                frame(outside(i + 1), host(h), 1025 + h as u16, false, 0x18),
            ]
        })
        .collect()
}

/// A SYN flood on one host from random sources, among background traffic to `hosts` hosts
/// (one frame in 10).
fn syn_flood(hosts: u32, count: usize, rng: &mut XorShift) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let r = rng.next();
            if i % 10 == 0 {
                frame(
                    outside(r),
                    host((r >> 32) as u32 % hosts),
                    r as u16,
                    true,
                    0,
                )
            } else {
                frame(outside(r), host(7), r as u16, false, 0x02)
            }
        })
        .collect()
}

/// Every frame to one of `hosts` hosts at random.
fn random_hosts(hosts: u32, count: usize, rng: &mut XorShift) -> Vec<Vec<u8>> {
    (0..count)
        .map(|_| {
            let r = rng.next();
            frame(
                outside(r),
                host((r >> 32) as u32 % hosts),
                r as u16,
                r & 1 == 0,
                0x18,
            )
        })
        .collect()
}

/// `read_by_source`: each frame comes with its headers read, as AF_XDP's program hands them.
fn run(name: &str, frames: &[Vec<u8>], read_by_source: bool) {
    let networks: PrefixSet = ["10.80.0.0/12".parse::<Prefix>().unwrap()]
        .into_iter()
        .collect();
    let aggregator = LocalAggregator::new(&CounterConfig::with_networks(networks));
    let mut counter = FrameCounter::new(
        aggregator,
        SampleCollector::new(&WatchList::new()),
        ParseOptions::default(),
        1,
    );
    let readings: Vec<PacketInfo> = frames
        .iter()
        .map(|data| parse_ethernet(data).unwrap())
        .collect();
    let frames: Vec<Frame<'_>> = frames
        .iter()
        .zip(&readings)
        .enumerate()
        .map(|(i, (data, reading))| Frame {
            data,
            original_len: data.len() as u32,
            timestamp_ns: i as u64,
            vlan_tci: None,
            parsed: read_by_source.then_some(reading),
        })
        .collect();
    let mut next = 0;
    let mut batch = |counter: &mut FrameCounter| {
        for _ in 0..FRAMES_PER_BATCH {
            counter.count(&frames[next]);
            next = (next + 1) % frames.len();
        }
        black_box(counter.aggregator.take_batch());
    };
    for _ in 0..5 {
        batch(&mut counter);
    }
    let started = Instant::now();
    for _ in 0..ROUNDS {
        batch(&mut counter);
    }
    let ns = started.elapsed().as_nanos() as f64 / (ROUNDS * FRAMES_PER_BATCH) as f64;
    let how = if read_by_source {
        "headers read by the source"
    } else {
        "frames parsed"
    };
    println!("{name:<48} {how:<28} {ns:>6.1} ns/frame");
}

fn main() {
    let mut rng = XorShift::new(0x9e37_79b9_7f4a_7c15);
    let scenarios = [
        (
            "round robin, 300 hosts (the mirror benchmark)",
            round_robin(300),
        ),
        (
            "SYN flood on one host, 10 % to 1 000 others",
            syn_flood(1000, 100_000, &mut rng),
        ),
        ("random, 1 000 hosts", random_hosts(1000, 100_000, &mut rng)),
        (
            "random, 60 000 hosts",
            random_hosts(60_000, 200_000, &mut rng),
        ),
    ];
    for (name, frames) in &scenarios {
        for read_by_source in [false, true] {
            run(name, frames, read_by_source);
        }
    }
}
