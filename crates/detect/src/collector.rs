//! A worker's side of the attack samples: keeps the records of watched hosts until the
//! ticker takes them.

use crate::fingerprint::CapturedPacket;
use crate::watch::{WatchList, WatchSet, WatchSource};
use arc_swap::Cache;
use floodwatch_packet::{FlowRecord, PacketHeader};
use std::sync::Arc;

/// Records kept between two `take`s unless told otherwise.
pub const DEFAULT_MAX_BUFFERED: usize = 4096;

/// One per worker thread. `offer` every record; the ticker `take`s the buffer each tick.
pub struct SampleCollector {
    /// Revalidated with one relaxed atomic load per record; reloaded only when the list changes.
    watched: Cache<WatchSource, Arc<WatchSet>>,
    buffer: Vec<FlowRecord>,
    packets: Vec<CapturedPacket>,
    max_buffered: usize,
    snap_len: usize,
    dropped: u64,
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

    /// Keeps `record` if it goes to or comes from a watched host.
    #[inline]
    pub fn offer(&mut self, record: &FlowRecord) {
        if self.is_watched(record) {
            self.keep(record);
        }
    }

    /// Keeps `record` and the packet header it was made from, if a watched host is an end.
    #[inline]
    pub fn offer_packet(&mut self, record: &FlowRecord, header: &PacketHeader<'_>) {
        if self.is_watched(record) {
            self.keep(record);
            if self.packets.len() < self.max_buffered {
                self.packets.push(CapturedPacket::new(record, header, self.snap_len));
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
    use floodwatch_packet::PROTO_UDP;

    fn record(src: &str, dst: &str) -> FlowRecord {
        FlowRecord {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            protocol: PROTO_UDP,
            src_port: 123,
            dst_port: 40000,
            tcp_flags: 0,
            fragment: false,
            packets: 1,
            bytes: 468,
            sampling_rate: 1,
            duration_ms: 0,
        }
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
