//! What the sources report: per listener socket its kernel drops, per exporter its datagrams,
//! records and drops by reason, per sFlow agent its interface counters. Bounded: the busiest
//! exporters are listed, the others summed in one row; agent interfaces are capped.

mod agents;
mod listener_drops;
mod recent_map;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use ahash::AHashMap;
use floodwatch_flow::{DecoderStats, DropReason, ExporterStats, ExporterSummary, Format};
use floodwatch_packet::InterfaceCounters;

use crate::mirror_worker::MirrorReport;
use crate::socket::kernel_drops;

pub use agents::{AgentInterfaceView, AgentTable};
pub use listener_drops::{ListenerDropTable, ListenerDrops, ListenerDropsSummary};

#[derive(Clone, Debug)]
pub struct ListenerState {
    pub address: SocketAddr,
    pub worker: usize,
    inode: Option<u64>,
    pub kernel_drops: u64,
}

impl ListenerState {
    pub fn new(address: SocketAddr, worker: usize, inode: Option<u64>) -> ListenerState {
        ListenerState {
            address,
            worker,
            inode,
            kernel_drops: 0,
        }
    }
}

/// Exporters listed one by one: per worker in its report, and over all workers in the view;
/// the others are summed in one `other` row.
pub const EXPORTERS_LISTED: usize = 256;

/// The name of the row that sums the exporters not listed.
pub const OTHER_EXPORTERS: &str = "other";

/// What a flow worker reports about its sources, every half second or so: bounded whatever
/// the number of (spoofed) sources it hears.
#[derive(Clone, Debug, Default)]
pub struct FlowSourcesReport {
    pub exporters: ExporterSummary,
    pub decoder: DecoderStats,
    pub listener_drops: ListenerDropsSummary,
    /// sFlow agent interfaces heard since the last report, and updates not kept for lack of room.
    pub agents: Vec<(IpAddr, InterfaceCounters)>,
    pub agents_refused: u64,
}

/// A worker's latest report (each replaces the one before: its counters are cumulative).
#[derive(Default)]
struct WorkerSources {
    exporters: ExporterSummary,
    decoder: DecoderStats,
    listener_drops: ListenerDropsSummary,
}

#[derive(Default)]
pub struct SourcesState {
    pub listeners: Vec<ListenerState>,
    flow: BTreeMap<usize, WorkerSources>,
    agents: AgentTable,
    mirrors: BTreeMap<String, MirrorView>,
    pub mirror_ports: Vec<MirrorPortView>,
}

/// A mirror port as it was opened: its engine and how, and the names of its sources.
#[derive(Clone, Debug)]
pub struct MirrorPortView {
    pub interface: String,
    pub engine: crate::config::CaptureEngine,
    pub detail: String,
    /// Bytes of rings (AF_PACKET) or UMEM (AF_XDP) mapped for the port.
    pub ring_bytes: u64,
    pub sources: Vec<String>,
}

/// One live capture source (an AF_PACKET fanout member, an AF_XDP queue).
#[derive(Clone, Debug, Default)]
pub struct MirrorView {
    pub name: String,
    pub packets: u64,
    pub bytes: u64,
    pub kernel_drops: u64,
    pub ring_full: u64,
    /// Frames that are not IP or do not parse.
    pub unparsed: u64,
    /// Errors the source met (an interface gone down), and the last one.
    pub errors: u64,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ExporterView {
    pub exporter: String,
    pub format: Option<Format>,
    pub datagrams: u64,
    pub decoded: u64,
    pub records: u64,
    pub dropped: BTreeMap<&'static str, u64>,
    pub templates: u64,
    pub sampling_rate: u32,
}

impl ExporterView {
    fn add_stats(&mut self, stats: &ExporterStats) {
        self.datagrams += stats.datagrams;
        self.decoded += stats.decoded;
        self.records += stats.records;
        self.templates += stats.templates as u64;
        for reason in DropReason::ALL {
            self.add_dropped(reason.name(), stats.dropped(reason));
        }
    }

    fn add_listener_drops(&mut self, drops: &ListenerDrops) {
        self.datagrams += drops.total();
        self.add_dropped("not_allowed", drops.not_allowed);
        self.add_dropped("oversized", drops.oversized);
    }

    fn add_dropped(&mut self, reason: &'static str, n: u64) {
        if n > 0 {
            *self.dropped.entry(reason).or_default() += n;
        }
    }

    fn absorb(&mut self, other: &ExporterView) {
        self.datagrams += other.datagrams;
        self.decoded += other.decoded;
        self.records += other.records;
        self.templates += other.templates;
        for (reason, n) in &other.dropped {
            self.add_dropped(reason, *n);
        }
    }
}

/// The flow decoders' own state, over all workers.
#[derive(Clone, Debug, Default)]
pub struct FlowView {
    /// Exporters the decoders hold state for.
    pub exporters: u64,
    /// Exporters (and refused sources) whose counters are summed in the `other` row.
    pub other_exporters: u64,
    pub template_bytes: u64,
    pub held_bytes: u64,
    pub exporter_evictions_idle: u64,
    pub exporter_evictions_full: u64,
    pub template_evictions: u64,
    pub agent_interfaces: u64,
    /// Agent interfaces forgotten, or never kept, for lack of room.
    pub agent_interface_evictions: u64,
}

#[derive(Clone, Debug)]
pub struct SourcesView {
    pub listeners: Vec<ListenerState>,
    /// At most `EXPORTERS_LISTED` exporters by address, then an `other` row when any is not listed.
    pub exporters: Vec<ExporterView>,
    pub flow: FlowView,
    pub agents: Vec<AgentInterfaceView>,
    pub mirrors: Vec<MirrorView>,
    pub mirror_ports: Vec<MirrorPortView>,
}

impl SourcesState {
    /// A flow worker's report: replaces its previous one; agent interfaces are merged.
    pub fn update_flow(&mut self, worker: usize, report: FlowSourcesReport) {
        let FlowSourcesReport {
            exporters,
            decoder,
            listener_drops,
            agents,
            agents_refused,
        } = report;
        self.flow.insert(
            worker,
            WorkerSources {
                exporters,
                decoder,
                listener_drops,
            },
        );
        for (agent, counters) in agents {
            self.agents.update(agent, counters);
        }
        self.agents.evictions += agents_refused;
    }

    pub fn update_mirror(&mut self, report: MirrorReport) {
        let view = self.mirrors.entry(report.name.clone()).or_default();
        view.name = report.name;
        view.packets = report.stats.packets;
        view.bytes = report.stats.bytes;
        view.kernel_drops = report.stats.kernel_drops;
        view.ring_full = report.stats.ring_full;
        view.unparsed = report.unparsed;
        if let Some(error) = report.error {
            view.errors += 1;
            view.last_error = Some(error);
        }
    }

    pub fn refresh_kernel_drops(&mut self) {
        if self.listeners.is_empty() {
            return;
        }
        let drops = kernel_drops();
        for listener in &mut self.listeners {
            if let Some(d) = listener.inode.and_then(|inode| drops.get(&inode)) {
                listener.kernel_drops = *d;
            }
        }
    }

    pub fn mirrors(&self) -> Vec<MirrorView> {
        self.mirrors.values().cloned().collect()
    }

    /// Everything, agent interfaces included (at most `MAX_AGENT_INTERFACES`).
    pub fn view(&self) -> SourcesView {
        self.view_listing_agents(usize::MAX)
    }

    /// Everything but the agent interfaces, which are only counted.
    pub fn view_without_agents(&self) -> SourcesView {
        self.view_listing_agents(0)
    }

    fn view_listing_agents(&self, agents: usize) -> SourcesView {
        let (exporters, other_exporters) = self.exporter_rows();
        let mut flow = FlowView {
            other_exporters,
            ..FlowView::default()
        };
        for worker in self.flow.values() {
            let d = &worker.decoder;
            flow.exporters += d.exporters as u64;
            flow.template_bytes += d.template_bytes as u64;
            flow.held_bytes += d.held_bytes as u64;
            flow.exporter_evictions_idle += d.evictions.exporters_idle;
            flow.exporter_evictions_full += d.evictions.exporters_full;
            flow.template_evictions += d.evictions.templates;
        }
        flow.agent_interfaces = self.agents.len() as u64;
        flow.agent_interface_evictions = self.agents.evictions;
        SourcesView {
            listeners: self.listeners.clone(),
            exporters,
            flow,
            agents: self.agents.list(agents),
            mirrors: self.mirrors(),
            mirror_ports: self.mirror_ports.clone(),
        }
    }

    /// Exporters keyed by address, summed over the workers that heard them: the busiest
    /// `EXPORTERS_LISTED` by address, then the `other` row; and how many that row sums.
    fn exporter_rows(&self) -> (Vec<ExporterView>, u64) {
        let mut rows: AHashMap<SocketAddr, ExporterView> = AHashMap::new();
        let mut other = ExporterView {
            exporter: OTHER_EXPORTERS.to_string(),
            ..ExporterView::default()
        };
        let mut other_exporters = 0;
        for worker in self.flow.values() {
            for (address, stats) in &worker.exporters.listed {
                let row = rows.entry(*address).or_default();
                row.add_stats(stats);
                row.sampling_rate = stats.sampling_rate;
                row.format = stats.last_format.or(row.format);
            }
            other.add_stats(&worker.exporters.others);
            other_exporters += worker.exporters.other_exporters;
            for (address, drops) in &worker.listener_drops.listed {
                rows.entry(*address).or_default().add_listener_drops(drops);
            }
            other.add_listener_drops(&worker.listener_drops.others);
        }
        let mut rows: Vec<(SocketAddr, ExporterView)> = rows.into_iter().collect();
        if rows.len() > EXPORTERS_LISTED {
            rows.select_nth_unstable_by_key(EXPORTERS_LISTED, |(_, row)| {
                std::cmp::Reverse((row.records, row.datagrams))
            });
            for (_, row) in rows.drain(EXPORTERS_LISTED..) {
                other.absorb(&row);
                other_exporters += 1;
            }
        }
        rows.sort_unstable_by_key(|(address, _)| *address);
        let mut listed: Vec<ExporterView> = rows
            .into_iter()
            .map(|(address, mut row)| {
                row.exporter = address.to_string();
                row
            })
            .collect();
        if other.datagrams > 0 || other_exporters > 0 {
            listed.push(other);
        }
        (listed, other_exporters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exporter(i: u32) -> SocketAddr {
        SocketAddr::from((std::net::Ipv4Addr::from(0xc000_0200 + i), 2055))
    }

    fn stats(records: u64) -> ExporterStats {
        ExporterStats {
            datagrams: 1,
            decoded: 1,
            records,
            ..ExporterStats::default()
        }
    }

    /// A worker that lists `listed` exporters (records 1..) and sums `others` more.
    fn report(listed: std::ops::Range<u32>, others: u64) -> FlowSourcesReport {
        let exporters = ExporterSummary {
            listed: listed.map(|i| (exporter(i), stats(i as u64 + 1))).collect(),
            others: ExporterStats {
                datagrams: others,
                records: others,
                ..ExporterStats::default()
            },
            other_exporters: others,
        };
        let listener_drops = ListenerDropsSummary {
            listed: vec![(
                exporter(100_000),
                ListenerDrops {
                    not_allowed: 3,
                    oversized: 0,
                },
            )],
            others: ListenerDrops {
                not_allowed: 7,
                oversized: 1,
            },
        };
        FlowSourcesReport {
            exporters,
            listener_drops,
            ..FlowSourcesReport::default()
        }
    }

    #[test]
    fn the_view_lists_the_busiest_exporters_over_all_workers_and_sums_the_rest() {
        let mut state = SourcesState::default();
        state.update_flow(0, report(0..EXPORTERS_LISTED as u32, 1000));
        state.update_flow(1, report(200..200 + EXPORTERS_LISTED as u32, 500));
        // A worker's report replaces its previous one.
        state.update_flow(1, report(200..200 + EXPORTERS_LISTED as u32, 500));
        let view = state.view();
        assert_eq!(view.exporters.len(), EXPORTERS_LISTED + 1);
        let other = view.exporters.last().unwrap();
        assert_eq!(other.exporter, OTHER_EXPORTERS);
        let distinct = 200 + EXPORTERS_LISTED as u64 + 1;
        assert_eq!(
            view.flow.other_exporters,
            1500 + distinct - EXPORTERS_LISTED as u64
        );
        // Nothing counted twice, nothing lost.
        let listed_records: u64 = (0..EXPORTERS_LISTED as u64)
            .chain(200..200 + EXPORTERS_LISTED as u64)
            .map(|i| i + 1)
            .sum();
        assert_eq!(
            view.exporters.iter().map(|e| e.records).sum::<u64>(),
            listed_records + 1500
        );
        let datagrams = 2 * EXPORTERS_LISTED as u64 + 1500 + 2 * (3 + 8);
        assert_eq!(
            view.exporters.iter().map(|e| e.datagrams).sum::<u64>(),
            datagrams
        );
        // The exporter both workers heard is one row; the busiest are listed.
        assert_eq!(
            view.exporters
                .iter()
                .find(|e| e.exporter == exporter(255).to_string())
                .map(|e| e.records),
            Some(256 + 256)
        );
        assert!(view
            .exporters
            .iter()
            .any(|e| e.exporter == exporter(200 + EXPORTERS_LISTED as u32 - 1).to_string()));
        assert!(!view
            .exporters
            .iter()
            .any(|e| e.exporter == exporter(0).to_string()));
    }

    #[test]
    fn a_quiet_state_has_no_other_row() {
        let mut state = SourcesState::default();
        let mut quiet = report(0..3, 0);
        quiet.listener_drops = ListenerDropsSummary::default();
        state.update_flow(0, quiet);
        let view = state.view_without_agents();
        assert_eq!(
            view.exporters
                .iter()
                .map(|e| e.exporter.as_str())
                .collect::<Vec<_>>(),
            ["192.0.2.0:2055", "192.0.2.1:2055", "192.0.2.2:2055"]
        );
        assert_eq!(view.flow.other_exporters, 0);
    }
}
