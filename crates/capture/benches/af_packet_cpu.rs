//! CPU cost of AF_PACKET capture: CPU-seconds this process spends per million packets
//! received from a veth pair, while trafgen (a child process) sends 60-byte UDP frames into
//! the other end at a fixed rate. Prints the figures; asserts nothing.
//!
//!     cargo bench -p floodwatch-capture --bench af_packet_cpu
//!
//! FW_BENCH_PPS (default 200000) and FW_BENCH_PACKETS (default 2000000) set the rate and the
//! count. Needs root and trafgen (apt-get install -y netsniff-ng). On a veth the kernel copies
//! each frame into the ring in the sender's context, so that copy is in the sender's figure,
//! not in this process's; the same holds for any other capture measured on the same veth.

mod capture_bench;

use capture_bench::*;

use floodwatch_capture::af_packet::{open_af_packet, AfPacketConfig, Fanout, FanoutMode};

struct Scenario {
    label: &'static str,
    members: usize,
    parse: bool,
}

const SCENARIOS: [Scenario; 3] = [
    Scenario {
        label: "1 member, frames counted",
        members: 1,
        parse: false,
    },
    Scenario {
        label: "1 member, frames parsed",
        members: 1,
        parse: true,
    },
    Scenario {
        label: "2 members (hash fanout), frames parsed",
        members: 2,
        parse: true,
    },
];

fn main() {
    let Some(setup) = setup("af_packet_cpu", "veth pair, AF_PACKET") else {
        return;
    };
    let Setup {
        veth,
        trafgen_config,
        pps,
        packets,
    } = &setup;
    let (pps, packets) = (*pps, *packets);

    println!(
        "AF_PACKET capture CPU on a veth pair, trafgen sending {packets} packets of 60 bytes \
         at {pps} pps over {FLOWS} flows:"
    );
    for scenario in &SCENARIOS {
        let config = AfPacketConfig {
            interface: veth.capture.clone(),
            fanout: (scenario.members > 1).then_some(Fanout {
                group_id: 0x7f00 ^ veth.id,
                mode: FanoutMode::Hash,
            }),
            ..AfPacketConfig::default()
        };
        let sources = open_af_packet(&config, scenario.members).unwrap();
        let result = measure(sources, scenario.parse, || {
            send_with_trafgen(&veth.send, pps, packets, trafgen_config);
        });
        let cpu = result.user + result.system;
        println!(
            "  {:<40} {:>7.4} CPU-s per million packets  (received {}, kernel drops {}, \
             user {:.3} s, sys {:.3} s, sender {:.2} CPU-s, {:.0} pps achieved)",
            scenario.label,
            cpu / result.stats.packets.max(1) as f64 * 1e6,
            result.stats.packets,
            result.stats.kernel_drops,
            result.user,
            result.system,
            result.sender_cpu,
            result.stats.packets as f64 / result.wall.as_secs_f64(),
        );
    }
}
