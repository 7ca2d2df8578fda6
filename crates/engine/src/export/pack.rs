//! Turns the workers' batches of records into Kafka record batches, one per partition they
//! touch, each as large as a broker takes: each record encoded (key, value) straight into its
//! batch, to the partition of its key (Kafka's default partitioner), a keyless worker batch to
//! the next partition in turn. Runs off the workers' threads (on the export's own, at the lowest
//! priority), so that encoding, partitioning, compression and checksums never slow ingest.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::codec::BatchCompression;
use super::encoding::MessageEncoder;
use super::record_batch::{finish_batch, partition_of, write_record, HEADER_BYTES};

/// A record batch's bytes at most unless configured: under the brokers' default
/// `message.max.bytes` (1 MiB and 12 bytes), which a larger batch would exceed. Fewer, larger
/// batches are what lets a broker take a million records a second: it costs the same per
/// Produce request whatever it holds.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 1_000_000;
/// A record batch's records before compression at most, however well they compress (or the
/// batch's own limit, when larger).
const MAX_RECORDS_BYTES: usize = 16 << 20;

/// The record batches asked for.
#[derive(Clone, Copy, Debug)]
pub struct BatchOptions {
    /// The topic's partitions.
    pub partitions: u32,
    pub compression: BatchCompression,
    /// A batch's bytes at most (a broker refuses a batch over its `message.max.bytes`); a
    /// record larger on its own goes alone.
    pub max_bytes: usize,
}

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
    /// batch can take and stay under its limit.
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
    fn records_budget(&self, options: &BatchOptions) -> usize {
        let room = options.max_bytes.saturating_sub(HEADER_BYTES).max(1);
        if options.compression == BatchCompression::None {
            return room;
        }
        let per_1024 = self.compressed_per_1024.load(Ordering::Relaxed).max(1) as usize;
        // 10% to spare: the next records may compress less well than the last.
        (room * 1024 / per_1024 * 9 / 10).clamp(room / 2, MAX_RECORDS_BYTES.max(room))
    }
}

/// What writing a batch reuses: its records, and one record's key and value.
#[derive(Default)]
struct Scratch {
    records: Vec<u8>,
    key: Vec<u8>,
    value: Vec<u8>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The worker batches `raw` as the record batches `options` asks for: per partition, its
/// records in the order taken, in as few batches as `options.max_bytes` allows.
pub fn pack<R, E: MessageEncoder<R>>(
    raw: &[&[R]],
    options: &BatchOptions,
    encoder: &E,
    packing: &Packing,
) -> Vec<KafkaBatch> {
    let partitions = options.partitions.max(1);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut by_partition: Vec<Vec<&R>> = (0..partitions).map(|_| Vec::new()).collect();
    let mut key = Vec::with_capacity(64);
    for batch in raw {
        let keyless = packing.next_keyless.fetch_add(1, Ordering::Relaxed) % partitions;
        for record in batch.iter() {
            key.clear();
            encoder.key(record, &mut key);
            let partition = if key.is_empty() {
                keyless
            } else {
                partition_of(&key, partitions)
            };
            by_partition[partition as usize].push(record);
        }
    }
    let mut out = Vec::new();
    SCRATCH.with_borrow_mut(|scratch| {
        for (partition, records) in by_partition.iter().enumerate() {
            let batch = Batch {
                partition: partition as u32,
                timestamp_ms: now_ms,
                compression: options.compression,
                max_bytes: options.max_bytes,
            };
            let mut rest = &records[..];
            while !rest.is_empty() {
                let budget = packing.records_budget(options);
                let taken = batches_of(rest, budget, &batch, encoder, packing, scratch, &mut out);
                rest = &rest[taken..];
            }
        }
    });
    out
}

/// What the batches being written have in common.
struct Batch {
    partition: u32,
    timestamp_ms: i64,
    compression: BatchCompression,
    max_bytes: usize,
}

/// Writes records from `records` while they fit in `budget` bytes (at least one), and appends
/// them as one batch, or halved until each batch is under its limit; returns how many
/// were taken.
fn batches_of<R, E: MessageEncoder<R>>(
    records: &[&R],
    budget: usize,
    batch: &Batch,
    encoder: &E,
    packing: &Packing,
    scratch: &mut Scratch,
    out: &mut Vec<KafkaBatch>,
) -> usize {
    let Scratch {
        records: written,
        key,
        value,
    } = scratch;
    written.clear();
    let mut taken = 0;
    while taken < records.len() {
        key.clear();
        value.clear();
        encoder.key(records[taken], key);
        encoder.value(records[taken], value);
        let before = written.len();
        write_record(written, taken, key, value);
        if taken > 0 && written.len() > budget {
            written.truncate(before);
            break;
        }
        taken += 1;
    }
    let data = finish_batch(written, taken, batch.timestamp_ms, batch.compression);
    if batch.compression != BatchCompression::None {
        let per_1024 = (data.len() - HEADER_BYTES) * 1024 / written.len().max(1);
        packing
            .compressed_per_1024
            .store(per_1024.clamp(1, 2048) as u32, Ordering::Relaxed);
    }
    if data.len() > batch.max_bytes && taken > 1 {
        let (first, second) = records[..taken].split_at(taken / 2);
        for half in [first, second] {
            batches_of(half, usize::MAX, batch, encoder, packing, scratch, out);
        }
        return taken;
    }
    out.push(KafkaBatch {
        partition: batch.partition,
        data,
        records: taken as u32,
    });
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages given as (key, value).
    struct Pairs;

    impl<'a> MessageEncoder<(&'a str, &'a str)> for Pairs {
        fn key(&self, record: &(&'a str, &'a str), out: &mut Vec<u8>) {
            out.extend_from_slice(record.0.as_bytes());
        }

        fn value(&self, record: &(&'a str, &'a str), out: &mut Vec<u8>) {
            out.extend_from_slice(record.1.as_bytes());
        }
    }

    fn options(partitions: u32, compression: BatchCompression) -> BatchOptions {
        BatchOptions {
            partitions,
            compression,
            max_bytes: DEFAULT_MAX_BATCH_BYTES,
        }
    }

    fn raw<'a>(messages: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        messages.to_vec()
    }

    #[test]
    fn keyed_messages_go_to_their_keys_partition_and_keyless_batches_take_turns() {
        let packing = Packing::default();
        let keyed = raw(&[
            ("198.51.100.10", "a"),
            ("2001:db8:1::10", "b"),
            ("198.51.100.10", "c"),
        ]);
        let packed = pack(
            &[&keyed[..]],
            &options(3, BatchCompression::None),
            &Pairs,
            &packing,
        );
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
        let keyless: Vec<&[(&str, &str)]> = keyless.iter().map(|b| &b[..]).collect();
        let packed = pack(
            &keyless,
            &options(2, BatchCompression::Gzip),
            &Pairs,
            &packing,
        );
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
                let raws: Vec<Vec<(&str, &str)>> = values
                    .chunks(5000)
                    .map(|chunk| chunk.iter().map(|v| ("", v.as_str())).collect())
                    .collect();
                let raws: Vec<&[(&str, &str)]> = raws.iter().map(|b| &b[..]).collect();
                let packed = pack(&raws, &options(1, compression), &Pairs, &packing);
                let back: Vec<Vec<u8>> = packed
                    .iter()
                    .flat_map(|b| values_of(b, compression))
                    .collect();
                assert_eq!(back.len(), values.len());
                assert!(back
                    .iter()
                    .zip(values.iter())
                    .all(|(b, v)| b == v.as_bytes()));
                assert!(packed
                    .iter()
                    .all(|b| b.data.len() <= DEFAULT_MAX_BATCH_BYTES));
                let most = packed.iter().map(|b| b.records).max().unwrap() as usize;
                match (compression, std::ptr::eq(values, &text)) {
                    // 1 MB of 52-byte records: no more than that.
                    (BatchCompression::None, _) => {
                        assert!(most <= 1_000_000 / 52, "{most}");
                        // Filled to the limit, never written past it and halved.
                        assert!((3..=4).contains(&packed.len()), "{}", packed.len());
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

    #[test]
    fn a_smaller_limit_makes_smaller_batches_and_a_record_over_it_goes_alone() {
        let big = "x".repeat(5000);
        let mut values: Vec<String> = (0..2000).map(|i| format!("{i:030}")).collect();
        values.insert(700, big.clone());
        let raw: Vec<(&str, &str)> = values.iter().map(|v| ("", v.as_str())).collect();
        for compression in [BatchCompression::None, BatchCompression::Zstd] {
            let options = BatchOptions {
                max_bytes: 4000,
                ..options(1, compression)
            };
            let packed = pack(&[&raw[..]], &options, &Pairs, &Packing::default());
            let back: Vec<Vec<u8>> = packed
                .iter()
                .flat_map(|b| values_of(b, compression))
                .collect();
            assert!(back
                .iter()
                .zip(values.iter())
                .all(|(b, v)| b == v.as_bytes()));
            assert_eq!(back.len(), values.len());
            for b in &packed {
                if b.data.len() > 4000 {
                    assert_eq!(b.records, 1, "{compression:?}");
                }
            }
            assert!(packed.len() > 2, "{compression:?}");
        }
    }
}
