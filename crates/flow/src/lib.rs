//! NetFlow v5/v9, IPFIX and sFlow v5 decoders.
//!
//! One [`Decoder`] per worker thread turns UDP datagrams into [`FlowRecord`]s delivered to a
//! [`RecordSink`]. Every decoder lives in its own module folder with its tests; its byte fixtures
//! are in `testdata/<decoder>/`. NetFlow v9 and IPFIX share the template machinery in `template`.
//!
//! [`FlowRecord`]: floodwatch_packet::FlowRecord
//! [`RecordSink`]: floodwatch_packet::RecordSink

mod bytes;
mod decoder;
mod drop_reason;
mod exporter;
mod exporter_table;
mod format;
mod ipfix;
mod netflow_v5;
mod netflow_v9;
mod packet_section;
mod plausible;
mod sflow;
mod template;

#[cfg(test)]
mod packet_section_tests;
#[cfg(test)]
mod robustness_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod vendor_tests;

pub use decoder::{Decoded, Decoder, DecoderConfig, DecoderStats};
pub use drop_reason::DropReason;
pub use exporter::ExporterStats;
pub use exporter_table::{Evictions, ExporterSummary};
pub use format::Format;
