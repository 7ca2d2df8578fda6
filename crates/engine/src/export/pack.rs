//! Turns the workers' batches into Kafka record batches, one per partition they touch, each as
//! large as a broker takes: each message to the partition of its key (Kafka's default
//! partitioner), a keyless worker batch to the next partition in turn. Runs off the workers'
//! threads (the control plane calls it from a thread of its pool), so that partitioning,
//! compression and checksums never slow ingest.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::codec::BatchCompression;
use super::queue::ExportBatch;
use super::record_batch::{partition_of, record_batch, record_bytes, HEADER_BYTES};

/// A record batch's bytes at most: under the brokers' default `message.max.bytes` (1 MiB and
/// 12 bytes), which a larger batch would exceed. Fewer, larger batches are what lets a broker
/// take a million records a second: it costs the same per Produce request whatever it holds.
pub const MAX_BATCH_BYTES: usize = 1_000_000;
/// A record batch's records before compression at most, however well they compress.
const MAX_RECORDS_BYTES: usize = 16 << 20;

/// One partition's record batch, ready for a Produce request.
#[derive(Debug)]
pub struct KafkaBatch {
    pub partition: u32,
    pub data: Vec<u8>,
    pub records: u32,
}

/// What packing keeps from one call to the next.
#[derive(Debug)]
pub struct Packing {
    /// The partition the next keyless worker batch goes to.
    next_keyless: AtomicU32,
    /// Compressed bytes per 1024 bytes of records in the last batch: how many records the next
    /// batch can take and stay under `MAX_BATCH_BYTES`.
    compressed_per_1024: AtomicU32,
}

impl Default for Packing {
    fn default() -> Self {
        Packing {
            next_keyless: AtomicU32::new(0),
            compressed_per_1024: AtomicU32::new(1024),
        }
    }
}

impl Packing {
    /// Bytes of records the next batch is to hold.
    fn records_budget(&self, compression: BatchCompression) -> usize {
        let room = MAX_BATCH_BYTES - HEADER_BYTES;
        if compression == BatchCompression::None {
            return room;
        }
        let per_1024 = self.compressed_per_1024.load(Ordering::Relaxed).max(1) as usize;
        // 10% to spare: the next records may compress less well than the last.
        (room * 1024 / per_1024 * 9 / 10).clamp(room / 2, MAX_RECORDS_BYTES)
    }
}

/// The worker batches `raw` as record batches for a topic of `partitions` partitions: per
/// partition, its messages in the order taken, in as few batches as `MAX_BATCH_BYTES` allows.
pub fn pack(
    raw: &[ExportBatch],
    partitions: u32,
    compression: BatchCompression,
    packing: &Packing,
) -> Vec<KafkaBatch> {
    let partitions = partitions.max(1);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut by_partition: Vec<Vec<(&[u8], &[u8])>> = (0..partitions).map(|_| Vec::new()).collect();
    for batch in raw {
        let keyless = packing.next_keyless.fetch_add(1, Ordering::Relaxed) % partitions;
        for (key, value) in super::messages(&batch.data) {
            let partition = if key.is_empty() {
                keyless
            } else {
                partition_of(key, partitions)
            };
            by_partition[partition as usize].push((key, value));
        }
    }
    let mut out = Vec::new();
    for (partition, messages) in by_partition.iter().enumerate() {
        let mut rest = &messages[..];
        while !rest.is_empty() {
            let budget = packing.records_budget(compression);
            let (mut take, mut bytes) = (0, 0);
            while take < rest.len() {
                let (key, value) = rest[take];
                bytes += record_bytes(key, value, take);
                if bytes > budget && take > 0 {
                    break;
                }
                take += 1;
            }
            let (chunk, later) = rest.split_at(take);
            rest = later;
            batches_of(
                chunk,
                partition as u32,
                now_ms,
                compression,
                packing,
                &mut out,
            );
        }
    }
    out
}

/// `messages` as one batch, or halved until each batch is under `MAX_BATCH_BYTES`.
fn batches_of(
    messages: &[(&[u8], &[u8])],
    partition: u32,
    now_ms: i64,
    compression: BatchCompression,
    packing: &Packing,
    out: &mut Vec<KafkaBatch>,
) {
    let data = record_batch(messages, now_ms, compression);
    if compression != BatchCompression::None {
        let records: usize = messages
            .iter()
            .enumerate()
            .map(|(i, (key, value))| record_bytes(key, value, i))
            .sum();
        let per_1024 = (data.len() - HEADER_BYTES) * 1024 / records.max(1);
        packing
            .compressed_per_1024
            .store(per_1024.clamp(1, 2048) as u32, Ordering::Relaxed);
    }
    if data.len() > MAX_BATCH_BYTES && messages.len() > 1 {
        let (first, second) = messages.split_at(messages.len() / 2);
        batches_of(first, partition, now_ms, compression, packing, out);
        batches_of(second, partition, now_ms, compression, packing, out);
        return;
    }
    out.push(KafkaBatch {
        partition,
        data,
        records: messages.len() as u32,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(messages: &[(&str, &str)]) -> ExportBatch {
        let mut data = Vec::new();
        for (key, value) in messages {
            data.extend_from_slice(&(key.len() as u16).to_be_bytes());
            data.extend_from_slice(key.as_bytes());
            data.extend_from_slice(&(value.len() as u32).to_be_bytes());
            data.extend_from_slice(value.as_bytes());
        }
        ExportBatch {
            data,
            records: messages.len() as u32,
        }
    }

    #[test]
    fn keyed_messages_go_to_their_keys_partition_and_keyless_batches_take_turns() {
        let packing = Packing::default();
        let keyed = raw(&[
            ("198.51.100.10", "a"),
            ("2001:db8:1::10", "b"),
            ("198.51.100.10", "c"),
        ]);
        let packed = pack(&[keyed], 3, BatchCompression::None, &packing);
        let expected: Vec<(u32, u32)> = {
            let p1 = partition_of(b"198.51.100.10", 3);
            let p2 = partition_of(b"2001:db8:1::10", 3);
            if p1 == p2 {
                vec![(p1, 3)]
            } else {
                let mut v = vec![(p1, 2), (p2, 1)];
                v.sort();
                v
            }
        };
        assert_eq!(
            packed
                .iter()
                .map(|b| (b.partition, b.records))
                .collect::<Vec<_>>(),
            expected
        );

        let keyless = [
            raw(&[("", "x"), ("", "y")]),
            raw(&[("", "z")]),
            raw(&[("", "w")]),
        ];
        let packed = pack(&keyless, 2, BatchCompression::Gzip, &packing);
        assert_eq!(
            packed
                .iter()
                .map(|b| (b.partition, b.records))
                .collect::<Vec<_>>(),
            vec![(0, 1), (1, 3)]
        );
    }

    /// The values of each batch, read back.
    fn values_of(batch: &KafkaBatch, compression: BatchCompression) -> Vec<Vec<u8>> {
        let records = crate::export::codec::decompress(compression, &batch.data[HEADER_BYTES..]);
        let mut data = &records[..];
        let mut out = Vec::new();
        for _ in 0..batch.records {
            let (len, body) = read_varint(data);
            data = &body[len as usize..];
            // Attributes, timestamp delta, offset delta, a null key, then the value.
            let (_, rest) = read_varint(&body[2..]);
            let (key_len, rest) = read_varint(rest);
            assert_eq!(key_len, -1);
            let (value_len, value) = read_varint(rest);
            out.push(value[..value_len as usize].to_vec());
        }
        assert!(data.is_empty());
        out
    }

    fn read_varint(data: &[u8]) -> (i64, &[u8]) {
        let mut v = 0u64;
        for (i, b) in data.iter().enumerate() {
            v |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return (((v >> 1) as i64) ^ -((v & 1) as i64), &data[i + 1..]);
            }
        }
        panic!("truncated varint");
    }

    #[test]
    fn batches_stay_under_the_brokers_limit_and_grow_with_what_the_codec_saves() {
        let mut rng = floodwatch_test_support::XorShift::new(3);
        // 3 MB that compress well, then 3 MB of hex noise (half of it at best compressed away,
        // so that the first batch, sized from the text's ratio, is too large and halved), 50
        // bytes each.
        let noise: Vec<String> = (0..60_000)
            .map(|_| {
                rng.bytes(25)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            })
            .collect();
        let text: Vec<String> = (0..60_000).map(|i| format!("{i:050}")).collect();
        for compression in [
            BatchCompression::None,
            BatchCompression::Lz4,
            BatchCompression::Zstd,
        ] {
            let packing = Packing::default();
            for values in [&text, &noise] {
                let raws: Vec<ExportBatch> = values
                    .chunks(5000)
                    .map(|chunk| raw(&chunk.iter().map(|v| ("", v.as_str())).collect::<Vec<_>>()))
                    .collect();
                let packed = pack(&raws, 1, compression, &packing);
                let back: Vec<Vec<u8>> = packed
                    .iter()
                    .flat_map(|b| values_of(b, compression))
                    .collect();
                assert_eq!(back.len(), values.len());
                assert!(back
                    .iter()
                    .zip(values.iter())
                    .all(|(b, v)| b == v.as_bytes()));
                assert!(packed.iter().all(|b| b.data.len() <= MAX_BATCH_BYTES));
                let most = packed.iter().map(|b| b.records).max().unwrap() as usize;
                match (compression, std::ptr::eq(values, &text)) {
                    // 1 MB of 52-byte records: no more than that.
                    (BatchCompression::None, _) => {
                        assert!(most <= 1_000_000 / 52, "{most}");
                        assert!(packed.len() >= 3);
                    }
                    (_, false) => assert!(packed.len() >= 2, "{compression:?}"),
                    // Compressing well: past the first batch (sized without a ratio known),
                    // more than 1 MB of records in one.
                    (_, true) => {
                        assert!(packed.len() <= 2, "{compression:?}");
                        assert!(most > 1_000_000 / 52, "{compression:?}: {most}");
                    }
                }
            }
        }
    }
}
