//! What every live packet source (AF_PACKET, AF_XDP) hands the engine: frames in batches, and
//! its own counters. One source per worker thread; nothing is shared between them.

use std::io;

use floodwatch_packet::PacketInfo;

/// One received frame, borrowed until the next poll.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// The frame from its Ethernet header, as much of it as was captured.
    pub data: &'a [u8],
    /// The frame's length on the wire.
    pub original_len: u32,
    pub timestamp_ns: u64,
    /// An 802.1Q tag the kernel or the NIC moved out of the frame into metadata.
    pub vlan_tci: Option<u16>,
    /// The frame's headers as `floodwatch_packet::parse_ethernet` reads them, when the source
    /// read them already (AF_XDP's program does for plain IPv4): the data need not be parsed.
    pub parsed: Option<&'a PacketInfo>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Frames handed to the engine.
    pub packets: u64,
    pub bytes: u64,
    /// Frames the kernel dropped because the ring was full.
    pub kernel_drops: u64,
    /// Times the ring was full (AF_PACKET: queue freezes; AF_XDP: fill ring empty).
    pub ring_full: u64,
}

pub trait PacketSource: Send {
    /// Waits at most `timeout_ms` for frames, then calls `each` for every frame available
    /// (a batch); returns how many were delivered.
    fn poll(&mut self, timeout_ms: i32, each: &mut dyn FnMut(&Frame<'_>)) -> io::Result<usize>;

    fn stats(&self) -> SourceStats;

    /// A name for logs and metrics, e.g. "af_packet:eth1#0".
    fn name(&self) -> &str;
}
