//! AF_XDP capture: an XDP program redirects every frame of the chosen RX queues to one AF_XDP
//! socket per queue, which reads them from its UMEM without a copy into an skb (native mode)
//! or after the kernel's generic XDP hook (generic mode, any interface).
//!
//! ```no_run
//! use floodwatch_capture::af_xdp::{open_af_xdp, AfXdpConfig};
//! use floodwatch_capture::PacketSource;
//!
//! let mut capture = open_af_xdp(&AfXdpConfig::new("eth1"))?;
//! for mut source in capture.take_sources() {
//!     std::thread::spawn(move || loop {
//!         source.poll(100, &mut |frame| { let _ = frame.data; }).unwrap();
//!     });
//! }
//! // ... `capture` detaches the program when dropped.
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! What the kernel does on veth (Linux 6.18 here, checked by tests/af_xdp.rs): native mode
//! works (attaching XDP to one end strips GSO from its peer, so every frame takes the XDP
//! path) and spreads frames over the RX queues by the sender's TX queue; generic mode works
//! too, but puts the frames of the peer's TX queues 0 and 1 on RX queue 0 and those of TX queue
//! N on RX queue N-1, so its last queue stays empty: read every queue (the default). Zero-copy
//! is refused (copy mode only); `ZeroCopy::Auto` falls back to copy.
//!
//! The program is attached through a BPF link, which the kernel removes when the descriptor
//! closes, even if the process is killed; on kernels before 5.9, through netlink, which
//! `AfXdpCapture`'s `Drop` undoes.
//!
//! Pieces: `bpf` (syscall wrappers), `program` (the bytecode, written with `asm`), `meta`
//! (what the program leaves in front of each frame), `link` and `netlink`
//! (attaching it), `umem`, `ring`, `socket` (one AF_XDP socket), `pacer` (how long frames
//! gather between drains) and `source` (the `PacketSource`). `sys` holds the kernel structs
//! and constants.

mod asm;
mod bpf;
mod error;
mod link;
mod meta;
mod netlink;
mod pacer;
mod prefetch;
mod program;
mod ring;
mod socket;
mod source;
mod sys;
mod umem;

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

pub use link::AttachMethod;
pub use program::PROGRAM_NAME;
pub use source::{AfXdpSource, XdpStatistics};

/// Where the XDP program runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XdpMode {
    /// Native, falling back to generic when the driver refuses native mode.
    #[default]
    Auto,
    /// In the driver, before any skb exists (drivers with XDP support).
    Native,
    /// In the network stack after the skb is built (SKB mode): any interface, slower.
    Generic,
}

/// Whether the AF_XDP sockets receive without a copy (native mode, drivers that support it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ZeroCopy {
    /// Zero-copy where the driver offers it, copy mode elsewhere.
    #[default]
    Auto,
    /// Zero-copy or an error.
    On,
    /// Always copy mode.
    Off,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfXdpConfig {
    pub interface: String,
    /// RX queues to read, one socket and one source each; empty = every RX queue of the
    /// interface (`/sys/class/net/IF/queues/rx-*`).
    pub queues: Vec<u32>,
    pub mode: XdpMode,
    pub zero_copy: ZeroCopy,
    /// UMEM frames per queue (default 32768: 64 MiB, as an AF_PACKET ring by default).
    pub frame_count: u32,
    /// Bytes per UMEM frame: 2048 or 4096 (default 2048). A frame holds at most
    /// `frame_size - 256` bytes of packet (the kernel's headroom, which holds the arrival stamp,
    /// takes the rest); larger frames are dropped and counted.
    pub frame_size: u32,
    /// RX ring entries per queue, a power of two (default 16384).
    pub ring_size: u32,
    /// How long frames may wait on the RX ring before the reader takes them (default 10 ms,
    /// as AF_PACKET's block timeout). Under traffic the reader sleeps for as long as a quarter
    /// of the ring takes to fill, up to this, and drains in one go; fewer wake-ups, less CPU.
    /// A flood starting during a sleep that fills the whole ring before it ends (faster than
    /// `ring_size` frames per `max_batch_wait`) loses frames for that one sleep: counted in
    /// kernel drops (rx_ring_full). A bigger ring or a shorter wait avoids it. Frames keep their
    /// arrival time all the same: the XDP program stamps it (program.rs); only where a driver
    /// cannot, a frame carries the time its batch was drained.
    pub max_batch_wait: Duration,
}

impl AfXdpConfig {
    /// Every RX queue of `interface`, with the defaults.
    pub fn new(interface: &str) -> AfXdpConfig {
        AfXdpConfig {
            interface: interface.to_string(),
            ..AfXdpConfig::default()
        }
    }
}

impl Default for AfXdpConfig {
    fn default() -> Self {
        AfXdpConfig {
            interface: String::new(),
            queues: Vec::new(),
            mode: XdpMode::Auto,
            zero_copy: ZeroCopy::Auto,
            frame_count: 32768,
            frame_size: 2048,
            ring_size: 16384,
            max_batch_wait: Duration::from_millis(10),
        }
    }
}

/// The attached program and its map. Dropping it detaches the program (the sources then stop
/// receiving; drop them too).
pub struct AfXdpCapture {
    sources: Vec<AfXdpSource>,
    queues: Vec<u32>,
    interface: String,
    mode: XdpMode,
    zero_copy: bool,
    program_id: u32,
    metadata: bool,
    // Field order: the attachment goes (detaching the program) before the program and map
    // descriptors close.
    attachment: link::Attachment,
    _program: OwnedFd,
    _map: OwnedFd,
}

impl AfXdpCapture {
    /// The sources, one per queue, to move to their worker threads; empty after the first call.
    pub fn take_sources(&mut self) -> Vec<AfXdpSource> {
        std::mem::take(&mut self.sources)
    }

    /// The sources not yet taken.
    pub fn sources_mut(&mut self) -> &mut [AfXdpSource] {
        &mut self.sources
    }

    /// The RX queues read, in the order of the sources.
    pub fn queues(&self) -> &[u32] {
        &self.queues
    }

    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The mode the program runs in: `Native` or `Generic`, never `Auto`.
    pub fn mode(&self) -> XdpMode {
        self.mode
    }

    /// Whether the sockets run in zero-copy mode.
    pub fn zero_copy(&self) -> bool {
        self.zero_copy
    }

    /// Whether the XDP program stamps each frame's arrival time and summary in its metadata
    /// (false where the kernel refuses the metadata helper: the reader does it).
    pub fn metadata(&self) -> bool {
        self.metadata
    }

    /// The kernel's id of the program (`bpftool prog show id N`).
    pub fn program_id(&self) -> u32 {
        self.program_id
    }

    pub fn attach_method(&self) -> AttachMethod {
        self.attachment.method()
    }
}

impl std::fmt::Debug for AfXdpCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfXdpCapture")
            .field("interface", &self.interface)
            .field("queues", &self.queues)
            .field("mode", &self.mode)
            .field("zero_copy", &self.zero_copy)
            .field("program_id", &self.program_id)
            .field("attach_method", &self.attach_method())
            .finish()
    }
}

/// The interface's index, or an error naming it.
fn ifindex(interface: &str) -> io::Result<u32> {
    let name = CString::new(interface)
        .map_err(|_| error::invalid(format!("bad interface name {interface:?}")))?;
    // SAFETY: reads a NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no network interface named {interface:?}"),
        ));
    }
    Ok(index)
}

/// The interface's RX queues, from /sys/class/net/IF/queues/rx-N.
pub fn rx_queues(interface: &str) -> io::Result<Vec<u32>> {
    let dir = format!("/sys/class/net/{interface}/queues");
    let mut queues: Vec<u32> = std::fs::read_dir(&dir)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("listing the RX queues of {interface} in {dir}: {e}"),
            )
        })?
        .filter_map(|entry| {
            entry
                .ok()?
                .file_name()
                .to_str()?
                .strip_prefix("rx-")?
                .parse()
                .ok()
        })
        .collect();
    queues.sort_unstable();
    if queues.is_empty() {
        queues.push(0);
    }
    Ok(queues)
}

fn validate(config: &AfXdpConfig) -> io::Result<()> {
    if !matches!(config.frame_size, 2048 | 4096) {
        return Err(error::invalid(format!(
            "AF_XDP frame_size must be 2048 or 4096, not {}",
            config.frame_size
        )));
    }
    if config.frame_count < 64 || config.frame_count > 1 << 20 {
        return Err(error::invalid(format!(
            "AF_XDP frame_count must be 64 to 1048576, not {}",
            config.frame_count
        )));
    }
    if !config.ring_size.is_power_of_two() || config.ring_size < 64 || config.ring_size > 1 << 20 {
        return Err(error::invalid(format!(
            "AF_XDP ring_size must be a power of two from 64 to 1048576, not {}",
            config.ring_size
        )));
    }
    if config.mode == XdpMode::Generic && config.zero_copy == ZeroCopy::On {
        return Err(error::invalid(
            "AF_XDP zero-copy needs native XDP mode: generic (SKB) mode always copies; set \
             zero_copy to auto or off, or mode to native"
                .to_string(),
        ));
    }
    Ok(())
}

/// Loads and attaches the XDP program on `config.interface` and opens one AF_XDP socket per
/// RX queue. Errors name their cause (no AF_XDP in the kernel, the driver refusing native mode
/// or zero-copy, the verifier's log, missing privileges, another XDP program in place).
pub fn open_af_xdp(config: &AfXdpConfig) -> io::Result<AfXdpCapture> {
    validate(config)?;
    let ifname = config.interface.as_str();
    let ifindex = ifindex(ifname)?;
    let all_queues = rx_queues(ifname)?;
    let queues = if config.queues.is_empty() {
        all_queues.clone()
    } else {
        config.queues.clone()
    };
    for &queue in &queues {
        if !all_queues.contains(&queue) {
            return Err(error::invalid(format!(
                "{ifname} has no RX queue {queue} (it has {}: {:?})",
                all_queues.len(),
                all_queues
            )));
        }
    }

    // Fail early, with the clearest message, on a kernel without AF_XDP.
    probe_af_xdp()?;

    let max_entries = all_queues.iter().chain(&queues).max().copied().unwrap_or(0) + 1;
    let map = bpf::create_xsk_map(max_entries)
        .map_err(|e| error::os("creating the XSKMAP (BPF_MAP_CREATE)", e))?;
    let (program, metadata) = program::load(&map).map_err(|e| match e.error.raw_os_error() {
        Some(libc::EPERM) => error::permission("loading the XDP program (BPF_PROG_LOAD)"),
        _ if !e.log.is_empty() => io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the kernel's verifier rejected the XDP program ({}):\n{}",
                e.error, e.log
            ),
        ),
        _ => error::os("loading the XDP program (BPF_PROG_LOAD)", e.error),
    })?;
    let program_id = bpf::prog_info(program.as_raw_fd())
        .map(|info| info.id)
        .unwrap_or(0);

    let attachment = link::attach(&program, ifname, ifindex, config.mode)?;
    let mode = attachment.mode();

    let want_zero_copy = !matches!(
        (mode, config.zero_copy),
        (XdpMode::Generic, _) | (_, ZeroCopy::Off)
    );
    let mut sources = Vec::with_capacity(queues.len());
    for &queue in &queues {
        let mut socket_config = socket::SocketConfig {
            ifname,
            ifindex,
            queue,
            frame_count: config.frame_count,
            frame_size: config.frame_size,
            rx_ring_size: config.ring_size,
            zero_copy: want_zero_copy,
        };
        let socket = match open_socket(&socket_config) {
            Err(e)
                if want_zero_copy
                    && config.zero_copy == ZeroCopy::Auto
                    && e.kind() == io::ErrorKind::Unsupported =>
            {
                socket_config.zero_copy = false;
                open_socket(&socket_config)?
            }
            other => other?,
        };
        bpf::map_update_u32(&map, queue, socket.fd() as u32).map_err(|e| {
            error::os(
                &format!("putting the socket of {ifname} queue {queue} in the XSKMAP"),
                e,
            )
        })?;
        sources.push(AfXdpSource::new(
            socket,
            ifname,
            queue,
            config.ring_size,
            config.max_batch_wait,
        ));
    }
    let zero_copy = sources.iter().all(|s| s.zero_copy()) && !sources.is_empty();
    Ok(AfXdpCapture {
        sources,
        queues,
        interface: ifname.to_string(),
        mode,
        zero_copy,
        program_id,
        metadata,
        attachment,
        _program: program,
        _map: map,
    })
}

/// Opens a socket, waiting up to a second for a queue that a just-closed AF_XDP socket still
/// holds: the kernel releases the queue from a work queue, a moment after close(2).
fn open_socket(config: &socket::SocketConfig<'_>) -> io::Result<socket::XskSocket> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        match socket::XskSocket::open(config) {
            Err(e)
                if e.kind() == io::ErrorKind::ResourceBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

fn probe_af_xdp() -> io::Result<()> {
    // SAFETY: socket(2); closed right below.
    let fd = unsafe { libc::socket(sys::AF_XDP, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        let err = io::Error::last_os_error();
        return Err(match err.raw_os_error() {
            Some(libc::EAFNOSUPPORT) => io::Error::new(
                io::ErrorKind::Unsupported,
                "AF_XDP sockets are not available: this kernel was built without \
                 CONFIG_XDP_SOCKETS (AF_XDP needs Linux ≥ 4.18 with it enabled); use AF_PACKET \
                 capture instead",
            ),
            Some(libc::EPERM) | Some(libc::EACCES) => {
                error::permission("creating an AF_XDP socket")
            }
            _ => error::os("creating an AF_XDP socket", err),
        });
    }
    // SAFETY: closes the descriptor opened above.
    unsafe { libc::close(fd) };
    Ok(())
}

/// A program attached the way `ip link set dev IF xdp obj ...` does it (netlink, no BPF link),
/// for tests that need "another XDP program" on an interface. Not part of the API.
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// The floodwatch program attached with netlink in `mode` (Native or Generic); detached
    /// when dropped.
    pub struct NetlinkAttached {
        _attachment: link::Attachment,
        _program: OwnedFd,
        _map: OwnedFd,
        pub program_id: u32,
    }

    pub fn attach_with_netlink(interface: &str, mode: XdpMode) -> io::Result<NetlinkAttached> {
        let ifindex = ifindex(interface)?;
        let map = bpf::create_xsk_map(1)?;
        let (program, _) = program::load(&map).map_err(|e| e.error)?;
        let program_id = bpf::prog_info(program.as_raw_fd())?.id;
        let attachment = link::attach_with_netlink(&program, ifindex, mode)?;
        Ok(NetlinkAttached {
            _attachment: attachment,
            _program: program,
            _map: map,
            program_id,
        })
    }
}
