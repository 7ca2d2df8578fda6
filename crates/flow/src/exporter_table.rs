//! The exporters a decoder keeps state for, bounded: idle ones are forgotten, and when the
//! table is full the least recently heard go first, exporters that never delivered a record
//! before those that did. Template memory is bounded the same way over all exporters.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::exporter::ExporterState;
use crate::template::{Recency, TemplateKey};
use crate::{ExporterStats, Format};

/// Share of the table (or of the template budget) freed at once when it is full, so that the
/// cost of choosing what to evict is spread over many admissions.
const EVICT_FRACTION: usize = 16;

/// What the table evicted, since the decoder started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evictions {
    /// Exporters silent for longer than the idle timeout.
    pub exporters_idle: u64,
    /// Exporters forgotten to make room for a new one.
    pub exporters_full: u64,
    /// Templates forgotten to stay within the template memory budget.
    pub templates: u64,
}

/// The exporters of one decoder as a bounded report: the `limit` busiest individually, every
/// other one (evicted ones included) summed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExporterSummary {
    pub listed: Vec<(SocketAddr, ExporterStats)>,
    /// The counters of exporters not listed, live and evicted.
    pub others: ExporterStats,
    /// Live exporters not listed.
    pub other_exporters: u64,
}

pub(crate) struct ExporterTable {
    map: HashMap<SocketAddr, ExporterState, ahash::RandomState>,
    max: usize,
    /// Counters of evicted exporters, so that totals never go back.
    evicted: ExporterStats,
    pub evictions: Evictions,
    /// `ExporterState::template_bytes` summed over the table.
    pub template_bytes: usize,
}

impl ExporterTable {
    pub fn new(max: usize) -> ExporterTable {
        ExporterTable {
            map: HashMap::default(),
            max: max.max(1),
            evicted: ExporterStats::default(),
            evictions: Evictions::default(),
            template_bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The state of `exporter`, created when new (evicting others when the table is full).
    pub fn admit(&mut self, exporter: SocketAddr, now_ms: u64) -> &mut ExporterState {
        if self.map.len() >= self.max && !self.map.contains_key(&exporter) {
            let victims = (self.max / EVICT_FRACTION).max(1);
            self.evict_least_recent(victims);
        }
        let state = self.map.entry(exporter).or_default();
        state.last_heard_ms = now_ms;
        state
    }

    pub fn get(&self, exporter: &SocketAddr) -> Option<&ExporterState> {
        self.map.get(exporter)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SocketAddr, &ExporterState)> {
        self.map.iter()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut ExporterState> {
        self.map.values_mut()
    }

    /// Forgets exporters silent for longer than `idle_ms`.
    pub fn expire_idle(&mut self, now_ms: u64, idle_ms: u64) {
        let idle: Vec<SocketAddr> = self
            .map
            .iter()
            .filter(|(_, s)| now_ms.saturating_sub(s.last_heard_ms) > idle_ms)
            .map(|(a, _)| *a)
            .collect();
        self.evictions.exporters_idle += idle.len() as u64;
        for addr in idle {
            self.forget(&addr);
        }
    }

    fn evict_least_recent(&mut self, count: usize) {
        let mut order: Vec<((bool, u64), SocketAddr)> = self
            .map
            .iter()
            .map(|(a, s)| ((s.stats.records > 0, s.last_heard_ms), *a))
            .collect();
        let count = count.min(order.len());
        if count < order.len() {
            order.select_nth_unstable(count);
        }
        for (_, addr) in &order[..count] {
            self.forget(addr);
        }
        self.evictions.exporters_full += count as u64;
    }

    fn forget(&mut self, addr: &SocketAddr) {
        if let Some(state) = self.map.remove(addr) {
            self.template_bytes -= state.template_bytes();
            let mut stats = state.stats;
            stats.templates = 0;
            stats.held_datagrams = 0;
            self.evicted.add(&stats);
        }
    }

    /// Evicts least recently used templates over every exporter until their memory is at most
    /// `target` bytes; how many went.
    pub fn shed_templates(&mut self, target: usize) -> usize {
        if self.template_bytes <= target {
            return 0;
        }
        let mut order: Vec<(Recency, SocketAddr, Format, TemplateKey, usize)> = Vec::new();
        for (addr, state) in &self.map {
            for (format, store) in [
                (Format::NetflowV9, &state.netflow_v9),
                (Format::Ipfix, &state.ipfix),
            ] {
                order.extend(
                    store
                        .recency()
                        .map(|(key, r, bytes)| (r, *addr, format, key, bytes)),
                );
            }
        }
        order.sort_unstable_by_key(|entry| entry.0);
        let mut excess = self.template_bytes - target;
        let mut evicted = 0;
        for (_, addr, format, key, bytes) in order {
            if excess == 0 {
                break;
            }
            let Some(state) = self.map.get_mut(&addr) else {
                continue;
            };
            let store = match format {
                Format::NetflowV9 => &mut state.netflow_v9,
                _ => &mut state.ipfix,
            };
            if store.remove(key) {
                excess = excess.saturating_sub(bytes);
                self.template_bytes -= bytes;
                evicted += 1;
                state.refresh_gauges();
            }
        }
        self.evictions.templates += evicted as u64;
        evicted
    }

    /// The `limit` exporters that delivered the most records (then sent the most datagrams)
    /// one by one, the rest summed with those evicted.
    pub fn summary(&self, limit: usize) -> ExporterSummary {
        let mut order: Vec<(&SocketAddr, &ExporterStats)> =
            self.map.iter().map(|(a, s)| (a, &s.stats)).collect();
        let rank = |s: &ExporterStats| std::cmp::Reverse((s.records, s.datagrams));
        if limit < order.len() {
            order.select_nth_unstable_by_key(limit, |(_, s)| rank(s));
        }
        let split = limit.min(order.len());
        let mut others = self.evicted.clone();
        for (_, stats) in &order[split..] {
            others.add(stats);
        }
        let mut listed: Vec<(SocketAddr, ExporterStats)> = order[..split]
            .iter()
            .map(|(a, s)| (**a, (*s).clone()))
            .collect();
        listed.sort_by_key(|(a, _)| *a);
        ExporterSummary {
            listed,
            others,
            other_exporters: (order.len() - split) as u64,
        }
    }
}
