//! One RX queue as a `PacketSource`: wait on the socket, hand over what the RX ring holds,
//! give the frames back on the fill ring.

use std::io;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::socket::XskSocket;
use super::sys::xdp_statistics;
use crate::{Frame, PacketSource, SourceStats};

/// Descriptors handed over per poll at most (the rest waits for the next poll).
const BATCH: u32 = 256;
/// After a wake-up with fewer frames than this ready, wait `coalesce` for more.
const COALESCE_FRAMES: u32 = 32;

/// The AF_XDP socket of one RX queue; one per worker thread.
pub struct AfXdpSource {
    socket: XskSocket,
    name: String,
    queue: u32,
    packets: u64,
    bytes: u64,
    /// Descriptors the kernel gave that point outside the UMEM (never expected).
    bad_descriptors: u64,
    /// How long to wait for a batch after a wake-up: 100 ns per RX ring slot, at most 1 ms.
    coalesce: Duration,
}

impl AfXdpSource {
    pub(super) fn new(socket: XskSocket, ifname: &str, queue: u32, ring_size: u32) -> AfXdpSource {
        AfXdpSource {
            socket,
            name: format!("af_xdp:{ifname}#{queue}"),
            queue,
            packets: 0,
            bytes: 0,
            bad_descriptors: 0,
            coalesce: Duration::from_nanos(u64::from(ring_size) * 100)
                .min(Duration::from_millis(1)),
        }
    }

    /// The RX queue this source reads.
    pub fn queue(&self) -> u32 {
        self.queue
    }

    /// Whether the kernel runs this socket in zero-copy mode.
    pub fn zero_copy(&self) -> bool {
        self.socket.zero_copy()
    }

    /// The socket's own counters (XDP_STATISTICS), as the kernel reports them.
    pub fn xdp_statistics(&self) -> io::Result<XdpStatistics> {
        self.socket.statistics().map(XdpStatistics::from)
    }

    /// Delivers what the RX ring holds (at most BATCH), then recycles the frames.
    fn drain(&mut self, each: &mut dyn FnMut(&Frame<'_>)) -> usize {
        let ready = self.socket.rx.available(BATCH);
        if ready == 0 {
            return 0;
        }
        let timestamp_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let chunk_mask = !(u64::from(self.socket.umem.frame_size()) - 1);
        // The fill ring holds every frame (see socket.rs), so there is always room for these.
        let room = self.socket.fill.free(ready);
        debug_assert!(room >= ready);
        let mut delivered = 0;
        for i in 0..ready {
            let desc = self.socket.rx.peek(i);
            match self.socket.umem.frame(desc.addr, desc.len) {
                Some(data) => {
                    each(&Frame {
                        data,
                        original_len: desc.len,
                        timestamp_ns,
                        vlan_tci: None,
                    });
                    delivered += 1;
                    self.bytes += u64::from(desc.len);
                }
                None => self.bad_descriptors += 1,
            }
            // Aligned mode: the frame's start is the address with the in-chunk offset cleared.
            self.socket.fill.push(desc.addr & chunk_mask);
        }
        self.socket.rx.release(ready);
        self.socket.fill.submit();
        if self.socket.fill.needs_wakeup() {
            self.socket.wake();
        }
        self.packets += delivered as u64;
        delivered
    }
}

impl PacketSource for AfXdpSource {
    fn poll(&mut self, timeout_ms: i32, each: &mut dyn FnMut(&Frame<'_>)) -> io::Result<usize> {
        let delivered = self.drain(each);
        if delivered > 0 {
            return Ok(delivered);
        }
        if timeout_ms == 0 {
            if self.socket.fill.needs_wakeup() {
                self.socket.wake();
            }
            return Ok(self.drain(each));
        }
        let started = Instant::now();
        let mut pfd = libc::pollfd {
            fd: self.socket.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: polls one live pollfd. poll(2) on an AF_XDP socket also wakes up the driver.
        let ret = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if ret < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                return Ok(0);
            }
            return Err(err);
        }
        if pfd.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
            return Err(io::Error::other(format!(
                "{}: the AF_XDP socket reported an error",
                self.name
            )));
        }
        // Woken by the first frame of a lull: give the next ones a moment to arrive, so that
        // at moderate rates one wake-up serves a batch rather than a frame (the kernel wakes
        // the socket for every frame). Short enough that the RX ring cannot fill meanwhile
        // below ~10 Mpps, and within the caller's timeout.
        if ret > 0 && self.socket.rx.available(COALESCE_FRAMES) < COALESCE_FRAMES {
            let left =
                Duration::from_millis(timeout_ms.max(0) as u64).saturating_sub(started.elapsed());
            let pause = self.coalesce.min(left);
            if !pause.is_zero() {
                std::thread::sleep(pause);
            }
        }
        Ok(self.drain(each))
    }

    fn stats(&self) -> SourceStats {
        let kernel = self.socket.statistics().unwrap_or_default();
        SourceStats {
            packets: self.packets,
            bytes: self.bytes,
            // rx_dropped: no free frame or too big for one; rx_ring_full: RX ring full.
            kernel_drops: kernel.rx_dropped + kernel.rx_ring_full + self.bad_descriptors,
            ring_full: kernel.rx_fill_ring_empty_descs,
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// The kernel's counters for one AF_XDP socket (XDP_STATISTICS). The last three are 0 on
/// kernels before 5.9.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XdpStatistics {
    /// Frames dropped for a reason other than a full RX ring: no free frame on the fill ring,
    /// or a frame larger than a UMEM frame can hold.
    pub rx_dropped: u64,
    /// Fill ring entries the kernel could not use (a floodwatch bug if ever non-zero).
    pub rx_invalid_descs: u64,
    pub tx_invalid_descs: u64,
    /// Frames dropped because the RX ring was full: the reader did not keep up.
    pub rx_ring_full: u64,
    /// Times the kernel found the fill ring empty.
    pub rx_fill_ring_empty_descs: u64,
    pub tx_ring_empty_descs: u64,
}

impl From<xdp_statistics> for XdpStatistics {
    fn from(s: xdp_statistics) -> Self {
        XdpStatistics {
            rx_dropped: s.rx_dropped,
            rx_invalid_descs: s.rx_invalid_descs,
            tx_invalid_descs: s.tx_invalid_descs,
            rx_ring_full: s.rx_ring_full,
            rx_fill_ring_empty_descs: s.rx_fill_ring_empty_descs,
            tx_ring_empty_descs: s.tx_ring_empty_descs,
        }
    }
}
