//! Turns the workers' batches into Kafka record batches, one per partition they touch: each
//! message to the partition of its key (Kafka's default partitioner), a keyless batch to the
//! next partition in turn. Runs off the workers' threads (the control plane calls it from a
//! thread of its pool), so that partitioning, compression and checksums never slow ingest.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::queue::ExportBatch;
use super::record_batch::{partition_of, record_batch, BatchCompression};

/// One partition's record batch, ready for a Produce request.
#[derive(Debug)]
pub struct KafkaBatch {
    pub partition: u32,
    pub data: Vec<u8>,
    pub records: u32,
}

pub fn pack(
    raw: &[ExportBatch],
    partitions: u32,
    compression: BatchCompression,
    next_keyless: &AtomicU32,
) -> Vec<KafkaBatch> {
    let partitions = partitions.max(1);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut by_partition: Vec<Vec<(&[u8], &[u8])>> = (0..partitions).map(|_| Vec::new()).collect();
    for batch in raw {
        let keyless = next_keyless.fetch_add(1, Ordering::Relaxed) % partitions;
        for (key, value) in super::messages(&batch.data) {
            let partition = if key.is_empty() {
                keyless
            } else {
                partition_of(key, partitions)
            };
            by_partition[partition as usize].push((key, value));
        }
        for (partition, messages) in by_partition.iter_mut().enumerate() {
            if messages.is_empty() {
                continue;
            }
            out.push(KafkaBatch {
                partition: partition as u32,
                data: record_batch(messages.iter().copied(), now_ms, compression),
                records: messages.len() as u32,
            });
            messages.clear();
        }
    }
    out
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
        let next = AtomicU32::new(0);
        let keyed = raw(&[
            ("198.51.100.10", "a"),
            ("2001:db8:1::10", "b"),
            ("198.51.100.10", "c"),
        ]);
        let packed = pack(&[keyed], 3, BatchCompression::None, &next);
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
        let packed = pack(&keyless, 2, BatchCompression::Gzip, &next);
        assert_eq!(
            packed
                .iter()
                .map(|b| (b.partition, b.records))
                .collect::<Vec<_>>(),
            vec![(1, 2), (0, 1), (1, 1)]
        );
    }
}
