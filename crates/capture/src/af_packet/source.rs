//! One member of an AF_PACKET capture: a socket, its ring, its counters.

use std::{fmt, io};

use super::config::{AfPacketConfig, RingGeometry};
use super::error::explain;
use super::fanout;
use super::ring::RxRing;
use super::socket::{PacketSocket, Readiness};
use super::stats::KernelCounters;
use crate::{Frame, PacketSource, SourceStats};

pub struct AfPacketSource {
    // Unmapped before the socket closes: fields drop in declaration order.
    ring: RxRing,
    socket: PacketSocket,
    kernel: KernelCounters,
    packets: u64,
    bytes: u64,
    interface: String,
    name: String,
}

impl AfPacketSource {
    /// Sets up the socket and its ring before binding, so that no packet is queued outside
    /// the ring, then binds and joins the fanout group.
    pub(super) fn open(
        config: &AfPacketConfig,
        geometry: RingGeometry,
        ifindex: u32,
        member: usize,
    ) -> io::Result<AfPacketSource> {
        let interface = config.interface.as_str();
        let socket = PacketSocket::new()?;
        socket.use_tpacket_v3()?;
        if config.snap_len > 0 {
            socket.truncate_frames(config.snap_len)?;
        }
        let ring = RxRing::attach(&socket, geometry)?;
        socket.bind(interface, ifindex)?;
        if config.promiscuous {
            socket.enable_promiscuous(interface, ifindex)?;
        }
        if let Some(group) = config.fanout {
            fanout::join(&socket, group, interface)?;
        }
        Ok(AfPacketSource {
            ring,
            socket,
            kernel: KernelCounters::default(),
            packets: 0,
            bytes: 0,
            interface: interface.to_owned(),
            name: format!("af_packet:{interface}#{member}"),
        })
    }

    pub fn interface(&self) -> &str {
        &self.interface
    }

    fn pending_error(&self) -> io::Error {
        let interface = &self.interface;
        match self.socket.take_error() {
            Ok(Some(error)) if error.raw_os_error() == Some(libc::ENETDOWN) => explain(
                error,
                format!(
                    "{interface} went down or was removed: capture resumes when it is up \
                     again; a removed interface needs the source opened anew"
                ),
            ),
            Ok(Some(error)) => explain(error, format!("capture on {interface} failed")),
            Ok(None) => io::Error::other(format!("AF_PACKET: capture on {interface} failed")),
            Err(error) => explain(error, format!("capture on {interface} failed")),
        }
    }
}

impl fmt::Debug for AfPacketSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AfPacketSource")
            .field("name", &self.name)
            .field("packets", &self.packets)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl PacketSource for AfPacketSource {
    fn poll(&mut self, timeout_ms: i32, each: &mut dyn FnMut(&Frame<'_>)) -> io::Result<usize> {
        // Under load a block is usually waiting already: no need for the syscall then.
        if !self.ring.has_ready_block() {
            match self.socket.wait(timeout_ms)? {
                Readiness::Readable => {}
                Readiness::TimedOut => return Ok(0),
                Readiness::Failed => return Err(self.pending_error()),
            }
        }
        let delivered = self.ring.drain(each);
        self.packets += delivered.frames as u64;
        self.bytes += delivered.bytes;
        Ok(delivered.frames)
    }

    fn stats(&self) -> SourceStats {
        let (kernel_drops, ring_full) = self.kernel.refresh(&self.socket);
        SourceStats {
            packets: self.packets,
            bytes: self.bytes,
            kernel_drops,
            ring_full,
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}
