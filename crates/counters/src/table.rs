//! The host table: every monitored host's counters, fed by delta batches, ticked by one thread.

use crate::aggregator::{DeltaBatch, HostDelta, SCOPE_COUNT};
use crate::class::ClassCounts;
use crate::config::{CounterConfig, Direction};
use crate::key::HostKey;
use crate::smoothing::Smoothing;
use crate::state::{Clock, DirectionState};
use crate::top::{top_n, Ranked};
use crate::view::{HostView, Metric, TableStats, Totals};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

const NO_PENDING: u32 = u32::MAX;
/// Part of `max_hosts` dropped at once when the table is full.
const FULL_EVICTION_FRACTION: usize = 20;

mod flag {
    pub(super) const OCCUPIED: u8 = 1;
    /// In `HostTable::spreading`.
    pub(super) const SPREADING: u8 = 2;
    /// In `HostTable::flow_window`.
    pub(super) const IN_FLOW_WINDOW: u8 = 4;
    /// In `HostTable::updated`.
    pub(super) const UPDATED: u8 = 8;
}

/// A slot of the host slab. Directions are boxed and created on first traffic: a sprayed
/// destination costs this entry, its index slot and one direction.
pub(crate) struct Host {
    key: HostKey,
    last_seen_ms: u64,
    /// Index in `HostTable::pending`, or NO_PENDING.
    pending: u32,
    flags: u8,
    /// Bits in the host's packet total (its log2, rounded up): ranks hosts seen at the same
    /// tick for eviction without reading their directions.
    traffic_bits: u8,
    directions: [Option<Box<DirectionState>>; 2],
}

impl Host {
    fn new(key: HostKey, now_ms: u64) -> Host {
        Host {
            key,
            last_seen_ms: now_ms,
            pending: NO_PENDING,
            flags: flag::OCCUPIED,
            traffic_bits: 0,
            directions: [None, None],
        }
    }

    fn vacant() -> Host {
        Host {
            flags: 0,
            ..Host::new(HostKey::new(IpAddr::from([0, 0, 0, 0])), 0)
        }
    }

    fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn states_mut(&mut self) -> impl Iterator<Item = &mut DirectionState> {
        self.directions
            .iter_mut()
            .filter_map(|state| state.as_deref_mut())
    }
}

/// What a host's traffic adds to the speeds at the next tick.
struct PendingTick {
    host: u32,
    counts: [ClassCounts<f32>; 2],
}

/// All monitored hosts. One thread owns it: `apply` each worker's batches, `tick` every
/// `tick_ms`. Work per tick is proportional to the hosts with traffic (or long flows) in that
/// tick, not to the table's size: speeds of quiet hosts decay lazily when read.
pub struct HostTable {
    config: CounterConfig,
    smoothing: Smoothing,
    index: HashMap<HostKey, u32, ahash::RandomState>,
    hosts: Vec<Host>,
    free: Vec<u32>,
    pending: Vec<PendingTick>,
    /// Hosts with long flows being spread.
    spreading: Vec<u32>,
    /// Hosts whose flow sketch holds flows of the current second.
    flow_window: Vec<u32>,
    /// Hosts whose speeds or flows the last tick changed.
    updated: Vec<u32>,
    scopes: [DirectionState; SCOPE_COUNT],
    scope_pending: [ClassCounts<f32>; SCOPE_COUNT],
    now_ms: u64,
    second: u64,
    started: bool,
    stats: TableStats,
}

impl HostTable {
    pub fn new(config: CounterConfig) -> HostTable {
        HostTable {
            smoothing: Smoothing::new(config.average_window_ms),
            config,
            index: HashMap::default(),
            hosts: Vec::new(),
            free: Vec::new(),
            pending: Vec::new(),
            spreading: Vec::new(),
            flow_window: Vec::new(),
            updated: Vec::new(),
            scopes: Default::default(),
            scope_pending: Default::default(),
            now_ms: 0,
            second: 0,
            started: false,
            stats: TableStats::default(),
        }
    }

    pub fn config(&self) -> &CounterConfig {
        &self.config
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The time of the last tick.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Adds a worker's batch: totals now, speeds at the next tick.
    pub fn apply(&mut self, batch: DeltaBatch) {
        self.stats.batches += 1;
        self.stats.records += batch.records;
        let now_ms = self.now_ms;
        for HostDelta {
            key,
            direction,
            mut delta,
        } in batch.hosts
        {
            let at = self.slot_for(key);
            let host = &mut self.hosts[at as usize];
            host.last_seen_ms = now_ms;
            let state = host.directions[direction.index()].get_or_insert_with(Default::default);
            let has_spread = !delta.spread.is_empty();
            let counts = state.absorb(&mut delta, now_ms);
            let bits = (u64::BITS - state.packets_total().leading_zeros()) as u8;
            let has_open_window = state.has_open_window();
            host.traffic_bits = host.traffic_bits.max(bits);
            if has_open_window && !host.is(flag::IN_FLOW_WINDOW) {
                host.flags |= flag::IN_FLOW_WINDOW;
                self.flow_window.push(at);
            }
            if has_spread && !host.is(flag::SPREADING) {
                host.flags |= flag::SPREADING;
                self.spreading.push(at);
            }
            if host.pending == NO_PENDING {
                host.pending = self.pending.len() as u32;
                self.pending.push(PendingTick {
                    host: at,
                    counts: Default::default(),
                });
            }
            self.pending[host.pending as usize].counts[direction.index()] += &counts;
        }
        for ((scope, pending), delta) in self
            .scopes
            .iter_mut()
            .zip(&mut self.scope_pending)
            .zip(batch.scopes)
        {
            *pending += &scope.absorb(&mut { delta }, now_ms);
        }
    }

    /// The slab index of `key`'s host, created (making room if full) when new.
    fn slot_for(&mut self, key: HostKey) -> u32 {
        if let Some(&at) = self.index.get(&key) {
            return at;
        }
        if self.index.len() >= self.config.max_hosts.max(1) {
            self.evict_least_recent();
        }
        let host = Host::new(key, self.now_ms);
        let at = match self.free.pop() {
            Some(at) => {
                self.hosts[at as usize] = host;
                at
            }
            None => {
                self.hosts.push(host);
                (self.hosts.len() - 1) as u32
            }
        };
        self.index.insert(key, at);
        at
    }

    /// Turns the deltas applied since the last tick into speeds; every second, closes the flow
    /// windows and drops idle hosts. `now_ms` is any millisecond clock that does not go back.
    pub fn tick(&mut self, now_ms: u64) {
        let started = Instant::now();
        if !self.started {
            self.start_clock(now_ms.saturating_sub(self.config.tick_ms));
        }
        let now_ms = now_ms.max(self.now_ms + 1);
        let interval_ms = now_ms - self.now_ms;
        self.now_ms = now_ms;

        for &at in &self.updated {
            self.hosts[at as usize].flags &= !flag::UPDATED;
        }
        self.updated.clear();
        self.collect_spread_shares(now_ms, interval_ms);
        self.update_speeds(now_ms, interval_ms);
        let second = now_ms / 1000;
        if second > self.second {
            self.close_flow_windows(second);
            self.evict_idle();
        }

        self.stats.ticks += 1;
        self.stats.last_tick_duration_us = started.elapsed().as_micros() as u64;
    }

    /// Sets the clock on the first tick, moving what was applied before it onto that clock.
    fn start_clock(&mut self, previous_tick_ms: u64) {
        self.started = true;
        self.now_ms = previous_tick_ms;
        self.second = previous_tick_ms / 1000;
        for host in self.hosts.iter_mut().filter(|host| host.is(flag::OCCUPIED)) {
            host.last_seen_ms = previous_tick_ms;
            host.states_mut()
                .for_each(|state| state.shift_clock(previous_tick_ms));
        }
        self.scopes
            .iter_mut()
            .for_each(|state| state.shift_clock(previous_tick_ms));
    }

    fn collect_spread_shares(&mut self, now_ms: u64, interval_ms: u64) {
        for &at in &self.spreading {
            let host = &mut self.hosts[at as usize];
            let mut still_spreading = false;
            for direction in Direction::BOTH {
                let Some(state) = host.directions[direction.index()].as_deref_mut() else {
                    continue;
                };
                let Some(share) = state.spread_share(now_ms, interval_ms) else {
                    continue;
                };
                still_spreading |= state.spread.is_some();
                if host.pending == NO_PENDING {
                    host.pending = self.pending.len() as u32;
                    self.pending.push(PendingTick {
                        host: at,
                        counts: Default::default(),
                    });
                }
                self.pending[host.pending as usize].counts[direction.index()] += &share;
            }
            if !still_spreading {
                host.flags &= !flag::SPREADING;
            }
        }
        let hosts = &self.hosts;
        self.spreading
            .retain(|&at| hosts[at as usize].is(flag::SPREADING));
        for (scope, pending) in self.scopes.iter_mut().zip(&mut self.scope_pending) {
            if let Some(share) = scope.spread_share(now_ms, interval_ms) {
                *pending += &share;
            }
        }
    }

    fn update_speeds(&mut self, now_ms: u64, interval_ms: u64) {
        for tick in self.pending.drain(..) {
            let host = &mut self.hosts[tick.host as usize];
            host.pending = NO_PENDING;
            for direction in Direction::BOTH {
                let counts = &tick.counts[direction.index()];
                if let (false, Some(state)) = (
                    counts.is_zero(),
                    host.directions[direction.index()].as_deref_mut(),
                ) {
                    state.update_speeds(counts, now_ms, interval_ms, self.smoothing);
                }
            }
            if !host.is(flag::UPDATED) {
                host.flags |= flag::UPDATED;
                self.updated.push(tick.host);
            }
        }
        for (scope, pending) in self.scopes.iter_mut().zip(&mut self.scope_pending) {
            scope.update_speeds(pending, now_ms, interval_ms, self.smoothing);
            *pending = ClassCounts::default();
        }
    }

    fn close_flow_windows(&mut self, second: u64) {
        let window_seconds = second - self.second;
        self.second = second;
        let smoothing = self.smoothing;
        let hosts = &mut self.hosts;
        let updated = &mut self.updated;
        self.flow_window.retain(|&at| {
            let host = &mut hosts[at as usize];
            let mut still_open = false;
            for state in host.states_mut() {
                still_open |= state.close_flow_window(second, window_seconds, smoothing);
            }
            if !still_open {
                host.flags &= !flag::IN_FLOW_WINDOW;
            }
            if !host.is(flag::UPDATED) {
                host.flags |= flag::UPDATED;
                updated.push(at);
            }
            still_open
        });
        for scope in &mut self.scopes {
            scope.close_flow_window(second, window_seconds, self.smoothing);
        }
    }

    fn clock(&self) -> Clock {
        Clock {
            now_ms: self.now_ms,
            second: self.second,
            smoothing: self.smoothing,
        }
    }

    fn evict_idle(&mut self) {
        let clock = self.clock();
        let cutoff = self.now_ms.saturating_sub(self.config.idle_timeout_ms);
        let victims: Vec<u32> = (0..self.hosts.len() as u32)
            .filter(|&at| {
                let host = &self.hosts[at as usize];
                host.is(flag::OCCUPIED)
                    && host.last_seen_ms < cutoff
                    && host.pending == NO_PENDING
                    && host
                        .directions
                        .iter()
                        .flatten()
                        .all(|state| state.is_quiet(&clock))
            })
            .collect();
        self.stats.evictions_idle += victims.len() as u64;
        self.evict(&victims);
        if self.index.capacity() > 4096 && self.index.capacity() > 4 * self.index.len() {
            self.index.shrink_to(2 * self.index.len());
        }
    }

    /// Drops the least recently seen hosts, a twentieth of `max_hosts` at once; among hosts
    /// seen at the same tick (a spray fills the table within one), those with the least
    /// traffic go first.
    fn evict_least_recent(&mut self) {
        let count = (self.config.max_hosts / FULL_EVICTION_FRACTION).max(1);
        let mut by_age: Vec<(u64, u8, u32)> = (0..self.hosts.len() as u32)
            .filter_map(|at| {
                let host = &self.hosts[at as usize];
                host.is(flag::OCCUPIED)
                    .then_some((host.last_seen_ms, host.traffic_bits, at))
            })
            .collect();
        if by_age.len() > count {
            by_age.select_nth_unstable(count - 1);
            by_age.truncate(count);
        }
        let victims: Vec<u32> = by_age.into_iter().map(|(.., at)| at).collect();
        self.stats.evictions_full += victims.len() as u64;
        self.evict(&victims);
    }

    fn evict(&mut self, victims: &[u32]) {
        if victims.is_empty() {
            return;
        }
        for &at in victims {
            let host = std::mem::replace(&mut self.hosts[at as usize], Host::vacant());
            self.index.remove(&host.key);
            self.free.push(at);
        }
        let hosts = &mut self.hosts;
        let occupied = |at: u32| hosts[at as usize].is(flag::OCCUPIED);
        self.spreading.retain(|&at| occupied(at));
        self.flow_window.retain(|&at| occupied(at));
        self.updated.retain(|&at| occupied(at));
        self.pending.retain(|tick| occupied(tick.host));
        for (position, tick) in self.pending.iter().enumerate() {
            hosts[tick.host as usize].pending = position as u32;
        }
    }

    /// A host's figures as of the last tick.
    pub fn host(&self, ip: &IpAddr) -> Option<HostView> {
        let at = *self.index.get(&HostKey::new(*ip))?;
        Some(self.view_of(&self.hosts[at as usize], &self.clock()))
    }

    fn view_of(&self, host: &Host, clock: &Clock) -> HostView {
        let direction = |d: Direction| {
            host.directions[d.index()]
                .as_ref()
                .map(|state| state.view(clock))
                .unwrap_or_default()
        };
        HostView {
            ip: host.key.ip(),
            incoming: direction(Direction::Incoming),
            outgoing: direction(Direction::Outgoing),
            last_seen_ms: host.last_seen_ms,
        }
    }

    /// The `n` hosts with the highest `metric` in `direction`, highest first; hosts at zero
    /// are left out, ties go in address order.
    pub fn top(&self, direction: Direction, metric: Metric, n: usize) -> Vec<HostView> {
        let clock = self.clock();
        let candidates = self.hosts.iter().filter_map(|host| {
            let state = host.directions[direction.index()].as_deref()?;
            let value = state.metric(metric, &clock);
            (value > 0.0).then_some(Ranked {
                value,
                tiebreak: host.key.bits(),
                payload: host,
            })
        });
        top_n(candidates, n)
            .into_iter()
            .map(|ranked| self.view_of(ranked.payload, &clock))
            .collect()
    }

    /// Traffic totals by scope.
    pub fn totals(&self) -> Totals {
        let clock = self.clock();
        let [from_outside, to_outside, internal, other] = self.scopes.each_ref().map(|s| s.view(&clock));
        Totals {
            incoming: from_outside.plus(&internal),
            outgoing: to_outside.plus(&internal),
            internal,
            other,
        }
    }

    pub fn stats(&self) -> TableStats {
        TableStats {
            hosts: self.len(),
            spreading_hosts: self.spreading.len(),
            ..self.stats.clone()
        }
    }

    /// Calls `f` for every host.
    pub fn for_each_host(&self, mut f: impl FnMut(HostRef<'_>)) {
        let clock = self.clock();
        for host in self.hosts.iter().filter(|host| host.is(flag::OCCUPIED)) {
            f(HostRef {
                table: self,
                host,
                clock,
            });
        }
    }

    /// Calls `f` for every host whose speeds or flows the last tick changed. A speed only
    /// rises when it is updated, so a threshold check per tick needs to look at these only.
    pub fn for_each_updated(&self, mut f: impl FnMut(HostRef<'_>)) {
        let clock = self.clock();
        for &at in &self.updated {
            f(HostRef {
                table: self,
                host: &self.hosts[at as usize],
                clock,
            });
        }
    }

    /// The hosts updated by the last tick for which `over` holds, e.g.
    /// `|host| host.speed(Direction::Incoming, Metric::Pps) > 20_000.0`.
    pub fn hosts_over(&self, mut over: impl FnMut(&HostRef<'_>) -> bool) -> Vec<HostView> {
        let mut found = Vec::new();
        self.for_each_updated(|host| {
            if over(&host) {
                found.push(host.view());
            }
        });
        found
    }

    /// Bytes of a host's slab entry, and of each direction it has traffic in (boxed).
    pub fn entry_sizes() -> (usize, usize) {
        (
            std::mem::size_of::<Host>(),
            std::mem::size_of::<DirectionState>(),
        )
    }
}

/// A host in the table, read without copying its figures out.
pub struct HostRef<'a> {
    table: &'a HostTable,
    host: &'a Host,
    clock: Clock,
}

impl HostRef<'_> {
    pub fn ip(&self) -> IpAddr {
        self.host.key.ip()
    }

    pub fn last_seen_ms(&self) -> u64 {
        self.host.last_seen_ms
    }

    /// 0 for a direction with no traffic yet.
    pub fn speed(&self, direction: Direction, metric: Metric) -> f64 {
        match &self.host.directions[direction.index()] {
            Some(state) => state.metric(metric, &self.clock),
            None => 0.0,
        }
    }

    /// Datagrams (or mirror frames) this direction's traffic came in during the current
    /// second and the last one: how much evidence its speeds rest on.
    pub fn evidence(&self, direction: Direction) -> u32 {
        match &self.host.directions[direction.index()] {
            Some(state) => state.evidence(&self.clock),
            None => 0,
        }
    }

    pub fn view(&self) -> HostView {
        self.table.view_of(self.host, &self.clock)
    }
}
