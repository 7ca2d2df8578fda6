//! Export of the decoded records (flow records, sampled and mirrored packets) to a message bus:
//! each worker encodes the records it keeps (direction filter, 1 in N) into batches of
//! length-prefixed messages, JSON or Protobuf, and hands full batches to a bounded queue that
//! the control plane drains. A full queue drops the batch and counts it: export never waits.

mod codec;
mod config;
mod exporter;
mod json;
mod pack;
mod packers;
mod protobuf;
mod queue;
mod record;
mod record_batch;
mod sink;
mod text;

pub use codec::BatchCompression;
pub use config::{ExportConfig, ExportFormat, ExportKey};
pub use exporter::{now_ns, Exporter};
pub use pack::KafkaBatch;
pub use packers::at_low_priority;
pub use queue::{ExportBatch, ExportQueue, ExportStats};
pub use record::{Telemetry, TrafficDirection, TrafficRecord};
pub use record_batch::{crc32c, murmur2, partition_of, record_batch};
pub use sink::ExportingSink;

/// The messages of a batch, as `ExportBatch::data` lays them out: for each, a big-endian u16
/// key length, the key, a big-endian u32 value length, the value.
pub fn messages(data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let key_len = u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?) as usize;
        let key = data.get(at + 2..at + 2 + key_len)?;
        at += 2 + key_len;
        let value_len = u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize;
        let value = data.get(at + 4..at + 4 + value_len)?;
        at += 4 + value_len;
        Some((key, value))
    })
}
