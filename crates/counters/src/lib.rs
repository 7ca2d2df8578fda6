//! Per-IP traffic counters: packets, bytes and flows per second for every monitored host, in
//! each direction, in total and per class (TCP, TCP SYN, UDP, ICMP, fragments).
//!
//! Worker threads each fill a [`LocalAggregator`] from flow records and hand a [`DeltaBatch`]
//! to the one thread that owns the [`HostTable`] every tick; the table turns them into
//! smoothed speeds, cumulative totals and distinct-flow counts, and stays within `max_hosts`.
//!
//! How long flow records count: a NetFlow or IPFIX record can describe minutes of traffic.
//! Cumulative totals take all of it as soon as the record arrives, but the speeds spread a
//! record longer than one second evenly over the seconds it spans (at most
//! `max_spread_seconds`), so a long flow exported by an active timeout reads as the steady
//! rate it was, not as a one-second spike. Records of one second or less count at once.

mod aggregator;
mod class;
mod compact;
mod config;
mod index;
mod key;
pub mod prefix;
pub mod sketch;
mod smoothing;
mod spread;
mod state;
mod table;
mod top;
mod view;
pub mod wire;

pub use aggregator::{DeltaBatch, LocalAggregator};
pub use class::{Class, CLASS_COUNT};
pub use config::{CounterConfig, Direction};
pub use prefix::{Prefix, PrefixMap, PrefixParseError, PrefixSet};
pub use sketch::{flow_hash, FlowSketch};
pub use table::{HostRef, HostTable, Promotion};
pub use view::{ClassView, DirectionView, HostView, Metric, TableStats, Totals};
