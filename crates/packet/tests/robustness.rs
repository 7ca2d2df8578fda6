//! No input makes the parser panic: every truncation of every vector, mutated vectors, and
//! random bytes. Truncations must also agree with the whole frame on everything but the
//! transport fields.

mod vectors;

use floodwatch_packet::{parse_ethernet_with, parse_ip_with, PacketInfo, ParseError, ParseOptions};
use floodwatch_test_support::XorShift;

const OPTIONS: [ParseOptions; 2] = [
    ParseOptions { decapsulate: false },
    ParseOptions { decapsulate: true },
];

fn without_transport(info: &PacketInfo) -> PacketInfo {
    PacketInfo {
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        ..info.clone()
    }
}

/// A cut frame reports what the whole one does, with its transport fields possibly lost.
fn is_cut_version_of(cut: &PacketInfo, whole: &PacketInfo) -> bool {
    let ports = (cut.src_port, cut.dst_port);
    let ports_kept_or_lost = ports == (whole.src_port, whole.dst_port) || ports == (0, 0);
    let flags_kept_or_lost = cut.tcp_flags == whole.tcp_flags || cut.tcp_flags == 0;
    without_transport(cut) == without_transport(whole) && ports_kept_or_lost && flags_kept_or_lost
}

#[test]
fn every_truncation_of_every_vector_is_a_cut_version_or_truncated() {
    for vector in vectors::all() {
        let Ok(whole) = &vector.outer else { continue };
        let decapsulated = vector.decapsulated().unwrap();
        for len in 0..vector.frame.len() {
            let cut = &vector.frame[..len];
            let context = format!("{} cut at {len}", vector.name);
            match parse_ethernet_with(cut, &OPTIONS[0]) {
                Ok(info) => assert!(is_cut_version_of(&info, whole), "{context}: {info:?}"),
                Err(error) => assert_eq!(error, ParseError::Truncated, "{context}"),
            }
            match parse_ethernet_with(cut, &OPTIONS[1]) {
                Ok(info) => assert!(
                    is_cut_version_of(&info, &decapsulated) || is_cut_version_of(&info, whole),
                    "{context}, decapsulating: {info:?}"
                ),
                Err(error) => assert_eq!(error, ParseError::Truncated, "{context}"),
            }
        }
    }
}

#[test]
fn truncated_bare_ip_packets_never_panic() {
    for vector in vectors::all() {
        let packet = vector.frame.get(14..).unwrap_or_default();
        for len in 0..=packet.len() {
            for options in &OPTIONS {
                let _ = parse_ip_with(&packet[..len], options);
            }
        }
    }
}

#[test]
fn mutated_vectors_never_panic() {
    let mut noise = XorShift::new(0x9e37_79b9_7f4a_7c15);
    let vectors = vectors::all();
    for round in 0..200_000 {
        let mut frame = vectors[round % vectors.len()].frame.clone();
        for _ in 0..=noise.below(4) {
            let at = noise.below(frame.len());
            frame[at] = noise.next() as u8;
        }
        frame.truncate(noise.below(frame.len() + 1).max(frame.len() / 2));
        for options in &OPTIONS {
            let _ = parse_ethernet_with(&frame, options);
            let _ = parse_ip_with(frame.get(14..).unwrap_or_default(), options);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut noise = XorShift::new(0x0123_4567_89ab_cdef);
    let interesting_ethertypes: [[u8; 2]; 8] = [
        [0x08, 0x00],
        [0x86, 0xdd],
        [0x81, 0x00],
        [0x88, 0xa8],
        [0x91, 0x00],
        [0x88, 0x47],
        [0x88, 0x48],
        [0x88, 0x64],
    ];
    for round in 0..200_000 {
        let len = noise.below(257);
        let mut frame = noise.bytes(len);
        if round % 2 == 0 && len >= 14 {
            frame[12..14].copy_from_slice(&interesting_ethertypes[noise.below(8)]);
        }
        for options in &OPTIONS {
            let _ = parse_ethernet_with(&frame, options);
            let _ = parse_ip_with(&frame, options);
        }
    }
}
