//! What the capture benches share: a veth pair, trafgen as the sender, one receiver thread
//! per source and the CPU time they take.
#![allow(dead_code)]

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use floodwatch_capture::{PacketSource, SourceStats};
use floodwatch_packet::parse_ethernet;

pub const FLOWS: u16 = 256;

pub struct Measured {
    pub stats: SourceStats,
    pub user: f64,
    pub system: f64,
    pub sender_cpu: f64,
    pub wall: Duration,
}

/// Runs one receiver thread per source while `send` runs, then until the rings are empty;
/// returns this process's CPU time over that span and the sum of the sources' counters.
pub fn measure<S: PacketSource + 'static>(
    sources: Vec<S>,
    parse: bool,
    send: impl FnOnce(),
) -> Measured {
    let sending = Arc::new(AtomicBool::new(true));
    let (self_before, children_before) = (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN));
    let started = Instant::now();
    let receivers: Vec<_> = sources
        .into_iter()
        .map(|source| {
            let sending = Arc::clone(&sending);
            thread::spawn(move || receive(source, parse, &sending))
        })
        .collect();
    send();
    sending.store(false, Ordering::Relaxed);
    let mut stats = SourceStats::default();
    for receiver in receivers {
        let member = receiver.join().unwrap();
        stats.packets += member.packets;
        stats.bytes += member.bytes;
        stats.kernel_drops += member.kernel_drops;
        stats.ring_full += member.ring_full;
    }
    let wall = started.elapsed();
    let (self_after, children_after) = (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN));
    Measured {
        stats,
        user: self_after.0 - self_before.0,
        system: self_after.1 - self_before.1,
        sender_cpu: children_after.0 + children_after.1 - children_before.0 - children_before.1,
        wall,
    }
}

fn receive<S: PacketSource>(mut source: S, parse: bool, sending: &AtomicBool) -> SourceStats {
    let mut parsed = 0u64;
    loop {
        let delivered = source
            .poll(100, &mut |frame| {
                if parse {
                    parsed += u64::from(black_box(parse_ethernet(frame.data)).is_ok());
                }
            })
            .unwrap();
        // A 100 ms wait with nothing delivered, after the sender is done: the rings are empty.
        if delivered == 0 && !sending.load(Ordering::Relaxed) {
            break;
        }
    }
    black_box(parsed);
    source.stats()
}

/// (user, system) CPU seconds.
pub fn rusage(who: libc::c_int) -> (f64, f64) {
    // SAFETY: getrusage fills the zeroed struct given to it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

/// A trafgen packet list: one 60-byte UDP frame per flow, sent round robin.
pub fn trafgen_packets() -> String {
    (0..FLOWS)
        .map(|flow| {
            let bytes: Vec<String> = udp_frame(flow)
                .iter()
                .map(|byte| format!("{byte:#04x}"))
                .collect();
            format!("{{ {} }}\n", bytes.join(", "))
        })
        .collect()
}

pub fn udp_frame(flow: u16) -> Vec<u8> {
    let mut frame = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    frame.extend([0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0]);
    frame.extend([203, 0, 113, flow as u8, 198, 18, 7, (flow % 16) as u8 + 1]);
    frame.extend((1024 + flow).to_be_bytes());
    frame.extend([0, 53, 0, 26, 0, 0]);
    frame.resize(60, 0);
    frame
}

pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A veth pair of our own, deleted on drop.
pub struct Veth {
    pub id: u16,
    pub capture: String,
    pub send: String,
}

impl Veth {
    pub fn new() -> Veth {
        let id = (std::process::id() as u16) ^ 0xb000;
        let veth = Veth {
            id,
            capture: format!("fwap{id:04x}a"),
            send: format!("fwap{id:04x}b"),
        };
        run(&[
            "link",
            "add",
            &veth.capture,
            "type",
            "veth",
            "peer",
            "name",
            &veth.send,
        ]);
        for end in [&veth.capture, &veth.send] {
            let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{end}/disable_ipv6"), "1");
            run(&["link", "set", end, "up"]);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for end in [&veth.capture, &veth.send] {
            while !link_ready(end) {
                assert!(Instant::now() < deadline, "{end} did not come up");
                thread::sleep(Duration::from_millis(10));
            }
        }
        veth
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.capture])
            .status();
    }
}

pub fn run(args: &[&str]) {
    assert!(
        Command::new("ip").args(args).status().unwrap().success(),
        "ip {args:?} failed"
    );
}

/// Up, and past the moment the kernel swaps its placeholder qdisc for the real one.
pub fn link_ready(interface: &str) -> bool {
    let shown = Command::new("ip")
        .args(["link", "show", "dev", interface])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    shown.contains("state UP") && !shown.contains("qdisc noop")
}

/// trafgen sends `packets` frames of `config` into `dev` at `pps`, on one CPU, leaving the
/// machine's socket memory and IRQ settings alone.
pub fn send_with_trafgen(dev: &str, pps: u64, packets: u64, config: &std::path::Path) {
    let status = Command::new("trafgen")
        .args([
            "--dev",
            dev,
            "--cpus",
            "1",
            "--no-sock-mem",
            "--notouch-irq",
            "--no-cpu-stats",
        ])
        .args([
            "--rate",
            &format!("{pps}pps"),
            "--num",
            &packets.to_string(),
            "--conf",
        ])
        .arg(config)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "trafgen failed");
}

/// What a capture bench sends: a veth pair, trafgen's packet list, the rate and the count.
pub struct Setup {
    pub veth: Veth,
    pub trafgen_config: std::path::PathBuf,
    pub pps: u64,
    pub packets: u64,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.trafgen_config);
    }
}

/// Root and trafgen are needed; without them the bench says so and does nothing.
pub fn setup(bench: &str, needs: &str) -> Option<Setup> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("{bench}: needs root ({needs}); skipped");
        return None;
    }
    let trafgen = Command::new("sh")
        .args(["-c", "command -v trafgen"])
        .stdout(Stdio::null())
        .status();
    if !trafgen.is_ok_and(|s| s.success()) {
        println!("{bench}: needs trafgen (apt-get install -y netsniff-ng); skipped");
        return None;
    }
    let trafgen_config =
        std::env::temp_dir().join(format!("{bench}-{}.trafgen", std::process::id()));
    std::fs::write(&trafgen_config, trafgen_packets()).unwrap();
    Some(Setup {
        veth: Veth::new(),
        trafgen_config,
        pps: env_or("FW_BENCH_PPS", 200_000),
        packets: env_or("FW_BENCH_PACKETS", 2_000_000),
    })
}
