//! A map bounded in entries: each entry carries the stamp of its last use, and when the map
//! is full a sixteenth of it, the least recently used, goes at once (so that choosing them is
//! not repeated for every new key), handed to the caller to fold or count.

use std::hash::Hash;

use ahash::AHashMap;

/// Share of the map let go at once when it is full.
const EVICT_FRACTION: usize = 16;

pub struct RecentMap<K, V> {
    entries: AHashMap<K, (V, u64)>,
    max: usize,
}

impl<K: Copy + Eq + Hash + Ord, V: Default> RecentMap<K, V> {
    pub fn new(max: usize) -> RecentMap<K, V> {
        RecentMap {
            entries: AHashMap::new(),
            max: max.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The value of `key`, stamped `stamp` (created when new); when a new key finds the map
    /// full, the least recently stamped entries are first handed to `evicted`.
    pub fn entry(&mut self, key: K, stamp: u64, mut evicted: impl FnMut(K, V)) -> &mut V {
        if self.entries.len() >= self.max && !self.entries.contains_key(&key) {
            let mut order: Vec<(u64, K)> =
                self.entries.iter().map(|(k, (_, s))| (*s, *k)).collect();
            let count = (self.max / EVICT_FRACTION).max(1).min(order.len());
            if count < order.len() {
                order.select_nth_unstable(count);
            }
            for (_, old) in &order[..count] {
                if let Some((value, _)) = self.entries.remove(old) {
                    evicted(*old, value);
                }
            }
        }
        let (value, last) = self.entries.entry(key).or_default();
        *last = stamp;
        value
    }

    /// The entries in key order, the first `limit`.
    pub fn sorted(&self, limit: usize) -> Vec<(K, &V)> {
        let mut entries: Vec<(K, &V)> = self.entries.iter().map(|(k, (v, _))| (*k, v)).collect();
        entries.sort_unstable_by_key(|(k, _)| *k);
        entries.truncate(limit);
        entries
    }
}
