//! A worker's side of the attack samples: keeps the records of watched hosts until the
//! ticker takes them.

use crate::fingerprint::CapturedPacket;
use crate::watch::{WatchList, WatchSet, WatchSource};
use arc_swap::Cache;
use floodwatch_packet::{FlowRecord, PacketHeader};
use std::sync::Arc;

/// Records kept between two `take`s unless told otherwise.
pub const DEFAULT_MAX_BUFFERED: usize = 4096;
/// Records of hosts not watched kept between two `take_recent`s: a uniform sample of them.
pub const RECENT_PER_TAKE: usize = 256;

/// A uniform sample of the records offered for hosts not watched during one tick: what a host
/// detected on a burst (NetFlow exports a flow when it ends or times out) was sent, before its
/// watch started.
#[derive(Clone, Debug, Default)]
pub struct RecentRecords {
    pub records: Vec<FlowRecord>,
    /// Records offered, of which `records` is a sample.
    pub seen: u64,
}

impl RecentRecords {
    /// How many records offered each one kept stands for.
    pub fn weight(&self) -> f64 {
        if self.records.is_empty() {
            0.0
        } else {
            self.seen as f64 / self.records.len() as f64
        }
    }
}

/// One per worker thread. `offer` every record; the ticker `take`s the buffer each tick.
pub struct SampleCollector {
    /// Revalidated with one relaxed atomic load per record; reloaded only when the list changes.
    watched: Cache<WatchSource, Arc<WatchSet>>,
    buffer: Vec<FlowRecord>,
    packets: Vec<CapturedPacket>,
    max_buffered: usize,
    snap_len: usize,
    dropped: u64,
    recent: RecentRecords,
    /// Reservoir sampling with skips (Li's algorithm L): the ordinal of the next record
    /// offered that enters the sample, and the weight behind the skips.
    next_kept: u64,
    skip_weight: f64,
    random: u64,
}

impl SampleCollector {
    pub fn new(list: &WatchList) -> SampleCollector {
        SampleCollector::with_max_buffered(list, DEFAULT_MAX_BUFFERED)
    }

    /// Past `max_buffered` records between two `take`s, records are dropped and counted.
    pub fn with_max_buffered(list: &WatchList, max_buffered: usize) -> SampleCollector {
        SampleCollector {
            watched: Cache::new(list.source()),
            buffer: Vec::new(),
            packets: Vec::new(),
            max_buffered,
            snap_len: crate::FingerprintConfig::default().snap_len,
            dropped: 0,
            recent: RecentRecords::default(),
            next_kept: 0,
            skip_weight: 1.0,
            random: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// Bytes kept of each packet header offered.
    pub fn with_snap_len(mut self, snap_len: usize) -> SampleCollector {
        self.snap_len = snap_len;
        self
    }

    #[inline]
    fn is_watched(&mut self, record: &FlowRecord) -> bool {
        let watched = self.watched.load();
        !watched.is_empty()
            && (watched.contains(&record.dst.to_canonical())
                || watched.contains(&record.src.to_canonical()))
    }

    /// Keeps `record` if it goes to or comes from a watched host, else perhaps in the
    /// uniform sample of the others (reservoir sampling).
    #[inline]
    pub fn offer(&mut self, record: &FlowRecord) {
        if self.is_watched(record) {
            self.keep(record);
        } else {
            self.remember(record);
        }
    }

    #[inline]
    fn remember(&mut self, record: &FlowRecord) {
        self.recent.seen += 1;
        if self.recent.seen < self.next_kept {
            return;
        }
        self.keep_in_sample(record);
    }

    #[cold]
    fn keep_in_sample(&mut self, record: &FlowRecord) {
        const K: f64 = RECENT_PER_TAKE as f64;
        if self.recent.records.len() < RECENT_PER_TAKE {
            self.recent.records.push(record.clone());
            if self.recent.records.len() == RECENT_PER_TAKE {
                self.skip_weight = (self.uniform().ln() / K).exp();
                self.next_kept = self.recent.seen + self.records_to_pass() + 1;
            }
            return;
        }
        let slot = (self.next_random() % RECENT_PER_TAKE as u64) as usize;
        self.recent.records[slot] = record.clone();
        self.skip_weight *= (self.uniform().ln() / K).exp();
        self.next_kept = self.recent.seen + self.records_to_pass() + 1;
    }

    /// Records to pass over before the next one enters the sample.
    fn records_to_pass(&mut self) -> u64 {
        let skip = (self.uniform().ln() / (1.0 - self.skip_weight).ln()).floor();
        if skip.is_finite() && skip >= 0.0 {
            skip.min(u64::MAX as f64 / 2.0) as u64
        } else {
            0
        }
    }

    /// xorshift64
    fn next_random(&mut self) -> u64 {
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        self.random
    }

    /// In (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_random() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// The sample of records of hosts not watched since the last call.
    pub fn take_recent(&mut self) -> RecentRecords {
        self.next_kept = 0;
        self.skip_weight = 1.0;
        std::mem::take(&mut self.recent)
    }

    /// Keeps `record` and the packet header it was made from, if a watched host is an end.
    #[inline]
    pub fn offer_packet(&mut self, record: &FlowRecord, header: &PacketHeader<'_>) {
        if self.is_watched(record) {
            self.keep(record);
            if self.packets.len() < self.max_buffered {
                self.packets
                    .push(CapturedPacket::new(record, header, self.snap_len));
            }
        }
    }

    /// The packet headers kept since the last call.
    pub fn take_packets(&mut self) -> Vec<CapturedPacket> {
        std::mem::take(&mut self.packets)
    }

    #[cold]
    fn keep(&mut self, record: &FlowRecord) {
        if self.buffer.len() >= self.max_buffered {
            self.dropped += 1;
        } else {
            self.buffer.push(record.clone());
        }
    }

    /// The records kept since the last call.
    pub fn take(&mut self) -> Vec<FlowRecord> {
        std::mem::take(&mut self.buffer)
    }

    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Records of watched hosts dropped because the buffer was full, since the start.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_test_support::flow;

    /// One 468-byte NTP reply.
    fn record(src: &str, dst: &str) -> FlowRecord {
        flow(src, dst).ports(123, 40000).bytes(468).build()
    }

    #[test]
    fn keeps_records_to_or_from_watched_hosts_only() {
        let list = WatchList::new();
        let mut collector = SampleCollector::new(&list);
        collector.offer(&record("192.0.2.1", "10.0.0.1"));
        assert_eq!(collector.buffered(), 0, "nothing watched");

        list.watch("10.0.0.1".parse().unwrap());
        collector.offer(&record("192.0.2.1", "10.0.0.1"));
        collector.offer(&record("10.0.0.1", "192.0.2.1"));
        collector.offer(&record("192.0.2.1", "::ffff:10.0.0.1"));
        collector.offer(&record("192.0.2.1", "10.0.0.2"));
        collector.offer(&record("192.0.2.1", "10.0.0.65"));
        assert_eq!(collector.take().len(), 3);
        assert!(collector.take().is_empty());

        list.unwatch(&"10.0.0.1".parse().unwrap());
        collector.offer(&record("192.0.2.1", "10.0.0.1"));
        assert_eq!(collector.buffered(), 0, "unwatched");
    }

    #[test]
    fn records_of_hosts_not_watched_are_sampled_uniformly() {
        let list = WatchList::new();
        let mut collector = SampleCollector::new(&list);
        for i in 0..100_000u32 {
            let dst = if i % 10 == 0 { "10.0.0.1" } else { "10.0.0.2" };
            collector.offer(&record("192.0.2.1", dst));
        }
        let recent = collector.take_recent();
        assert_eq!(
            (recent.records.len(), recent.seen),
            (RECENT_PER_TAKE, 100_000)
        );
        let flood = recent
            .records
            .iter()
            .filter(|r| r.dst.to_string() == "10.0.0.1")
            .count();
        assert!(
            (10..=45).contains(&flood),
            "{flood} of {RECENT_PER_TAKE} for a tenth of the records"
        );
        assert!(collector.take_recent().records.is_empty());
        assert_eq!(collector.buffered(), 0, "nothing watched");
    }

    #[test]
    fn the_buffer_is_bounded_between_takes() {
        let list = WatchList::new();
        list.watch("10.0.0.1".parse().unwrap());
        let mut collector = SampleCollector::with_max_buffered(&list, 10);
        for _ in 0..25 {
            collector.offer(&record("192.0.2.1", "10.0.0.1"));
        }
        assert_eq!(collector.take().len(), 10);
        assert_eq!(collector.dropped(), 15);
        collector.offer(&record("192.0.2.1", "10.0.0.1"));
        assert_eq!(collector.take().len(), 1, "room again after a take");
    }
}
