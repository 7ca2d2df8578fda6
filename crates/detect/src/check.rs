//! The per-tick threshold check over the host table.

use crate::metric::MetricSlot;
use crate::thresholds::{Limits, Thresholds};
use floodwatch_counters::{Direction, HostTable, HostView, Metric};
use std::net::IpAddr;

/// A host over at least one of its group's limits in one direction.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub ip: IpAddr,
    pub group: u16,
    pub group_name: String,
    pub direction: Direction,
    /// The limit crossed by the most, relative to the limit: `pps`, `mbps`, `tcp_syn_pps`, ...
    pub metric: &'static str,
    /// In the metric's unit (Mbit/s for bandwidth).
    pub threshold: f64,
    /// In the metric's unit.
    pub observed: f64,
    pub view: HostView,
}

/// A limit crossed: which one, the limit, the speed.
struct Crossing {
    slot: MetricSlot,
    threshold: f64,
    observed: f64,
}

impl Crossing {
    fn ratio(&self) -> f64 {
        if self.threshold > 0.0 {
            self.observed / self.threshold
        } else {
            f64::INFINITY
        }
    }
}

/// The limit `speed` is furthest over, relative to the limit; ties go to the first slot.
#[inline]
fn worst_crossing(limits: &Limits, speed: impl Fn(Metric) -> f64) -> Option<Crossing> {
    let mut worst: Option<Crossing> = None;
    for (slot, threshold) in limits.enabled() {
        let observed = slot.in_unit(speed(slot.metric()));
        if observed <= threshold {
            continue;
        }
        let crossing = Crossing {
            slot,
            threshold,
            observed,
        };
        if worst.as_ref().is_none_or(|w| crossing.ratio() > w.ratio()) {
            worst = Some(crossing);
        }
    }
    worst
}

/// The hosts updated by the last tick that are over a limit of their group, one violation
/// per host and direction. Hosts not updated cannot have crossed anything since the last
/// check: their speeds only decay. A direction whose traffic came in fewer than
/// `min_evidence` datagrams (or frames) over the last second or two is not reported: one
/// forged datagram must not make an attack.
pub fn check(table: &HostTable, thresholds: &Thresholds, min_evidence: u32) -> Vec<Violation> {
    let mut violations = Vec::new();
    let all_off = thresholds
        .groups()
        .iter()
        .all(|g| g.incoming.is_off() && g.outgoing.is_off());
    if all_off {
        return violations;
    }
    table.for_each_updated(|host| {
        let ip = host.ip();
        let (group, group_name) = thresholds.group_of(&ip);
        let limits = thresholds.group(group).expect("group_of gives a group");
        for direction in Direction::BOTH {
            let limits = limits.limits(direction);
            if limits.is_off() || host.evidence(direction) < min_evidence {
                continue;
            }
            if let Some(crossing) = worst_crossing(limits, |metric| host.speed(direction, metric)) {
                violations.push(Violation {
                    ip,
                    group,
                    group_name: group_name.to_string(),
                    direction,
                    metric: crossing.slot.name(),
                    threshold: crossing.threshold,
                    observed: crossing.observed,
                    view: host.view(),
                });
            }
        }
    });
    violations
}

/// Whether a known host is still over a limit of `group` in `direction`: the limit crossed
/// by the most as `(metric, threshold, observed)`. For a banned host whose speeds decay, to
/// extend its ban while the attack goes on. `None` too for a group that does not exist.
pub fn over(
    view: &HostView,
    direction: Direction,
    thresholds: &Thresholds,
    group: u16,
) -> Option<(&'static str, f64, f64)> {
    let limits = thresholds.group(group)?.limits(direction);
    let counters = view.direction(direction);
    worst_crossing(limits, |metric| counters.metric(metric))
        .map(|c| (c.slot.name(), c.threshold, c.observed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_counters::{Class, DirectionView};

    fn limits() -> Limits {
        Limits::default()
            .with(MetricSlot::Pps, 1000.0)
            .with(MetricSlot::Mbps, 10.0)
            .with(MetricSlot::TcpSynPps, 500.0)
    }

    fn speeds(pps: f64, bps: f64, syn_pps: f64) -> impl Fn(Metric) -> f64 {
        move |metric| match metric {
            Metric::Pps => pps,
            Metric::Bps => bps,
            Metric::ClassPps(Class::TcpSyn) => syn_pps,
            _ => 0.0,
        }
    }

    #[test]
    fn under_or_at_every_limit_is_no_crossing() {
        assert!(worst_crossing(&limits(), speeds(999.0, 9e6, 400.0)).is_none());
        assert!(worst_crossing(&limits(), speeds(1000.0, 10e6, 500.0)).is_none());
        assert!(worst_crossing(&Limits::default(), speeds(1e9, 1e12, 1e9)).is_none());
    }

    #[test]
    fn the_highest_ratio_wins() {
        // pps 1.5x, mbps 2x, syn 1.2x
        let c = worst_crossing(&limits(), speeds(1500.0, 20e6, 600.0)).unwrap();
        assert_eq!(
            (c.slot, c.threshold, c.observed),
            (MetricSlot::Mbps, 10.0, 20.0)
        );
        // pps 1.5x, syn 3x
        let c = worst_crossing(&limits(), speeds(1500.0, 1e6, 1500.0)).unwrap();
        assert_eq!(c.slot, MetricSlot::TcpSynPps);
        // only pps
        let c = worst_crossing(&limits(), speeds(1001.0, 0.0, 0.0)).unwrap();
        assert_eq!(c.slot, MetricSlot::Pps);
        // a zero limit: any traffic is infinitely over it
        let zero = limits().with(MetricSlot::Flows, 0.0);
        let c = worst_crossing(&zero, |m| if m == Metric::Flows { 1.0 } else { 2000.0 }).unwrap();
        assert_eq!(c.slot, MetricSlot::Flows);
    }

    #[test]
    fn over_reads_the_view_of_the_direction_asked() {
        let mut thresholds = Thresholds::default();
        let mut global = thresholds.group(0).unwrap().clone();
        global.incoming = limits();
        thresholds = Thresholds::new(global);
        let mut incoming = DirectionView {
            pps: 3000.0,
            bps: 5e6,
            ..DirectionView::default()
        };
        incoming.classes[Class::TcpSyn.index()].pps = 2000.0;
        let view = HostView {
            ip: "10.0.0.1".parse().unwrap(),
            incoming,
            outgoing: DirectionView::default(),
            last_seen_ms: 0,
        };
        assert_eq!(
            over(&view, Direction::Incoming, &thresholds, 0),
            Some(("tcp_syn_pps", 500.0, 2000.0))
        );
        assert_eq!(over(&view, Direction::Outgoing, &thresholds, 0), None);
        assert_eq!(over(&view, Direction::Incoming, &thresholds, 7), None);
    }
}
