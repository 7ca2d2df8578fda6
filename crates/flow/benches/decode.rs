//! Decode throughput: fixture datagrams (real exporters) and a synthetic full IPFIX/v9 data
//! datagram, decoded in a loop into a counting sink. Prints records/s; asserts nothing.
//!
//!     cargo bench -p floodwatch-flow [-- SECONDS_PER_CASE]

use std::hint::black_box;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use floodwatch_flow::{Decoder, DecoderConfig};
use floodwatch_packet::{FlowRecord, InterfaceCounters, RecordSink};

#[derive(Default)]
struct CountingSink {
    records: u64,
    bytes: u64,
}

impl RecordSink for CountingSink {
    fn record(&mut self, record: &FlowRecord) {
        self.records += 1;
        self.bytes += record.bytes;
    }

    fn interface_counters(&mut self, _agent: IpAddr, _counters: &InterfaceCounters) {}
}

fn fixture(dir: &str, name: &str) -> Vec<Vec<u8>> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir);
    (0..)
        .map(|i| base.join(format!("{name}-{i:02}.bin")))
        .map_while(|p| std::fs::read(p).ok())
        .collect()
}

fn be(fields: &[(u64, usize)]) -> Vec<u8> {
    fields
        .iter()
        .flat_map(|&(v, n)| v.to_be_bytes()[8 - n..].to_vec())
        .collect()
}

/// A router-like template (addresses, ports, protocol, flags, counters, ms timestamps,
/// interfaces, ToS, masks, next hop) and a datagram of `records` records for it.
fn synthetic(version: u16, records: usize) -> (Vec<u8>, Vec<u8>) {
    let fields: [(u16, u16); 16] = [
        (8, 4),
        (12, 4),
        (7, 2),
        (11, 2),
        (4, 1),
        (6, 1),
        (1, 8),
        (2, 8),
        (152, 8),
        (153, 8),
        (10, 4),
        (14, 4),
        (5, 1),
        (9, 1),
        (13, 1),
        (15, 4),
    ];
    let mut template = be(&[(300, 2), (fields.len() as u64, 2)]);
    for (id, len) in fields {
        template.extend(be(&[(id as u64, 2), (len as u64, 2)]));
    }
    let mut data = Vec::new();
    for i in 0..records as u64 {
        data.extend(be(&[
            (0x0A00_0000 + i, 4),
            (0xC000_0200 + i % 7, 4),
            (1024 + i, 2),
            (443, 2),
            (6, 1),
            (0x12, 1),
        ]));
        data.extend(be(&[
            (1500 * (i + 1), 8),
            (i + 1, 8),
            (1_700_000_000_000, 8),
            (1_700_000_000_000 + i, 8),
        ]));
        data.extend(be(&[
            (1, 4),
            (2, 4),
            (0, 1),
            (24, 1),
            (24, 1),
            (0x0A00_00FE, 4),
        ]));
    }
    let message = |set_id: u16, body: &[u8], count: usize| {
        let set = [
            be(&[(set_id as u64, 2), (body.len() as u64 + 4, 2)]),
            body.to_vec(),
        ]
        .concat();
        let header = if version == 10 {
            be(&[(10, 2), (16 + set.len() as u64, 2), (0, 4), (0, 4), (0, 4)])
        } else {
            be(&[(9, 2), (count as u64, 2), (0, 4), (0, 4), (0, 4), (0, 4)])
        };
        [header, set].concat()
    };
    let template_set_id = if version == 10 { 2 } else { 0 };
    (
        message(template_set_id, &template, 1),
        message(300, &data, records),
    )
}

fn run(label: &str, warmup: &[Vec<u8>], datagrams: &[Vec<u8>], seconds: f64) {
    let exporter: SocketAddr = "192.0.2.1:2055".parse().unwrap();
    let mut decoder = Decoder::new(DecoderConfig::default());
    let mut sink = CountingSink::default();
    for d in warmup.iter().chain(datagrams) {
        let _ = decoder.decode(exporter, 0, d, &mut sink);
    }
    sink = CountingSink::default();
    let mut passes = 0u64;
    let start = Instant::now();
    let budget = Duration::from_secs_f64(seconds);
    while start.elapsed() < budget {
        for _ in 0..64 {
            for d in datagrams {
                let _ = black_box(decoder.decode(exporter, 0, black_box(d), &mut sink));
            }
        }
        passes += 64;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let datagram_count = passes * datagrams.len() as u64;
    println!(
        "{label:<36} {:>7.2} M records/s {:>8.0} k datagrams/s  ({} records per pass)",
        sink.records as f64 / elapsed / 1e6,
        datagram_count as f64 / elapsed / 1e3,
        sink.records / passes.max(1),
    );
    black_box(sink.bytes);
}

fn main() {
    let seconds: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1.0);
    println!("floodwatch-flow decode, one core, {seconds} s per case");
    run(
        "netflow_v5 softflowd (21 rec)",
        &[],
        &fixture("netflow_v5", "softflowd-v5"),
        seconds,
    );
    run(
        "netflow_v9 softflowd (+templates)",
        &[],
        &fixture("netflow_v9", "softflowd-v9"),
        seconds,
    );
    let (template, data) = synthetic(9, 30);
    run(
        "netflow_v9 synthetic 30 rec/datagram",
        &[template],
        &[data],
        seconds,
    );
    run(
        "ipfix softflowd nano (+templates)",
        &[],
        &fixture("ipfix", "softflowd-ipfix-nano"),
        seconds,
    );
    run(
        "ipfix pmacctd sampled",
        &[],
        &fixture("ipfix", "pmacctd-ipfix-sampled"),
        seconds,
    );
    let (template, data) = synthetic(10, 30);
    run(
        "ipfix synthetic 30 rec/datagram",
        &[template],
        &[data],
        seconds,
    );
    let psamp = fixture("ipfix", "softflowd-psamp");
    run(
        "ipfix softflowd psamp (frames)",
        &psamp[..1],
        &psamp[1..],
        seconds,
    );
    run(
        "sflow pmacctd (raw headers)",
        &[],
        &fixture("sflow", "pmacctd-sflow"),
        seconds,
    );
    run(
        "sflow handmade (sampled ip, counters)",
        &[],
        &fixture("sflow", "handmade"),
        seconds,
    );
}
