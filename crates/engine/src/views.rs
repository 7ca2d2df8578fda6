//! The JSON shapes the control plane reads (ts/engine/types.ts mirrors them).

use std::collections::BTreeMap;

use floodwatch_counters::{Class, ClassView, Direction, DirectionView, HostView, Metric, TableStats, Totals};
use serde::Serialize;

use crate::engine::Engine;
use crate::sources::SourcesView;

#[derive(Clone, Debug, Serialize)]
pub struct RateJson {
    pub pps: f64,
    pub bps: f64,
    pub packets_total: u64,
    pub bytes_total: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct DirectionJson {
    pub pps: f64,
    pub bps: f64,
    pub flows: f64,
    pub packets_total: u64,
    pub bytes_total: u64,
    pub flows_total: u64,
    pub protocols: BTreeMap<&'static str, RateJson>,
    /// The protocol figures and flows are not exact (a host counted in the compact tier, or
    /// promoted from it); packets, bytes and their speeds are.
    pub approximate: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct HostJson {
    pub ip: String,
    pub incoming: DirectionJson,
    pub outgoing: DirectionJson,
    pub last_seen_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TotalsJson {
    pub incoming: DirectionJson,
    pub outgoing: DirectionJson,
    pub internal: DirectionJson,
    pub other: DirectionJson,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableJson {
    pub hosts: usize,
    pub hosts_compact: usize,
    pub hosts_full: usize,
    pub hosts_protected: usize,
    pub hosts_refused: u64,
    pub promotions: u64,
    pub memory_bytes: usize,
    pub evictions_idle: u64,
    pub evictions_full: u64,
    pub ticks: u64,
    pub last_tick_duration_us: u64,
    pub records: u64,
    pub spreading_hosts: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct TopJson {
    pub pps: Vec<HostJson>,
    pub bps: Vec<HostJson>,
    pub flows: Vec<HostJson>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotJson {
    pub totals: TotalsJson,
    pub top: BTreeMap<&'static str, TopJson>,
    pub table: TableJson,
    /// Agent interfaces counted, not listed: `Engine::sources` lists them.
    pub sources: SourcesView,
}

/// The protocol classes by the names the API uses.
fn class_name(class: Class) -> &'static str {
    match class {
        Class::Fragment => "fragments",
        other => other.name(),
    }
}

impl From<&ClassView> for RateJson {
    fn from(c: &ClassView) -> Self {
        RateJson { pps: c.pps, bps: c.bps, packets_total: c.packets_total, bytes_total: c.bytes_total }
    }
}

impl From<&DirectionView> for DirectionJson {
    fn from(d: &DirectionView) -> Self {
        DirectionJson {
            pps: d.pps,
            bps: d.bps,
            flows: d.flows,
            packets_total: d.packets_total,
            bytes_total: d.bytes_total,
            flows_total: d.flows_total,
            protocols: Class::ALL
                .iter()
                .filter(|c| **c != Class::Total)
                .map(|c| (class_name(*c), RateJson::from(d.class(*c))))
                .collect(),
            approximate: d.approximate,
        }
    }
}

impl From<&HostView> for HostJson {
    fn from(h: &HostView) -> Self {
        HostJson {
            ip: h.ip.to_string(),
            incoming: (&h.incoming).into(),
            outgoing: (&h.outgoing).into(),
            last_seen_ms: h.last_seen_ms,
        }
    }
}

impl From<&Totals> for TotalsJson {
    fn from(t: &Totals) -> Self {
        TotalsJson {
            incoming: (&t.incoming).into(),
            outgoing: (&t.outgoing).into(),
            internal: (&t.internal).into(),
            other: (&t.other).into(),
        }
    }
}

impl From<&TableStats> for TableJson {
    fn from(s: &TableStats) -> Self {
        TableJson {
            hosts: s.hosts,
            hosts_compact: s.hosts_compact,
            hosts_full: s.hosts_full,
            hosts_protected: s.hosts_protected,
            hosts_refused: s.hosts_refused,
            promotions: s.promotions,
            memory_bytes: s.memory_bytes,
            evictions_idle: s.evictions_idle,
            evictions_full: s.evictions_full,
            ticks: s.ticks,
            last_tick_duration_us: s.last_tick_duration_us,
            records: s.records,
            spreading_hosts: s.spreading_hosts,
        }
    }
}

pub fn parse_direction(text: &str) -> Result<Direction, String> {
    match text {
        "incoming" => Ok(Direction::Incoming),
        "outgoing" => Ok(Direction::Outgoing),
        _ => Err(format!("direction '{text}' is not one of incoming, outgoing")),
    }
}

/// `pps`, `bps`, `flows`, or a protocol's `tcp_pps`, `udp_bps`, `fragments_pps`...
pub fn parse_metric(text: &str) -> Result<Metric, String> {
    match text {
        "pps" => return Ok(Metric::Pps),
        "bps" => return Ok(Metric::Bps),
        "flows" => return Ok(Metric::Flows),
        _ => {}
    }
    for class in Class::ALL.iter().filter(|c| **c != Class::Total) {
        let name = class_name(*class);
        if text == format!("{name}_pps") {
            return Ok(Metric::ClassPps(*class));
        }
        if text == format!("{name}_bps") {
            return Ok(Metric::ClassBps(*class));
        }
    }
    Err(format!("metric '{text}' is not one of pps, bps, flows, or PROTOCOL_pps / PROTOCOL_bps (tcp, tcp_syn, udp, icmp, fragments)"))
}

pub fn top(engine: &Engine, direction: &str, metric: &str, limit: usize) -> Result<Vec<HostJson>, String> {
    let direction = parse_direction(direction)?;
    let metric = parse_metric(metric)?;
    Ok(engine.core().table.top(direction, metric, limit).iter().map(HostJson::from).collect())
}

pub fn snapshot(engine: &Engine, limit: usize) -> SnapshotJson {
    let (totals, top, table) = {
        let core = engine.core();
        let table = &core.table;
        let mut top = BTreeMap::new();
        for direction in [Direction::Incoming, Direction::Outgoing] {
            let ranked = |metric| table.top(direction, metric, limit).iter().map(HostJson::from).collect();
            top.insert(
                direction.name(),
                TopJson { pps: ranked(Metric::Pps), bps: ranked(Metric::Bps), flows: ranked(Metric::Flows) },
            );
        }
        (TotalsJson::from(&table.totals()), top, TableJson::from(&table.stats()))
    };
    SnapshotJson { totals, top, table, sources: engine.sources().view_without_agents() }
}

#[derive(Clone, Debug, Serialize)]
pub struct ViolationJson {
    pub ip: String,
    pub group: u16,
    pub group_name: String,
    pub direction: &'static str,
    pub metric: &'static str,
    pub threshold: f64,
    pub observed: f64,
    pub host: HostJson,
}

impl From<&floodwatch_detect::Violation> for ViolationJson {
    fn from(v: &floodwatch_detect::Violation) -> Self {
        ViolationJson {
            ip: v.ip.to_string(),
            group: v.group,
            group_name: v.group_name.clone(),
            direction: v.direction.name(),
            metric: v.metric,
            threshold: v.threshold,
            observed: v.observed,
            host: (&v.view).into(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CrossingJson {
    pub metric: &'static str,
    pub threshold: f64,
    pub observed: f64,
}

impl From<(&'static str, f64, f64)> for CrossingJson {
    fn from((metric, threshold, observed): (&'static str, f64, f64)) -> Self {
        CrossingJson { metric, threshold, observed }
    }
}
