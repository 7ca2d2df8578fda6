//! The last check before a record is counted: a sampling rate or a count no real exporter
//! sends is a forged or corrupt record, dropped and counted, since one such record would
//! otherwise weigh as much as a flood.

use std::net::IpAddr;

use floodwatch_packet::{FlowRecord, InterfaceCounters, PacketHeader, RecordSink};

use crate::DropReason;

/// Packets one record may report: a 400 Gbit/s link's worth of 64-byte packets for a day.
const MAX_RECORD_PACKETS: u64 = 1 << 46;
/// The largest IP packet (and a jumbo Ethernet frame with room to spare).
const MAX_PACKET_BYTES: u64 = 65_535 + 64;
/// Packets per second one record may claim once scaled by its sampling rate: over three times
/// a 400 Gbit/s link's worth of 64-byte packets, over the record's span (one second at least:
/// exporters with timestamps in whole seconds report short flows as lasting 0 s).
const MAX_RECORD_PPS: u64 = 1 << 31;

/// Passes plausible records on to `inner` and counts the others.
pub(crate) struct PlausibleSink<'a, S> {
    pub inner: &'a mut S,
    pub max_sampling_rate: u32,
    pub implausible_sampling_rate: u32,
    pub implausible_counts: u32,
}

impl<'a, S: RecordSink> PlausibleSink<'a, S> {
    pub fn new(inner: &'a mut S, max_sampling_rate: u32) -> Self {
        PlausibleSink {
            inner,
            max_sampling_rate,
            implausible_sampling_rate: 0,
            implausible_counts: 0,
        }
    }

    pub fn dropped(&self) -> u32 {
        self.implausible_sampling_rate + self.implausible_counts
    }

    fn admit(&mut self, record: &FlowRecord) -> bool {
        match implausibility(record, self.max_sampling_rate) {
            None => true,
            Some(DropReason::ImplausibleSamplingRate) => {
                self.implausible_sampling_rate += 1;
                false
            }
            Some(_) => {
                self.implausible_counts += 1;
                false
            }
        }
    }
}

/// Why `record` cannot be real, if it cannot.
pub(crate) fn implausibility(record: &FlowRecord, max_sampling_rate: u32) -> Option<DropReason> {
    if record.sampling_rate > max_sampling_rate {
        return Some(DropReason::ImplausibleSamplingRate);
    }
    // Some exporters (Cisco ASA) count bytes only: then the bytes of the most packets.
    let packets = if record.packets == 0 {
        MAX_RECORD_PACKETS
    } else {
        record.packets
    };
    let most_bytes = packets.saturating_mul(MAX_PACKET_BYTES);
    if record.packets > MAX_RECORD_PACKETS || record.bytes > most_bytes {
        return Some(DropReason::ImplausibleCounts);
    }
    let seconds = (record.duration_ms as u64).div_ceil(1000).max(1) as u128;
    let scaled = record.packets as u128 * record.sampling_rate.max(1) as u128;
    if scaled > MAX_RECORD_PPS as u128 * seconds {
        return Some(DropReason::ImplausibleCounts);
    }
    None
}

impl<S: RecordSink> RecordSink for PlausibleSink<'_, S> {
    fn record(&mut self, record: &FlowRecord) {
        if self.admit(record) {
            self.inner.record(record);
        }
    }

    fn packet(&mut self, record: &FlowRecord, header: &PacketHeader<'_>) {
        if self.admit(record) {
            self.inner.packet(record, header);
        }
    }

    fn interface_counters(&mut self, agent: IpAddr, counters: &InterfaceCounters) {
        self.inner.interface_counters(agent, counters);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_packet::PROTO_TCP;
    use floodwatch_test_support::flow;

    fn record(packets: u64, bytes: u64, sampling_rate: u32) -> FlowRecord {
        flow("192.0.2.1", "198.51.100.1")
            .protocol(PROTO_TCP)
            .ports(40000, 443)
            .packets(packets)
            .bytes(bytes)
            .sampling_rate(sampling_rate)
            .build()
    }

    #[test]
    fn real_records_pass() {
        for r in [
            record(1, 40, 1),
            record(10, 15_000, 4096),
            record(0, 0, 1),
            record(1, 9018, 100_000),
            record(20_000, 1_200_000, 100_000),
        ] {
            assert_eq!(implausibility(&r, 100_000), None, "{r:?}");
        }
    }

    #[test]
    fn forged_rates_and_counts_are_refused() {
        assert_eq!(
            implausibility(&record(1, 100, 4_000_000_000), 100_000),
            Some(DropReason::ImplausibleSamplingRate)
        );
        assert_eq!(
            implausibility(&record(1 << 62, 1 << 62, 1), 100_000),
            Some(DropReason::ImplausibleCounts)
        );
        assert_eq!(
            implausibility(&record(1, 1 << 40, 1), 100_000),
            Some(DropReason::ImplausibleCounts)
        );
        assert_eq!(
            implausibility(&record(2, 140_000, 1), 100_000),
            Some(DropReason::ImplausibleCounts)
        );
        assert_eq!(
            implausibility(&record(0, 70_000, 1), 100_000),
            None,
            "bytes only (NSEL)"
        );
        // NetFlow v5's largest count at its largest sampling rate, in no time at all.
        assert_eq!(
            implausibility(
                &record(u32::MAX as u64, u32::MAX as u64 * 60, 16383),
                100_000
            ),
            Some(DropReason::ImplausibleCounts)
        );
        let long = FlowRecord {
            duration_ms: 60_000,
            ..record(100_000_000, 6_000_000_000, 1000)
        };
        assert_eq!(
            implausibility(&long, 100_000),
            None,
            "1.7 Gpps scaled over a minute: a big link, not a forgery"
        );
    }
}
