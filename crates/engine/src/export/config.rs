//! The export section of the engine's configuration (from `actions.kafka`).

use super::record::TrafficDirection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One FastNetMon `packet_dump_detailed` object per message.
    Json,
    /// One FastNetMon `TrafficData` message per message (proto/traffic_data.proto).
    Protobuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKey {
    /// The destination address as text: one host's incoming records stay in one partition.
    Destination,
    /// No key: the producer spreads the messages.
    None,
}

#[derive(Clone, Debug)]
pub struct ExportConfig {
    pub enabled: bool,
    pub format: ExportFormat,
    pub key: ExportKey,
    /// Export 1 record in N (per worker, every Nth kept by the direction filter).
    pub sample_rate: u32,
    /// The directions exported.
    pub directions: Vec<TrafficDirection>,
    /// A worker hands its batch over once it holds this many bytes (or every tick).
    pub batch_bytes: usize,
    /// Bytes of batches waiting for the control plane; past it new batches are dropped.
    pub queue_bytes: usize,
}

impl Default for ExportConfig {
    fn default() -> Self {
        ExportConfig {
            enabled: false,
            format: ExportFormat::Json,
            key: ExportKey::Destination,
            sample_rate: 1,
            directions: vec![
                TrafficDirection::Incoming,
                TrafficDirection::Outgoing,
                TrafficDirection::Internal,
                TrafficDirection::Other,
            ],
            batch_bytes: 256 << 10,
            queue_bytes: 64 << 20,
        }
    }
}

impl ExportConfig {
    /// Batches the queue holds: `queue_bytes` over `batch_bytes`, at least 2.
    pub fn queue_batches(&self) -> usize {
        (self.queue_bytes / self.batch_bytes.max(1)).max(2)
    }
}
