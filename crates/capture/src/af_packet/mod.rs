//! Capture from a network interface (a mirror port) through AF_PACKET sockets with
//! TPACKET_V3 block rings, spread over several sockets by a PACKET_FANOUT group: one
//! [`AfPacketSource`] per worker thread.
//!
//! Frames arrive as the kernel received them. A VLAN tag the kernel or the NIC moved out of
//! the frame (which Linux does on receive for the outermost 802.1Q or 802.1ad tag) is in
//! [`Frame::vlan_tci`](crate::Frame::vlan_tci), the frame then starting without it.

mod config;
mod error;
mod fanout;
mod ring;
mod sizing;
mod socket;
mod source;
mod stats;

use std::io;

pub use config::{
    AfPacketConfig, Fanout, FanoutMode, DEFAULT_BLOCK_COUNT, DEFAULT_BLOCK_SIZE,
    DEFAULT_BLOCK_TIMEOUT_MS, DEFAULT_FRAME_SIZE,
};
pub use sizing::{
    link_bytes_per_second, ring_blocks_per_member, MAX_PORT_RING_BYTES, MIN_PORT_RING_BYTES,
};
pub use source::AfPacketSource;

/// Opens `members` sockets on `config.interface`, each with its own ring, all in the fanout
/// group of `config.fanout` (required when `members > 1`). Member `i` is named
/// `af_packet:IFACE#i`.
pub fn open_af_packet(config: &AfPacketConfig, members: usize) -> io::Result<Vec<AfPacketSource>> {
    let geometry = config.validate(members)?;
    let ifindex = socket::interface_index(&config.interface)?;
    (0..members)
        .map(|member| AfPacketSource::open(config, geometry, ifindex, member))
        .collect()
}
