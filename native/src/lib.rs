//! The napi-rs binding: one `Engine` class over `floodwatch_engine::Engine`. No logic here;
//! views are serialized by the collector crate and cross as plain objects.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use floodwatch_engine::{parse_direction, Core, BreakdownRequest, CrossingJson, EngineConfig, HostJson, ReplayOptions, Thresholds, ViolationJson};
use napi::bindgen_prelude::*;
use napi_derive::napi;

mod breakdown;
mod cluster;
mod export;

/// What `floodwatch --version` says of the engine: its version, the compiler and profile that
/// built it, and the capture engines compiled in.
#[napi]
pub fn build_info() -> String {
    format!(
        "{} built by {} ({}, {}-{}); capture: pcap files, AF_PACKET, AF_XDP",
        env!("CARGO_PKG_VERSION"),
        env!("FW_RUSTC"),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        std::env::consts::ARCH,
        std::env::consts::OS,
    )
}

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::new(Status::InvalidArg, message.to_string())
}

fn parse_ip(ip: &str) -> Result<IpAddr> {
    ip.parse::<IpAddr>()
        .map(|ip| ip.to_canonical())
        .map_err(|_| invalid(format!("'{ip}' is not an IP address")))
}

fn to_json(value: impl serde::Serialize) -> serde_json::Value {
    let mut value = serde_json::to_value(value).unwrap_or_default();
    as_js_numbers(&mut value);
    value
}

/// napi-rs hands an integer beyond 2^53 to JavaScript as a BigInt, which JSON.stringify and
/// prom-client refuse; counters that large (a busy link's bytes after days) become plain
/// numbers, exact to 2^-52 of their value.
fn as_js_numbers(value: &mut serde_json::Value) {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    match value {
        serde_json::Value::Number(n) if n.as_u64().is_some_and(|n| n > MAX_SAFE_INTEGER) || n.as_i64().is_some_and(|n| n.unsigned_abs() > MAX_SAFE_INTEGER) => {
            if let Some(f) = n.as_f64().and_then(serde_json::Number::from_f64) {
                *n = f;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(as_js_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(as_js_numbers),
        _ => {}
    }
}

#[napi]
pub struct Engine {
    inner: floodwatch_engine::Engine,
}

#[napi]
impl Engine {
    /// `config` is the engine section of the floodwatch configuration (see ts/engine/types.ts).
    #[napi(constructor)]
    pub fn new(config: serde_json::Value) -> Result<Self> {
        let config: floodwatch_engine::EngineConfig = serde_json::from_value(config).map_err(invalid)?;
        let inner = floodwatch_engine::Engine::new(config).map_err(invalid)?;
        Ok(Engine { inner })
    }

    /// Opens the listeners and starts the threads; returns the bound addresses.
    #[napi]
    pub fn start(&mut self) -> Result<Vec<String>> {
        let bound = self.inner.start().map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
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
    pub fn snapshot(&self, limit: u32) -> serde_json::Value {
        to_json(floodwatch_engine::snapshot(&self.inner, limit as usize))
    }

    /// One host's counters, or null when the engine has not seen it.
    #[napi]
    pub fn host(&self, ip: String) -> Result<Option<serde_json::Value>> {
        Ok(self.inner.host(&parse_ip(&ip)?).map(|h| to_json(HostJson::from(&h))))
    }

    /// Top `limit` hosts for one direction ("incoming" | "outgoing") and metric.
    #[napi]
    pub fn top(&self, direction: String, metric: String, limit: u32) -> Result<serde_json::Value> {
        let hosts = floodwatch_engine::top(&self.inner, &direction, &metric, limit as usize).map_err(invalid)?;
        Ok(to_json(hosts))
    }

    /// One pass over the host table (`{ groupings: [{ groups, prefixes: [{ prefix, group }],
    /// fallback? }], top }`), off the JavaScript thread: each group's host count and summed
    /// figures, a host counting in the group of its longest prefix, and the `top` busiest hosts
    /// by pps and bps per direction.
    #[napi(ts_return_type = "Promise<any>")]
    pub fn breakdown(&self, request: serde_json::Value) -> Result<AsyncTask<breakdown::BreakdownTask>> {
        let request: BreakdownRequest = serde_json::from_value(request).map_err(invalid)?;
        Ok(AsyncTask::new(breakdown::BreakdownTask { core: self.inner.core_handle(), request }))
    }

    /// Listeners, exporters (the busiest listed, the others summed), agent interfaces, mirrors.
    #[napi]
    pub fn sources(&self) -> serde_json::Value {
        to_json(self.inner.sources().view())
    }

    /// The mirror sources alone: what a check every second needs, without the flow sources.
    #[napi]
    pub fn mirrors(&self) -> serde_json::Value {
        to_json(self.inner.sources().mirrors())
    }

    /// The detection side of the engine: thresholds, violations, watched hosts.
    #[napi]
    pub fn detection(&self) -> Detection {
        Detection { core: self.inner.core_handle() }
    }
}

/// Thresholds, violations and watched hosts over a core, live or replayed.
#[napi]
pub struct Detection {
    core: Arc<Mutex<Core>>,
}

impl Detection {
    fn core(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[napi]
impl Detection {
    /// Replaces the thresholds checked on every tick (ts/engine/types.ts: CompiledThresholds).
    #[napi]
    pub fn set_thresholds(&self, thresholds: serde_json::Value) -> Result<()> {
        let thresholds = Thresholds::from_json(&thresholds.to_string()).map_err(|e| invalid(format!("thresholds: {e}")))?;
        self.core().set_thresholds(thresholds);
        Ok(())
    }

    /// The hosts that went over a threshold since the last call.
    #[napi]
    pub fn drain_violations(&self) -> serde_json::Value {
        let violations = self.core().drain_violations();
        to_json(violations.iter().map(ViolationJson::from).collect::<Vec<_>>())
    }

    #[napi]
    pub fn host(&self, ip: String) -> Result<Option<serde_json::Value>> {
        Ok(self.core().table.host(&parse_ip(&ip)?).map(|h| to_json(HostJson::from(&h))))
    }

    #[napi]
    pub fn over(&self, ip: String, direction: String) -> Result<Option<serde_json::Value>> {
        let direction = parse_direction(&direction).map_err(invalid)?;
        Ok(self.core().over(&parse_ip(&ip)?, direction).map(|c| to_json(CrossingJson::from(c))))
    }

    #[napi]
    pub fn watch(&self, ip: String) -> Result<()> {
        self.core().watch(parse_ip(&ip)?);
        Ok(())
    }

    #[napi]
    pub fn unwatch(&self, ip: String) -> Result<()> {
        self.core().unwatch(&parse_ip(&ip)?);
        Ok(())
    }

    #[napi]
    pub fn samples(&self, ip: String) -> Result<Option<serde_json::Value>> {
        Ok(self.core().samples(&parse_ip(&ip)?).map(to_json))
    }

    #[napi]
    pub fn classify(&self, ip: String, direction: String) -> Result<String> {
        let direction = parse_direction(&direction).map_err(invalid)?;
        Ok(self.core().classify(&parse_ip(&ip)?, direction).to_string())
    }

    #[napi]
    pub fn group_of(&self, ip: String) -> Result<String> {
        Ok(self.core().group_of(&parse_ip(&ip)?))
    }

    /// The packets kept of a watched host, as a pcap file; null when none was kept.
    #[napi]
    pub fn fingerprint_pcap(&self, ip: String) -> Result<Option<Buffer>> {
        Ok(self.core().fingerprint_pcap(&parse_ip(&ip)?).map(Buffer::from))
    }
}

/// `floodwatch replay`: a capture file read at full speed, its timestamps as the clock.
#[napi]
pub struct Replay {
    inner: floodwatch_engine::Replay,
}

#[napi(object)]
pub struct ReplayStep {
    /// File time of the tick, ms since the epoch.
    pub time_ms: f64,
    pub last: bool,
}

#[napi]
impl Replay {
    #[napi(constructor)]
    pub fn new(path: String, config: serde_json::Value, sampling_rate: u32, decapsulate: bool) -> Result<Self> {
        let config: EngineConfig = serde_json::from_value(config).map_err(invalid)?;
        let options = ReplayOptions { sampling_rate, decapsulate };
        let inner = floodwatch_engine::Replay::open(&path, &config, options).map_err(invalid)?;
        Ok(Replay { inner })
    }

    #[napi]
    pub fn detection(&self) -> Detection {
        Detection { core: self.inner.core_handle() }
    }

    /// Reads up to the next tick of file time and ticks; null once the file is done.
    #[napi]
    pub fn step(&mut self) -> Result<Option<ReplayStep>> {
        let step = self.inner.step().map_err(|e| Error::new(Status::GenericFailure, e))?;
        Ok(step.map(|s| ReplayStep { time_ms: s.time_ms as f64, last: s.last }))
    }

    #[napi(getter)]
    pub fn packets(&self) -> f64 {
        self.inner.packets as f64
    }

    #[napi(getter)]
    pub fn unparsed(&self) -> f64 {
        self.inner.unparsed as f64
    }

    #[napi(getter)]
    pub fn truncated(&self) -> bool {
        self.inner.truncated()
    }
}
