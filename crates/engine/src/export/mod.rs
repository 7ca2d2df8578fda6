//! Export of the decoded records (flow records, sampled and mirrored packets) to a message bus:
//! each worker keeps the records it exports (direction filter, 1 in N) in batches, as they are,
//! and hands full batches to a bounded queue; the export's own threads, at the lowest priority,
//! encode them (JSON or Protobuf) into compressed Kafka record batches that the control plane
//! sends. A full queue drops the batch and counts it: export never waits.

mod codec;
mod config;
mod encoding;
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
pub use encoding::{MessageEncoder, RecordEncoding};
pub use exporter::{now_ns, Exporter};
pub use pack::{BatchOptions, KafkaBatch, DEFAULT_MAX_BATCH_BYTES};
pub use packers::at_low_priority;
pub use queue::{ExportBatch, ExportQueue, ExportStats};
pub use record::{Telemetry, TrafficDirection, TrafficRecord};
pub use record_batch::{crc32c, murmur2, partition_of};
pub use sink::ExportingSink;
