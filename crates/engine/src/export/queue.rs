//! The bounded queue between the workers that fill batches of records and the packers that
//! encode and send them. A worker never waits on it: a full queue drops the batch and counts its
//! records.

use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use serde::Serialize;

use super::encoding::RecordEncoding;
use super::record::TrafficRecord;

/// Records as a worker took them, not yet encoded.
#[derive(Debug, Default)]
pub struct ExportBatch {
    pub records: Vec<TrafficRecord>,
}

impl ExportBatch {
    /// The memory its records take.
    pub fn bytes(&self) -> usize {
        self.records.len() * std::mem::size_of::<TrafficRecord>()
    }
}

/// Cumulative counts since the engine started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExportStats {
    /// Records queued.
    pub queued_records: u64,
    pub queued_batches: u64,
    pub queued_bytes: u64,
    /// Records dropped because the queue was full: in batches that did not fit, or before a
    /// worker took them (see `Exporter::export`).
    pub dropped_records: u64,
    pub dropped_batches: u64,
}

pub struct ExportQueue {
    sender: Sender<ExportBatch>,
    receiver: Receiver<ExportBatch>,
    queued_records: AtomicU64,
    queued_batches: AtomicU64,
    queued_bytes: AtomicU64,
    dropped_records: AtomicU64,
    dropped_batches: AtomicU64,
    packing: super::pack::Packing,
    encoding: RecordEncoding,
}

impl ExportQueue {
    pub fn new(capacity_batches: usize, encoding: RecordEncoding) -> ExportQueue {
        let (sender, receiver) = crossbeam_channel::bounded(capacity_batches.max(1));
        ExportQueue {
            sender,
            receiver,
            queued_records: AtomicU64::new(0),
            queued_batches: AtomicU64::new(0),
            queued_bytes: AtomicU64::new(0),
            dropped_records: AtomicU64::new(0),
            dropped_batches: AtomicU64::new(0),
            packing: super::pack::Packing::default(),
            encoding,
        }
    }

    /// Queues the batch, or drops and counts it when the queue is full; true when queued.
    pub fn push(&self, batch: ExportBatch) -> bool {
        let (records, bytes) = (batch.records.len() as u64, batch.bytes() as u64);
        match self.sender.try_send(batch) {
            Ok(()) => {
                self.queued_records.fetch_add(records, Ordering::Relaxed);
                self.queued_batches.fetch_add(1, Ordering::Relaxed);
                self.queued_bytes.fetch_add(bytes, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped_records.fetch_add(records, Ordering::Relaxed);
                self.dropped_batches.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Counts records a worker dropped without taking them, the queue being full.
    pub fn count_dropped(&self, records: u64) {
        self.dropped_records.fetch_add(records, Ordering::Relaxed);
    }

    /// Whether a batch pushed now would be dropped.
    pub fn is_full(&self) -> bool {
        self.sender.is_full()
    }

    /// Up to `max` batches, oldest first, without waiting.
    pub fn take(&self, max: usize) -> Vec<ExportBatch> {
        self.receiver.try_iter().take(max).collect()
    }

    /// Up to `max` batches, oldest first, encoded as the Kafka record batches `options` asks
    /// for (see `pack`).
    pub fn take_packed(&self, max: usize, options: &super::BatchOptions) -> Vec<super::KafkaBatch> {
        let taken = self.take(max);
        let records: Vec<&[TrafficRecord]> = taken.iter().map(|b| &b.records[..]).collect();
        super::pack::pack(&records, options, &self.encoding, &self.packing)
    }

    /// Batches waiting.
    pub fn len(&self) -> usize {
        self.receiver.len()
    }

    pub fn is_empty(&self) -> bool {
        self.receiver.is_empty()
    }

    pub fn stats(&self) -> ExportStats {
        ExportStats {
            queued_records: self.queued_records.load(Ordering::Relaxed),
            queued_batches: self.queued_batches.load(Ordering::Relaxed),
            queued_bytes: self.queued_bytes.load(Ordering::Relaxed),
            dropped_records: self.dropped_records.load(Ordering::Relaxed),
            dropped_batches: self.dropped_batches.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::record::traffic;
    use crate::export::{ExportFormat, ExportKey};

    fn batch(records: usize) -> ExportBatch {
        ExportBatch {
            records: vec![traffic("192.0.2.1", "10.0.0.1"); records],
        }
    }

    fn counts(batches: Vec<ExportBatch>) -> Vec<usize> {
        batches.iter().map(|b| b.records.len()).collect()
    }

    #[test]
    fn a_full_queue_drops_and_counts_what_it_cannot_hold() {
        let queue = ExportQueue::new(
            2,
            RecordEncoding {
                format: ExportFormat::Json,
                key: ExportKey::Destination,
            },
        );
        assert!(queue.push(batch(3)));
        assert!(queue.push(batch(4)));
        assert!(!queue.push(batch(5)));
        assert!(!queue.push(batch(6)));
        assert_eq!(
            queue.stats(),
            ExportStats {
                queued_records: 7,
                queued_batches: 2,
                queued_bytes: 7 * std::mem::size_of::<TrafficRecord>() as u64,
                dropped_records: 11,
                dropped_batches: 2
            }
        );
        // Taking makes room again, oldest first.
        assert_eq!(counts(queue.take(1)), vec![3]);
        assert!(queue.push(batch(1)));
        assert_eq!(counts(queue.take(10)), vec![4, 1]);
        assert!(queue.is_empty());
        assert_eq!(queue.stats().dropped_records, 11);
    }
}
