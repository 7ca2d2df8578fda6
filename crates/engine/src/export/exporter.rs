//! One worker's side of the export: keeps the records its filter and sampling select, encodes
//! them into its batch, and hands the batch to the queue when full and on every tick.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use floodwatch_counters::PrefixSet;
use floodwatch_packet::FlowRecord;

use super::config::{ExportConfig, ExportFormat, ExportKey};
use super::queue::{ExportBatch, ExportQueue};
use super::record::{Telemetry, TrafficDirection, TrafficRecord};
use super::text::push_ip;
use super::{json, protobuf};

pub struct Exporter {
    queue: Arc<ExportQueue>,
    networks: PrefixSet,
    format: ExportFormat,
    key: ExportKey,
    /// `TrafficDirection::bit` of each direction exported.
    directions: u8,
    sample_rate: u32,
    /// Records to skip before the next one exported, counting this one.
    until_next: u32,
    batch: ExportBatch,
    batch_bytes: usize,
    /// Records dropped unencoded since the last flush (the queue was full when a batch would
    /// have begun), and how many more to drop before looking at the queue again.
    dropped: u64,
    drop_next: u32,
    // Where and when the records being decoded come from (see `begin`).
    telemetry: Telemetry,
    agent: Option<IpAddr>,
    timestamp_ns: u64,
}

/// Records dropped unencoded, once the queue was seen full, before it is looked at again: the
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
        let batch_bytes = config.batch_bytes.max(1024);
        Exporter {
            queue,
            networks,
            format: config.format,
            key: config.key,
            directions: config.directions.iter().fold(0, |bits, d| bits | d.bit()),
            sample_rate: config.sample_rate.max(1),
            until_next: 1,
            batch: ExportBatch {
                data: Vec::with_capacity(batch_bytes + 512),
                records: 0,
            },
            batch_bytes,
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
        let direction = TrafficDirection::of(
            self.networks.contains(&record.src),
            self.networks.contains(&record.dst),
        );
        if self.directions & direction.bit() == 0 {
            return;
        }
        if self.sample_rate > 1 {
            self.until_next -= 1;
            if self.until_next > 0 {
                return;
            }
            self.until_next = self.sample_rate;
        }
        // A batch begun while the queue is full would be dropped whole once full: its records
        // are dropped now instead, before the worker spends any time encoding them.
        if self.batch.records == 0 {
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
        let traffic = TrafficRecord {
            record,
            timestamp_ns: self.timestamp_ns,
            telemetry: self.telemetry,
            direction,
            sampling_rate,
            length,
            agent: self.agent,
            vlan,
        };
        let data = &mut self.batch.data;
        let key_at = data.len();
        data.extend_from_slice(&[0, 0]);
        if self.key == ExportKey::Destination {
            push_ip(data, &record.dst);
        }
        let key_len = (data.len() - key_at - 2) as u16;
        data[key_at..key_at + 2].copy_from_slice(&key_len.to_be_bytes());
        let value_at = data.len();
        data.extend_from_slice(&[0, 0, 0, 0]);
        match self.format {
            ExportFormat::Json => json::encode(&traffic, data),
            ExportFormat::Protobuf => protobuf::encode(&traffic, data),
        }
        let value_len = (data.len() - value_at - 4) as u32;
        data[value_at..value_at + 4].copy_from_slice(&value_len.to_be_bytes());
        self.batch.records += 1;
        if data.len() >= self.batch_bytes {
            self.flush();
        }
    }

    /// Hands the batch to the queue (dropped and counted when it is full).
    pub fn flush(&mut self) {
        if self.dropped > 0 {
            self.queue.count_dropped(self.dropped);
            self.dropped = 0;
        }
        self.drop_next = 0;
        if self.batch.records == 0 {
            return;
        }
        let next = ExportBatch {
            data: Vec::with_capacity(self.batch_bytes + 512),
            records: 0,
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
    use crate::export::messages;
    use floodwatch_counters::Prefix;
    use floodwatch_test_support::flow;

    fn record(src: &str, dst: &str) -> FlowRecord {
        flow(src, dst).ports(1, 2).build()
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
        let queue = Arc::new(ExportQueue::new(8));
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
        assert_eq!(batches[0].records, 3);
        let keys: Vec<_> = messages(&batches[0].data)
            .map(|(k, _)| String::from_utf8(k.to_vec()).unwrap())
            .collect();
        assert_eq!(keys, ["10.0.0.1", "10.0.0.3", "10.0.0.5"]);
        let first: serde_json::Value =
            serde_json::from_slice(messages(&batches[0].data).next().unwrap().1).unwrap();
        assert_eq!(
            (
                &first["destination_ip"],
                &first["traffic_direction"],
                &first["agent_address"]
            ),
            (
                &"10.0.0.1".into(),
                &"incoming".into(),
                &"192.0.2.254".into()
            )
        );
    }

    #[test]
    fn a_full_batch_is_handed_over_and_a_full_queue_counts_the_drop() {
        let queue = Arc::new(ExportQueue::new(2));
        let config = ExportConfig {
            enabled: true,
            format: ExportFormat::Protobuf,
            key: ExportKey::None,
            batch_bytes: 1024,
            ..ExportConfig::default()
        };
        let mut e = exporter(&queue, config);
        let mut records = 0u64;
        while queue.stats().queued_batches < 2 {
            e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
            records += 1;
        }
        // The queue is full: what comes now is dropped unencoded, counted at the next flush.
        for _ in 0..1000 {
            e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
        }
        assert!(e.batch.data.is_empty());
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
            assert!(batch.data.len() >= 1024);
            assert_eq!(messages(&batch.data).count(), batch.records as usize);
            assert!(messages(&batch.data).all(|(key, value)| key.is_empty() && !value.is_empty()));
        }
        // Room again: the next record begins a batch.
        e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
        e.flush();
        assert_eq!(queue.stats().queued_batches, 3);
    }

    #[test]
    fn a_batch_filled_while_the_queue_filled_is_dropped_whole() {
        let queue = Arc::new(ExportQueue::new(1));
        let mut e = exporter(
            &queue,
            ExportConfig {
                enabled: true,
                ..ExportConfig::default()
            },
        );
        e.export(&record("10.0.0.1", "10.0.0.2"), 1, 100, None);
        queue.push(ExportBatch {
            data: Vec::new(),
            records: 5,
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
        let queue = Arc::new(ExportQueue::new(2));
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
