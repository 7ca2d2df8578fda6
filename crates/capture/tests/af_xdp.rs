//! AF_XDP capture on real veth pairs: each test makes its own pair, attaches the XDP program to
//! one end, sends hand-built Ethernet/IPv4/UDP frames into the other from a raw AF_PACKET
//! socket, and checks that every frame arrives once, at the right host. Also: several RX
//! queues, VLAN tags, the program gone after drop, and the errors that name their cause.
//! They need root (or CAP_NET_ADMIN + CAP_BPF + CAP_NET_RAW); without it they print a note and
//! pass.

use std::collections::HashMap;
use std::io;
use std::mem;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use floodwatch_capture::af_xdp::{
    open_af_xdp, testing, AfXdpCapture, AfXdpConfig, AfXdpSource, AttachMethod, XdpMode, ZeroCopy,
    PROGRAM_NAME,
};
use floodwatch_capture::PacketSource;
use floodwatch_packet::parse_ethernet;
use floodwatch_test_support::XorShift;

// ---------------------------------------------------------------------------------------------
// Root, interfaces

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

macro_rules! need_root {
    () => {
        if !is_root() {
            eprintln!(
                "note: not root: AF_XDP tests need root (or CAP_NET_ADMIN + CAP_BPF); skipped"
            );
            return;
        }
    };
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

static NEXT_ID: AtomicU16 = AtomicU16::new(0);

/// A veth pair of our own, deleted on drop: frames sent into `send` come out of `capture`.
struct Veth {
    capture: String,
    send: String,
}

impl Veth {
    fn new() -> Veth {
        Veth::with_queues(1)
    }

    fn with_queues(queues: u32) -> Veth {
        let base = (std::process::id() as u16).wrapping_mul(89);
        let queues = queues.to_string();
        for _ in 0..64 {
            let id = base.wrapping_add(NEXT_ID.fetch_add(1, Ordering::Relaxed));
            let veth = Veth {
                capture: format!("fwxd{id:04x}a"),
                send: format!("fwxd{id:04x}b"),
            };
            let q = ["numrxqueues", &queues, "numtxqueues", &queues];
            let mut args = vec!["link", "add", &veth.capture];
            args.extend(q);
            args.extend(["type", "veth", "peer", "name", &veth.send]);
            args.extend(q);
            let created = Command::new("ip")
                .args(&args)
                .stderr(Stdio::null())
                .status()
                .expect("cannot run `ip`");
            if !created.success() {
                mem::forget(veth); // a leftover or someone else's: not ours to delete
                continue;
            }
            for end in [&veth.capture, &veth.send] {
                // No IPv6: no router solicitations or MLD reports among the frames.
                let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{end}/disable_ipv6"), "1");
                run("ip", &["link", "set", end, "up"]);
            }
            wait_until_up(&[&veth.capture, &veth.send]);
            return veth;
        }
        panic!("no free veth name fwxdXXXX");
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.capture])
            .stderr(Stdio::null())
            .status();
    }
}

/// The kernel lets frames through a moment after `ip link set up`, once it sees the carrier.
fn wait_until_up(ends: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(5);
    for end in ends {
        while !run("ip", &["link", "show", "dev", end]).contains("LOWER_UP") {
            assert!(Instant::now() < deadline, "{end} never came up");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A bridge: an interface whose driver has no native XDP.
struct Bridge(String);

impl Bridge {
    fn new() -> Bridge {
        let id = (std::process::id() as u16)
            .wrapping_mul(89)
            .wrapping_add(NEXT_ID.fetch_add(1, Ordering::Relaxed));
        let name = format!("fwxd{id:04x}br");
        run("ip", &["link", "add", &name, "type", "bridge"]);
        run("ip", &["link", "set", &name, "up"]);
        Bridge(name)
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}

fn xdp_shown(interface: &str) -> bool {
    let shown = run("ip", &["link", "show", "dev", interface]);
    shown.contains(" xdp") || shown.contains("prog/xdp")
}

// ---------------------------------------------------------------------------------------------
// Frames and a raw sender

const SRC: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);

fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Ethernet (optionally 802.1Q-tagged) / IPv4 / UDP with `payload` bytes of UDP payload.
fn udp_frame(dst: Ipv4Addr, src_port: u16, vlan: Option<u16>, payload: usize) -> Vec<u8> {
    let mut frame = vec![0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02];
    if let Some(id) = vlan {
        frame.extend([0x81, 0x00]);
        frame.extend(id.to_be_bytes());
    }
    frame.extend([0x08, 0x00]);
    let ip_len = (20 + 8 + payload) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0];
    ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
    ip.extend(SRC.octets());
    ip.extend(dst.octets());
    let checksum = ipv4_checksum(&ip);
    ip[10..12].copy_from_slice(&checksum.to_be_bytes());
    frame.extend(ip);
    frame.extend(src_port.to_be_bytes());
    frame.extend(9999u16.to_be_bytes());
    frame.extend((8 + payload as u16).to_be_bytes());
    frame.extend([0, 0]);
    frame.extend((0..payload).map(|i| i as u8));
    frame
}

/// A raw AF_PACKET socket sending whole frames out of one interface.
struct Sender {
    fd: OwnedFd,
    addr: libc::sockaddr_ll,
}

impl Sender {
    fn new(interface: &str) -> Sender {
        // SAFETY: socket(2), owned at once.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        assert!(raw >= 0, "AF_PACKET socket: {}", io::Error::last_os_error());
        // SAFETY: just created.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let name = std::ffi::CString::new(interface).unwrap();
        // SAFETY: reads a C string.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        assert!(ifindex > 0, "no interface {interface}");
        // SAFETY: all-zero is a valid sockaddr_ll.
        let mut addr: libc::sockaddr_ll = unsafe { mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_ifindex = ifindex as i32;
        addr.sll_halen = 6;
        Sender { fd, addr }
    }

    fn send(&self, frame: &[u8]) {
        loop {
            // SAFETY: sends from a live slice to a live sockaddr_ll.
            let n = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    frame.as_ptr() as *const libc::c_void,
                    frame.len(),
                    0,
                    &self.addr as *const libc::sockaddr_ll as *const libc::sockaddr,
                    mem::size_of::<libc::sockaddr_ll>() as u32,
                )
            };
            if n == frame.len() as isize {
                return;
            }
            let err = io::Error::last_os_error();
            assert_eq!(err.raw_os_error(), Some(libc::ENOBUFS), "sendto: {err}");
            thread::sleep(Duration::from_micros(100));
        }
    }
}

/// Sends `per_dst[i]` frames to each destination, interleaved, in small paced bursts (so the
/// veth backlog never overflows: the counts must be exact). Ports vary to spread frames over
/// RX queues.
fn send_mix(interface: &str, per_dst: &[(Ipv4Addr, u64)], vlan: Option<u16>) -> u64 {
    let sender = Sender::new(interface);
    let mut left: Vec<(Ipv4Addr, u64)> = per_dst.to_vec();
    let mut sent = 0u64;
    while left.iter().any(|(_, n)| *n > 0) {
        for (dst, n) in left.iter_mut().filter(|(_, n)| *n > 0) {
            let payload = 18 + (sent % 200) as usize;
            sender.send(&udp_frame(*dst, 1024 + (sent % 4096) as u16, vlan, payload));
            *n -= 1;
            sent += 1;
            if sent.is_multiple_of(64) {
                thread::sleep(Duration::from_micros(300));
            }
        }
    }
    sent
}

// ---------------------------------------------------------------------------------------------
// Receiving

#[derive(Clone, Default, Debug)]
struct Seen {
    /// Parsed frames per destination address.
    per_dst: HashMap<IpAddr, u64>,
    /// Per VLAN id (None = untagged) of the frames to our destinations.
    per_vlan: HashMap<Option<u16>, u64>,
    /// Frames that are not IP, or not ours.
    other: u64,
    bytes: u64,
    frames: u64,
}

impl Seen {
    fn add(&mut self, data: &[u8], original_len: u32) {
        self.frames += 1;
        self.bytes += u64::from(original_len);
        assert_eq!(data.len() as u32, original_len);
        match parse_ethernet(data) {
            Ok(info) if info.src == IpAddr::V4(SRC) => {
                *self.per_dst.entry(info.dst).or_default() += 1;
                *self.per_vlan.entry(info.vlan).or_default() += 1;
            }
            _ => self.other += 1,
        }
    }

    fn merge(&mut self, other: Seen) {
        for (k, v) in other.per_dst {
            *self.per_dst.entry(k).or_default() += v;
        }
        for (k, v) in other.per_vlan {
            *self.per_vlan.entry(k).or_default() += v;
        }
        self.other += other.other;
        self.bytes += other.bytes;
        self.frames += other.frames;
    }

    fn ours(&self) -> u64 {
        self.per_dst.values().sum()
    }
}

/// Polls each source on its own thread until `stop`, then keeps going until a quiet 200 ms
/// (so late or duplicate frames would be seen). Returns what each source saw, and the sources.
fn receive(
    sources: Vec<AfXdpSource>,
    stop: Arc<AtomicBool>,
) -> Vec<thread::JoinHandle<(Seen, AfXdpSource)>> {
    sources
        .into_iter()
        .map(|mut source| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut seen = Seen::default();
                let mut quiet_since: Option<Instant> = None;
                loop {
                    let n = source
                        .poll(20, &mut |frame| seen.add(frame.data, frame.original_len))
                        .expect("poll");
                    if stop.load(Ordering::Acquire) {
                        if n > 0 {
                            quiet_since = None;
                        } else if quiet_since.get_or_insert_with(Instant::now).elapsed()
                            > Duration::from_millis(200)
                        {
                            return (seen, source);
                        }
                    }
                }
            })
        })
        .collect()
}

/// Sends the mix through `veth` while `capture`'s sources receive; returns what they saw
/// (merged, and per source) with the sources.
fn capture_mix(
    capture: &mut AfXdpCapture,
    veth: &Veth,
    per_dst: &[(Ipv4Addr, u64)],
    vlan: Option<u16>,
) -> (Seen, Vec<(Seen, AfXdpSource)>) {
    let stop = Arc::new(AtomicBool::new(false));
    let receivers = receive(capture.take_sources(), stop.clone());
    thread::sleep(Duration::from_millis(50));
    send_mix(&veth.send, per_dst, vlan);
    stop.store(true, Ordering::Release);
    let results: Vec<(Seen, AfXdpSource)> = receivers
        .into_iter()
        .map(|r| r.join().expect("receiver"))
        .collect();
    let mut total = Seen::default();
    let mut per_source = Vec::new();
    for (seen, source) in results {
        total.merge(seen.clone());
        per_source.push((seen, source));
    }
    (total, per_source)
}

fn mix() -> Vec<(Ipv4Addr, u64)> {
    vec![
        (Ipv4Addr::new(192, 0, 2, 1), 3000),
        (Ipv4Addr::new(192, 0, 2, 2), 1500),
        (Ipv4Addr::new(192, 0, 2, 3), 700),
        (Ipv4Addr::new(203, 0, 113, 9), 1),
    ]
}

fn assert_exact(seen: &Seen, per_dst: &[(Ipv4Addr, u64)]) {
    let expected: HashMap<IpAddr, u64> = per_dst
        .iter()
        .map(|(ip, n)| (IpAddr::V4(*ip), *n))
        .collect();
    assert_eq!(
        seen.per_dst, expected,
        "per-destination counts (other frames: {})",
        seen.other
    );
}

/// Rings that hold a whole test's frames, so exact counts do not depend on the receiving
/// thread being scheduled in time on a busy machine.
fn config(interface: &str, mode: XdpMode, zero_copy: ZeroCopy) -> AfXdpConfig {
    AfXdpConfig {
        mode,
        zero_copy,
        frame_count: 8192,
        ring_size: 8192,
        ..AfXdpConfig::new(interface)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn generic_mode_counts_every_frame_per_destination() {
    need_root!();
    let veth = Veth::new();
    let mut capture =
        open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto)).expect("open");
    assert_eq!(capture.mode(), XdpMode::Generic);
    assert!(!capture.zero_copy(), "generic mode always copies");
    assert_eq!(capture.queues(), &[0]);
    assert_eq!(capture.attach_method(), AttachMethod::BpfLink);
    assert!(capture.program_id() > 0);
    assert!(xdp_shown(&veth.capture), "ip link shows the program");
    assert_eq!(
        capture.sources_mut()[0].name(),
        format!("af_xdp:{}#0", veth.capture)
    );

    let mix = mix();
    let (seen, sources) = capture_mix(&mut capture, &veth, &mix, None);
    assert_exact(&seen, &mix);
    assert_eq!(seen.per_vlan.get(&None).copied(), Some(seen.ours()));
    let stats = sources[0].1.stats();
    eprintln!(
        "generic: {seen:?} stats {stats:?} xdp {:?}",
        sources[0].1.xdp_statistics()
    );
    assert_eq!(stats.packets, seen.frames);
    assert_eq!(stats.bytes, seen.bytes);
    assert_eq!(stats.kernel_drops, 0);
}

#[test]
fn native_mode_on_veth() {
    need_root!();
    let veth = Veth::new();
    let mut capture = match open_af_xdp(&config(&veth.capture, XdpMode::Native, ZeroCopy::Off)) {
        Ok(capture) => capture,
        Err(e) => panic!("native XDP on veth: {e}"),
    };
    assert_eq!(capture.mode(), XdpMode::Native);
    assert!(!capture.zero_copy());
    let mix = mix();
    let (seen, sources) = capture_mix(&mut capture, &veth, &mix, None);
    eprintln!("native: {seen:?} stats {:?}", sources[0].1.stats());
    assert_exact(&seen, &mix);
    assert_eq!(sources[0].1.stats().kernel_drops, 0);
}

#[test]
fn auto_mode_takes_native_on_veth_and_copy_mode() {
    need_root!();
    let veth = Veth::new();
    let mut capture = open_af_xdp(&AfXdpConfig::new(&veth.capture)).expect("open, defaults");
    // veth has native XDP but no zero-copy: Auto lands on native + copy.
    assert_eq!(capture.mode(), XdpMode::Native);
    assert!(!capture.zero_copy());
    let mix = vec![(Ipv4Addr::new(192, 0, 2, 77), 500)];
    let (seen, _) = capture_mix(&mut capture, &veth, &mix, None);
    assert_exact(&seen, &mix);
}

#[test]
fn zero_copy_refused_by_veth_names_the_cause() {
    need_root!();
    let veth = Veth::new();
    let err = open_af_xdp(&config(&veth.capture, XdpMode::Native, ZeroCopy::On))
        .expect_err("veth has no zero-copy");
    let text = err.to_string();
    eprintln!("{text}");
    assert_eq!(err.kind(), io::ErrorKind::Unsupported);
    assert!(
        text.contains("zero-copy") && text.contains("copy mode"),
        "{text}"
    );
    assert!(
        !xdp_shown(&veth.capture),
        "nothing left attached after the failure"
    );

    let err = open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::On))
        .expect_err("generic never zero-copies");
    assert!(err.to_string().contains("generic"), "{err}");
}

#[test]
fn several_rx_queues_one_source_each() {
    need_root!();
    for mode in [XdpMode::Native, XdpMode::Generic] {
        let veth = Veth::with_queues(4);
        let mut capture = open_af_xdp(&config(&veth.capture, mode, ZeroCopy::Auto)).expect("open");
        assert_eq!(capture.queues(), &[0, 1, 2, 3]);
        let names: Vec<String> = capture
            .sources_mut()
            .iter()
            .map(|s| s.name().to_string())
            .collect();
        assert_eq!(names.len(), 4);
        assert!(names[3].ends_with("#3"), "{names:?}");
        let mix = mix();
        let (seen, per_source) = capture_mix(&mut capture, &veth, &mix, None);
        let spread: Vec<u64> = per_source.iter().map(|(s, _)| s.ours()).collect();
        eprintln!("{mode:?}: frames per queue {spread:?}");
        assert_exact(&seen, &mix);
        for (seen, source) in &per_source {
            assert_eq!(source.stats().packets, seen.frames, "{}", source.name());
            assert_eq!(source.stats().kernel_drops, 0, "{}", source.name());
        }
        if mode == XdpMode::Native {
            assert!(
                spread.iter().filter(|&&n| n > 0).count() > 1,
                "native veth spreads over queues: {spread:?}"
            );
        }
    }
}

#[test]
fn a_subset_of_queues() {
    need_root!();
    let veth = Veth::with_queues(2);
    let mut capture = open_af_xdp(&AfXdpConfig {
        queues: vec![1],
        ..config(&veth.capture, XdpMode::Native, ZeroCopy::Off)
    })
    .expect("open");
    assert_eq!(capture.queues(), &[1]);
    let sources = capture.take_sources();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].queue(), 1);

    let err = open_af_xdp(&AfXdpConfig {
        queues: vec![5],
        ..config(&veth.capture, XdpMode::Generic, ZeroCopy::Off)
    })
    .unwrap_err();
    assert!(err.to_string().contains("no RX queue 5"), "{err}");
}

#[test]
fn vlan_tagged_frames_reach_the_right_host() {
    need_root!();
    for mode in [XdpMode::Generic, XdpMode::Native] {
        let veth = Veth::new();
        let mut capture = open_af_xdp(&config(&veth.capture, mode, ZeroCopy::Auto)).expect("open");
        let mix = vec![
            (Ipv4Addr::new(192, 0, 2, 10), 400),
            (Ipv4Addr::new(192, 0, 2, 11), 250),
        ];
        let (seen, _) = capture_mix(&mut capture, &veth, &mix, Some(42));
        assert_exact(&seen, &mix);
        assert_eq!(seen.per_vlan, HashMap::from([(Some(42), 650)]), "{mode:?}");
    }
}

#[test]
fn the_program_is_detached_after_drop() {
    need_root!();
    let veth = Veth::new();
    for mode in [XdpMode::Generic, XdpMode::Native] {
        let capture = open_af_xdp(&config(&veth.capture, mode, ZeroCopy::Auto)).expect("open");
        assert!(xdp_shown(&veth.capture));
        drop(capture);
        assert!(
            !xdp_shown(&veth.capture),
            "{mode:?}: {}",
            run("ip", &["link", "show", "dev", &veth.capture])
        );
    }
    // Sources outliving the capture keep working, just without frames.
    let mut capture =
        open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto)).expect("open");
    let mut sources = capture.take_sources();
    drop(capture);
    assert!(!xdp_shown(&veth.capture));
    send_mix(&veth.send, &[(Ipv4Addr::new(192, 0, 2, 1), 10)], None);
    assert_eq!(sources[0].poll(50, &mut |_| {}).unwrap(), 0);
    // While a source holds queue 0, no other socket can bind it; once dropped, it can.
    let err = open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto))
        .expect_err("queue in use");
    assert!(
        err.to_string()
            .contains("another AF_XDP socket already uses this queue"),
        "{err}"
    );
    assert!(
        !xdp_shown(&veth.capture),
        "a failed open leaves nothing attached"
    );
    drop(sources);
    drop(open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto)).expect("reopen"));

    // The netlink way of attaching detaches on drop too.
    // The kernel releases a closed BPF link in the background (6.x): until then the
    // interface still has it, and netlink is told "Can't replace active BPF XDP link".
    let deadline = Instant::now() + Duration::from_secs(2);
    let attached = loop {
        match testing::attach_with_netlink(&veth.capture, XdpMode::Generic) {
            Err(e) if e.kind() == io::ErrorKind::ResourceBusy && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(20))
            }
            attached => break attached.expect("netlink attach"),
        }
    };
    assert!(xdp_shown(&veth.capture));
    drop(attached);
    assert!(!xdp_shown(&veth.capture));
}

#[test]
fn another_program_attached_is_named_with_how_to_remove_it() {
    need_root!();
    let veth = Veth::new();
    let other =
        testing::attach_with_netlink(&veth.capture, XdpMode::Generic).expect("netlink attach");
    for mode in [XdpMode::Generic, XdpMode::Auto, XdpMode::Native] {
        let err = open_af_xdp(&config(&veth.capture, mode, ZeroCopy::Auto)).expect_err("busy");
        let text = err.to_string();
        eprintln!("{mode:?}: {text}");
        assert_eq!(err.kind(), io::ErrorKind::ResourceBusy, "{text}");
        assert!(
            text.contains(&format!("\"{PROGRAM_NAME}\" (id {})", other.program_id)),
            "{text}"
        );
        assert!(text.contains("generic mode"), "{text}");
        assert!(
            text.contains(&format!("ip link set dev {} xdp off", veth.capture)),
            "{text}"
        );
        assert!(
            text.contains(&format!("ip link set dev {} xdpgeneric off", veth.capture)),
            "{text}"
        );
    }
    drop(other);

    let other =
        testing::attach_with_netlink(&veth.capture, XdpMode::Native).expect("netlink attach");
    let err =
        open_af_xdp(&config(&veth.capture, XdpMode::Native, ZeroCopy::Auto)).expect_err("busy");
    assert_eq!(err.kind(), io::ErrorKind::ResourceBusy);
    assert!(
        err.to_string().contains("native mode") && err.to_string().contains("xdp off"),
        "{err}"
    );
    drop(other);

    // A second floodwatch on the same interface: held by a BPF link.
    let first =
        open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto)).expect("open");
    let err =
        open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto)).expect_err("busy");
    let text = err.to_string();
    eprintln!("{text}");
    assert_eq!(err.kind(), io::ErrorKind::ResourceBusy);
    assert!(
        text.contains("BPF link id") && text.contains("bpftool link detach"),
        "{text}"
    );
    drop(first);
}

#[test]
fn a_driver_without_native_xdp() {
    need_root!();
    let bridge = Bridge::new();
    let err = open_af_xdp(&config(&bridge.0, XdpMode::Native, ZeroCopy::Auto))
        .expect_err("bridge has no native XDP");
    let text = err.to_string();
    eprintln!("{text}");
    assert_eq!(err.kind(), io::ErrorKind::Unsupported);
    assert!(
        text.contains("native (driver) mode") && text.contains("generic (SKB) mode"),
        "{text}"
    );
    let capture = open_af_xdp(&config(&bridge.0, XdpMode::Auto, ZeroCopy::Auto))
        .expect("auto falls back to generic");
    assert_eq!(capture.mode(), XdpMode::Generic);
}

#[test]
fn bad_configurations_are_refused_with_the_reason() {
    need_root!();
    let err = open_af_xdp(&AfXdpConfig::new("fwxd-nonesuch")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(err.to_string().contains("fwxd-nonesuch"), "{err}");
    for (config, needle) in [
        (
            AfXdpConfig {
                frame_size: 3000,
                ..AfXdpConfig::new("lo")
            },
            "frame_size",
        ),
        (
            AfXdpConfig {
                ring_size: 1000,
                ..AfXdpConfig::new("lo")
            },
            "ring_size",
        ),
        (
            AfXdpConfig {
                frame_count: 8,
                ..AfXdpConfig::new("lo")
            },
            "frame_count",
        ),
    ] {
        let err = open_af_xdp(&config).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn frames_larger_than_a_umem_frame_are_counted_as_drops() {
    need_root!();
    let veth = Veth::new();
    run("ip", &["link", "set", "dev", &veth.send, "mtu", "3000"]);
    run("ip", &["link", "set", "dev", &veth.capture, "mtu", "3000"]);
    let mut capture =
        open_af_xdp(&config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto)).expect("open");
    let mut source = capture.take_sources().pop().unwrap();
    let sender = Sender::new(&veth.send);
    // 2048-byte frames hold 2048 - 256 bytes of packet.
    for _ in 0..5 {
        sender.send(&udp_frame(Ipv4Addr::new(192, 0, 2, 5), 1, None, 2500));
    }
    sender.send(&udp_frame(Ipv4Addr::new(192, 0, 2, 5), 1, None, 100));
    let mut seen = Seen::default();
    let deadline = Instant::now() + Duration::from_secs(2);
    while seen.frames < 1 && Instant::now() < deadline {
        source
            .poll(20, &mut |f| seen.add(f.data, f.original_len))
            .unwrap();
    }
    assert_eq!(seen.ours(), 1);
    let stats = source.stats();
    assert_eq!(
        stats.kernel_drops,
        5,
        "{stats:?} {:?}",
        source.xdp_statistics()
    );
}

#[test]
fn frames_a_small_ring_cannot_hold_are_counted_as_drops() {
    need_root!();
    let veth = Veth::new();
    // 64 ring slots and up to 50 ms between drains: the pacer shortens its sleeps as the rate
    // shows, but whatever it cannot keep must be counted, never silently lost.
    let mut capture = open_af_xdp(&AfXdpConfig {
        frame_count: 128,
        ring_size: 64,
        max_batch_wait: Duration::from_millis(50),
        ..config(&veth.capture, XdpMode::Generic, ZeroCopy::Auto)
    })
    .expect("open");
    let (seen, per_source) = capture_mix(&mut capture, &veth, &mix(), None);
    let sent: u64 = mix().iter().map(|(_, n)| n).sum();
    let drops: u64 = per_source.iter().map(|(_, s)| s.stats().kernel_drops).sum();
    assert_eq!(seen.other, 0);
    assert_eq!(
        seen.ours() + drops,
        sent,
        "received {} + dropped {drops} != sent {sent}",
        seen.ours()
    );
}

/// Some kernels refuse the metadata helper to XDP programs: the bare redirect runs there, and
/// what the program writes cannot be tested.
fn kernel_allows_metadata(capture: &floodwatch_capture::af_xdp::AfXdpCapture) -> bool {
    if !capture.metadata() {
        eprintln!("this kernel refuses bpf_xdp_adjust_meta: the frames carry no metadata to test");
    }
    capture.metadata()
}

/// Frames sent 2 ms apart, read in one batch, carry their own arrival times: in order, about
/// 2 ms apart, between the send's start and end on the wall clock.
fn frames_carry_their_arrival_time(mode: XdpMode) {
    let veth = Veth::new();
    let mut capture = open_af_xdp(&AfXdpConfig {
        max_batch_wait: Duration::from_millis(200),
        ..config(&veth.capture, mode, ZeroCopy::Auto)
    })
    .expect("open");
    if !kernel_allows_metadata(&capture) {
        return;
    }
    let mut source = capture.take_sources().pop().unwrap();
    let sender = Sender::new(&veth.send);
    let wall = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    };
    let dst = Ipv4Addr::new(192, 0, 2, 77);
    let started = wall();
    for i in 0..20 {
        sender.send(&udp_frame(dst, 2000 + i, None, 32));
        thread::sleep(Duration::from_millis(2));
    }
    let ended = wall();
    let mut times = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while times.len() < 20 && Instant::now() < deadline {
        source
            .poll(100, &mut |frame| {
                if matches!(parse_ethernet(frame.data), Ok(info) if info.dst == IpAddr::V4(dst)) {
                    times.push(frame.timestamp_ns);
                }
            })
            .unwrap();
    }
    assert_eq!(times.len(), 20);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(
        times[0] >= started && times[19] <= ended,
        "{started} {times:?} {ended}"
    );
    let spread_ms = (times[19] - times[0]) as f64 / 1e6;
    assert!(
        spread_ms >= 19.0 * 2.0 * 0.9,
        "arrival times span {spread_ms} ms, not the ~40 ms of the send"
    );
}

#[test]
fn generic_mode_frames_carry_their_arrival_time() {
    need_root!();
    frames_carry_their_arrival_time(XdpMode::Generic);
}

#[test]
fn native_mode_frames_carry_their_arrival_time() {
    need_root!();
    frames_carry_their_arrival_time(XdpMode::Native);
}

/// AF_XDP sockets get no error when their interface goes down: the source notices when idle
/// and says so, then frames flow again once it is up.
#[test]
fn an_interface_going_down_is_named_and_capture_resumes() {
    need_root!();
    let veth = Veth::new();
    let mut capture =
        open_af_xdp(&config(&veth.capture, XdpMode::Native, ZeroCopy::Auto)).expect("open");
    let mut source = capture.take_sources().pop().unwrap();
    run("ip", &["link", "set", &veth.capture, "down"]);
    let deadline = Instant::now() + Duration::from_secs(3);
    let error = loop {
        match source.poll(100, &mut |_| {}) {
            Err(e) => break e,
            Ok(_) => assert!(Instant::now() < deadline, "no error for a down interface"),
        }
    };
    assert!(
        error
            .to_string()
            .contains(&format!("{} is down", veth.capture)),
        "{error}"
    );
    run("ip", &["link", "set", &veth.capture, "up"]);
    wait_until_up(&[&veth.capture, &veth.send]);
    let dst = Ipv4Addr::new(192, 0, 2, 55);
    let sender = Sender::new(&veth.send);
    (0..10).for_each(|i| sender.send(&udp_frame(dst, 3000 + i, None, 20)));
    let mut seen = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while seen < 10 && Instant::now() < deadline {
        source
            .poll(100, &mut |frame| {
                if matches!(parse_ethernet(frame.data), Ok(info) if info.dst == IpAddr::V4(dst)) {
                    seen += 1;
                }
            })
            .expect("poll after the interface came back");
    }
    assert_eq!(seen, 10);
}

// ---------------------------------------------------------------------------------------------
// The program's reading of the headers

/// Ethernet with `tags` (TPID, TCI) before `ethertype` and `payload`.
fn ethernet(tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02];
    for (tpid, tci) in tags {
        frame.extend(tpid.to_be_bytes());
        frame.extend(tci.to_be_bytes());
    }
    frame.extend(ethertype.to_be_bytes());
    frame.extend(payload);
    frame
}

/// An IPv4 packet: `options` words of options, `total_len` as given (None: the real length),
/// the fragment field, the protocol and what follows the header.
fn ipv4(options: usize, total_len: Option<u16>, fragment: u16, protocol: u8, l4: &[u8]) -> Vec<u8> {
    let header_len = 20 + 4 * options;
    let mut ip = vec![0x40 | (header_len / 4) as u8, 0, 0, 0, 0, 7];
    ip.extend(fragment.to_be_bytes());
    ip.extend([64, protocol, 0, 0]);
    ip.extend(SRC.octets());
    ip.extend([192, 0, 2, 99]);
    ip.extend(std::iter::repeat_n(1u8, 4 * options));
    let len = total_len.unwrap_or((header_len + l4.len()) as u16);
    ip[2..4].copy_from_slice(&len.to_be_bytes());
    ip.extend(l4);
    ip
}

fn tcp(flags: u8) -> Vec<u8> {
    let mut t = vec![
        0x04, 0xd2, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0,
    ];
    t.extend([0xaa; 6]);
    t
}

fn udp() -> Vec<u8> {
    vec![0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0, 1, 2, 3, 4]
}

/// Frames of every shape, each with whether the XDP program should sum it up (plain IPv4
/// whose transport header is whole) or leave it to the frame's parse.
fn header_corpus() -> Vec<(&'static str, Vec<u8>, bool)> {
    let plain = |protocol, l4: &[u8]| ethernet(&[], 0x0800, &ipv4(0, None, 0, protocol, l4));
    let mut ipv6 = vec![0x60, 0, 0, 0, 0, 12, 17, 64];
    ipv6.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 12]));
    ipv6.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 11]).chain(&[9]));
    ipv6.extend(udp());
    let mut padded = plain(17, &[0x30, 0x39, 0, 53, 0, 8, 0, 0]);
    padded.resize(60, 0);
    vec![
        ("UDP", plain(17, &udp()), true),
        ("TCP SYN", plain(6, &tcp(0x02)), true),
        ("TCP ACK PSH", plain(6, &tcp(0x18)), true),
        ("ICMP echo", plain(1, &[8, 0, 0, 0, 0, 1, 0, 1]), true),
        ("GRE", plain(47, &[0, 0, 0x08, 0, 0x45, 0, 0, 20]), true),
        (
            "SCTP",
            plain(132, &[0x0b, 0x59, 0x0b, 0x59, 0, 0, 0, 0]),
            true,
        ),
        ("UDP-Lite", plain(136, &udp()), true),
        ("an unknown protocol", plain(253, &[1, 2, 3, 4]), true),
        (
            "IPv4 options",
            ethernet(&[], 0x0800, &ipv4(3, None, 0, 6, &tcp(0x10))),
            true,
        ),
        (
            "the longest IPv4 header",
            ethernet(&[], 0x0800, &ipv4(10, None, 0, 17, &udp())),
            true,
        ),
        (
            "802.1Q",
            ethernet(&[(0x8100, 0x2064)], 0x0800, &ipv4(0, None, 0, 17, &udp())),
            true,
        ),
        (
            "802.1ad tag",
            ethernet(&[(0x88a8, 0x0123)], 0x0800, &ipv4(0, None, 0, 17, &udp())),
            true,
        ),
        (
            "priority tag only",
            ethernet(&[(0x8100, 0xa000)], 0x0800, &ipv4(0, None, 0, 6, &tcp(2))),
            true,
        ),
        (
            "first fragment",
            ethernet(&[], 0x0800, &ipv4(0, None, 0x2000, 17, &udp())),
            true,
        ),
        (
            "later fragment",
            ethernet(&[], 0x0800, &ipv4(0, None, 0x00b9, 17, &udp())),
            true,
        ),
        (
            "last fragment",
            ethernet(&[], 0x0800, &ipv4(0, None, 0x0001, 6, &tcp(2))),
            true,
        ),
        ("padded to 60 bytes", padded, true),
        (
            "QinQ",
            ethernet(
                &[(0x88a8, 100), (0x8100, 200)],
                0x0800,
                &ipv4(0, None, 0, 17, &udp()),
            ),
            false,
        ),
        ("IPv6", ethernet(&[], 0x86dd, &ipv6), false),
        (
            "ARP",
            ethernet(&[], 0x0806, &[0, 1, 8, 0, 6, 4, 0, 1]),
            false,
        ),
        (
            "MPLS",
            ethernet(
                &[],
                0x8847,
                &[0, 0, 0x11, 64]
                    .iter()
                    .copied()
                    .chain(ipv4(0, None, 0, 17, &udp()))
                    .collect::<Vec<_>>(),
            ),
            false,
        ),
        (
            "total length 0",
            ethernet(&[], 0x0800, &ipv4(0, Some(0), 0, 17, &udp())),
            false,
        ),
        (
            "total length inside the header",
            ethernet(&[], 0x0800, &ipv4(0, Some(16), 0, 17, &udp())),
            false,
        ),
        (
            "TCP cut by the IP length",
            ethernet(&[], 0x0800, &ipv4(0, Some(30), 0, 6, &tcp(2))),
            false,
        ),
        (
            "UDP cut by the IP length",
            ethernet(&[], 0x0800, &ipv4(0, Some(22), 0, 17, &udp())),
            false,
        ),
        (
            "ICMP cut by the IP length",
            ethernet(&[], 0x0800, &ipv4(0, Some(21), 0, 1, &[8, 0])),
            false,
        ),
        (
            "TCP cut by the frame",
            ethernet(&[], 0x0800, &ipv4(0, Some(60), 0, 6, &tcp(2)[..8])),
            false,
        ),
        (
            "IPv4 header cut by the frame",
            ethernet(&[], 0x0800, &ipv4(4, None, 0, 17, &[])[..30]),
            false,
        ),
        (
            "version 5 in an IPv4 frame",
            ethernet(&[], 0x0800, &{
                let mut p = ipv4(0, None, 0, 17, &udp());
                p[0] = 0x55;
                p
            }),
            false,
        ),
        (
            "header length under 20",
            ethernet(&[], 0x0800, &{
                let mut p = ipv4(0, None, 0, 17, &udp());
                p[0] = 0x44;
                p
            }),
            false,
        ),
    ]
}

/// Every frame of the corpus comes with the program's reading exactly where the corpus says,
/// and that reading is the frame's parse.
fn the_program_reads_headers_as_the_frame_parse_does(mode: XdpMode) {
    let veth = Veth::new();
    let mut capture = open_af_xdp(&config(&veth.capture, mode, ZeroCopy::Auto)).expect("open");
    if !kernel_allows_metadata(&capture) {
        return;
    }
    let mut source = capture.take_sources().pop().unwrap();
    let sender = Sender::new(&veth.send);
    let corpus = header_corpus();
    for (_, frame, _) in &corpus {
        sender.send(frame);
    }
    let mut received: Vec<(Vec<u8>, Option<floodwatch_packet::PacketInfo>)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while received.len() < corpus.len() && Instant::now() < deadline {
        source
            .poll(100, &mut |frame| {
                received.push((frame.data.to_vec(), frame.parsed.cloned()))
            })
            .unwrap();
    }
    // Then the corpus with bytes of the headers changed at random: whatever the program
    // reads must still be what the parse reads.
    let mut random = XorShift::new(0x2545_f491_4f6c_dd1d);
    let mutants: Vec<Vec<u8>> = (0..3000)
        .map(|i| {
            let mut frame = corpus[i % corpus.len()].1.clone();
            for _ in 0..1 + random.below(3) {
                let at = 12 + random.below((frame.len() - 12).min(48));
                frame[at] = random.next() as u8;
            }
            frame
        })
        .collect();
    let mut mutants_read = 0;
    for chunk in mutants.chunks(64) {
        chunk.iter().for_each(|frame| sender.send(frame));
        source
            .poll(100, &mut |frame| {
                if let Some(info) = frame.parsed {
                    mutants_read += 1;
                    assert_eq!(
                        Ok(info),
                        parse_ethernet(frame.data).as_ref(),
                        "{:02x?}",
                        frame.data
                    );
                }
            })
            .unwrap();
    }
    assert!(
        mutants_read > 1000,
        "only {mutants_read} mutated frames read by the program"
    );
    for (name, frame, summed_up) in &corpus {
        let (_, reading) = received
            .iter()
            .find(|(data, _)| data == frame)
            .unwrap_or_else(|| panic!("{name}: not received"));
        assert_eq!(reading.is_some(), *summed_up, "{name}: {reading:?}");
        if let Some(info) = reading {
            assert_eq!(Ok(info), parse_ethernet(frame).as_ref(), "{name}");
        }
    }
}

#[test]
fn generic_mode_reads_headers_as_the_frame_parse_does() {
    need_root!();
    the_program_reads_headers_as_the_frame_parse_does(XdpMode::Generic);
}

#[test]
fn native_mode_reads_headers_as_the_frame_parse_does() {
    need_root!();
    the_program_reads_headers_as_the_frame_parse_does(XdpMode::Native);
}
