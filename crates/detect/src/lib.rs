//! Detection on top of the counters: the threshold check run on every tick, the samples kept
//! for hosts under attack, and the classification of an attack.
//!
//! Thresholds come compiled from the control plane (typed by the binding, native/src/thresholds.rs); the
//! ticker calls [`check`] after each `HostTable::tick` and gets only the hosts over a limit.
//! Once the control plane marks a host under attack ([`WatchList::watch`]), every worker's
//! [`SampleCollector`] keeps the records to or from it, lock-free, and the ticker folds them
//! into a [`SampleStore`], from which [`classify`] and the attack report read.

mod check;
mod classify;
mod collector;
mod fingerprint;
mod metric;
mod protocol;
mod samples;
mod store;
mod thresholds;
mod top_k;
mod watch;

pub use check::{check, over, Violation};
pub use classify::{classify, AttackType, REFLECTOR_PORTS};
pub use collector::{RecentRecords, SampleCollector, DEFAULT_MAX_BUFFERED, RECENT_PER_TAKE};
pub use fingerprint::{CapturedPacket, FingerprintConfig, FingerprintStore};
pub use floodwatch_counters::Direction;
pub use metric::{MetricSlot, SLOT_COUNT};
pub use samples::{
    AddressCount, AttackSamples, DirectionSamples, PortCount, ProtocolCount, Traffic,
};
pub use store::{SampleStore, SampleStoreConfig};
pub use thresholds::{Group, Limits, Thresholds};
pub use watch::WatchList;
