//! The engine's configuration, as the control plane hands it over (JSON).

use std::net::SocketAddr;

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// UDP addresses to listen on; NetFlow v5/v9, IPFIX and sFlow are told apart per datagram.
    pub listen: Vec<SocketAddr>,
    /// Worker threads, each with one SO_REUSEPORT socket per listen address; 0 = one per core.
    pub workers: usize,
    /// SO_RCVBUF asked for each socket (the kernel caps it at net.core.rmem_max).
    pub receive_buffer_bytes: usize,
    /// Datagrams read per recvmmsg call.
    pub batch_size: usize,
    /// When not empty, only exporters in these prefixes are decoded; others are counted and dropped.
    pub allowed_exporters: Vec<String>,
    /// Sampling rate forced for an exporter, whatever it reports.
    pub sampling_overrides: Vec<SamplingOverride>,
    /// Monitored networks.
    pub networks: Vec<String>,
    pub tick_ms: u64,
    pub average_window_ms: u64,
    pub idle_timeout_ms: u64,
    pub max_hosts: usize,
    pub max_spread_seconds: u32,
    pub held_data_max_ms: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingOverride {
    pub exporter: std::net::IpAddr,
    pub rate: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            listen: Vec::new(),
            workers: 0,
            receive_buffer_bytes: 32 * 1024 * 1024,
            batch_size: 64,
            allowed_exporters: Vec::new(),
            sampling_overrides: Vec::new(),
            networks: vec!["0.0.0.0/0".into(), "::/0".into()],
            tick_ms: 100,
            average_window_ms: 1000,
            idle_timeout_ms: 120_000,
            max_hosts: 1_000_000,
            max_spread_seconds: 60,
            held_data_max_ms: 2000,
        }
    }
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl EngineConfig {
    pub fn from_json(json: &str) -> Result<EngineConfig, ConfigError> {
        serde_json::from_str(json).map_err(|e| ConfigError(format!("engine config: {e}")))
    }

    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}
