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

mod capture_bench;

use capture_bench::*;

use floodwatch_capture::af_xdp::{open_af_xdp, AfXdpConfig, XdpMode, ZeroCopy};

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
    let Some(setup) = setup("af_xdp_cpu", "veth pair, XDP, AF_XDP") else {
        return;
    };
    let Setup {
        veth,
        trafgen_config,
        pps,
        packets,
    } = &setup;
    let (pps, packets) = (*pps, *packets);
    let send = || {
        send_with_trafgen(&veth.send, pps, packets, trafgen_config);
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
}
