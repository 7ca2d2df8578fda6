//! What the sources report: per listener socket its kernel drops, per exporter its datagrams,
//! records and drops by reason, per sFlow agent its interface counters.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use ahash::AHashMap;
use floodwatch_flow::{DropReason, ExporterStats};
use floodwatch_packet::InterfaceCounters;
use serde::Serialize;

use crate::socket::kernel_drops;
use crate::mirror::MirrorReport;
use crate::worker::ListenerDrops;

#[derive(Clone, Debug, Serialize)]
pub struct ListenerState {
    pub address: SocketAddr,
    pub worker: usize,
    #[serde(skip)]
    inode: Option<u64>,
    pub kernel_drops: u64,
}

impl ListenerState {
    pub fn new(address: SocketAddr, worker: usize, inode: Option<u64>) -> ListenerState {
        ListenerState { address, worker, inode, kernel_drops: 0 }
    }
}

#[derive(Default)]
pub struct SourcesState {
    pub listeners: Vec<ListenerState>,
    exporters: AHashMap<(usize, SocketAddr), ExporterStats>,
    listener_drops: AHashMap<(usize, SocketAddr), ListenerDrops>,
    agents: BTreeMap<(IpAddr, u32), InterfaceCounters>,
    mirrors: BTreeMap<String, MirrorView>,
    pub mirror_ports: Vec<MirrorPortView>,
}

/// A mirror port as it was opened: its engine and how, and the names of its sources.
#[derive(Clone, Debug, Serialize)]
pub struct MirrorPortView {
    pub interface: String,
    pub engine: &'static str,
    pub detail: String,
    pub sources: Vec<String>,
}

/// One live capture source (an AF_PACKET fanout member, an AF_XDP queue).
#[derive(Clone, Debug, Default, Serialize)]
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

#[derive(Clone, Debug, Default, Serialize)]
pub struct ExporterView {
    pub exporter: String,
    pub format: Option<&'static str>,
    pub datagrams: u64,
    pub decoded: u64,
    pub records: u64,
    pub dropped: BTreeMap<&'static str, u64>,
    pub templates: u64,
    pub sampling_rate: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgentInterfaceView {
    pub agent: IpAddr,
    pub if_index: u32,
    pub if_speed: u64,
    pub in_octets: u64,
    pub in_packets: u64,
    pub in_errors: u32,
    pub in_discards: u32,
    pub out_octets: u64,
    pub out_packets: u64,
    pub out_errors: u32,
    pub out_discards: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct SourcesView {
    pub listeners: Vec<ListenerState>,
    pub exporters: Vec<ExporterView>,
    pub agents: Vec<AgentInterfaceView>,
    pub mirrors: Vec<MirrorView>,
    pub mirror_ports: Vec<MirrorPortView>,
}

impl SourcesState {
    pub fn update(
        &mut self,
        worker: usize,
        exporters: Vec<(SocketAddr, ExporterStats)>,
        listener_drops: Vec<(SocketAddr, ListenerDrops)>,
        agents: Vec<(IpAddr, InterfaceCounters)>,
    ) {
        for (address, stats) in exporters {
            self.exporters.insert((worker, address), stats);
        }
        for (address, drops) in listener_drops {
            self.listener_drops.insert((worker, address), drops);
        }
        for (agent, counters) in agents {
            self.agents.insert((agent, counters.if_index), counters);
        }
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

    /// Exporters keyed by address, summed over the workers that heard them.
    pub fn view(&self) -> SourcesView {
        let mut exporters: BTreeMap<SocketAddr, ExporterView> = BTreeMap::new();
        for ((_, address), stats) in &self.exporters {
            let view = exporters.entry(*address).or_default();
            view.datagrams += stats.datagrams;
            view.decoded += stats.decoded;
            view.records += stats.records;
            view.templates += stats.templates as u64;
            view.sampling_rate = stats.sampling_rate;
            view.format = stats.last_format.map(|f| f.name()).or(view.format);
            for reason in DropReason::ALL {
                let n = stats.dropped[reason as usize];
                if n > 0 {
                    *view.dropped.entry(reason.name()).or_default() += n;
                }
            }
        }
        for ((_, address), drops) in &self.listener_drops {
            let view = exporters.entry(*address).or_default();
            view.datagrams += drops.not_allowed + drops.oversized;
            for (name, n) in [("not_allowed", drops.not_allowed), ("oversized", drops.oversized)] {
                if n > 0 {
                    *view.dropped.entry(name).or_default() += n;
                }
            }
        }
        SourcesView {
            listeners: self.listeners.clone(),
            exporters: exporters
                .into_iter()
                .map(|(address, mut view)| {
                    view.exporter = address.to_string();
                    view
                })
                .collect(),
            agents: self
                .agents
                .iter()
                .map(|((agent, _), c)| AgentInterfaceView {
                    agent: *agent,
                    if_index: c.if_index,
                    if_speed: c.if_speed,
                    in_octets: c.in_octets,
                    in_packets: c.in_packets,
                    in_errors: c.in_errors,
                    in_discards: c.in_discards,
                    out_octets: c.out_octets,
                    out_packets: c.out_packets,
                    out_errors: c.out_errors,
                    out_discards: c.out_discards,
                })
                .collect(),
            mirrors: self.mirrors.values().cloned().collect(),
            mirror_ports: self.mirror_ports.clone(),
        }
    }
}
