//! The hosts under attack, shared by the control plane (which changes it) and every worker
//! (which reads it per record, without a lock).

use arc_swap::ArcSwap;
use std::collections::HashSet;
use std::net::IpAddr;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// An immutable set of watched addresses, replaced whole on every change.
#[derive(Clone, Debug, Default)]
pub(crate) struct WatchSet {
    /// One bit per value of an address's last byte modulo 64: most records are for other
    /// hosts, and this turns them away before hashing.
    filter: u64,
    hosts: HashSet<IpAddr, ahash::RandomState>,
}

impl WatchSet {
    fn with(&self, change: impl FnOnce(&mut HashSet<IpAddr, ahash::RandomState>)) -> WatchSet {
        let mut hosts = self.hosts.clone();
        change(&mut hosts);
        WatchSet {
            filter: hosts.iter().fold(0, |bits, ip| bits | filter_bit(ip)),
            hosts,
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.filter == 0
    }

    /// `ip` must be canonical (IPv4 as IPv4).
    #[inline]
    pub(crate) fn contains(&self, ip: &IpAddr) -> bool {
        self.filter & filter_bit(ip) != 0 && self.hosts.contains(ip)
    }

    pub(crate) fn len(&self) -> usize {
        self.hosts.len()
    }
}

#[inline]
fn filter_bit(ip: &IpAddr) -> u64 {
    let last = match ip {
        IpAddr::V4(v4) => v4.octets()[3],
        IpAddr::V6(v6) => v6.octets()[15],
    };
    1 << (last & 63)
}

struct Shared {
    set: ArcSwap<WatchSet>,
    watched: AtomicUsize,
    /// Serializes writers, so that none loses another's change; readers never take it.
    writer: Mutex<()>,
}

/// The watched hosts: a cloneable handle, one per worker and one for the control plane.
#[derive(Clone)]
pub struct WatchList {
    shared: Arc<Shared>,
}

impl Default for WatchList {
    fn default() -> Self {
        WatchList::new()
    }
}

impl std::fmt::Debug for WatchList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.hosts()).finish()
    }
}

impl WatchList {
    pub fn new() -> WatchList {
        WatchList {
            shared: Arc::new(Shared {
                set: ArcSwap::from_pointee(WatchSet::default()),
                watched: AtomicUsize::new(0),
                writer: Mutex::new(()),
            }),
        }
    }

    /// Starts keeping samples of `ip`; returns false if it was watched already.
    pub fn watch(&self, ip: IpAddr) -> bool {
        self.change(|hosts| hosts.insert(ip.to_canonical()))
    }

    /// Stops keeping samples of `ip`; returns false if it was not watched.
    pub fn unwatch(&self, ip: &IpAddr) -> bool {
        self.change(|hosts| hosts.remove(&ip.to_canonical()))
    }

    fn change(
        &self,
        change: impl FnOnce(&mut HashSet<IpAddr, ahash::RandomState>) -> bool,
    ) -> bool {
        let _writer = self.shared.writer.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.shared.set.load_full();
        let mut changed = false;
        let next = current.with(|hosts| changed = change(hosts));
        if changed {
            let watched = next.len();
            self.shared.set.store(Arc::new(next));
            self.shared.watched.store(watched, Ordering::Release);
        }
        changed
    }

    /// One atomic load.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        self.shared.watched.load(Ordering::Acquire)
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        self.shared.set.load().contains(&ip.to_canonical())
    }

    pub fn hosts(&self) -> Vec<IpAddr> {
        let mut hosts: Vec<IpAddr> = self.shared.set.load().hosts.iter().copied().collect();
        hosts.sort();
        hosts
    }

    pub(crate) fn snapshot(&self) -> Arc<WatchSet> {
        self.shared.set.load_full()
    }

    /// The shared set, for `arc_swap::Cache`.
    pub(crate) fn source(&self) -> WatchSource {
        WatchSource(Arc::clone(&self.shared))
    }
}

pub(crate) struct WatchSource(Arc<Shared>);

impl Deref for WatchSource {
    type Target = ArcSwap<WatchSet>;

    fn deref(&self) -> &ArcSwap<WatchSet> {
        &self.0.set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_test_support::ip;

    #[test]
    fn watch_and_unwatch_are_seen_by_every_handle() {
        let list = WatchList::new();
        let worker = list.clone();
        assert!(worker.is_empty());
        assert!(list.watch(ip("10.0.0.1")));
        assert!(!list.watch(ip("10.0.0.1")));
        assert!(list.watch(ip("2001:db8::1")));
        assert_eq!(worker.len(), 2);
        assert!(worker.contains(&ip("10.0.0.1")));
        assert!(
            worker.contains(&ip("::ffff:10.0.0.1")),
            "IPv4-mapped is the same host"
        );
        assert!(
            !worker.contains(&ip("10.0.0.65")),
            "same filter bit, other host"
        );
        assert!(!worker.contains(&ip("10.0.0.2")));
        assert_eq!(worker.hosts(), [ip("10.0.0.1"), ip("2001:db8::1")]);
        assert!(list.unwatch(&ip("::ffff:10.0.0.1")));
        assert!(!list.unwatch(&ip("10.0.0.1")));
        assert!(!worker.contains(&ip("10.0.0.1")));
        assert!(list.unwatch(&ip("2001:db8::1")));
        assert!(worker.is_empty());
        assert!(worker.snapshot().is_empty());
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let list = WatchList::new();
        std::thread::scope(|scope| {
            for thread in 0..4u8 {
                let list = list.clone();
                scope.spawn(move || {
                    for host in 0..50u8 {
                        list.watch(IpAddr::from([10, thread, 0, host]));
                    }
                });
            }
        });
        assert_eq!(list.len(), 200);
        assert_eq!(list.hosts().len(), 200);
    }
}
