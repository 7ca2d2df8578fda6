//! The host table: every monitored host's counters, fed by delta batches, ticked by one thread.

use crate::aggregator::{DeltaBatch, DirectionDelta, HostDelta, SCOPE_COUNT};
use crate::class::ClassCounts;
use crate::compact::CompactDirection;
use crate::config::{CounterConfig, Direction};
use crate::index::HostIndex;
use crate::key::HostKey;
use crate::smoothing::Smoothing;
use crate::state::{Clock, DirectionState};
use crate::top::{top_n, Ranked};
use crate::view::{DirectionView, HostView, Metric, TableStats, Totals};
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
    /// At or over `protect_fraction` of a threshold at its last update: never evicted to make room.
    pub(super) const PROTECTED: u8 = 16;
}

/// How a host is counted. Every host starts compact (16 bytes a direction, inline) and is
/// promoted to full counters, boxed per direction with traffic, when it grows.
enum Tier {
    Compact([CompactDirection; 2]),
    Full([Option<Box<DirectionState>>; 2]),
}

/// A slot of the host slab: a sprayed destination costs this entry and its 4-byte index slot.
pub(crate) struct Host {
    key: HostKey,
    /// Also the time the compact tier's speeds are as of.
    last_seen_ms: u64,
    /// Index in `HostTable::pending`, or NO_PENDING.
    pending: u32,
    flags: u8,
    /// Bits in the host's packet total (its log2, rounded up): ranks hosts seen at the same
    /// tick for eviction without reading their directions.
    traffic_bits: u8,
    tier: Tier,
}

impl Host {
    fn new(key: HostKey, now_ms: u64) -> Host {
        Host {
            key,
            last_seen_ms: now_ms,
            pending: NO_PENDING,
            flags: flag::OCCUPIED,
            traffic_bits: 0,
            tier: Tier::Compact(Default::default()),
        }
    }

    fn full(&self) -> Option<&[Option<Box<DirectionState>>; 2]> {
        match &self.tier {
            Tier::Full(directions) => Some(directions),
            Tier::Compact(_) => None,
        }
    }

    fn state(&self, direction: Direction) -> Option<&DirectionState> {
        self.full()?[direction.index()].as_deref()
    }

    fn is_full(&self) -> bool {
        matches!(self.tier, Tier::Full(_))
    }

    fn metric(&self, direction: Direction, metric: Metric, clock: &Clock) -> f64 {
        match &self.tier {
            Tier::Full(directions) => directions[direction.index()]
                .as_ref()
                .map_or(0.0, |state| state.metric(metric, clock)),
            Tier::Compact(compact) => {
                compact[direction.index()].metric(metric, compact_decay(self.last_seen_ms, clock))
            }
        }
    }

    fn view(&self, direction: Direction, clock: &Clock) -> DirectionView {
        match &self.tier {
            Tier::Full(directions) => directions[direction.index()]
                .as_ref()
                .map(|state| state.view(clock))
                .unwrap_or_default(),
            Tier::Compact(compact) => {
                compact[direction.index()].view(compact_decay(self.last_seen_ms, clock))
            }
        }
    }

    fn is_quiet(&self, clock: &Clock) -> bool {
        match &self.tier {
            Tier::Full(directions) => directions
                .iter()
                .flatten()
                .all(|state| state.is_quiet(clock)),
            Tier::Compact(_) => Direction::BOTH
                .iter()
                .all(|&d| self.metric(d, Metric::Pps, clock) < 1e-3),
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
        let directions = match &mut self.tier {
            Tier::Full(directions) => &mut directions[..],
            Tier::Compact(_) => &mut [],
        };
        directions
            .iter_mut()
            .filter_map(|state| state.as_deref_mut())
    }
}

/// What is left of a compact host's speeds, stamped when it was last seen.
fn compact_decay(last_seen_ms: u64, clock: &Clock) -> f64 {
    clock
        .smoothing
        .decay(clock.now_ms.saturating_sub(last_seen_ms))
}

/// Speeds under which a compact host stays compact: the lowest thresholds, or a fraction of them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Promotion {
    /// Packets per second (any class, and flows: a flow has a packet at least).
    pub pps: f64,
    /// Bits per second.
    pub bps: f64,
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
    promotion: Promotion,
    index: HostIndex,
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
    full_hosts: usize,
    /// Boxed `DirectionState`s held by full hosts.
    full_directions: usize,
    protected_hosts: usize,
    stats: TableStats,
}

impl HostTable {
    pub fn new(config: CounterConfig) -> HostTable {
        HostTable {
            smoothing: Smoothing::new(config.average_window_ms),
            promotion: Promotion::default(),
            config,
            index: HostIndex::new(),
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
            full_hosts: 0,
            full_directions: 0,
            protected_hosts: 0,
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
        self.index.len() == 0
    }

    /// Hosts stay in the compact tier (totals and speeds only) while their speeds stay under
    /// these; the default (zero) gives every host full counters at once.
    pub fn set_promotion(&mut self, promotion: Promotion) {
        self.promotion = promotion;
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
        // A compact host's speeds take a delta at once, as a tick of `tick_ms` would.
        let interval_ms = self.config.tick_ms.max(1);
        let weight = (self.smoothing.alpha(interval_ms) * 1000.0 / interval_ms as f64) as f32;
        for HostDelta {
            key,
            direction,
            mut delta,
        } in batch.hosts
        {
            let Some(at) = self.slot_for(key) else {
                self.stats.hosts_refused += 1;
                continue;
            };
            if self.absorb_compact(at, direction, &delta, weight) {
                continue;
            }
            let host = &mut self.hosts[at as usize];
            host.last_seen_ms = now_ms;
            let Tier::Full(directions) = &mut host.tier else {
                unreachable!("absorb_compact promotes the hosts it does not absorb");
            };
            let state = directions[direction.index()].get_or_insert_with(|| {
                self.full_directions += 1;
                Default::default()
            });
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

    /// Counts `delta` on a compact host and returns true; or promotes the host (when the
    /// delta makes it grow past the promotion speeds, or carries long flows) and returns
    /// false, for the full counters to take the delta.
    fn absorb_compact(
        &mut self,
        at: u32,
        direction: Direction,
        delta: &DirectionDelta,
        weight: f32,
    ) -> bool {
        let clock = self.clock();
        let promotion = self.promotion;
        let host = &mut self.hosts[at as usize];
        let Tier::Compact(compact) = &mut host.tier else {
            return false;
        };
        let decay = compact_decay(host.last_seen_ms, &clock) as f32;
        for side in compact.iter_mut() {
            side.decay(decay);
        }
        host.last_seen_ms = clock.now_ms;
        let side = &mut compact[direction.index()];
        let speeds = if delta.spread.is_empty() {
            side.projected(&delta.counts, weight)
        } else {
            None
        };
        match speeds {
            Some((pps, bytes_per_second))
                if (pps as f64) < promotion.pps
                    && (bytes_per_second as f64 * 8.0) < promotion.bps =>
            {
                side.absorb(&delta.counts, (pps, bytes_per_second));
                let bits = (u64::BITS - (side.packets as u64).leading_zeros()) as u8;
                host.traffic_bits = host.traffic_bits.max(bits);
                true
            }
            _ => {
                let compact = *compact;
                let directions = Direction::BOTH.map(|d| {
                    let side = &compact[d.index()];
                    let mix = if d == direction {
                        &delta.counts
                    } else {
                        &ClassCounts::default()
                    };
                    (side.has_traffic() || d == direction)
                        .then(|| Box::new(DirectionState::promoted(side, mix, clock.now_ms)))
                });
                self.full_directions += directions.iter().flatten().count();
                host.tier = Tier::Full(directions);
                self.stats.promotions += 1;
                self.full_hosts += 1;
                false
            }
        }
    }

    /// The slab index of `key`'s host, created (making room if full) when new; None when the
    /// table is full of protected hosts.
    fn slot_for(&mut self, key: HostKey) -> Option<u32> {
        let hosts = &self.hosts;
        if let Some(at) = self.index.get(&key, |at| hosts[at as usize].key) {
            return Some(at);
        }
        if self.index.len() >= self.config.max_hosts.max(1) {
            self.evict_least_recent();
            if self.index.len() >= self.config.max_hosts.max(1) {
                return None;
            }
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
        let hosts = &self.hosts;
        self.index.insert(&key, at, |at| hosts[at as usize].key);
        Some(at)
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
            let Tier::Full(directions) = &mut host.tier else {
                continue;
            };
            for direction in Direction::BOTH {
                let Some(state) = directions[direction.index()].as_deref_mut() else {
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
            let Tier::Full(directions) = &mut host.tier else {
                continue;
            };
            for direction in Direction::BOTH {
                let counts = &tick.counts[direction.index()];
                if let (false, Some(state)) = (
                    counts.is_zero(),
                    directions[direction.index()].as_deref_mut(),
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
                    && host.is_quiet(&clock)
            })
            .collect();
        self.stats.evictions_idle += victims.len() as u64;
        self.evict(&victims);
        let hosts = &self.hosts;
        self.index.shrink_if_sparse(|at| hosts[at as usize].key);
        self.shrink_slab();
    }

    /// Gives back the slab's vacant tail once most of it is vacant (after a spray left).
    fn shrink_slab(&mut self) {
        if self.hosts.len() < 4096 || self.index.len() * 4 > self.hosts.len() {
            return;
        }
        while self
            .hosts
            .last()
            .is_some_and(|host| !host.is(flag::OCCUPIED))
        {
            self.hosts.pop();
        }
        let len = self.hosts.len() as u32;
        self.free.retain(|&at| at < len);
        self.hosts
            .shrink_to(self.hosts.len().max(self.index.len() * 2));
        self.free.shrink_to_fit();
    }

    /// Drops the least recently seen hosts, a twentieth of `max_hosts` at once: compact hosts
    /// before full ones, and among hosts seen at the same tick (a spray fills the table within
    /// one), those with the least traffic first. Protected hosts are never dropped. Two passes
    /// over the slab: one counts the hosts of each rank (hosts share last-seen times, which are
    /// tick times), one takes the lowest ranks; no copy of the whole table.
    fn evict_least_recent(&mut self) {
        let count = (self.config.max_hosts / FULL_EVICTION_FRACTION).max(1);
        let rank = |host: &Host| (host.is_full(), host.last_seen_ms, host.traffic_bits);
        let evictable = |host: &&Host| host.is(flag::OCCUPIED) && !host.is(flag::PROTECTED);
        let mut per_rank: ahash::AHashMap<(bool, u64, u8), u32> = ahash::AHashMap::new();
        for host in self.hosts.iter().filter(evictable) {
            *per_rank.entry(rank(host)).or_default() += 1;
        }
        let mut ranks: Vec<((bool, u64, u8), u32)> = per_rank.into_iter().collect();
        ranks.sort_unstable();
        // Every host of a rank below `last` goes, and `last_count` of those of rank `last`.
        let mut left = count;
        let mut last = None;
        for (key, hosts) in ranks {
            last = Some((key, left.min(hosts as usize)));
            if hosts as usize >= left {
                break;
            }
            left -= hosts as usize;
        }
        let Some((last, mut last_count)) = last else {
            return;
        };
        let mut victims: Vec<u32> = Vec::with_capacity(count);
        for (at, host) in self.hosts.iter().enumerate() {
            if !evictable(&host) {
                continue;
            }
            let key = rank(host);
            if key < last || (key == last && last_count > 0) {
                if key == last {
                    last_count -= 1;
                }
                victims.push(at as u32);
            }
        }
        self.stats.evictions_full += victims.len() as u64;
        self.evict(&victims);
    }

    fn evict(&mut self, victims: &[u32]) {
        if victims.is_empty() {
            return;
        }
        for &at in victims {
            let key = self.hosts[at as usize].key;
            let hosts = &self.hosts;
            self.index.remove(&key, |at| hosts[at as usize].key);
            let host = std::mem::replace(&mut self.hosts[at as usize], Host::vacant());
            if let Tier::Full(directions) = &host.tier {
                self.full_hosts -= 1;
                self.full_directions -= directions.iter().flatten().count();
            }
            if host.is(flag::PROTECTED) {
                self.protected_hosts -= 1;
            }
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
        let hosts = &self.hosts;
        let at = self
            .index
            .get(&HostKey::new(*ip), |at| hosts[at as usize].key)?;
        Some(self.view_of(&self.hosts[at as usize], &self.clock()))
    }

    fn view_of(&self, host: &Host, clock: &Clock) -> HostView {
        HostView {
            ip: host.key.ip(),
            incoming: host.view(Direction::Incoming, clock),
            outgoing: host.view(Direction::Outgoing, clock),
            last_seen_ms: host.last_seen_ms,
        }
    }

    /// Marks each host updated by the last tick as protected from eviction when `near` says
    /// it is at or over the part of its thresholds that `protect_fraction` names, and clears
    /// the mark of those no longer near. Compact hosts are never near: they are promoted first.
    pub fn protect_updated(&mut self, mut near: impl FnMut(&HostRef<'_>) -> bool) {
        let clock = self.clock();
        let mut changes: Vec<(u32, bool)> = Vec::new();
        for &at in &self.updated {
            let host = &self.hosts[at as usize];
            let is_near = near(&HostRef {
                table: self,
                host,
                clock,
            });
            if is_near != host.is(flag::PROTECTED) {
                changes.push((at, is_near));
            }
        }
        for (at, protect) in changes {
            let host = &mut self.hosts[at as usize];
            if protect {
                host.flags |= flag::PROTECTED;
                self.protected_hosts += 1;
            } else {
                host.flags &= !flag::PROTECTED;
                self.protected_hosts -= 1;
            }
        }
    }

    /// Heap bytes the table holds, from what it counts (not a walk over every host).
    fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        // A boxed state and its allocator header.
        let direction = size_of::<DirectionState>() + 16;
        let sketches: usize = self
            .flow_window
            .iter()
            .chain(&self.spreading)
            .flat_map(|&at| {
                self.hosts[at as usize]
                    .full()
                    .into_iter()
                    .flatten()
                    .flatten()
            })
            .map(|state| state.heap_bytes())
            .sum();
        self.hosts.capacity() * size_of::<Host>()
            + self.index.heap_bytes()
            + self.full_directions * direction
            + sketches
            + self.free.capacity() * 4
            + self.pending.capacity() * size_of::<PendingTick>()
            + (self.spreading.capacity() + self.flow_window.capacity() + self.updated.capacity())
                * 4
    }

    /// The `n` hosts with the highest `metric` in `direction`, highest first; hosts at zero
    /// are left out, ties go in address order.
    pub fn top(&self, direction: Direction, metric: Metric, n: usize) -> Vec<HostView> {
        let clock = self.clock();
        let candidates = self.hosts.iter().filter_map(|host| {
            if !host.is(flag::OCCUPIED) {
                return None;
            }
            let value = host.metric(direction, metric, &clock);
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
        let [from_outside, to_outside, internal, other] =
            self.scopes.each_ref().map(|s| s.view(&clock));
        Totals {
            incoming: from_outside.plus(&internal),
            outgoing: to_outside.plus(&internal),
            internal,
            other,
        }
    }

    /// Hosts evicted so far, for any reason.
    pub fn evictions(&self) -> u64 {
        self.stats.evictions_idle + self.stats.evictions_full
    }

    pub fn stats(&self) -> TableStats {
        TableStats {
            hosts: self.len(),
            hosts_compact: self.len() - self.full_hosts,
            hosts_full: self.full_hosts,
            hosts_protected: self.protected_hosts,
            memory_bytes: self.memory_bytes(),
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

    /// 0 for a direction with no traffic yet; a compact host's protocol speeds and flows are 0.
    pub fn speed(&self, direction: Direction, metric: Metric) -> f64 {
        self.host.metric(direction, metric, &self.clock)
    }

    /// Whether the host has full counters (not the compact tier).
    pub fn is_full(&self) -> bool {
        self.host.is_full()
    }

    /// Datagrams (or mirror frames) this direction's traffic came in during the current
    /// second and the last one: how much evidence its speeds rest on.
    pub fn evidence(&self, direction: Direction) -> u32 {
        self.host
            .state(direction)
            .map_or(0, |state| state.evidence(&self.clock))
    }

    pub fn view(&self) -> HostView {
        self.table.view_of(self.host, &self.clock)
    }
}
