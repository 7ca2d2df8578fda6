//! CPU cost of AF_XDP capture: CPU-seconds this process spends per million packets received
//! from a veth pair, while trafgen (a child process) sends 60-byte UDP frames into the other
//! end at a fixed rate. Prints the figures; asserts nothing. Same method, frames and defaults as
//! the af_packet_cpu bench, so the two read side by side.
//!
//!     cargo bench -p floodwatch-capture --bench af_xdp_cpu
//!
//! FW_BENCH_PPS (default 200000) and FW_BENCH_PACKETS (default 2000000) set the rate and the
//! count. Needs root and trafgen (apt-get install -y netsniff-ng). On a veth the XDP program
//! runs and the kernel copies each frame into the UMEM in the sender's context (softirq), so
//! that work is in the sender's figure, not in this process's: the first line (no capture)
//! gives the sender's own cost to subtract.

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use floodwatch_capture::af_xdp::{open_af_xdp, AfXdpConfig, AfXdpSource, XdpMode, ZeroCopy};
use floodwatch_capture::{PacketSource, SourceStats};
use floodwatch_packet::parse_ethernet;

const FLOWS: u16 = 256;

struct Scenario {
    label: &'static str,
    /// None: no capture at all, the sender alone.
    mode: Option<XdpMode>,
    parse: bool,
}

const SCENARIOS: [Scenario; 5] = [
    Scenario {
        label: "no capture (sender alone)",
        mode: None,
        parse: false,
    },
    Scenario {
        label: "generic, copy, frames counted",
        mode: Some(XdpMode::Generic),
        parse: false,
    },
    Scenario {
        label: "generic, copy, frames parsed",
        mode: Some(XdpMode::Generic),
        parse: true,
    },
    Scenario {
        label: "native, copy, frames counted",
        mode: Some(XdpMode::Native),
        parse: false,
    },
    Scenario {
        label: "native, copy, frames parsed",
        mode: Some(XdpMode::Native),
        parse: true,
    },
];

fn main() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("af_xdp_cpu: needs root (veth pair, XDP, AF_XDP); skipped");
        return;
    }
    if !Command::new("sh")
        .args(["-c", "command -v trafgen"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        println!("af_xdp_cpu: needs trafgen (apt-get install -y netsniff-ng); skipped");
        return;
    }
    let pps: u64 = env_or("FW_BENCH_PPS", 200_000);
    let packets: u64 = env_or("FW_BENCH_PACKETS", 2_000_000);
    let veth = Veth::new();
    let trafgen_config =
        std::env::temp_dir().join(format!("fwxd-bench-{}.trafgen", std::process::id()));
    std::fs::write(&trafgen_config, trafgen_packets()).unwrap();
    let send = || {
        let status = Command::new("trafgen")
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
                "--rate",
                &format!("{pps}pps"),
                "--num",
                &packets.to_string(),
                "--conf",
            ])
            .arg(&trafgen_config)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "trafgen failed");
    };

    println!(
        "AF_XDP capture CPU on a veth pair (1 RX queue, 1 worker), trafgen sending {packets} \
         packets of 60 bytes at {pps} pps over {FLOWS} flows:"
    );
    for scenario in &SCENARIOS {
        let (capture, sources) = match scenario.mode {
            None => (None, Vec::new()),
            Some(mode) => {
                let config = AfXdpConfig {
                    mode,
                    zero_copy: ZeroCopy::Auto,
                    ..AfXdpConfig::new(&veth.capture)
                };
                match open_af_xdp(&config) {
                    Ok(mut capture) => {
                        let sources = capture.take_sources();
                        (Some(capture), sources)
                    }
                    Err(e) => {
                        println!("  {:<34} not available: {e}", scenario.label);
                        continue;
                    }
                }
            }
        };
        let result = measure(sources, scenario.parse, send);
        drop(capture);
        let cpu = result.user + result.system;
        if scenario.mode.is_none() {
            println!(
                "  {:<34} sender {:.2} CPU-s ({:.3} per million packets sent)",
                scenario.label,
                result.sender_cpu,
                result.sender_cpu / packets as f64 * 1e6
            );
            continue;
        }
        println!(
            "  {:<34} {:>7.4} CPU-s per million packets  (received {} of {packets}, kernel drops {}, \
             fill ring empty {}, user {:.3} s, sys {:.3} s, sender {:.2} CPU-s, {:.0} pps achieved)",
            scenario.label,
            cpu / result.stats.packets.max(1) as f64 * 1e6,
            result.stats.packets,
            result.stats.kernel_drops,
            result.stats.ring_full,
            result.user,
            result.system,
            result.sender_cpu,
            result.stats.packets as f64 / result.wall.as_secs_f64(),
        );
    }
    let _ = std::fs::remove_file(&trafgen_config);
}

struct Measured {
    stats: SourceStats,
    user: f64,
    system: f64,
    sender_cpu: f64,
    wall: Duration,
}

/// Runs one receiver thread per source while `send` runs, then until the RX rings are empty;
/// returns this process's CPU time over that span and the sum of the sources' counters.
fn measure(sources: Vec<AfXdpSource>, parse: bool, send: impl FnOnce()) -> Measured {
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

fn receive(mut source: AfXdpSource, parse: bool, sending: &AtomicBool) -> SourceStats {
    let mut parsed = 0u64;
    loop {
        let delivered = source
            .poll(100, &mut |frame| {
                if parse {
                    parsed += u64::from(black_box(parse_ethernet(frame.data)).is_ok());
                }
            })
            .unwrap();
        if delivered == 0 && !sending.load(Ordering::Relaxed) {
            break;
        }
    }
    black_box(parsed);
    if std::env::var_os("FW_BENCH_VERBOSE").is_some() {
        eprintln!("    {}: {:?}", source.name(), source.xdp_statistics());
    }
    source.stats()
}

/// (user, system) CPU seconds.
fn rusage(who: libc::c_int) -> (f64, f64) {
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
fn trafgen_packets() -> String {
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

fn udp_frame(flow: u16) -> Vec<u8> {
    let mut frame = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    frame.extend([0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0]);
    frame.extend([203, 0, 113, flow as u8, 198, 18, 7, (flow % 16) as u8 + 1]);
    frame.extend((1024 + flow).to_be_bytes());
    frame.extend([0, 53, 0, 26, 0, 0]);
    frame.resize(60, 0);
    frame
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A veth pair of our own, deleted on drop.
struct Veth {
    capture: String,
    send: String,
}

impl Veth {
    fn new() -> Veth {
        let id = (std::process::id() as u16) ^ 0xc000;
        let veth = Veth {
            capture: format!("fwxd{id:04x}a"),
            send: format!("fwxd{id:04x}b"),
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

fn run(args: &[&str]) {
    assert!(
        Command::new("ip").args(args).status().unwrap().success(),
        "ip {args:?} failed"
    );
}

/// Up, and past the moment the kernel swaps its placeholder qdisc for the real one.
fn link_ready(interface: &str) -> bool {
    let shown = Command::new("ip")
        .args(["link", "show", "dev", interface])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    shown.contains("state UP") && !shown.contains("qdisc noop")
}
