//! What the counters are told: the monitored networks and the timing.

use crate::prefix::PrefixSet;

/// Traffic to a monitored host is `Incoming`, traffic from one is `Outgoing`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    pub const BOTH: [Direction; 2] = [Direction::Incoming, Direction::Outgoing];

    pub fn name(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Debug)]
pub struct CounterConfig {
    /// Hosts inside these prefixes get counters; the rest of the traffic only counts in totals.
    pub networks: PrefixSet,
    /// How often `HostTable::tick` is called.
    pub tick_ms: u64,
    /// Time constant of the exponential moving average that smooths speeds.
    pub average_window_ms: u64,
    /// A host with no traffic for this long (and no speed left) is dropped.
    pub idle_timeout_ms: u64,
    /// The most hosts the table holds; past it the least recently seen are dropped.
    pub max_hosts: usize,
    /// A flow record spanning a longer time is spread over at most this many seconds.
    pub max_spread_seconds: u32,
}

impl Default for CounterConfig {
    /// Everything monitored, 100 ms ticks, speeds averaged over 1 s.
    fn default() -> Self {
        CounterConfig {
            networks: PrefixSet::everything(),
            tick_ms: 100,
            average_window_ms: 1000,
            idle_timeout_ms: 120_000,
            max_hosts: 1_000_000,
            max_spread_seconds: 60,
        }
    }
}

impl CounterConfig {
    pub fn with_networks(networks: PrefixSet) -> Self {
        CounterConfig {
            networks,
            ..CounterConfig::default()
        }
    }
}
