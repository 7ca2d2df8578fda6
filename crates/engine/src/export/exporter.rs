//! One worker's side of the export: keeps the records its filter and sampling select in its
//! batch, as they are (the packers encode them, off the worker's thread), and hands the batch to
//! the queue when full and on every tick.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use floodwatch_counters::PrefixSet;
use floodwatch_packet::FlowRecord;

use super::config::ExportConfig;
use super::queue::{ExportBatch, ExportQueue};
use super::record::{Telemetry, TrafficDirection, TrafficRecord};

pub struct Exporter {
    queue: Arc<ExportQueue>,
    networks: PrefixSet,
    /// `TrafficDirection::bit` of each direction exported.
    directions: u8,
    sample_rate: u32,
    /// Records to skip before the next one exported, counting this one.
    until_next: u32,
    batch: ExportBatch,
    /// Records a batch holds when handed over.
    batch_records: usize,
    /// Records dropped since the last flush (the queue was full when a batch would
    /// have begun), and how many more to drop before looking at the queue again.
    dropped: u64,
    drop_next: u32,
    // Where and when the records being decoded come from (see `begin`).
    telemetry: Telemetry,
    agent: Option<IpAddr>,
    timestamp_ns: u64,
}

const ALL_DIRECTIONS: u8 = TrafficDirection::Incoming.bit()
    | TrafficDirection::Outgoing.bit()
    | TrafficDirection::Other.bit()
    | TrafficDirection::Internal.bit();

/// Records dropped, once the queue was seen full, before it is looked at again: the
/// queue's fill is shared with the thread that drains it, so not read for every record.
const DROPS_BETWEEN_LOOKS: u32 = 256;

pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl Exporter {
    /// `networks`: the monitored networks, which give each record its direction.
    pub fn new(queue: Arc<ExportQueue>, config: &ExportConfig, networks: PrefixSet) -> Exporter {
        let batch_records = (config.batch_bytes / std::mem::size_of::<TrafficRecord>()).max(1);
        Exporter {
            queue,
            networks,
            directions: config.directions.iter().fold(0, |bits, d| bits | d.bit()),
            sample_rate: config.sample_rate.max(1),
            until_next: 1,
            batch: ExportBatch {
                records: Vec::with_capacity(batch_records),
            },
            batch_records,
            dropped: 0,
            drop_next: 0,
            telemetry: Telemetry::Netflow,
            agent: None,
            timestamp_ns: 0,
        }
    }

    /// Where the next records come from and when they were seen (0: now).
    #[inline]
    pub fn begin(&mut self, telemetry: Telemetry, agent: Option<IpAddr>, timestamp_ns: u64) {
        self.telemetry = telemetry;
        self.agent = agent;
        self.timestamp_ns = if timestamp_ns == 0 {
            now_ns()
        } else {
            timestamp_ns
        };
    }

    /// Exports the record if its direction is exported and its turn in the sampling came.
    #[inline]
    pub fn export(
        &mut self,
        record: &FlowRecord,
        sampling_rate: u32,
        length: u64,
        vlan: Option<u16>,
    ) {
        // Every direction exported: the record's is looked up only once it is kept (not for the
        // records dropped while the queue is full, at full ingest most of them).
        let mut direction = None;
        if self.directions != ALL_DIRECTIONS {
            let d = self.direction(record);
            if self.directions & d.bit() == 0 {
                return;
            }
            direction = Some(d);
        }
        if self.sample_rate > 1 {
            self.until_next -= 1;
            if self.until_next > 0 {
                return;
            }
            self.until_next = self.sample_rate;
        }
        // A batch begun while the queue is full would be dropped whole once full: its records
        // are dropped now instead.
        if self.batch.records.is_empty() {
            if self.drop_next > 0 {
                self.drop_next -= 1;
                self.dropped += 1;
                return;
            }
            if self.queue.is_full() {
                self.drop_next = DROPS_BETWEEN_LOOKS - 1;
                self.dropped += 1;
                return;
            }
        }
        let direction = direction.unwrap_or_else(|| self.direction(record));
        self.batch.records.push(TrafficRecord {
            record: record.clone(),
            timestamp_ns: self.timestamp_ns,
            telemetry: self.telemetry,
            direction,
            sampling_rate,
            length,
            agent: self.agent,
            vlan,
        });
        if self.batch.records.len() >= self.batch_records {
            self.flush();
        }
    }

    #[inline]
    fn direction(&self, record: &FlowRecord) -> TrafficDirection {
        TrafficDirection::of(
            self.networks.contains(&record.src),
            self.networks.contains(&record.dst),
        )
    }

    /// Hands the batch to the queue (dropped and counted when it is full).
    pub fn flush(&mut self) {
        if self.dropped > 0 {
            self.queue.count_dropped(self.dropped);
            self.dropped = 0;
        }
        self.drop_next = 0;
        if self.batch.records.is_empty() {
            return;
        }
        let next = ExportBatch {
            records: Vec::with_capacity(self.batch_records),
        };
        self.queue.push(std::mem::replace(&mut self.batch, next));
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::record::traffic;
    use crate::export::{ExportFormat, ExportKey, RecordEncoding};
    use floodwatch_counters::Prefix;
    use floodwatch_test_support::flow;

    fn record(src: &str, dst: &str) -> FlowRecord {
        flow(src, dst).ports(1, 2).build()
    }

    fn queue(batches: usize) -> Arc<ExportQueue> {
        Arc::new(ExportQueue::new(
            batches,
            RecordEncoding {
                format: ExportFormat::Json,
                key: ExportKey::Destination,
            },
        ))
    }

    fn exporter(queue: &Arc<ExportQueue>, config: ExportConfig) -> Exporter {
        let networks = ["10.0.0.0/8".parse::<Prefix>().unwrap()]
            .into_iter()
            .collect();
        let mut e = Exporter::new(queue.clone(), &config, networks);
        e.begin(
            Telemetry::Netflow,
            Some("192.0.2.254".parse().unwrap()),
            1_000_000_000,
        );
        e
    }

    #[test]
    fn only_the_directions_asked_for_and_one_in_n_are_exported_keyed_by_destination() {
        let queue = queue(8);
        let config = ExportConfig {
            enabled: true,
            sample_rate: 2,
            directions: vec![TrafficDirection::Incoming],
            ..ExportConfig::default()
        };
        let mut e = exporter(&queue, config);
        for i in 1..=6 {
            e.export(&record("192.0.2.1", &format!("10.0.0.{i}")), 1, 100, None);
            // Outgoing: not exported, and not counted by the sampling.
            e.export(&record("10.0.0.1", "192.0.2.1"), 1, 100, None);
        }
        assert!(
            queue.is_empty(),
            "nothing handed over before the batch is full or flushed"
        );
        e.flush();
        let batches = queue.take(10);
        assert_eq!(batches.len(), 1);
        let destinations: Vec<_> = batches[0]
            .records
            .iter()
            .map(|r| r.record.dst.to_string())
            .collect();
        assert_eq!(destinations, ["10.0.0.1", "10.0.0.3", "10.0.0.5"]);
        let first = &batches[0].records[0];
        assert_eq!(
            (first.direction, first.agent, first.timestamp_ns),
            (
                TrafficDirection::Incoming,
                Some("192.0.2.254".parse().unwrap()),
                1_000_000_000
            )
        );
    }

    #[test]
    fn a_full_batch_is_handed_over_and_a_full_queue_counts_the_drop() {
        let queue = queue(2);
        let config = ExportConfig {
            enabled: true,
            batch_bytes: 1024,
            ..ExportConfig::default()
        };
        let mut e = exporter(&queue, config);
        let mut records = 0u64;
        while queue.stats().queued_batches < 2 {
            e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
            records += 1;
        }
        // The queue is full: what comes now is dropped, counted at the next flush.
        for _ in 0..1000 {
            e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
        }
        assert!(e.batch.records.is_empty());
        e.flush();
        let stats = queue.stats();
        assert_eq!(
            (
                stats.queued_batches,
                stats.queued_records,
                stats.dropped_records
            ),
            (2, records, 1000)
        );
        for batch in queue.take(10) {
            assert_eq!(batch.records.len(), e.batch_records);
            assert!(batch.bytes() <= 1024);
            // Every direction exported: looked up as the record is kept.
            assert!(batch
                .records
                .iter()
                .all(|r| r.direction == TrafficDirection::Internal));
        }
        // Room again: the next record begins a batch.
        e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
        e.flush();
        assert_eq!(queue.stats().queued_batches, 3);
    }

    #[test]
    fn a_batch_filled_while_the_queue_filled_is_dropped_whole() {
        let queue = queue(1);
        let mut e = exporter(
            &queue,
            ExportConfig {
                enabled: true,
                ..ExportConfig::default()
            },
        );
        e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
        queue.push(ExportBatch {
            records: vec![traffic("192.0.2.1", "10.0.0.1"); 5],
        });
        e.export(&record("10.0.0.1", "10.0.0.3"), 1, 100, None);
        e.flush();
        let stats = queue.stats();
        assert_eq!(
            (
                stats.queued_records,
                stats.dropped_records,
                stats.dropped_batches
            ),
            (5, 2, 1)
        );
    }

    #[test]
    fn a_worker_going_away_hands_over_what_it_holds() {
        let queue = queue(2);
        let mut e = exporter(
            &queue,
            ExportConfig {
                enabled: true,
                ..ExportConfig::default()
            },
        );
        e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
        drop(e);
        assert_eq!(queue.stats().queued_records, 1);
    }
}
