//! Records that count a flow's packets and octets since it began (octetTotalCount 85,
//! packetTotalCount 86) instead of since its last report: an exporter reports a long flow
//! again at every active timeout, so counting each report whole would count the flow's start
//! over and over. What was reported last of each flow is remembered, bounded, and only the
//! growth is counted.

use std::collections::HashMap;
use std::hash::Hash;

use floodwatch_packet::FlowRecord;

/// Flows remembered per decoder; past it the longest unreported half is forgotten (such a
/// flow's next report counts whole again).
const MAX_FLOWS: usize = 1 << 17;

#[derive(Clone, Copy)]
struct Reported {
    packets: u64,
    octets: u64,
    at_ms: u64,
}

#[derive(Default)]
pub(crate) struct FlowTotals {
    last: HashMap<u64, Reported, ahash::RandomState>,
    hasher: ahash::RandomState,
}

/// Which of a record's counters are totals since the flow began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TotalCounters {
    pub packets: bool,
    pub octets: bool,
}

impl TotalCounters {
    pub fn any(self) -> bool {
        self.packets || self.octets
    }
}

impl FlowTotals {
    /// Turns the totals of `record` (a flow of `exporter`'s `domain`) into what is new since
    /// the flow's last report, and its span into the time since then; false when nothing is.
    pub fn count_growth(
        &mut self,
        exporter: u64,
        domain: u32,
        record: &mut FlowRecord,
        totals: TotalCounters,
        now_ms: u64,
    ) -> bool {
        let key = self.hasher.hash_one((
            exporter,
            domain,
            record.src,
            record.dst,
            record.src_port,
            record.dst_port,
            record.protocol,
        ));
        let now = Reported {
            packets: record.packets,
            octets: record.bytes,
            at_ms: now_ms,
        };
        if let Some(last) = self.last.insert(key, now) {
            // A total that went back is a new flow with the same key: it counts whole.
            if totals.packets && record.packets >= last.packets {
                record.packets -= last.packets;
            }
            if totals.octets && record.bytes >= last.octets {
                record.bytes -= last.octets;
            }
            let since_ms = now_ms.saturating_sub(last.at_ms).min(u32::MAX as u64) as u32;
            record.duration_ms = record.duration_ms.min(since_ms);
        } else if self.last.len() > MAX_FLOWS {
            self.forget_oldest_half();
        }
        record.packets > 0 || record.bytes > 0
    }

    fn forget_oldest_half(&mut self) {
        let mut ages: Vec<u64> = self.last.values().map(|r| r.at_ms).collect();
        let middle = ages.len() / 2;
        let (_, cutoff, _) = ages.select_nth_unstable(middle);
        let cutoff = *cutoff;
        self.last.retain(|_, r| r.at_ms > cutoff);
    }
}

/// What identifies an exporter in the flow keys.
pub(crate) fn exporter_key(exporter: impl Hash) -> u64 {
    ahash::RandomState::with_seeds(1, 2, 3, 4).hash_one(exporter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_packet::PROTO_TCP;

    fn flow(packets: u64, bytes: u64, duration_ms: u32) -> FlowRecord {
        floodwatch_test_support::flow("192.0.2.1", "198.51.100.1")
            .protocol(PROTO_TCP)
            .ports(40000, 443)
            .packets(packets)
            .bytes(bytes)
            .duration_ms(duration_ms)
            .build()
    }

    #[test]
    fn each_report_counts_what_grew_since_the_last_one() {
        let mut totals = FlowTotals::default();
        let both = TotalCounters {
            packets: true,
            octets: true,
        };
        let mut first = flow(100, 150_000, 60_000);
        assert!(totals.count_growth(1, 0, &mut first, both, 60_000));
        assert_eq!(
            (first.packets, first.bytes, first.duration_ms),
            (100, 150_000, 60_000)
        );
        let mut second = flow(160, 240_000, 120_000);
        assert!(totals.count_growth(1, 0, &mut second, both, 120_000));
        assert_eq!(
            (second.packets, second.bytes, second.duration_ms),
            (60, 90_000, 60_000)
        );
        let mut same = flow(160, 240_000, 130_000);
        assert!(
            !totals.count_growth(1, 0, &mut same, both, 130_000),
            "nothing new"
        );
        let mut other_exporter = flow(160, 240_000, 120_000);
        assert!(totals.count_growth(2, 0, &mut other_exporter, both, 130_000));
        assert_eq!(other_exporter.packets, 160);
        let mut restarted = flow(5, 500, 1000);
        assert!(totals.count_growth(1, 0, &mut restarted, both, 140_000));
        assert_eq!(restarted.packets, 5, "a total that went back is a new flow");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut totals = FlowTotals::default();
        let both = TotalCounters {
            packets: true,
            octets: true,
        };
        for i in 0..(MAX_FLOWS as u32 * 2) {
            let mut f = flow(1, 100, 0);
            f.src_port = i as u16;
            f.dst_port = (i >> 16) as u16;
            totals.count_growth(1, 0, &mut f, both, i as u64);
        }
        assert!(totals.last.len() <= MAX_FLOWS + 1);
    }
}
