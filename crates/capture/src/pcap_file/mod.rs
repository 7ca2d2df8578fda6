//! Capture files: a streaming reader for classic pcap and pcapng, the link-layer dispatch from
//! a captured frame to its `PacketInfo`, and a classic pcap writer.
//!
//! ```no_run
//! use floodwatch_capture::pcap_file::{packet_info, PcapReader};
//! use floodwatch_packet::ParseOptions;
//!
//! let mut reader = PcapReader::open("capture.pcapng")?;
//! while let Some(packet) = reader.next_packet()? {
//!     if let Ok(info) = packet_info(packet.linktype, packet.data, &ParseOptions::default()) {
//!         println!("{} {} -> {}", packet.timestamp_ns, info.src, info.dst);
//!     }
//! }
//! if let Some(cut) = reader.truncation() {
//!     eprintln!("{cut}");
//! }
//! # Ok::<(), floodwatch_capture::pcap_file::PcapError>(())
//! ```

mod byte_order;
mod classic;
mod error;
pub mod linktype;
mod packet_info;
mod pcapng;
mod pcapng_blocks;
mod reader;
mod record;
mod source;
mod timestamp;
mod writer;

#[cfg(test)]
mod tests;

pub use error::{PcapError, Truncation};
pub use packet_info::{packet_info, PacketInfoError};
pub use reader::{Packet, PcapReader};
pub use writer::{PcapWriter, TimestampPrecision};

/// The largest captured length accepted in a record: Wireshark's limit for the common link
/// types. A larger one means a corrupt file, not a large packet.
pub const MAX_CAPTURED_LEN: u32 = 256 * 1024;
