//! What the engine reports: host counters, totals, the table's stats, the sources. The REST API
//! passes these objects on unchanged, so their keys are the API's (snake_case). Counters are u64
//! in Rust and cross as JavaScript numbers (exact up to 2^53, within 2^-52 of their value past
//! it): napi-rs would hand a u64 over as a BigInt, which JSON.stringify and prom-client refuse.

use std::collections::BTreeMap;

use floodwatch_counters::{Class, ClassView, DirectionView, HostView, Totals};
use floodwatch_engine::{AgentInterfaceView, CaptureEngine, SourcesView};
use napi_derive::napi;

#[napi(string_enum = "lowercase")]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl From<Direction> for floodwatch_counters::Direction {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Incoming => floodwatch_counters::Direction::Incoming,
            Direction::Outgoing => floodwatch_counters::Direction::Outgoing,
        }
    }
}

impl From<floodwatch_counters::Direction> for Direction {
    fn from(direction: floodwatch_counters::Direction) -> Self {
        match direction {
            floodwatch_counters::Direction::Incoming => Direction::Incoming,
            floodwatch_counters::Direction::Outgoing => Direction::Outgoing,
        }
    }
}

/// What the top lists of a snapshot rank by.
#[napi(string_enum = "lowercase")]
pub enum Metric {
    Pps,
    Bps,
    Flows,
}

#[napi(object)]
pub struct RateAndTotal {
    pub pps: f64,
    pub bps: f64,
    #[napi(js_name = "packets_total")]
    pub packets_total: f64,
    #[napi(js_name = "bytes_total")]
    pub bytes_total: f64,
}

impl From<&ClassView> for RateAndTotal {
    fn from(c: &ClassView) -> Self {
        RateAndTotal {
            pps: c.pps,
            bps: c.bps,
            packets_total: c.packets_total as f64,
            bytes_total: c.bytes_total as f64,
        }
    }
}

/// One direction's figures per protocol class (keys in the order the API always gave them).
#[napi(object)]
pub struct ProtocolRates {
    pub fragments: RateAndTotal,
    pub icmp: RateAndTotal,
    pub tcp: RateAndTotal,
    #[napi(js_name = "tcp_syn")]
    pub tcp_syn: RateAndTotal,
    pub udp: RateAndTotal,
}

#[napi(object)]
pub struct DirectionCounters {
    pub pps: f64,
    pub bps: f64,
    pub flows: f64,
    #[napi(js_name = "packets_total")]
    pub packets_total: f64,
    #[napi(js_name = "bytes_total")]
    pub bytes_total: f64,
    #[napi(js_name = "flows_total")]
    pub flows_total: f64,
    pub protocols: ProtocolRates,
    /// The protocol figures and flows are not exact (a host counted in the compact tier, or
    /// promoted from it); packets, bytes and their speeds are.
    pub approximate: bool,
}

impl From<&DirectionView> for DirectionCounters {
    fn from(d: &DirectionView) -> Self {
        let class = |c: Class| RateAndTotal::from(d.class(c));
        DirectionCounters {
            pps: d.pps,
            bps: d.bps,
            flows: d.flows,
            packets_total: d.packets_total as f64,
            bytes_total: d.bytes_total as f64,
            flows_total: d.flows_total as f64,
            protocols: ProtocolRates {
                fragments: class(Class::Fragment),
                icmp: class(Class::Icmp),
                tcp: class(Class::Tcp),
                tcp_syn: class(Class::TcpSyn),
                udp: class(Class::Udp),
            },
            approximate: d.approximate,
        }
    }
}

#[napi(object)]
pub struct HostCounters {
    pub ip: String,
    pub incoming: DirectionCounters,
    pub outgoing: DirectionCounters,
    #[napi(js_name = "last_seen_ms")]
    pub last_seen_ms: f64,
}

impl From<&HostView> for HostCounters {
    fn from(h: &HostView) -> Self {
        HostCounters {
            ip: h.ip.to_string(),
            incoming: (&h.incoming).into(),
            outgoing: (&h.outgoing).into(),
            last_seen_ms: h.last_seen_ms as f64,
        }
    }
}

pub fn host_list(hosts: &[HostView]) -> Vec<HostCounters> {
    hosts.iter().map(HostCounters::from).collect()
}

#[napi(object)]
pub struct TrafficTotals {
    pub incoming: DirectionCounters,
    pub outgoing: DirectionCounters,
    pub internal: DirectionCounters,
    pub other: DirectionCounters,
}

impl From<&Totals> for TrafficTotals {
    fn from(t: &Totals) -> Self {
        TrafficTotals {
            incoming: (&t.incoming).into(),
            outgoing: (&t.outgoing).into(),
            internal: (&t.internal).into(),
            other: (&t.other).into(),
        }
    }
}

#[napi(object)]
pub struct TableStats {
    pub hosts: f64,
    /// Hosts counted in the compact tier (totals and speeds only).
    #[napi(js_name = "hosts_compact")]
    pub hosts_compact: f64,
    /// Hosts with full counters (protocols, flows).
    #[napi(js_name = "hosts_full")]
    pub hosts_full: f64,
    /// Hosts at or over counters.protect_fraction of a threshold: never evicted to make room.
    #[napi(js_name = "hosts_protected")]
    pub hosts_protected: f64,
    /// New hosts not counted (only in the totals) because every host held was protected.
    #[napi(js_name = "hosts_refused")]
    pub hosts_refused: f64,
    /// Hosts promoted from the compact tier to full counters.
    pub promotions: f64,
    /// Heap bytes the host table holds.
    #[napi(js_name = "memory_bytes")]
    pub memory_bytes: f64,
    #[napi(js_name = "evictions_idle")]
    pub evictions_idle: f64,
    #[napi(js_name = "evictions_full")]
    pub evictions_full: f64,
    pub ticks: f64,
    #[napi(js_name = "last_tick_duration_us")]
    pub last_tick_duration_us: f64,
    pub records: f64,
    #[napi(js_name = "spreading_hosts")]
    pub spreading_hosts: f64,
}

impl From<&floodwatch_counters::TableStats> for TableStats {
    fn from(s: &floodwatch_counters::TableStats) -> Self {
        TableStats {
            hosts: s.hosts as f64,
            hosts_compact: s.hosts_compact as f64,
            hosts_full: s.hosts_full as f64,
            hosts_protected: s.hosts_protected as f64,
            hosts_refused: s.hosts_refused as f64,
            promotions: s.promotions as f64,
            memory_bytes: s.memory_bytes as f64,
            evictions_idle: s.evictions_idle as f64,
            evictions_full: s.evictions_full as f64,
            ticks: s.ticks as f64,
            last_tick_duration_us: s.last_tick_duration_us as f64,
            records: s.records as f64,
            spreading_hosts: s.spreading_hosts as f64,
        }
    }
}

/// The busiest hosts of one direction by each metric, best first.
#[napi(object)]
pub struct TopHosts {
    pub pps: Vec<HostCounters>,
    pub bps: Vec<HostCounters>,
    pub flows: Vec<HostCounters>,
}

#[napi(object)]
pub struct SnapshotTop {
    pub incoming: TopHosts,
    pub outgoing: TopHosts,
}

#[napi(object)]
pub struct Snapshot {
    pub totals: TrafficTotals,
    pub top: SnapshotTop,
    pub table: TableStats,
    /// Agent interfaces counted, not listed: `Engine.sources` lists them.
    pub sources: Sources,
}

#[napi(object)]
pub struct ListenerState {
    pub address: String,
    pub worker: u32,
    #[napi(js_name = "kernel_drops")]
    pub kernel_drops: f64,
}

#[napi(string_enum)]
pub enum FlowFormat {
    #[napi(value = "netflow_v5")]
    NetflowV5,
    #[napi(value = "netflow_v9")]
    NetflowV9,
    #[napi(value = "ipfix")]
    Ipfix,
    #[napi(value = "sflow_v5")]
    SflowV5,
}

impl From<floodwatch_flow::Format> for FlowFormat {
    fn from(format: floodwatch_flow::Format) -> Self {
        match format {
            floodwatch_flow::Format::NetflowV5 => FlowFormat::NetflowV5,
            floodwatch_flow::Format::NetflowV9 => FlowFormat::NetflowV9,
            floodwatch_flow::Format::Ipfix => FlowFormat::Ipfix,
            floodwatch_flow::Format::SflowV5 => FlowFormat::SflowV5,
        }
    }
}

/// One exporter (address:port), or the `other` row summing every exporter not listed.
#[napi(object, use_nullable = true)]
pub struct ExporterState {
    pub exporter: String,
    pub format: Option<FlowFormat>,
    pub datagrams: f64,
    pub decoded: f64,
    pub records: f64,
    /// Datagrams dropped, by reason.
    pub dropped: BTreeMap<String, f64>,
    pub templates: f64,
    #[napi(js_name = "sampling_rate")]
    pub sampling_rate: u32,
}

#[napi(object)]
pub struct AgentInterface {
    pub agent: String,
    #[napi(js_name = "if_index")]
    pub if_index: u32,
    #[napi(js_name = "if_speed")]
    pub if_speed: f64,
    #[napi(js_name = "in_octets")]
    pub in_octets: f64,
    #[napi(js_name = "in_packets")]
    pub in_packets: f64,
    #[napi(js_name = "in_errors")]
    pub in_errors: u32,
    #[napi(js_name = "in_discards")]
    pub in_discards: u32,
    #[napi(js_name = "out_octets")]
    pub out_octets: f64,
    #[napi(js_name = "out_packets")]
    pub out_packets: f64,
    #[napi(js_name = "out_errors")]
    pub out_errors: u32,
    #[napi(js_name = "out_discards")]
    pub out_discards: u32,
}

/// One live capture source (an AF_PACKET fanout member, an AF_XDP queue).
#[napi(object, use_nullable = true)]
pub struct MirrorState {
    pub name: String,
    pub packets: f64,
    pub bytes: f64,
    #[napi(js_name = "kernel_drops")]
    pub kernel_drops: f64,
    #[napi(js_name = "ring_full")]
    pub ring_full: f64,
    /// Frames that are not IP or do not parse.
    pub unparsed: f64,
    /// Errors the source met (an interface gone down), and the last one.
    pub errors: f64,
    #[napi(js_name = "last_error")]
    pub last_error: Option<String>,
}

impl From<floodwatch_engine::MirrorView> for MirrorState {
    fn from(m: floodwatch_engine::MirrorView) -> Self {
        MirrorState {
            name: m.name,
            packets: m.packets as f64,
            bytes: m.bytes as f64,
            kernel_drops: m.kernel_drops as f64,
            ring_full: m.ring_full as f64,
            unparsed: m.unparsed as f64,
            errors: m.errors as f64,
            last_error: m.last_error,
        }
    }
}

#[napi(string_enum)]
pub enum MirrorEngine {
    #[napi(value = "af_packet")]
    AfPacket,
    #[napi(value = "af_xdp")]
    AfXdp,
}

impl From<MirrorEngine> for CaptureEngine {
    fn from(engine: MirrorEngine) -> Self {
        match engine {
            MirrorEngine::AfPacket => CaptureEngine::AfPacket,
            MirrorEngine::AfXdp => CaptureEngine::AfXdp,
        }
    }
}

impl From<CaptureEngine> for MirrorEngine {
    fn from(engine: CaptureEngine) -> Self {
        match engine {
            CaptureEngine::AfPacket => MirrorEngine::AfPacket,
            CaptureEngine::AfXdp => MirrorEngine::AfXdp,
        }
    }
}

/// A mirror port as it was opened, and the names of its sources (MirrorState.name).
#[napi(object)]
pub struct MirrorPort {
    pub interface: String,
    pub engine: MirrorEngine,
    /// How: fanout members and ring, or XDP mode, copy or zero-copy, queues; and the memory its
    /// rings took.
    pub detail: String,
    /// Bytes of rings (AF_PACKET) or UMEM (AF_XDP) mapped for the port.
    #[napi(js_name = "ring_bytes")]
    pub ring_bytes: f64,
    pub sources: Vec<String>,
}

/// The flow decoders' own state, over all workers.
#[napi(object)]
pub struct FlowSourcesState {
    /// Exporters the decoders hold state for.
    pub exporters: f64,
    /// Exporters (and refused sources) whose counters the `other` exporter row sums.
    #[napi(js_name = "other_exporters")]
    pub other_exporters: f64,
    #[napi(js_name = "template_bytes")]
    pub template_bytes: f64,
    #[napi(js_name = "held_bytes")]
    pub held_bytes: f64,
    #[napi(js_name = "exporter_evictions_idle")]
    pub exporter_evictions_idle: f64,
    #[napi(js_name = "exporter_evictions_full")]
    pub exporter_evictions_full: f64,
    #[napi(js_name = "template_evictions")]
    pub template_evictions: f64,
    #[napi(js_name = "agent_interfaces")]
    pub agent_interfaces: f64,
    /// Agent interfaces forgotten, or never kept, for lack of room.
    #[napi(js_name = "agent_interface_evictions")]
    pub agent_interface_evictions: f64,
}

#[napi(object)]
pub struct Sources {
    pub listeners: Vec<ListenerState>,
    /// The busiest 256 exporters by address, then an `other` row when any is not listed.
    pub exporters: Vec<ExporterState>,
    pub flow: FlowSourcesState,
    /// At most 4096, by agent and ifIndex; empty in a snapshot (flow.agent_interfaces counts them).
    pub agents: Vec<AgentInterface>,
    pub mirrors: Vec<MirrorState>,
    #[napi(js_name = "mirror_ports")]
    pub mirror_ports: Vec<MirrorPort>,
}

impl From<SourcesView> for Sources {
    fn from(view: SourcesView) -> Self {
        let f = view.flow;
        Sources {
            listeners: view
                .listeners
                .into_iter()
                .map(|l| ListenerState {
                    address: l.address.to_string(),
                    worker: l.worker as u32,
                    kernel_drops: l.kernel_drops as f64,
                })
                .collect(),
            exporters: view
                .exporters
                .into_iter()
                .map(|e| ExporterState {
                    exporter: e.exporter,
                    format: e.format.map(FlowFormat::from),
                    datagrams: e.datagrams as f64,
                    decoded: e.decoded as f64,
                    records: e.records as f64,
                    dropped: e
                        .dropped
                        .into_iter()
                        .map(|(reason, n)| (reason.to_string(), n as f64))
                        .collect(),
                    templates: e.templates as f64,
                    sampling_rate: e.sampling_rate,
                })
                .collect(),
            flow: FlowSourcesState {
                exporters: f.exporters as f64,
                other_exporters: f.other_exporters as f64,
                template_bytes: f.template_bytes as f64,
                held_bytes: f.held_bytes as f64,
                exporter_evictions_idle: f.exporter_evictions_idle as f64,
                exporter_evictions_full: f.exporter_evictions_full as f64,
                template_evictions: f.template_evictions as f64,
                agent_interfaces: f.agent_interfaces as f64,
                agent_interface_evictions: f.agent_interface_evictions as f64,
            },
            agents: view
                .agents
                .into_iter()
                .map(|AgentInterfaceView { agent, counters: c }| AgentInterface {
                    agent: agent.to_string(),
                    if_index: c.if_index,
                    if_speed: c.if_speed as f64,
                    in_octets: c.in_octets as f64,
                    in_packets: c.in_packets as f64,
                    in_errors: c.in_errors,
                    in_discards: c.in_discards,
                    out_octets: c.out_octets as f64,
                    out_packets: c.out_packets as f64,
                    out_errors: c.out_errors,
                    out_discards: c.out_discards,
                })
                .collect(),
            mirrors: view.mirrors.into_iter().map(MirrorState::from).collect(),
            mirror_ports: view
                .mirror_ports
                .into_iter()
                .map(|p| MirrorPort {
                    interface: p.interface,
                    engine: p.engine.into(),
                    detail: p.detail,
                    ring_bytes: p.ring_bytes as f64,
                    sources: p.sources,
                })
                .collect(),
        }
    }
}
