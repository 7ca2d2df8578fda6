//! The cheap first tier: what a host that sends or receives little costs. Per direction,
//! packets and bytes in total (u32) and their smoothed speeds (f32), 16 bytes, inline in the
//! host's slab entry. No protocol classes, no flow sketch, no evidence: a host is promoted to
//! full counters (`DirectionState`) before its speeds could reach any threshold.

use crate::class::ClassCounts;
use crate::view::{DirectionView, Metric};

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CompactDirection {
    pub(crate) packets: u32,
    pub(crate) bytes: u32,
    /// Packets and bytes per second, as of the host's `last_seen_ms`.
    pub(crate) pps: f32,
    pub(crate) bytes_per_second: f32,
}

impl CompactDirection {
    pub(crate) fn has_traffic(&self) -> bool {
        self.packets > 0 || self.bytes > 0
    }

    pub(crate) fn decay(&mut self, factor: f32) {
        self.pps *= factor;
        self.bytes_per_second *= factor;
    }

    /// The speeds after adding `counts` with `weight` (see `HostTable::apply`); None when the
    /// totals would no longer fit: the host has grown out of this tier.
    pub(crate) fn projected(&self, counts: &ClassCounts<u64>, weight: f32) -> Option<(f32, f32)> {
        let packets = counts.packets[0];
        let bytes = counts.bytes[0];
        u32::try_from(self.packets as u64 + packets).ok()?;
        u32::try_from(self.bytes as u64 + bytes).ok()?;
        Some((
            self.pps + weight * packets as f32,
            self.bytes_per_second + weight * bytes as f32,
        ))
    }

    /// Adds counts whose `projected` speeds were `(pps, bytes_per_second)`.
    pub(crate) fn absorb(&mut self, counts: &ClassCounts<u64>, speeds: (f32, f32)) {
        self.packets += counts.packets[0] as u32;
        self.bytes += counts.bytes[0] as u32;
        (self.pps, self.bytes_per_second) = speeds;
    }

    /// `decay`: what is left of the speeds since the host was last seen.
    pub(crate) fn metric(&self, metric: Metric, decay: f64) -> f64 {
        match metric {
            Metric::Pps => self.pps as f64 * decay,
            Metric::Bps => self.bytes_per_second as f64 * decay * 8.0,
            Metric::ClassPps(class) if class.index() == 0 => self.pps as f64 * decay,
            Metric::ClassBps(class) if class.index() == 0 => {
                self.bytes_per_second as f64 * decay * 8.0
            }
            Metric::Flows | Metric::ClassPps(_) | Metric::ClassBps(_) => 0.0,
        }
    }

    /// Totals and speeds in all; protocol figures and flows are not kept (and said so).
    pub(crate) fn view(&self, decay: f64) -> DirectionView {
        let mut view = DirectionView {
            pps: self.pps as f64 * decay,
            bps: self.bytes_per_second as f64 * decay * 8.0,
            packets_total: self.packets as u64,
            bytes_total: self.bytes as u64,
            approximate: self.has_traffic(),
            ..DirectionView::default()
        };
        let total = &mut view.classes[0];
        (total.pps, total.bps, total.packets_total, total.bytes_total) =
            (view.pps, view.bps, view.packets_total, view.bytes_total);
        view
    }
}
