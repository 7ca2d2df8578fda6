//! Packet capture for floodwatch: capture files, and the live sources (AF_PACKET, AF_XDP) that
//! feed the engine from a mirror port.

pub mod af_packet;
pub mod af_xdp;
pub mod pcap_file;
mod source;

pub use source::{Frame, PacketSource, SourceStats};
