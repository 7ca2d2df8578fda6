//! One RX queue as a `PacketSource`: let frames gather (pacer.rs), hand over what the RX ring
//! holds, give the frames back on the fill ring.

use std::io;
use std::time::{Duration, Instant};

use super::meta::META_LEN;
use super::pacer::{Pacer, PROBE_WAIT};
use super::prefetch::prefetch;
use super::socket::XskSocket;
use super::sys::xdp_statistics;
use crate::{Frame, PacketSource, SourceStats};

/// Descriptors handed over per poll at most (the rest waits for the next poll).
const BATCH: u32 = 1024;
/// How far ahead to prefetch descriptors (four to a cache line) and frames' metadata.
const DESC_AHEAD: u32 = 16;
const FRAME_AHEAD: u32 = 4;

/// How often an idle source asks whether its interface is down: AF_XDP sockets report
/// nothing when it goes down, frames just stop.
const LINK_CHECK_EVERY: Duration = Duration::from_secs(1);

/// The AF_XDP socket of one RX queue; one per worker thread.
pub struct AfXdpSource {
    socket: XskSocket,
    name: String,
    interface: String,
    link_checked: Instant,
    /// The last poll waited its whole timeout without a frame.
    idle: bool,
    queue: u32,
    packets: u64,
    bytes: u64,
    /// Descriptors the kernel gave that point outside the UMEM (never expected).
    bad_descriptors: u64,
    pacer: Pacer,
}

impl AfXdpSource {
    pub(super) fn new(
        socket: XskSocket,
        ifname: &str,
        queue: u32,
        ring_size: u32,
        max_batch_wait: Duration,
    ) -> AfXdpSource {
        AfXdpSource {
            socket,
            name: format!("af_xdp:{ifname}#{queue}"),
            interface: ifname.to_string(),
            link_checked: Instant::now(),
            idle: false,
            queue,
            packets: 0,
            bytes: 0,
            bad_descriptors: 0,
            pacer: Pacer::new(ring_size, max_batch_wait),
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
        // Stamps are CLOCK_MONOTONIC; frames without one get the drain's time.
        let clocks = Clocks::now();
        let chunk_mask = !(u64::from(self.socket.umem.frame_size()) - 1);
        // The fill ring holds every frame (see socket.rs), so there is always room for these.
        let room = self.socket.fill.free(ready);
        debug_assert!(room >= ready);
        let mut delivered = 0;
        for i in 0..ready {
            // The kernel wrote the descriptors and frames from another core: start fetching
            // those a few frames ahead so that their cache misses overlap.
            if i + DESC_AHEAD < ready {
                prefetch(self.socket.rx.entry_ptr(i + DESC_AHEAD));
            }
            if i + FRAME_AHEAD < ready {
                let ahead = self.socket.rx.peek(i + FRAME_AHEAD).addr;
                // The metadata in front of the frame; the frame itself is read only when the
                // metadata has not summed it up.
                prefetch(self.socket.umem.ptr(ahead.wrapping_sub(META_LEN)));
            }
            let desc = self.socket.rx.peek(i);
            let meta = self.socket.umem.take_meta(desc.addr);
            match self.socket.umem.frame(desc.addr, desc.len) {
                Some(data) => {
                    each(&Frame {
                        data,
                        original_len: desc.len,
                        timestamp_ns: meta
                            .arrived
                            .map_or(clocks.realtime_ns, |t| clocks.to_realtime(t)),
                        vlan_tci: None,
                        parsed: meta.info.as_ref(),
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

impl AfXdpSource {
    /// Sleeps `pause` (cut short at `deadline`) and tells the pacer how many frames gathered.
    fn gather(&mut self, pause: Duration, deadline: Instant) -> u32 {
        let started = Instant::now();
        let pause = pause.min(deadline.saturating_duration_since(started));
        if pause.is_zero() {
            return self.socket.rx.available(u32::MAX);
        }
        std::thread::sleep(pause);
        let ready = self.socket.rx.available(u32::MAX);
        // The sleep as it was (timer slack makes it longer than asked), for a true rate.
        self.pacer.observe(ready, started.elapsed());
        ready
    }

    /// An error naming the cause when the interface is down or has lost its carrier, checked
    /// at most every LINK_CHECK_EVERY.
    fn check_link(&mut self) -> io::Result<()> {
        if self.link_checked.elapsed() < LINK_CHECK_EVERY {
            return Ok(());
        }
        self.link_checked = Instant::now();
        match interface_flags(&self.interface) {
            Ok(flags) if flags & libc::IFF_UP != 0 && flags & libc::IFF_RUNNING != 0 => Ok(()),
            Ok(_) => Err(io::Error::new(
                io::Error::from_raw_os_error(libc::ENETDOWN).kind(),
                format!(
                    "AF_XDP: {} is down or has no carrier: capture resumes when it is up again",
                    self.interface
                ),
            )),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!(
                    "AF_XDP: cannot read the state of {}: {e}; a removed interface needs the \
                     source opened anew",
                    self.interface
                ),
            )),
        }
    }

    /// Blocks until the first frame after a lull (true) or `deadline` (false).
    fn wait_readable(&self, deadline: Instant) -> io::Result<bool> {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut pfd = libc::pollfd {
            fd: self.socket.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // Rounded up: a timeout rounded down to 0 would spin through the last millisecond.
        let timeout_ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
        // SAFETY: polls one live pollfd. poll(2) on an AF_XDP socket also wakes up the driver.
        let ret = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if ret < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                return Ok(false);
            }
            return Err(err);
        }
        if pfd.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
            return Err(io::Error::other(format!(
                "{}: the AF_XDP socket reported an error",
                self.name
            )));
        }
        Ok(ret > 0)
    }
}

impl PacketSource for AfXdpSource {
    /// Under traffic: a sleep the pacer sets, then what gathered (one wake-up per batch).
    /// After a lull: blocks in poll(2) until the first frame, then a short probe sleep shows
    /// the new rate before the pacer sleeps longer.
    fn poll(&mut self, timeout_ms: i32, each: &mut dyn FnMut(&Frame<'_>)) -> io::Result<usize> {
        let delivered = self.drain(each);
        if delivered > 0 {
            return Ok(delivered);
        }
        if timeout_ms <= 0 {
            if self.socket.fill.needs_wakeup() {
                self.socket.wake();
            }
            return Ok(self.drain(each));
        }
        let deadline = Instant::now() + Duration::from_millis(timeout_ms as u64);
        // In a lull, straight to poll(2): a gathering sleep would only add a wake-up.
        let gathered = if self.idle {
            0
        } else {
            self.gather(self.pacer.wait(), deadline)
        };
        if gathered == 0 {
            if !self.wait_readable(deadline)? {
                self.idle = true;
                self.check_link()?;
                return Ok(0);
            }
            self.idle = false;
            self.gather(PROBE_WAIT, deadline);
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

/// The wall clock and the monotonic clock read together, to turn stamps into wall-clock time.
struct Clocks {
    realtime_ns: u64,
    monotonic_ns: u64,
}

impl Clocks {
    fn now() -> Clocks {
        Clocks {
            realtime_ns: clock_ns(libc::CLOCK_REALTIME),
            monotonic_ns: clock_ns(libc::CLOCK_MONOTONIC),
        }
    }

    fn to_realtime(&self, monotonic_ns: u64) -> u64 {
        // A stamp is from before this reading: it is at most the drain's time.
        self.realtime_ns
            .saturating_sub(self.monotonic_ns.saturating_sub(monotonic_ns))
    }
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec; both clocks exist on every Linux.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// The interface's flags (IFF_UP, IFF_RUNNING...), by SIOCGIFFLAGS on a throwaway socket.
fn interface_flags(interface: &str) -> io::Result<libc::c_int> {
    // SAFETY: all-zero is a valid ifreq.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    if interface.len() >= request.ifr_name.len() {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    for (to, from) in request.ifr_name.iter_mut().zip(interface.bytes()) {
        *to = from as libc::c_char;
    }
    // SAFETY: socket(2); the descriptor is owned at once.
    let raw = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor nobody else owns.
    let socket = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) };
    // SAFETY: SIOCGIFFLAGS reads the name and writes the flags of a live ifreq.
    let ret = unsafe {
        libc::ioctl(
            std::os::fd::AsRawFd::as_raw_fd(&socket),
            libc::SIOCGIFFLAGS,
            &mut request,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    Ok(libc::c_int::from(unsafe { request.ifr_ifru.ifru_flags }))
}
