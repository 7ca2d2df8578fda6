//! The napi-rs binding: one `Engine` class over `floodwatch_collector::Engine`. No logic here;
//! views are serialized by the collector crate and cross as plain objects.

use std::net::IpAddr;

use napi::bindgen_prelude::*;
use napi_derive::napi;

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::new(Status::InvalidArg, message.to_string())
}

#[napi]
pub struct Engine {
    inner: floodwatch_collector::Engine,
}

#[napi]
impl Engine {
    /// `config` is the engine section of the floodwatch configuration (see ts/engine/config.ts).
    #[napi(constructor)]
    pub fn new(config: serde_json::Value) -> Result<Self> {
        let config: floodwatch_collector::EngineConfig = serde_json::from_value(config).map_err(invalid)?;
        let inner = floodwatch_collector::Engine::new(config).map_err(invalid)?;
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
        serde_json::to_value(floodwatch_collector::snapshot(&self.inner, limit as usize)).unwrap_or_default()
    }

    /// One host's counters, or null when the engine has not seen it.
    #[napi]
    pub fn host(&self, ip: String) -> Result<Option<serde_json::Value>> {
        let ip: IpAddr = ip.parse().map_err(|_| invalid(format!("'{ip}' is not an IP address")))?;
        Ok(self
            .inner
            .host(&ip)
            .map(|h| serde_json::to_value(floodwatch_collector::HostJson::from(&h)).unwrap_or_default()))
    }

    /// Top `limit` hosts for one direction ("incoming" | "outgoing") and metric.
    #[napi]
    pub fn top(&self, direction: String, metric: String, limit: u32) -> Result<serde_json::Value> {
        let hosts = floodwatch_collector::top(&self.inner, &direction, &metric, limit as usize).map_err(invalid)?;
        Ok(serde_json::to_value(hosts).unwrap_or_default())
    }

    #[napi]
    pub fn sources(&self) -> serde_json::Value {
        serde_json::to_value(self.inner.sources().view()).unwrap_or_default()
    }
}
