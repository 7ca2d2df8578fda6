//! AF_PACKET capture on real veth pairs: each test makes its own pair, captures on one end,
//! sends hand-built Ethernet/IPv4/UDP frames into the other (from a raw socket, tcpreplay or
//! trafgen) and checks that every frame arrives once, at the right host, with its VLAN tag.
//! They need root (or CAP_NET_ADMIN and CAP_NET_RAW); without it they print a note and pass.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::mem;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use floodwatch_capture::af_packet::{
    open_af_packet, AfPacketConfig, AfPacketSource, Fanout, FanoutMode,
};
use floodwatch_capture::pcap_file::PcapWriter;
use floodwatch_capture::PacketSource;
use floodwatch_packet::parse_ethernet;

// ---------------------------------------------------------------------------------------------
// A veth pair of our own

/// Both ends of a veth pair, deleted on drop. Frames sent into `send` come out of `capture`.
struct Veth {
    id: u16,
    capture: String,
    send: String,
}

static NEXT_VETH: AtomicU16 = AtomicU16::new(0);

impl Veth {
    fn new() -> Veth {
        let base = (std::process::id() as u16).wrapping_mul(97);
        for _ in 0..64 {
            let id = base.wrapping_add(NEXT_VETH.fetch_add(1, Ordering::Relaxed));
            let veth = Veth {
                id,
                capture: format!("fwap{id:04x}a"),
                send: format!("fwap{id:04x}b"),
            };
            let created = Command::new("ip")
                .args([
                    "link",
                    "add",
                    &veth.capture,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    &veth.send,
                ])
                .stderr(Stdio::null())
                .status()
                .expect("cannot run `ip`");
            if !created.success() {
                mem::forget(veth); // someone else's pair, or a leftover: not ours to delete
                continue;
            }
            for end in [&veth.capture, &veth.send] {
                // No IPv6 on the pair: no router solicitations or MLD reports among the frames.
                let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{end}/disable_ipv6"), "1");
                run("ip", &["link", "set", end, "up"]);
            }
            veth.wait_until_up();
            return veth;
        }
        panic!("no free veth name fwapXXXX");
    }

    /// The kernel gives an interface its real qdisc (and so lets frames through) a moment
    /// after `ip link set up`, once it sees the carrier.
    fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        for end in [&self.capture, &self.send] {
            loop {
                let shown = Command::new("ip")
                    .args(["link", "show", "dev", end])
                    .output()
                    .unwrap();
                let shown = String::from_utf8_lossy(&shown.stdout);
                if shown.contains("state UP") && !shown.contains("qdisc noop") {
                    break;
                }
                assert!(Instant::now() < deadline, "{end} did not come up: {shown}");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// A fanout group id no other test uses at the same time.
    fn group_id(&self) -> u16 {
        self.id
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.capture])
            .status();
    }
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().unwrap();
    assert!(status.success(), "{program} {args:?} failed");
}

fn have_privileges() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    eprintln!("note: AF_PACKET tests need root (veth pairs, raw sockets); skipped");
    false
}

fn have_tool(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        eprintln!(
            "note: {tool} is not installed (apt-get install -y netsniff-ng tcpreplay); skipped"
        );
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Frames to send

const MAC_TO: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const MAC_FROM: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const TPID_8021Q: u16 = 0x8100;
const TPID_8021AD: u16 = 0x88a8;

#[derive(Clone, Debug)]
struct Udp {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    src_port: u16,
    dst_port: u16,
    /// Tags from the outermost: (TPID, TCI).
    tags: Vec<(u16, u16)>,
    frame_len: usize,
}

impl Udp {
    fn new(src: Ipv4Addr, dst: Ipv4Addr, src_port: u16) -> Udp {
        Udp {
            src,
            dst,
            src_port,
            dst_port: 53,
            tags: Vec::new(),
            frame_len: 60,
        }
    }

    fn tagged(mut self, tpid: u16, vlan: u16) -> Udp {
        self.tags.push((tpid, vlan));
        self
    }

    fn len(mut self, frame_len: usize) -> Udp {
        self.frame_len = frame_len;
        self
    }

    fn frame(&self) -> Vec<u8> {
        let mut frame = Vec::with_capacity(self.frame_len);
        frame.extend(MAC_TO);
        frame.extend(MAC_FROM);
        for (tpid, tci) in &self.tags {
            frame.extend(tpid.to_be_bytes());
            frame.extend(tci.to_be_bytes());
        }
        frame.extend(0x0800u16.to_be_bytes());
        let ip_start = frame.len();
        let ip_len = (self.frame_len.max(ip_start + 28) - ip_start) as u16;
        frame.extend([0x45, 0]);
        frame.extend(ip_len.to_be_bytes());
        frame.extend([0, 1, 0, 0, 64, 17, 0, 0]);
        frame.extend(self.src.octets());
        frame.extend(self.dst.octets());
        let checksum = ipv4_checksum(&frame[ip_start..ip_start + 20]);
        frame[ip_start + 10..ip_start + 12].copy_from_slice(&checksum.to_be_bytes());
        frame.extend(self.src_port.to_be_bytes());
        frame.extend(self.dst_port.to_be_bytes());
        frame.extend((ip_len - 20).to_be_bytes());
        frame.extend([0, 0]);
        frame.resize(ip_start + usize::from(ip_len), 0xab);
        frame
    }
}

fn ipv4_checksum(header: &[u8]) -> u16 {
    let sum: u32 = header
        .chunks(2)
        .map(|pair| u32::from(u16::from_be_bytes([pair[0], pair[1]])))
        .sum();
    let folded = (sum & 0xffff) + (sum >> 16);
    !((folded & 0xffff) + (folded >> 16)) as u16
}

fn host(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 7, last)
}

/// Sends frames through a raw AF_PACKET socket bound to an interface.
struct RawSender {
    fd: OwnedFd,
}

impl RawSender {
    fn on(interface: &str) -> RawSender {
        let name = std::ffi::CString::new(interface).unwrap();
        // SAFETY: plain syscalls on a socket owned here; sockaddr_ll is all integers.
        unsafe {
            let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "raw socket: {}", io::Error::last_os_error());
            let fd = OwnedFd::from_raw_fd(fd);
            let mut address: libc::sockaddr_ll = mem::zeroed();
            address.sll_family = libc::AF_PACKET as u16;
            address.sll_ifindex = libc::if_nametoindex(name.as_ptr()) as i32;
            let bound = libc::bind(
                fd.as_raw_fd(),
                (&address as *const libc::sockaddr_ll).cast(),
                mem::size_of::<libc::sockaddr_ll>() as u32,
            );
            assert_eq!(
                bound,
                0,
                "bind to {interface}: {}",
                io::Error::last_os_error()
            );
            RawSender { fd }
        }
    }

    fn send(&self, frame: &[u8]) {
        // SAFETY: sends from a live slice.
        let sent =
            unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        assert_eq!(
            sent,
            frame.len() as isize,
            "send: {}",
            io::Error::last_os_error()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Capturing

fn config(veth: &Veth) -> AfPacketConfig {
    AfPacketConfig {
        interface: veth.capture.clone(),
        block_size: 256 << 10,
        block_count: 16,
        ..AfPacketConfig::default()
    }
}

#[derive(Clone, Debug)]
struct Captured {
    data: Vec<u8>,
    original_len: u32,
    timestamp_ns: u64,
    vlan_tci: Option<u16>,
}

impl Captured {
    fn dst(&self) -> Option<IpAddr> {
        parse_ethernet(&self.data).ok().map(|info| info.dst)
    }

    /// The outermost VLAN id, whether the kernel left the tag in the frame or moved it out.
    fn vlan(&self) -> Option<u16> {
        self.vlan_tci
            .map(|tci| tci & 0x0fff)
            .or_else(|| parse_ethernet(&self.data).ok()?.vlan)
    }
}

/// Polls every member until none has delivered anything for a while; the frames of each.
fn drain(sources: &mut [AfPacketSource]) -> Vec<Vec<Captured>> {
    let mut captured = vec![Vec::new(); sources.len()];
    let mut last_frame = Instant::now();
    while last_frame.elapsed() < Duration::from_millis(400) {
        for (source, frames) in sources.iter_mut().zip(&mut captured) {
            let delivered = source
                .poll(20, &mut |frame| {
                    frames.push(Captured {
                        data: frame.data.to_vec(),
                        original_len: frame.original_len,
                        timestamp_ns: frame.timestamp_ns,
                        vlan_tci: frame.vlan_tci,
                    })
                })
                .unwrap();
            if delivered > 0 {
                last_frame = Instant::now();
            }
        }
    }
    captured
}

fn count_by_dst<'a>(frames: impl IntoIterator<Item = &'a Captured>) -> HashMap<IpAddr, u64> {
    let mut counts = HashMap::new();
    for frame in frames {
        if let Some(dst) = frame.dst() {
            *counts.entry(dst).or_default() += 1;
        }
    }
    counts
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// 64 flows to four hosts, 10 packets each: 640 frames of assorted sizes.
fn flows_to_four_hosts() -> Vec<Udp> {
    (0..64u16)
        .map(|flow| {
            Udp::new(
                Ipv4Addr::new(203, 0, 113, flow as u8),
                host(1 + (flow % 4) as u8),
                1024 + flow,
            )
            .len([60, 128, 590, 1514][usize::from(flow % 4)])
        })
        .collect()
}

fn expected_by_dst(packets: &[Udp], repeat: u64) -> HashMap<IpAddr, u64> {
    let mut expected = HashMap::new();
    for packet in packets {
        *expected.entry(IpAddr::V4(packet.dst)).or_default() += repeat;
    }
    expected
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn every_frame_arrives_once_at_its_host() {
    if !have_privileges() {
        return;
    }
    let veth = Veth::new();
    let mut sources = open_af_packet(&config(&veth), 1).unwrap();
    assert_eq!(sources[0].name(), format!("af_packet:{}#0", veth.capture));

    let sender = RawSender::on(&veth.send);
    let flows = flows_to_four_hosts();
    let before = now_ns();
    for _ in 0..10 {
        for flow in &flows {
            sender.send(&flow.frame());
        }
    }
    let after = now_ns();
    let frames = drain(&mut sources).remove(0);

    assert_eq!(count_by_dst(&frames), expected_by_dst(&flows, 10));
    let sent: HashSet<Vec<u8>> = flows.iter().map(Udp::frame).collect();
    for frame in &frames {
        assert!(
            sent.contains(&frame.data),
            "a frame came out changed: {frame:?}"
        );
        assert_eq!(frame.original_len as usize, frame.data.len());
        assert_eq!(frame.vlan_tci, None);
        assert!(
            (before..=after).contains(&frame.timestamp_ns),
            "timestamp {} out of the send window",
            frame.timestamp_ns
        );
    }
    let stats = sources[0].stats();
    assert_eq!(stats.packets, frames.len() as u64);
    assert_eq!(
        stats.bytes,
        frames
            .iter()
            .map(|f| u64::from(f.original_len))
            .sum::<u64>()
    );
    assert_eq!((stats.kernel_drops, stats.ring_full), (0, 0));
}

#[test]
fn hash_fanout_splits_flows_between_members_and_keeps_each_flow_on_one() {
    if !have_privileges() {
        return;
    }
    let veth = Veth::new();
    let config = AfPacketConfig {
        fanout: Some(Fanout {
            group_id: veth.group_id(),
            mode: FanoutMode::Hash,
        }),
        ..config(&veth)
    };
    let mut members = open_af_packet(&config, 2).unwrap();
    assert_eq!(members[1].name(), format!("af_packet:{}#1", veth.capture));

    let sender = RawSender::on(&veth.send);
    let flows = flows_to_four_hosts();
    for _ in 0..10 {
        for flow in &flows {
            sender.send(&flow.frame());
        }
    }
    let captured = drain(&mut members);

    assert_eq!(
        count_by_dst(captured.iter().flatten()),
        expected_by_dst(&flows, 10)
    );
    let mut member_of_flow = HashMap::new();
    for (member, frames) in captured.iter().enumerate() {
        assert!(
            !frames.is_empty(),
            "member {member} got nothing from 64 flows"
        );
        for frame in frames {
            let info = parse_ethernet(&frame.data).unwrap();
            let flow = (info.src, info.dst, info.src_port, info.dst_port);
            let first = *member_of_flow.entry(flow).or_insert(member);
            assert_eq!(first, member, "flow {flow:?} reached two members");
        }
    }
    for (member, source) in members.iter().enumerate() {
        assert_eq!(source.stats().packets, captured[member].len() as u64);
    }
}

#[test]
fn lb_and_cpu_fanout_deliver_each_frame_to_exactly_one_member() {
    if !have_privileges() {
        return;
    }
    for mode in [FanoutMode::Lb, FanoutMode::Cpu] {
        let veth = Veth::new();
        let config = AfPacketConfig {
            fanout: Some(Fanout {
                group_id: veth.group_id(),
                mode,
            }),
            ..config(&veth)
        };
        let mut members = open_af_packet(&config, 2).unwrap();
        let sender = RawSender::on(&veth.send);
        let flows = flows_to_four_hosts();
        for _ in 0..5 {
            for flow in &flows {
                sender.send(&flow.frame());
            }
        }
        let captured = drain(&mut members);
        assert_eq!(
            count_by_dst(captured.iter().flatten()),
            expected_by_dst(&flows, 5),
            "{mode:?}"
        );
        if mode == FanoutMode::Lb {
            let (first, second) = (captured[0].len(), captured[1].len());
            assert!(
                first.abs_diff(second) <= 1,
                "round robin gave {first} and {second}"
            );
        }
    }
}

#[test]
fn a_fanout_group_in_use_with_another_mode_is_refused_with_the_reason() {
    if !have_privileges() {
        return;
    }
    let veth = Veth::new();
    let group_id = veth.group_id();
    let hash = AfPacketConfig {
        fanout: Some(Fanout {
            group_id,
            mode: FanoutMode::Hash,
        }),
        ..config(&veth)
    };
    let _members = open_af_packet(&hash, 2).unwrap();
    let lb = AfPacketConfig {
        fanout: Some(Fanout {
            group_id,
            mode: FanoutMode::Lb,
        }),
        ..config(&veth)
    };
    let error = open_af_packet(&lb, 1).unwrap_err().to_string();
    assert!(
        error.contains(&format!("fanout group {group_id} is already in use")),
        "{error}"
    );
    assert!(error.contains("choose another group_id"), "{error}");
}

#[test]
fn vlan_tags_reach_the_right_host_whether_in_the_frame_or_in_metadata() {
    if !have_privileges() {
        return;
    }
    let veth = Veth::new();
    let mut sources = open_af_packet(&config(&veth), 1).unwrap();
    let sender = RawSender::on(&veth.send);
    let source = Ipv4Addr::new(203, 0, 113, 9);
    let sent = [
        (
            Udp::new(source, host(10), 1000).tagged(TPID_8021Q, 100),
            Some(100),
        ),
        (
            Udp::new(source, host(20), 1000).tagged(TPID_8021Q, 0x6000 | 200),
            Some(200),
        ),
        (
            Udp::new(source, host(30), 1000)
                .tagged(TPID_8021AD, 300)
                .tagged(TPID_8021Q, 400),
            Some(300),
        ),
        (Udp::new(source, host(40), 1000), None),
    ];
    for round in 0..50 {
        for (packet, _) in &sent[..if round % 2 == 0 { 4 } else { 2 }] {
            sender.send(&packet.frame());
        }
    }
    // Frames this host sends out of the capture end are seen with their tag still inside.
    let outgoing = Udp::new(source, host(80), 1000).tagged(TPID_8021Q, 80);
    let capture_end = RawSender::on(&veth.capture);
    for _ in 0..10 {
        capture_end.send(&outgoing.frame());
    }
    let frames = drain(&mut sources).remove(0);

    let mut seen: HashMap<(IpAddr, Option<u16>), u64> = HashMap::new();
    for frame in &frames {
        if let Some(dst) = frame.dst() {
            *seen.entry((dst, frame.vlan())).or_default() += 1;
        }
    }
    let expected: HashMap<_, _> = sent
        .iter()
        .enumerate()
        .map(|(index, (packet, vlan))| {
            (
                (IpAddr::V4(packet.dst), *vlan),
                if index < 2 { 50 } else { 25 },
            )
        })
        .chain([((IpAddr::V4(host(80)), Some(80)), 10)])
        .collect();
    assert_eq!(seen, expected);
    let priority_tagged = frames
        .iter()
        .find(|f| f.dst() == Some(IpAddr::V4(host(20))))
        .unwrap();
    if let Some(tci) = priority_tagged.vlan_tci {
        assert_eq!(tci, 0x6000 | 200, "the whole TCI, priority bits included");
    }
    let moved = |last: u8| {
        let to_host = frames
            .iter()
            .filter(|f| f.dst() == Some(IpAddr::V4(host(last))));
        (
            to_host.clone().filter(|f| f.vlan_tci.is_some()).count(),
            to_host.count(),
        )
    };
    eprintln!(
        "tags moved into metadata: received {:?} {:?} {:?}, sent {:?} (moved, frames)",
        moved(10),
        moved(20),
        moved(30),
        moved(80)
    );
}

#[test]
fn snap_len_truncates_frames_and_keeps_their_wire_length() {
    if !have_privileges() {
        return;
    }
    let veth = Veth::new();
    let config = AfPacketConfig {
        snap_len: 64,
        ..config(&veth)
    };
    let mut sources = open_af_packet(&config, 1).unwrap();
    let sender = RawSender::on(&veth.send);
    let packet = Udp::new(Ipv4Addr::new(203, 0, 113, 1), host(50), 4000).len(1000);
    for _ in 0..100 {
        sender.send(&packet.frame());
    }
    let frames = drain(&mut sources).remove(0);

    assert_eq!(frames.len(), 100);
    for frame in &frames {
        assert_eq!(frame.data.len(), 64);
        assert_eq!(frame.original_len, 1000);
        assert_eq!(frame.data[..], packet.frame()[..64]);
        let info = parse_ethernet(&frame.data).unwrap();
        assert_eq!(
            info.ip_length, 986,
            "the IP length comes from the header, not the capture"
        );
    }
    assert_eq!(sources[0].stats().bytes, 100 * 1000);
}

#[test]
fn a_full_ring_counts_drops_and_freezes_and_keeps_them_across_reads() {
    if !have_privileges() {
        return;
    }
    let veth = Veth::new();
    let config = AfPacketConfig {
        block_size: 4096,
        block_count: 2,
        block_timeout_ms: 1000,
        ..config(&veth)
    };
    let mut sources = open_af_packet(&config, 1).unwrap();
    let sender = RawSender::on(&veth.send);
    let packet = Udp::new(Ipv4Addr::new(203, 0, 113, 1), host(60), 4000).len(200);
    const SENT: u64 = 500;
    for _ in 0..SENT {
        sender.send(&packet.frame());
    }
    let frames = drain(&mut sources).remove(0);

    let stats = sources[0].stats();
    assert_eq!(stats.packets, frames.len() as u64);
    assert!(stats.kernel_drops > 0 && stats.ring_full > 0, "{stats:?}");
    assert_eq!(stats.packets + stats.kernel_drops, SENT, "{stats:?}");
    assert_eq!(
        sources[0].stats(),
        stats,
        "a second read must not lose what the kernel reset"
    );
}

#[test]
fn an_interface_going_down_is_reported_once_and_capture_resumes_when_up() {
    if !have_privileges() {
        return;
    }
    let veth = Veth::new();
    let mut sources = open_af_packet(&config(&veth), 1).unwrap();
    run("ip", &["link", "set", &veth.capture, "down"]);
    let error = sources[0].poll(1000, &mut |_| {}).unwrap_err().to_string();
    assert!(
        error.contains(&format!("{} went down or was removed", veth.capture)),
        "{error}"
    );
    assert_eq!(
        sources[0].poll(50, &mut |_| {}).unwrap(),
        0,
        "the error is reported once"
    );

    run("ip", &["link", "set", &veth.capture, "up"]);
    veth.wait_until_up();
    let sender = RawSender::on(&veth.send);
    let packet = Udp::new(Ipv4Addr::new(203, 0, 113, 1), host(90), 4000);
    for _ in 0..10 {
        sender.send(&packet.frame());
    }
    let frames = drain(&mut sources).remove(0);
    assert_eq!(
        count_by_dst(&frames),
        HashMap::from([(IpAddr::V4(host(90)), 10)])
    );
}

#[test]
fn a_missing_interface_is_named_with_what_to_do() {
    let config = AfPacketConfig {
        interface: "fwapnone0".into(),
        ..AfPacketConfig::default()
    };
    let error = open_af_packet(&config, 1).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
    assert!(
        error
            .to_string()
            .contains("no interface fwapnone0: check `ip link`"),
        "{error}"
    );
}

#[test]
fn several_members_without_a_fanout_group_are_refused() {
    let config = AfPacketConfig {
        interface: "lo".into(),
        ..AfPacketConfig::default()
    };
    let error = open_af_packet(&config, 2).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("set `fanout`"), "{error}");
    let odd_block = AfPacketConfig {
        block_size: 5000,
        ..config
    };
    let error = open_af_packet(&odd_block, 1).unwrap_err().to_string();
    assert!(
        error.contains("block_size 5000 is not a multiple of the page size"),
        "{error}"
    );
}

#[test]
fn without_cap_net_raw_the_error_says_what_is_needed() {
    if !have_privileges() {
        return;
    }
    // Capabilities belong to a thread: dropping one here leaves the other tests theirs.
    let error = std::thread::spawn(|| {
        drop_effective_capability(CAP_NET_RAW);
        let config = AfPacketConfig {
            interface: "lo".into(),
            ..AfPacketConfig::default()
        };
        open_af_packet(&config, 1).unwrap_err()
    })
    .join()
    .unwrap();
    assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
    assert!(
        error
            .to_string()
            .contains("AF_PACKET needs root or CAP_NET_RAW"),
        "{error}"
    );
    // The advice is the systemd unit, said once: not setcap on node, which is what "the binary" is.
    let text = error.to_string();
    assert!(text.contains("packaging/floodwatch.service"), "{text}");
    assert!(!text.contains("on the binary"), "{text}");
    assert_eq!(text.matches("AF_PACKET").count(), 1, "{text}");
}

const CAP_NET_RAW: u32 = 13;

/// Clears one capability from the calling thread's effective set (capget/capset, v3 ABI).
fn drop_effective_capability(capability: u32) {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    let mut header = Header {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: capget/capset read and write the header and two data words given here.
    unsafe {
        assert_eq!(
            libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()),
            0
        );
        data[(capability / 32) as usize].effective &= !(1 << (capability % 32));
        assert_eq!(
            libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()),
            0
        );
    }
}

#[test]
fn tcpreplay_traffic_is_counted_per_host_and_vlan() {
    if !have_privileges() || !have_tool("tcpreplay") {
        return;
    }
    let veth = Veth::new();
    let mut sources = open_af_packet(&config(&veth), 1).unwrap();
    let mut packets = flows_to_four_hosts();
    packets.push(Udp::new(Ipv4Addr::new(203, 0, 113, 200), host(70), 7).tagged(TPID_8021Q, 70));
    let pcap = std::env::temp_dir().join(format!("fwap-{}.pcap", veth.id));
    let mut writer = PcapWriter::new(Vec::new(), 65535).unwrap();
    for (index, packet) in packets.iter().enumerate() {
        let frame = packet.frame();
        writer
            .write_packet(
                1_700_000_000_000_000_000 + index as u64 * 1000,
                frame.len() as u32,
                &frame,
            )
            .unwrap();
    }
    std::fs::File::create(&pcap)
        .unwrap()
        .write_all(&writer.into_inner())
        .unwrap();

    let replayed = Command::new("tcpreplay")
        .args(["-q", "--topspeed", "--loop=5", "-i", &veth.send])
        .arg(&pcap)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&pcap);
    assert!(
        replayed.status.success(),
        "tcpreplay: {}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    let frames = drain(&mut sources).remove(0);

    assert_eq!(count_by_dst(&frames), expected_by_dst(&packets, 5));
    let tagged = frames
        .iter()
        .filter(|f| f.dst() == Some(IpAddr::V4(host(70))));
    assert!(tagged.clone().count() == 5 && tagged.clone().all(|f| f.vlan() == Some(70)));
}

#[test]
fn trafgen_traffic_through_hash_fanout_is_counted_per_host() {
    if !have_privileges() || !have_tool("trafgen") {
        return;
    }
    let veth = Veth::new();
    let config = AfPacketConfig {
        fanout: Some(Fanout {
            group_id: veth.group_id(),
            mode: FanoutMode::Hash,
        }),
        ..config(&veth)
    };
    let mut members = open_af_packet(&config, 2).unwrap();
    let packets = flows_to_four_hosts();
    let trafgen_config: String = packets
        .iter()
        .map(|packet| {
            let bytes: Vec<String> = packet
                .frame()
                .iter()
                .map(|byte| format!("{byte:#04x}"))
                .collect();
            format!("{{ {} }}\n", bytes.join(", "))
        })
        .collect();
    let config_file = std::env::temp_dir().join(format!("fwap-{}.trafgen", veth.id));
    std::fs::write(&config_file, trafgen_config).unwrap();

    let repeat = 20;
    let sent = Command::new("trafgen")
        .args([
            "--dev",
            &veth.send,
            "--cpus",
            "1",
            "--no-sock-mem",
            "--notouch-irq",
            "--no-cpu-stats",
        ])
        .args([
            "--num",
            &(packets.len() as u64 * repeat).to_string(),
            "--conf",
        ])
        .arg(&config_file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&config_file);
    assert!(
        sent.status.success(),
        "trafgen: {}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let captured = drain(&mut members);

    assert_eq!(
        count_by_dst(captured.iter().flatten()),
        expected_by_dst(&packets, repeat)
    );
    assert!(
        captured.iter().all(|frames| !frames.is_empty()),
        "hash fanout used one member only"
    );
}
