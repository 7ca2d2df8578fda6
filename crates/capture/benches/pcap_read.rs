//! Reading speed of the capture-file reader: a million packets, generated into memory as a
//! classic pcap (with `PcapWriter`) and as a pcapng, read back with and without parsing each
//! packet's headers. Prints packets per second; run with `cargo bench -p floodwatch-capture`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use floodwatch_capture::pcap_file::{packet_info, PcapReader, PcapWriter};
use floodwatch_packet::ParseOptions;

const PACKETS: u32 = 1_000_000;
const RUNS: usize = 3;
/// Frame sizes in the mix: mostly small, as in a flood, some full-size.
const FRAME_SIZES: [usize; 8] = [60, 60, 60, 78, 128, 590, 1014, 1514];

fn frame(index: u32) -> Vec<u8> {
    let size = FRAME_SIZES[index as usize % FRAME_SIZES.len()];
    let ip_len = (size - 14) as u16;
    let mut frame = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
    frame.extend([0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0]);
    frame[16..18].copy_from_slice(&ip_len.to_be_bytes());
    frame.extend([10, (index >> 16) as u8, (index >> 8) as u8, index as u8]);
    frame.extend([192, 0, 2, 1]);
    frame.extend([0x30, 0x39, 0x00, 0x35]);
    frame.extend((ip_len - 20).to_be_bytes());
    frame.resize(size, 0);
    frame
}

fn classic_pcap() -> Vec<u8> {
    let mut writer = PcapWriter::new(Vec::new(), 65535).unwrap();
    for index in 0..PACKETS {
        let frame = frame(index);
        writer
            .write_packet(
                1_700_000_000_000_000_000 + u64::from(index) * 1_000,
                frame.len() as u32,
                &frame,
            )
            .unwrap();
    }
    writer.into_inner()
}

/// The same packets in a pcapng: one section, one Ethernet interface, nanosecond clock.
fn pcapng() -> Vec<u8> {
    fn block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
        let total = (12 + body.len().next_multiple_of(4)) as u32;
        out.extend(block_type.to_le_bytes());
        out.extend(total.to_le_bytes());
        out.extend(body);
        out.resize(out.len().next_multiple_of(4), 0);
        out.extend(total.to_le_bytes());
    }
    let mut out = Vec::new();
    block(
        &mut out,
        0x0a0d_0d0a,
        &[
            0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ],
    );
    block(
        &mut out,
        1,
        &[1, 0, 0, 0, 0, 0, 4, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0],
    );
    let mut body = Vec::new();
    for index in 0..PACKETS {
        let frame = frame(index);
        let ticks = 1_700_000_000_000_000_000 + u64::from(index) * 1_000;
        body.clear();
        body.extend(0u32.to_le_bytes());
        body.extend(((ticks >> 32) as u32).to_le_bytes());
        body.extend((ticks as u32).to_le_bytes());
        body.extend((frame.len() as u32).to_le_bytes());
        body.extend((frame.len() as u32).to_le_bytes());
        body.extend(&frame);
        block(&mut out, 6, &body);
    }
    out
}

/// Best of `RUNS`: the time to read every packet, calling `per_packet` on each.
fn best_time(file: &[u8], per_packet: impl Fn(u16, &[u8]) -> u64) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let mut reader = PcapReader::new(file).unwrap();
            let mut sum = 0u64;
            while let Some(packet) = reader.next_packet().unwrap() {
                sum = sum.wrapping_add(per_packet(packet.linktype, packet.data));
            }
            black_box(sum);
            assert_eq!(reader.packets_read(), u64::from(PACKETS));
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn report(label: &str, file: &[u8], elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    println!(
        "{label:<34} {:>6.1} M packets/s  {:>5.2} GB/s  ({:.0} ms for {} packets, {} MB)",
        f64::from(PACKETS) / seconds / 1e6,
        file.len() as f64 / seconds / 1e9,
        seconds * 1e3,
        PACKETS,
        file.len() >> 20,
    );
}

fn main() {
    let opts = ParseOptions::default();
    for (format, file) in [("pcap", classic_pcap()), ("pcapng", pcapng())] {
        let read_only = best_time(&file, |_, data| data.len() as u64);
        report(&format!("{format}: read"), &file, read_only);
        let parsed = best_time(&file, |linktype, data| {
            packet_info(linktype, data, &opts).map_or(0, |info| u64::from(info.ip_length))
        });
        report(&format!("{format}: read + packet_info"), &file, parsed);
    }
}
