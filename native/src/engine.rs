//! `Engine`: the live engine (listeners, mirror ports, the ticker) and what it reports.

use floodwatch_counters::{Class, Direction as CoreDirection, Metric as CoreMetric};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::breakdown::{BreakdownRequest, BreakdownTask};
use crate::config::EngineConfig;
use crate::detection::Detection;
use crate::views::{
    host_list, Direction, HostCounters, MirrorState, Snapshot, SnapshotTop, Sources, TopHosts,
};
use crate::{invalid, parse_ip};

#[napi]
pub struct Engine {
    pub(crate) inner: floodwatch_engine::Engine,
}

/// `pps`, `bps`, `flows`, or a protocol's `tcp_pps`, `udp_bps`, `fragments_pps`...
fn parse_metric(text: &str) -> Result<CoreMetric> {
    match text {
        "pps" => return Ok(CoreMetric::Pps),
        "bps" => return Ok(CoreMetric::Bps),
        "flows" => return Ok(CoreMetric::Flows),
        _ => {}
    }
    for class in Class::ALL.iter().filter(|c| **c != Class::Total) {
        let name = if *class == Class::Fragment {
            "fragments"
        } else {
            class.name()
        };
        if text == format!("{name}_pps") {
            return Ok(CoreMetric::ClassPps(*class));
        }
        if text == format!("{name}_bps") {
            return Ok(CoreMetric::ClassBps(*class));
        }
    }
    Err(invalid(format!("metric '{text}' is not one of pps, bps, flows, or PROTOCOL_pps / PROTOCOL_bps (tcp, tcp_syn, udp, icmp, fragments)")))
}

#[napi]
impl Engine {
    /// `config` is the engine section of the floodwatch configuration.
    #[napi(constructor)]
    pub fn new(config: EngineConfig) -> Result<Self> {
        let config = floodwatch_engine::EngineConfig::try_from(config)?;
        let inner = floodwatch_engine::Engine::new(config).map_err(invalid)?;
        Ok(Engine { inner })
    }

    /// Opens the listeners and starts the threads; returns the bound addresses.
    #[napi]
    pub fn start(&mut self) -> Result<Vec<String>> {
        let bound = self
            .inner
            .start()
            .map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
        Ok(bound.into_iter().map(|a| a.to_string()).collect())
    }

    #[napi]
    pub fn stop(&mut self) {
        self.inner.stop();
    }

    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.inner.is_running()
    }

    /// Totals, the top `limit` hosts per direction and metric, the sources and the table's stats.
    #[napi]
    pub fn snapshot(&self, limit: u32) -> Snapshot {
        let (totals, top, table) = {
            let core = self.inner.core();
            let table = &core.table;
            let top = |direction| {
                let ranked = |metric| host_list(&table.top(direction, metric, limit as usize));
                TopHosts {
                    pps: ranked(CoreMetric::Pps),
                    bps: ranked(CoreMetric::Bps),
                    flows: ranked(CoreMetric::Flows),
                }
            };
            let top = SnapshotTop {
                incoming: top(CoreDirection::Incoming),
                outgoing: top(CoreDirection::Outgoing),
            };
            ((&table.totals()).into(), top, (&table.stats()).into())
        };
        Snapshot {
            totals,
            top,
            table,
            sources: self.inner.sources().view_without_agents().into(),
        }
    }

    /// One host's counters, or null when the engine has not seen it.
    #[napi]
    pub fn host(&self, ip: String) -> Result<Option<HostCounters>> {
        Ok(self
            .inner
            .host(&parse_ip(&ip)?)
            .map(|h| HostCounters::from(&h)))
    }

    /// Top `limit` hosts for one direction and metric (see `Metric`, or a protocol's `udp_bps`,
    /// `tcp_syn_pps`...).
    #[napi]
    pub fn top(
        &self,
        direction: Direction,
        metric: String,
        limit: u32,
    ) -> Result<Vec<HostCounters>> {
        let metric = parse_metric(&metric)?;
        Ok(host_list(&self.inner.core().table.top(
            direction.into(),
            metric,
            limit as usize,
        )))
    }

    /// One pass over the host table, off the JavaScript thread: each group's host count and
    /// summed figures, a host counting in the group of its longest prefix, and the `top`
    /// busiest hosts by pps and bps per direction.
    #[napi]
    pub fn breakdown(&self, request: BreakdownRequest) -> AsyncTask<BreakdownTask> {
        AsyncTask::new(BreakdownTask {
            core: self.inner.core_handle(),
            request: Some(request),
        })
    }

    /// Listeners, exporters (the busiest listed, the others summed), agent interfaces, mirrors.
    #[napi]
    pub fn sources(&self) -> Sources {
        self.inner.sources().view().into()
    }

    /// The mirror sources alone: what a check every second needs, without the flow sources.
    #[napi]
    pub fn mirrors(&self) -> Vec<MirrorState> {
        self.inner
            .sources()
            .mirrors()
            .into_iter()
            .map(MirrorState::from)
            .collect()
    }

    /// The detection side of the engine: thresholds, violations, watched hosts.
    #[napi]
    pub fn detection(&self) -> Detection {
        Detection::new(self.inner.core_handle())
    }
}
