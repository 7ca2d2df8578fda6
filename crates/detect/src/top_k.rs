//! The heaviest keys of a stream in bounded memory: the space-saving summary (Metwally et al.).
//!
//! At most `capacity` counters. A new key when full takes over the smallest counter and its
//! counts, so a count is never below the key's true traffic and at most `error` packets
//! above it; any key with more than total/capacity packets is sure to hold a counter.

use std::collections::HashMap;
use std::hash::Hash;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Counter<K> {
    pub(crate) key: K,
    pub(crate) packets: u64,
    pub(crate) bytes: u64,
    /// Packets and bytes inherited from the key this counter held before.
    pub(crate) error: u64,
    pub(crate) bytes_error: u64,
}

impl<K> Counter<K> {
    /// What the key surely sent: its counts less what its counter inherited. Exact for a key
    /// that never had to take over another's counter.
    pub(crate) fn guaranteed(&self) -> (u64, u64) {
        (self.packets - self.error, self.bytes - self.bytes_error)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct SpaceSaving<K> {
    capacity: usize,
    counters: Vec<Counter<K>>,
    index: HashMap<K, u32, ahash::RandomState>,
}

impl<K: Copy + Eq + Hash + Ord> SpaceSaving<K> {
    pub(crate) fn new(capacity: usize) -> SpaceSaving<K> {
        SpaceSaving {
            capacity: capacity.max(1),
            counters: Vec::new(),
            index: HashMap::default(),
        }
    }

    pub(crate) fn add(&mut self, key: K, packets: u64, bytes: u64) {
        if let Some(&at) = self.index.get(&key) {
            let counter = &mut self.counters[at as usize];
            counter.packets += packets;
            counter.bytes += bytes;
            return;
        }
        if self.counters.len() < self.capacity {
            self.index.insert(key, self.counters.len() as u32);
            self.counters.push(Counter {
                key,
                packets,
                bytes,
                error: 0,
                bytes_error: 0,
            });
            return;
        }
        let (at, _) = self
            .counters
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| c.packets)
            .expect("capacity is at least 1");
        let counter = &mut self.counters[at];
        self.index.remove(&counter.key);
        self.index.insert(key, at as u32);
        *counter = Counter {
            key,
            error: counter.packets,
            bytes_error: counter.bytes,
            packets: counter.packets + packets,
            bytes: counter.bytes + bytes,
        };
    }

    /// The `n` largest counters, most packets surely sent first, ties in key order.
    pub(crate) fn top(&self, n: usize) -> Vec<Counter<K>> {
        let mut sorted = self.counters.clone();
        sorted.sort_by(|a, b| {
            b.guaranteed()
                .0
                .cmp(&a.guaranteed().0)
                .then(a.key.cmp(&b.key))
        });
        sorted.truncate(n);
        sorted
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.counters.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_under_capacity() {
        let mut summary = SpaceSaving::new(4);
        summary.add(1u16, 10, 1000);
        summary.add(2, 5, 500);
        summary.add(1, 1, 100);
        let top = summary.top(10);
        assert_eq!(
            top,
            [
                Counter {
                    key: 1,
                    packets: 11,
                    bytes: 1100,
                    error: 0,
                    bytes_error: 0
                },
                Counter {
                    key: 2,
                    packets: 5,
                    bytes: 500,
                    error: 0,
                    bytes_error: 0
                },
            ]
        );
        assert_eq!(summary.top(1).len(), 1);
    }

    #[test]
    fn a_heavy_key_survives_a_spray_of_light_ones() {
        let mut summary = SpaceSaving::new(8);
        let mut total = 0;
        for i in 0..10_000u32 {
            summary.add(i + 100, 1, 60);
            total += 1;
            if i % 2 == 0 {
                summary.add(7, 1, 1500);
                total += 1;
            }
        }
        assert_eq!(summary.len(), 8, "bounded");
        let top = &summary.top(1)[0];
        assert_eq!(top.key, 7);
        assert!(top.packets >= 5000 && top.packets - top.error <= 5000);
        assert!(top.error <= total / 8);
        let last = summary.top(8).pop().unwrap();
        assert_eq!(
            last.guaranteed(),
            (1, 60),
            "a light key seen once is reported as seen once"
        );
    }
}
