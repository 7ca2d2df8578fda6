//! Datagrams a worker refused before decoding (not from an allowed exporter, or larger than the
//! receive buffer), counted per source address, bounded: beyond `MAX_SOURCES` the least
//! recently heard sources are folded into one sum, so spoofed sources cannot grow the table.

use std::net::SocketAddr;

use super::recent_map::RecentMap;

/// Sources a worker counts one by one.
pub const MAX_SOURCES: usize = 256;

/// What the collector itself counts per source, besides what the decoder counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListenerDrops {
    /// Datagrams from an address outside `allowed_exporters`.
    pub not_allowed: u64,
    /// Datagrams larger than the receive buffer.
    pub oversized: u64,
}

impl ListenerDrops {
    pub fn add(&mut self, other: &ListenerDrops) {
        self.not_allowed += other.not_allowed;
        self.oversized += other.oversized;
    }

    pub fn total(&self) -> u64 {
        self.not_allowed + self.oversized
    }
}

/// The table as reported: the sources counted one by one, and the sum of the others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListenerDropsSummary {
    pub listed: Vec<(SocketAddr, ListenerDrops)>,
    pub others: ListenerDrops,
}

pub struct ListenerDropTable {
    sources: RecentMap<SocketAddr, ListenerDrops>,
    others: ListenerDrops,
}

impl Default for ListenerDropTable {
    fn default() -> Self {
        ListenerDropTable::new(MAX_SOURCES)
    }
}

impl ListenerDropTable {
    pub fn new(max: usize) -> ListenerDropTable {
        ListenerDropTable {
            sources: RecentMap::new(max),
            others: ListenerDrops::default(),
        }
    }

    /// The counters of `source`, heard at `now_ms`; the least recently heard are folded into
    /// the others' sum to make room.
    pub fn entry(&mut self, source: SocketAddr, now_ms: u64) -> &mut ListenerDrops {
        let others = &mut self.others;
        self.sources
            .entry(source, now_ms, |_, drops| others.add(&drops))
    }

    pub fn summary(&self) -> ListenerDropsSummary {
        let listed = self
            .sources
            .sorted(usize::MAX)
            .into_iter()
            .map(|(a, d)| (a, *d))
            .collect();
        ListenerDropsSummary {
            listed,
            others: self.others,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(i: u32) -> SocketAddr {
        SocketAddr::from((
            std::net::Ipv4Addr::from(0x7f00_0000 + i),
            1000 + (i % 50_000) as u16,
        ))
    }

    #[test]
    fn spoofed_sources_are_folded_and_every_datagram_stays_counted() {
        let mut table = ListenerDropTable::default();
        for i in 0..300_000u32 {
            let drops = table.entry(source(i), i as u64);
            if i % 10 == 0 {
                drops.oversized += 1;
            } else {
                drops.not_allowed += 1;
            }
        }
        let summary = table.summary();
        assert!(
            summary.listed.len() <= MAX_SOURCES,
            "{}",
            summary.listed.len()
        );
        let mut total = summary.others;
        summary.listed.iter().for_each(|(_, d)| total.add(d));
        assert_eq!(
            total,
            ListenerDrops {
                not_allowed: 270_000,
                oversized: 30_000
            }
        );
        // The most recent sources are the ones listed.
        assert!(summary.listed.iter().any(|(a, _)| *a == source(299_999)));
    }

    #[test]
    fn a_source_heard_again_keeps_its_place() {
        let mut table = ListenerDropTable::new(16);
        // Ten new sources a round: the table folds the older ones, not the one heard every round.
        for round in 0..100u64 {
            for i in 1..=10 {
                table
                    .entry(source(round as u32 * 20 + i), round * 100 + i as u64)
                    .not_allowed += 1;
            }
            table.entry(source(0), round * 100 + 50).not_allowed += 1;
        }
        let summary = table.summary();
        assert!(summary.listed.len() <= 16);
        assert_eq!(
            summary
                .listed
                .iter()
                .find(|(a, _)| *a == source(0))
                .map(|(_, d)| d.not_allowed),
            Some(100)
        );
    }
}
