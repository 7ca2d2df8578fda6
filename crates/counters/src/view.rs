//! What readers get: copies of a host's or the totals' figures at the last tick.

use crate::class::{Class, CLASS_COUNT};
use crate::config::Direction;
use std::net::IpAddr;

/// One class's figures in one direction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassView {
    /// Packets per second, smoothed.
    pub pps: f64,
    /// Bits per second (IP-layer bytes times 8), smoothed.
    pub bps: f64,
    pub packets_total: u64,
    pub bytes_total: u64,
}

/// One direction of a host, or one scope of the totals.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DirectionView {
    pub pps: f64,
    /// Bits per second.
    pub bps: f64,
    /// Distinct 5-tuples per second, smoothed.
    pub flows: f64,
    pub packets_total: u64,
    pub bytes_total: u64,
    /// The distinct flows of each one-second window, added up.
    pub flows_total: u64,
    /// Indexed by `Class::index()`; `classes[0]` is the total again.
    pub classes: [ClassView; CLASS_COUNT],
    /// The protocol figures and flows are not exact: the host is counted in the compact tier
    /// (totals and speeds only), or was, before it grew enough for full counters.
    pub approximate: bool,
}

impl DirectionView {
    /// The traffic of both views together (of disjoint traffic: flows add up too).
    pub fn plus(&self, other: &DirectionView) -> DirectionView {
        DirectionView {
            pps: self.pps + other.pps,
            bps: self.bps + other.bps,
            flows: self.flows + other.flows,
            packets_total: self.packets_total + other.packets_total,
            bytes_total: self.bytes_total + other.bytes_total,
            flows_total: self.flows_total + other.flows_total,
            classes: std::array::from_fn(|i| {
                let (a, b) = (&self.classes[i], &other.classes[i]);
                ClassView {
                    pps: a.pps + b.pps,
                    bps: a.bps + b.bps,
                    packets_total: a.packets_total + b.packets_total,
                    bytes_total: a.bytes_total + b.bytes_total,
                }
            }),
            approximate: self.approximate || other.approximate,
        }
    }

    pub fn class(&self, class: Class) -> &ClassView {
        &self.classes[class.index()]
    }

    pub fn metric(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Pps => self.pps,
            Metric::Bps => self.bps,
            Metric::Flows => self.flows,
            Metric::ClassPps(class) => self.class(class).pps,
            Metric::ClassBps(class) => self.class(class).bps,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HostView {
    pub ip: IpAddr,
    pub incoming: DirectionView,
    pub outgoing: DirectionView,
    /// Time of the tick before the host's last traffic, on the clock given to `tick`.
    pub last_seen_ms: u64,
}

impl HostView {
    pub fn direction(&self, direction: Direction) -> &DirectionView {
        match direction {
            Direction::Incoming => &self.incoming,
            Direction::Outgoing => &self.outgoing,
        }
    }
}

/// A speed to rank or compare hosts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    Pps,
    Bps,
    Flows,
    ClassPps(Class),
    ClassBps(Class),
}

/// All traffic seen, by where it goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    /// To monitored hosts, from outside or from another monitored host: what the hosts'
    /// incoming counters add up to.
    pub incoming: DirectionView,
    /// From monitored hosts, to outside or to another monitored host.
    pub outgoing: DirectionView,
    /// Between monitored hosts: a part of both incoming and outgoing, as on the hosts (with
    /// everything monitored, all traffic is internal).
    pub internal: DirectionView,
    /// Between addresses outside the monitored networks.
    pub other: DirectionView,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableStats {
    pub hosts: usize,
    /// Hosts counted in the compact tier (totals and speeds only).
    pub hosts_compact: usize,
    /// Hosts with full counters (protocols, flows, evidence).
    pub hosts_full: usize,
    /// Hosts at or over `protect_fraction` of a threshold at their last update: never evicted
    /// to make room.
    pub hosts_protected: usize,
    /// Hosts promoted from the compact tier to full counters.
    pub promotions: u64,
    /// New hosts not counted (only in the totals) because every host held was protected.
    pub hosts_refused: u64,
    /// Heap bytes the table holds: slab, index, full counters, sketches, per-tick lists.
    pub memory_bytes: usize,
    /// Hosts dropped after `idle_timeout_ms` without traffic.
    pub evictions_idle: u64,
    /// Hosts dropped, least recently seen first, to stay within `max_hosts`.
    pub evictions_full: u64,
    pub ticks: u64,
    pub last_tick_duration_us: u64,
    pub batches: u64,
    pub records: u64,
    /// Hosts with long flows still being spread over time.
    pub spreading_hosts: usize,
}
