//! The host table's index: from an address to its slab slot in 4 bytes a slot (a general hash
//! map would hold the 16-byte key again). Open addressing, linear probing, backward-shift
//! deletion; the keys live in the slab and are read through `key_of`. The hasher is seeded at
//! random, so that sprayed addresses cannot be chosen to collide.

use crate::key::HostKey;

const EMPTY: u32 = u32::MAX;
const MIN_SLOTS: usize = 64;

pub(crate) struct HostIndex {
    slots: Vec<u32>,
    len: usize,
    hasher: ahash::RandomState,
}

impl HostIndex {
    pub(crate) fn new() -> HostIndex {
        HostIndex {
            slots: vec![EMPTY; MIN_SLOTS],
            len: 0,
            hasher: ahash::RandomState::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u32>()
    }

    #[inline]
    fn home(&self, key: &HostKey) -> usize {
        self.hasher.hash_one(key) as usize & (self.slots.len() - 1)
    }

    #[inline]
    pub(crate) fn get(&self, key: &HostKey, key_of: impl Fn(u32) -> HostKey) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let at = self.slots[i];
            if at == EMPTY {
                return None;
            }
            if key_of(at) == *key {
                return Some(at);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `key` (not yet in the index) at slab slot `at`.
    pub(crate) fn insert(&mut self, key: &HostKey, at: u32, key_of: impl Fn(u32) -> HostKey) {
        // At most three quarters full keeps probe runs short.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize(self.slots.len() * 2, &key_of);
        }
        self.place(key, at);
        self.len += 1;
    }

    fn place(&mut self, key: &HostKey, at: u32) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = at;
    }

    /// Removes `key`, which must be in the index.
    pub(crate) fn remove(&mut self, key: &HostKey, key_of: impl Fn(u32) -> HostKey) {
        let mask = self.slots.len() - 1;
        let mut hole = self.home(key);
        loop {
            let at = self.slots[hole];
            if at == EMPTY {
                return;
            }
            if key_of(at) == *key {
                break;
            }
            hole = (hole + 1) & mask;
        }
        self.slots[hole] = EMPTY;
        self.len -= 1;
        // Moves back every entry of the run after the hole that may sit in it.
        let mut next = hole;
        loop {
            next = (next + 1) & mask;
            let at = self.slots[next];
            if at == EMPTY {
                return;
            }
            let home = self.home(&key_of(at));
            let stays = if hole <= next {
                hole < home && home <= next
            } else {
                hole < home || home <= next
            };
            if !stays {
                self.slots[hole] = at;
                self.slots[next] = EMPTY;
                hole = next;
            }
        }
    }

    /// Gives memory back once the index is mostly empty (after a spray was evicted).
    pub(crate) fn shrink_if_sparse(&mut self, key_of: impl Fn(u32) -> HostKey) {
        if self.slots.len() > MIN_SLOTS && self.len * 8 < self.slots.len() {
            let slots = (self.len * 2).next_power_of_two().max(MIN_SLOTS);
            self.resize(slots, &key_of);
        }
    }

    fn resize(&mut self, slots: usize, key_of: &impl Fn(u32) -> HostKey) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; slots]);
        for at in old.into_iter().filter(|&at| at != EMPTY) {
            self.place(&key_of(at), at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn finds_what_stays_after_inserts_removals_and_resizes() {
        let keys: Vec<HostKey> = (0..5000u32)
            .map(|i| HostKey::new(IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i))))
            .collect();
        let key_of = |at: u32| keys[at as usize];
        let mut index = HostIndex::new();
        for at in 0..keys.len() as u32 {
            index.insert(&keys[at as usize], at, key_of);
        }
        for at in (0..keys.len() as u32).filter(|at| at % 3 != 0) {
            index.remove(&keys[at as usize], key_of);
        }
        index.shrink_if_sparse(key_of);
        for (at, key) in keys.iter().enumerate() {
            let expected = (at % 3 == 0).then_some(at as u32);
            assert_eq!(index.get(key, key_of), expected, "{at}");
        }
        assert_eq!(index.len(), keys.len().div_ceil(3));
        for at in (0..keys.len() as u32).filter(|at| at % 3 == 0) {
            index.remove(&keys[at as usize], key_of);
        }
        index.shrink_if_sparse(key_of);
        assert_eq!(index.len(), 0);
        assert_eq!(index.heap_bytes(), MIN_SLOTS * 4);
    }
}
