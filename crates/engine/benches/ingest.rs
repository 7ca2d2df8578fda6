//! Decode-and-count throughput on one core: NetFlow v9 datagrams (30-byte IPv4 records, as a
//! router sends them) through the decoder into a worker's aggregator, batches applied to the
//! host table every 100 ms worth of records. Prints records per second; asserts nothing.

use std::net::SocketAddr;
use std::time::Instant;

use floodwatch_counters::{CounterConfig, HostTable, LocalAggregator, PrefixSet};
use floodwatch_detect::{SampleCollector, WatchList};
use floodwatch_engine::{AgentInterfaces, CountingSink};
use floodwatch_flow::{Decoder, DecoderConfig};
use floodwatch_test_support::XorShift;

const RECORDS_PER_DATAGRAM: usize = 45;
const TEMPLATE_ID: u16 = 256;
// (field type, length): src, dst, sport, dport, proto, flags, packets, bytes, first, last
const FIELDS: [(u16, u16); 10] = [
    (8, 4),
    (12, 4),
    (7, 2),
    (11, 2),
    (4, 1),
    (6, 1),
    (2, 4),
    (1, 4),
    (22, 4),
    (21, 4),
];

fn header(buf: &mut Vec<u8>, count: u16, sequence: u32) {
    buf.extend_from_slice(&9u16.to_be_bytes());
    buf.extend_from_slice(&count.to_be_bytes());
    buf.extend_from_slice(&100_000u32.to_be_bytes());
    buf.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    buf.extend_from_slice(&sequence.to_be_bytes());
    buf.extend_from_slice(&0u32.to_be_bytes());
}

fn template_datagram() -> Vec<u8> {
    let mut buf = Vec::new();
    header(&mut buf, 1, 0);
    buf.extend_from_slice(&0u16.to_be_bytes());
    buf.extend_from_slice(&((8 + FIELDS.len() * 4) as u16).to_be_bytes());
    buf.extend_from_slice(&TEMPLATE_ID.to_be_bytes());
    buf.extend_from_slice(&(FIELDS.len() as u16).to_be_bytes());
    for (kind, len) in FIELDS {
        buf.extend_from_slice(&kind.to_be_bytes());
        buf.extend_from_slice(&len.to_be_bytes());
    }
    buf
}

/// Flows from random sources towards `hosts` destinations in 10.0.0.0/8.
fn data_datagrams(count: usize, hosts: u32, rng: &mut XorShift) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let mut buf = Vec::new();
            header(&mut buf, RECORDS_PER_DATAGRAM as u16, i as u32 + 1);
            buf.extend_from_slice(&TEMPLATE_ID.to_be_bytes());
            buf.extend_from_slice(&((4 + RECORDS_PER_DATAGRAM * 30) as u16).to_be_bytes());
            for _ in 0..RECORDS_PER_DATAGRAM {
                let r = rng.next();
                buf.extend_from_slice(&(0xc000_0000u32 | (r as u32 & 0x00ff_ffff)).to_be_bytes());
                buf.extend_from_slice(&(0x0a00_0000u32 + (r >> 32) as u32 % hosts).to_be_bytes());
                buf.extend_from_slice(&((r >> 8) as u16).to_be_bytes());
                buf.extend_from_slice(&[0, 80, 6, 0x02]);
                buf.extend_from_slice(&((r >> 40) as u32 % 100 + 1).to_be_bytes());
                buf.extend_from_slice(&((r >> 24) as u32 % 100_000 + 40).to_be_bytes());
                buf.extend_from_slice(&99_000u32.to_be_bytes());
                buf.extend_from_slice(&99_500u32.to_be_bytes());
            }
            buf
        })
        .collect()
}

fn main() {
    let exporter: SocketAddr = "192.0.2.1:2055".parse().unwrap();
    let mut networks = PrefixSet::new();
    networks.insert("10.0.0.0/8".parse().unwrap(), ());
    let config = CounterConfig {
        networks,
        ..CounterConfig::default()
    };
    let mut rng = XorShift::new(0x9e37_79b9_7f4a_7c15);
    for hosts in [1_000u32, 100_000] {
        let datagrams = data_datagrams(2_000, hosts, &mut rng);
        let mut decoder = Decoder::new(DecoderConfig::default());
        let mut aggregator = LocalAggregator::new(&config);
        let mut table = HostTable::new(config.clone());
        let mut agents = AgentInterfaces::new();
        let mut samples = SampleCollector::new(&WatchList::new());
        let mut sink = CountingSink {
            aggregator: &mut aggregator,
            samples: &mut samples,
            sampling_override: None,
            agents: &mut agents,
        };
        decoder
            .decode(exporter, 0, &template_datagram(), &mut sink)
            .unwrap();

        let target_records = 40_000_000u64;
        let batch_every = 400_000u64; // about 100 ms of traffic at 4 M records/s
        let mut records = 0u64;
        let mut since_batch = 0u64;
        let mut now_ms = 0u64;
        let start = Instant::now();
        while records < target_records {
            for d in &datagrams {
                let decoded = decoder.decode(exporter, now_ms, d, &mut sink).unwrap();
                records += decoded.records as u64;
                since_batch += decoded.records as u64;
                if since_batch >= batch_every {
                    table.apply(sink.aggregator.take_batch());
                    now_ms += 100;
                    table.tick(now_ms);
                    since_batch = 0;
                }
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "netflow_v9 decode+count, {hosts} hosts: {:.2} M records/s on one core ({records} records in {elapsed:.2} s, {} hosts in table)",
            records as f64 / elapsed / 1e6,
            table.len()
        );
    }
}
