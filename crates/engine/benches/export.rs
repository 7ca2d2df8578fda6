//! The Kafka export's costs on one core, per record: taking it in a worker, then encoding it
//! (JSON, Protobuf) and packing it into record batches with each codec off the workers' threads. Flows like the ingest
//! benchmark's (random sources towards 1000 hosts in 10.0.0.0/8), keyed by destination, to a
//! topic of 1 partition. Prints records per second and bytes per record; asserts nothing.

use std::sync::Arc;
use std::time::Instant;

use floodwatch_counters::{Prefix, PrefixSet};
use floodwatch_engine::export::{
    BatchCompression, BatchOptions, ExportBatch, ExportConfig, ExportFormat, ExportQueue, Exporter,
    RecordEncoding, Telemetry, DEFAULT_MAX_BATCH_BYTES,
};
use floodwatch_packet::{FlowRecord, PROTO_TCP, PROTO_UDP};
use floodwatch_test_support::{flow, XorShift};

const RECORDS: usize = 400_000;

fn records(rng: &mut XorShift) -> Vec<FlowRecord> {
    (0..RECORDS)
        .map(|_| {
            let src = std::net::Ipv4Addr::from(rng.next() as u32);
            let dst = std::net::Ipv4Addr::from(0x0a00_0000 | rng.below(1000) as u32);
            let tcp = rng.below(2) == 0;
            flow(src, dst)
                .protocol(if tcp { PROTO_TCP } else { PROTO_UDP })
                .ports(rng.below(65536) as u16, [53, 80, 443][rng.below(3)])
                .tcp_flags(if tcp { 0x12 } else { 0 })
                .packets(1 + rng.below(20) as u64)
                .bytes(64 + rng.below(20_000) as u64)
                .build()
        })
        .collect()
}

fn main() {
    let mut rng = XorShift::new(7);
    let flows = records(&mut rng);
    let networks: PrefixSet = ["10.0.0.0/8".parse::<Prefix>().unwrap()]
        .into_iter()
        .collect();
    for format in [ExportFormat::Json, ExportFormat::Protobuf] {
        let config = ExportConfig {
            enabled: true,
            format,
            queue_bytes: 1 << 30,
            ..ExportConfig::default()
        };
        // Timed as a worker runs: its batches taken as they come (a queue holding them all
        // would time the page faults of new buffers).
        let queue = Arc::new(ExportQueue::new(
            config.queue_batches(),
            RecordEncoding::of(&config),
        ));
        let mut exporter = Exporter::new(queue.clone(), &config, networks.clone());
        exporter.begin(Telemetry::Netflow, Some("192.0.2.254".parse().unwrap()), 0);
        let start = Instant::now();
        for f in &flows {
            exporter.export(f, 1, f.bytes, None);
            if queue.len() >= 8 {
                drop(queue.take(usize::MAX));
            }
        }
        exporter.flush();
        let take = start.elapsed().as_secs_f64();
        drop(queue.take(usize::MAX));
        println!(
            "{format:?}: a worker takes {:.2} M records/s",
            RECORDS as f64 / take / 1e6
        );
        // Again, keeping the batches for packing.
        for f in &flows {
            exporter.export(f, 1, f.bytes, None);
        }
        exporter.flush();
        let batches = queue.take(usize::MAX);
        for compression in [
            BatchCompression::None,
            BatchCompression::Gzip,
            BatchCompression::Lz4,
            BatchCompression::Zstd,
        ] {
            let refill = Arc::new(ExportQueue::new(
                batches.len() + 1,
                RecordEncoding::of(&config),
            ));
            for b in &batches {
                refill.push(ExportBatch {
                    records: b.records.clone(),
                });
            }
            let start = Instant::now();
            let options = BatchOptions {
                partitions: 1,
                compression,
                max_bytes: DEFAULT_MAX_BATCH_BYTES,
            };
            let packed = refill.take_packed(usize::MAX, &options);
            let seconds = start.elapsed().as_secs_f64();
            let bytes: usize = packed.iter().map(|b| b.data.len()).sum();
            println!(
                "{format:?} + {compression:?}: encode and pack {:.2} M records/s, {:.1} bytes/record out",
                RECORDS as f64 / seconds / 1e6,
                bytes as f64 / RECORDS as f64
            );
        }
    }
}
