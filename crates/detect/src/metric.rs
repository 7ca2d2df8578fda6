//! The speeds a threshold can be set on, in the control plane's names and units.

use floodwatch_counters::{Class, Metric};

/// One limit of a direction's thresholds. Bandwidth slots are in Mbit/s; the counters give
/// bits per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricSlot {
    Pps,
    Mbps,
    Flows,
    TcpPps,
    TcpMbps,
    TcpSynPps,
    TcpSynMbps,
    UdpPps,
    UdpMbps,
    IcmpPps,
    IcmpMbps,
    FragmentsPps,
    FragmentsMbps,
}

pub const SLOT_COUNT: usize = 13;

const BITS_PER_MEGABIT: f64 = 1e6;

impl MetricSlot {
    pub const ALL: [MetricSlot; SLOT_COUNT] = [
        MetricSlot::Pps,
        MetricSlot::Mbps,
        MetricSlot::Flows,
        MetricSlot::TcpPps,
        MetricSlot::TcpMbps,
        MetricSlot::TcpSynPps,
        MetricSlot::TcpSynMbps,
        MetricSlot::UdpPps,
        MetricSlot::UdpMbps,
        MetricSlot::IcmpPps,
        MetricSlot::IcmpMbps,
        MetricSlot::FragmentsPps,
        MetricSlot::FragmentsMbps,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The control plane's name: `pps`, `mbps`, `flows`, `tcp_pps`, `tcp_syn_mbps`, ...
    pub fn name(self) -> &'static str {
        match self {
            MetricSlot::Pps => "pps",
            MetricSlot::Mbps => "mbps",
            MetricSlot::Flows => "flows",
            MetricSlot::TcpPps => "tcp_pps",
            MetricSlot::TcpMbps => "tcp_mbps",
            MetricSlot::TcpSynPps => "tcp_syn_pps",
            MetricSlot::TcpSynMbps => "tcp_syn_mbps",
            MetricSlot::UdpPps => "udp_pps",
            MetricSlot::UdpMbps => "udp_mbps",
            MetricSlot::IcmpPps => "icmp_pps",
            MetricSlot::IcmpMbps => "icmp_mbps",
            MetricSlot::FragmentsPps => "fragments_pps",
            MetricSlot::FragmentsMbps => "fragments_mbps",
        }
    }

    /// The slot for a per-class limit, `None` for `Class::Total`.
    pub fn of_class(class: Class, mbps: bool) -> Option<MetricSlot> {
        use MetricSlot::*;
        let (pps, bandwidth) = match class {
            Class::Total => return None,
            Class::Tcp => (TcpPps, TcpMbps),
            Class::TcpSyn => (TcpSynPps, TcpSynMbps),
            Class::Udp => (UdpPps, UdpMbps),
            Class::Icmp => (IcmpPps, IcmpMbps),
            Class::Fragment => (FragmentsPps, FragmentsMbps),
        };
        Some(if mbps { bandwidth } else { pps })
    }

    /// The counters' speed this slot reads.
    pub fn metric(self) -> Metric {
        use MetricSlot::*;
        match self {
            Pps => Metric::Pps,
            Mbps => Metric::Bps,
            Flows => Metric::Flows,
            TcpPps => Metric::ClassPps(Class::Tcp),
            TcpMbps => Metric::ClassBps(Class::Tcp),
            TcpSynPps => Metric::ClassPps(Class::TcpSyn),
            TcpSynMbps => Metric::ClassBps(Class::TcpSyn),
            UdpPps => Metric::ClassPps(Class::Udp),
            UdpMbps => Metric::ClassBps(Class::Udp),
            IcmpPps => Metric::ClassPps(Class::Icmp),
            IcmpMbps => Metric::ClassBps(Class::Icmp),
            FragmentsPps => Metric::ClassPps(Class::Fragment),
            FragmentsMbps => Metric::ClassBps(Class::Fragment),
        }
    }

    /// A speed read from the counters, in this slot's unit.
    #[inline]
    pub fn in_unit(self, counter_speed: f64) -> f64 {
        match self.metric() {
            Metric::Bps | Metric::ClassBps(_) => counter_speed / BITS_PER_MEGABIT,
            _ => counter_speed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_indexed_in_order_and_named_once() {
        for (at, slot) in MetricSlot::ALL.into_iter().enumerate() {
            assert_eq!(slot.index(), at);
        }
        let mut names: Vec<_> = MetricSlot::ALL.iter().map(|s| s.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SLOT_COUNT);
    }

    #[test]
    fn bandwidth_is_read_in_megabits() {
        assert_eq!(MetricSlot::Mbps.in_unit(250e6), 250.0);
        assert_eq!(MetricSlot::UdpMbps.in_unit(1e6), 1.0);
        assert_eq!(MetricSlot::TcpSynPps.in_unit(1234.0), 1234.0);
        assert_eq!(MetricSlot::Flows.in_unit(10.0), 10.0);
    }
}
