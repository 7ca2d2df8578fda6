//! The counters of one host in one direction (or of one scope of the totals).

use crate::aggregator::DirectionDelta;
use crate::class::{ClassCounts, CLASS_COUNT};
use crate::compact::CompactDirection;
use crate::sketch::FlowSketch;
use crate::smoothing::Smoothing;
use crate::spread::Spread;
use crate::view::{ClassView, DirectionView, Metric};

/// Speeds are f32 and stamped: see `smoothing`. Totals are exact.
#[derive(Clone, Debug, Default)]
pub(crate) struct DirectionState {
    totals: ClassCounts<u64>,
    flows_total: u64,
    /// Packets and bytes per second as of `speeds_at_ms`.
    speeds: ClassCounts<f32>,
    speeds_at_ms: u64,
    /// Flows per second as of the second `flows_at_second`.
    flows: f32,
    flows_at_second: u32,
    /// The flows of the current one-second window.
    window: FlowSketch,
    pub(crate) spread: Option<Box<Spread>>,
    /// Datagrams the traffic came in during the second `evidence_second` and the one before.
    evidence: [u8; 2],
    /// Low 16 bits of the second: enough to tell this second and the last from older ones.
    evidence_second: u16,
    /// Promoted from the compact tier with traffic already counted there: the protocol
    /// figures and flows miss that traffic (and the protocol speeds started as an estimate).
    approximate: bool,
}

/// Where the table's clock is, for evaluating lazily decayed speeds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    pub(crate) now_ms: u64,
    pub(crate) second: u64,
    pub(crate) smoothing: Smoothing,
}

impl DirectionState {
    /// Full counters for a compact direction whose speeds are as of `now_ms`; the protocol
    /// speeds are shared out as in `mix`, the traffic that made the host grow.
    pub(crate) fn promoted(
        compact: &CompactDirection,
        mix: &ClassCounts<u64>,
        now_ms: u64,
    ) -> DirectionState {
        let mut state = DirectionState {
            speeds_at_ms: now_ms,
            flows_at_second: (now_ms / 1000) as u32,
            approximate: compact.has_traffic(),
            ..DirectionState::default()
        };
        state.totals.packets[0] = compact.packets as u64;
        state.totals.bytes[0] = compact.bytes as u64;
        let share = |part: u64, whole: u64| {
            if whole == 0 {
                0.0
            } else {
                part as f32 / whole as f32
            }
        };
        for class in 0..CLASS_COUNT {
            state.speeds.packets[class] = compact.pps * share(mix.packets[class], mix.packets[0]);
            state.speeds.bytes[class] =
                compact.bytes_per_second * share(mix.bytes[class], mix.bytes[0]);
        }
        state.speeds.packets[0] = compact.pps;
        state.speeds.bytes[0] = compact.bytes_per_second;
        state
    }

    /// Heap bytes held besides the state itself (long flows, flow sketch).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.window.heap_bytes() + self.spread.as_ref().map_or(0, |s| s.heap_bytes())
    }

    /// Takes a delta's totals, long flows and flows; returns the counts for this tick's speed.
    pub(crate) fn absorb(&mut self, delta: &mut DirectionDelta, now_ms: u64) -> ClassCounts<f32> {
        self.totals += &delta.counts;
        self.add_evidence(delta.datagrams, now_ms / 1000);
        let immediate = delta.immediate();
        for part in &delta.spread {
            let spread = self.spread.get_or_insert_with(Default::default);
            spread.add(now_ms, part.seconds, &part.counts.to_f32());
        }
        if self.window.is_empty() && !self.window.is_dense() {
            self.window = std::mem::take(&mut delta.flows);
        } else {
            self.window.merge(&delta.flows);
        }
        immediate
    }

    fn add_evidence(&mut self, datagrams: u32, second: u64) {
        let second = second as u16;
        if second != self.evidence_second {
            let previous = if second == self.evidence_second.wrapping_add(1) {
                self.evidence[0]
            } else {
                0
            };
            self.evidence = [0, previous];
            self.evidence_second = second;
        }
        self.evidence[0] = self.evidence[0].saturating_add(datagrams.min(255) as u8);
    }

    /// Datagrams (or frames) the traffic came in during this second and the last one, up
    /// to 255 a second.
    pub(crate) fn evidence(&self, clock: &Clock) -> u32 {
        let [now, previous] = self.evidence.map(u32::from);
        match (clock.second as u16).wrapping_sub(self.evidence_second) {
            0 => now + previous,
            1 => now,
            _ => 0,
        }
    }

    pub(crate) fn packets_total(&self) -> u64 {
        self.totals.packets[0]
    }

    pub(crate) fn has_open_window(&self) -> bool {
        !self.window.is_empty()
    }

    /// What long flows owe the tick ending at `now_ms`.
    pub(crate) fn spread_share(
        &mut self,
        now_ms: u64,
        interval_ms: u64,
    ) -> Option<ClassCounts<f32>> {
        let spread = self.spread.as_mut()?;
        let share = spread.take_tick(now_ms, interval_ms);
        if spread.is_empty() {
            self.spread = None;
        }
        Some(share)
    }

    /// Folds one tick's counts into the speeds.
    pub(crate) fn update_speeds(
        &mut self,
        counts: &ClassCounts<f32>,
        now_ms: u64,
        interval_ms: u64,
        smoothing: Smoothing,
    ) {
        let decay = smoothing.decay(now_ms.saturating_sub(self.speeds_at_ms)) as f32;
        let weight = smoothing.alpha(interval_ms) as f32 * 1000.0 / interval_ms as f32;
        for class in 0..CLASS_COUNT {
            self.speeds.packets[class] =
                self.speeds.packets[class] * decay + weight * counts.packets[class];
            self.speeds.bytes[class] =
                self.speeds.bytes[class] * decay + weight * counts.bytes[class];
        }
        self.speeds_at_ms = now_ms;
    }

    /// Closes the flow window that ends at `second`, `window_seconds` long. A window that
    /// needed dense registers keeps them for the next second; returns whether it did, and so
    /// must be closed again even if no flow comes.
    pub(crate) fn close_flow_window(
        &mut self,
        second: u64,
        window_seconds: u64,
        smoothing: Smoothing,
    ) -> bool {
        let distinct = self.window.estimate();
        let keep_registers = self.window.is_dense() && distinct > 0.0;
        if keep_registers {
            self.window.reset();
        } else {
            self.window.clear();
        }
        self.flows_total += distinct.round() as u64;
        let decay = smoothing.decay(second.saturating_sub(self.flows_at_second as u64) * 1000);
        let alpha = smoothing.alpha(window_seconds * 1000);
        self.flows = (self.flows as f64 * decay + alpha * distinct / window_seconds as f64) as f32;
        self.flows_at_second = second as u32;
        keep_registers
    }

    fn speed_decay(&self, clock: &Clock) -> f64 {
        clock
            .smoothing
            .decay(clock.now_ms.saturating_sub(self.speeds_at_ms))
    }

    fn flows_now(&self, clock: &Clock) -> f64 {
        let elapsed = clock.second.saturating_sub(self.flows_at_second as u64) * 1000;
        self.flows as f64 * clock.smoothing.decay(elapsed)
    }

    pub(crate) fn metric(&self, metric: Metric, clock: &Clock) -> f64 {
        let (speeds, class) = match metric {
            Metric::Flows => return self.flows_now(clock),
            Metric::Pps => (&self.speeds.packets, 0),
            Metric::Bps => (&self.speeds.bytes, 0),
            Metric::ClassPps(class) => (&self.speeds.packets, class.index()),
            Metric::ClassBps(class) => (&self.speeds.bytes, class.index()),
        };
        let bits = if matches!(metric, Metric::Bps | Metric::ClassBps(_)) {
            8.0
        } else {
            1.0
        };
        speeds[class] as f64 * self.speed_decay(clock) * bits
    }

    /// No speed worth keeping and nothing owed.
    pub(crate) fn is_quiet(&self, clock: &Clock) -> bool {
        self.spread.is_none()
            && self.window.is_empty()
            && self.metric(Metric::Pps, clock) < 1e-3
            && self.flows_now(clock) < 1e-3
    }

    pub(crate) fn view(&self, clock: &Clock) -> DirectionView {
        let decay = self.speed_decay(clock);
        let classes: [ClassView; CLASS_COUNT] = std::array::from_fn(|class| ClassView {
            pps: self.speeds.packets[class] as f64 * decay,
            bps: self.speeds.bytes[class] as f64 * decay * 8.0,
            packets_total: self.totals.packets[class],
            bytes_total: self.totals.bytes[class],
        });
        let total = &classes[0];
        DirectionView {
            pps: total.pps,
            bps: total.bps,
            flows: self.flows_now(clock),
            packets_total: total.packets_total,
            bytes_total: total.bytes_total,
            flows_total: self.flows_total,
            classes,
            approximate: self.approximate,
        }
    }

    pub(crate) fn shift_clock(&mut self, offset_ms: u64) {
        if let Some(spread) = &mut self.spread {
            spread.shift(offset_ms);
        }
    }
}
