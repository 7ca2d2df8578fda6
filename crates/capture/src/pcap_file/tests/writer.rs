//! The writer's files read back, by this reader and by tshark.

use std::process::Command;

use super::{build, read_clean, tool_present, OwnedPacket};
use crate::pcap_file::{linktype, PcapWriter, TimestampPrecision};

/// Frames of growing size, each with a distinct source address and timestamp.
fn frames() -> Vec<(u64, Vec<u8>)> {
    (0..40u8)
        .map(|index| {
            let mut frame = build::ethernet_udp([10, 0, 0, index], [10, 0, 1, 1]);
            frame.extend(std::iter::repeat_n(index, usize::from(index) * 37));
            let timestamp = 1_700_000_000_123_456_789 + u64::from(index) * 1_000_000_007;
            (timestamp, frame)
        })
        .collect()
}

fn write(precision: TimestampPrecision, snaplen: u32) -> Vec<u8> {
    let mut writer = PcapWriter::with_precision(Vec::new(), snaplen, precision).unwrap();
    for (timestamp, frame) in frames() {
        writer
            .write_packet(timestamp, frame.len() as u32, &frame)
            .unwrap();
    }
    writer.into_inner()
}

fn expected(precision: TimestampPrecision, snaplen: usize) -> Vec<OwnedPacket> {
    frames()
        .into_iter()
        .map(|(timestamp, frame)| OwnedPacket {
            timestamp_ns: match precision {
                TimestampPrecision::Nanosecond => timestamp,
                TimestampPrecision::Microsecond => timestamp / 1_000 * 1_000,
            },
            linktype: linktype::ETHERNET,
            original_len: frame.len() as u32,
            data: frame[..frame.len().min(snaplen)].to_vec(),
        })
        .collect()
}

#[test]
fn round_trip() {
    for precision in [
        TimestampPrecision::Nanosecond,
        TimestampPrecision::Microsecond,
    ] {
        for snaplen in [65535, 100] {
            let file = write(precision, snaplen);
            assert_eq!(
                read_clean(file.as_slice()),
                expected(precision, snaplen as usize)
            );
        }
    }
}

#[test]
fn original_length_is_never_below_the_captured_one() {
    let mut writer = PcapWriter::new(Vec::new(), 65535).unwrap();
    writer.write_packet(1, 10, &[0; 60]).unwrap();
    let packets = read_clean(writer.into_inner().as_slice());
    assert_eq!(packets[0].original_len, 60);
}

#[test]
fn timestamps_past_2106_are_refused() {
    let mut writer = PcapWriter::new(Vec::new(), 65535).unwrap();
    let error = writer.write_packet(u64::MAX, 60, &[0; 60]).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn tshark_reads_what_the_writer_wrote() {
    if !tool_present("tshark") {
        return;
    }
    for (precision, digits) in [
        (TimestampPrecision::Nanosecond, 9),
        (TimestampPrecision::Microsecond, 6),
    ] {
        let path = std::env::temp_dir().join(format!(
            "floodwatch-capture-writer-{}-{digits}.pcap",
            std::process::id()
        ));
        std::fs::write(&path, write(precision, 100)).unwrap();
        let output = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(["-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len"])
            .args(["-e", "frame.cap_len", "-e", "ip.src", "-e", "ip.dst"])
            .output()
            .expect("tshark runs");
        std::fs::remove_file(&path).unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines: Vec<String> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let wanted: Vec<String> = expected(precision, 100)
            .iter()
            .enumerate()
            .map(|(index, packet)| {
                let (seconds, nanos) = (
                    packet.timestamp_ns / 1_000_000_000,
                    packet.timestamp_ns % 1_000_000_000,
                );
                let fraction = format!("{nanos:09}");
                let fraction = if digits == 9 {
                    fraction
                } else {
                    format!("{}000", &fraction[..6])
                };
                format!(
                    "{seconds}.{fraction}\t{}\t{}\t10.0.0.{index}\t10.0.1.1",
                    packet.original_len,
                    packet.data.len()
                )
            })
            .collect();
        assert_eq!(lines, wanted, "{precision:?}");
    }
}
