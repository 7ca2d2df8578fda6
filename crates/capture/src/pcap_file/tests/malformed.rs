//! Files that are not captures, or broken ones: a clear error, or the cut reported.

use super::build::{self, Order};
use super::{read_all, Outcome};
use crate::pcap_file::{PcapError, PcapReader, MAX_CAPTURED_LEN};

fn open_error(bytes: &[u8]) -> PcapError {
    match PcapReader::new(bytes) {
        Ok(_) => panic!("{bytes:02x?} opened"),
        Err(error) => error,
    }
}

/// Reads a file that opens and then fails: the packets before, and the error.
fn failing(bytes: &[u8]) -> (usize, PcapError) {
    let Outcome { packets, error, .. } = read_all(bytes).expect("opens");
    (packets.len(), error.expect("an error"))
}

fn frame() -> Vec<u8> {
    build::ethernet_udp([10, 0, 0, 1], [10, 0, 0, 2])
}

#[test]
fn not_a_capture() {
    for bytes in [&b""[..], b"\xd4\xc3", b"GET / HTTP/1.1\r\n\r\n", &[0u8; 64]] {
        let error = open_error(bytes);
        assert!(matches!(error, PcapError::NotPcap), "{error:?}");
        assert_eq!(error.to_string(), "not a pcap or pcapng file");
    }
}

#[test]
fn header_cut_short() {
    let classic = build::classic_header(Order::Little, false, 1);
    let section = build::section_header(Order::Big);
    for bytes in [&classic[..10], &section[..20]] {
        let error = open_error(bytes);
        assert!(
            matches!(error, PcapError::Malformed { offset: 0, .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("ends inside its header"),
            "{error}"
        );
    }
}

#[test]
fn absurd_captured_length_names_its_offset() {
    let mut bytes = build::classic_header(Order::Little, false, 1);
    bytes.extend(build::classic_record(Order::Little, 1, 0, 42, 42, &frame()));
    let second_record_at = bytes.len() as u64;
    bytes.extend(build::classic_record(
        Order::Little,
        2,
        0,
        300_000,
        300_000,
        &[0; 64],
    ));
    let (packets_before, error) = failing(&bytes);
    assert_eq!(packets_before, 1);
    match &error {
        PcapError::AbsurdLength { offset, length, .. } => {
            assert_eq!((*offset, *length), (second_record_at, 300_000));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains(&format!("at byte {second_record_at}")),
        "{error}"
    );
}

#[test]
fn the_largest_captured_length_is_accepted() {
    let data = vec![0u8; MAX_CAPTURED_LEN as usize];
    let mut bytes = build::classic_header(Order::Big, true, 1);
    bytes.extend(build::classic_record(
        Order::Big,
        1,
        5,
        MAX_CAPTURED_LEN,
        MAX_CAPTURED_LEN,
        &data,
    ));
    let outcome = read_all(bytes.as_slice()).unwrap();
    assert!(outcome.error.is_none() && outcome.truncation.is_none());
    assert_eq!(outcome.packets[0].data.len(), MAX_CAPTURED_LEN as usize);
    assert_eq!(outcome.packets[0].timestamp_ns, 1_000_000_005);
}

#[test]
fn pcapng_absurd_lengths() {
    let order = Order::Little;
    let mut bytes = build::section_header(order);
    bytes.extend(build::interface(order, 1, 0, &[]));
    let at = bytes.len() as u64;
    bytes.extend(build::enhanced_packet_declaring(
        order,
        0,
        0,
        300_000,
        300_000,
        &vec![0; 300_000],
    ));
    let (_, error) = failing(&bytes);
    assert!(
        matches!(error, PcapError::AbsurdLength { offset, what: "captured length", .. } if offset == at),
        "{error:?}"
    );

    let mut bytes = build::section_header(order);
    bytes.extend(build::interface(order, 1, 0, &[]));
    bytes.extend(build::enhanced_packet(order, 0, 0, &vec![0; 2 << 20]));
    let (_, error) = failing(&bytes);
    assert!(
        matches!(error, PcapError::AbsurdLength { offset, what: "block length", .. } if offset == at),
        "{error:?}"
    );
}

#[test]
fn unknown_interface() {
    let order = Order::Big;
    let mut bytes = build::section_header(order);
    bytes.extend(build::interface(order, 1, 0, &[]));
    bytes.extend(build::enhanced_packet(order, 0, 1, &frame()));
    let at = bytes.len() as u64;
    bytes.extend(build::enhanced_packet(order, 1, 2, &frame()));
    let (packets_before, error) = failing(&bytes);
    assert_eq!(packets_before, 1);
    assert!(
        matches!(error, PcapError::UnknownInterface { offset, interface_id: 1 } if offset == at),
        "{error:?}"
    );
    assert!(error.to_string().contains("interface 1"), "{error}");
}

#[test]
fn a_new_section_forgets_the_interfaces_of_the_last() {
    let order = Order::Little;
    let mut bytes = build::section_header(order);
    bytes.extend(build::interface(order, 1, 0, &[]));
    bytes.extend(build::interface(order, 101, 0, &[]));
    bytes.extend(build::enhanced_packet(order, 1, 1, &frame()));
    bytes.extend(build::section_header(Order::Big));
    bytes.extend(build::interface(Order::Big, 1, 0, &[]));
    bytes.extend(build::enhanced_packet(Order::Big, 1, 2, &frame()));
    let (packets_before, error) = failing(&bytes);
    assert_eq!(packets_before, 1);
    assert!(
        matches!(
            error,
            PcapError::UnknownInterface {
                interface_id: 1,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_simple_packet_needs_an_interface() {
    let mut bytes = build::section_header(Order::Little);
    bytes.extend(build::simple_packet(Order::Little, 42, &frame()));
    let (_, error) = failing(&bytes);
    assert!(
        matches!(
            error,
            PcapError::UnknownInterface {
                interface_id: 0,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn inconsistent_blocks() {
    let order = Order::Little;
    let start = || {
        let mut bytes = build::section_header(order);
        bytes.extend(build::interface(order, 1, 0, &[]));
        bytes
    };
    let packet = build::enhanced_packet(order, 0, 0, &frame());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            {
                let mut block = packet.clone();
                let len = block.len();
                block[len - 4] ^= 4;
                block
            },
            "trailing length",
        ),
        (
            {
                let mut block = packet.clone();
                block[4] = 0x4e;
                block
            },
            "multiple of 4",
        ),
        (
            {
                let mut block = packet.clone();
                block[4..8].copy_from_slice(&8u32.to_le_bytes());
                block
            },
            "shorter than a block's header",
        ),
        (
            build::enhanced_packet_declaring(order, 0, 0, 100, 100, &frame()),
            "runs past the end of the block",
        ),
        (
            build::block(order, 6, &[0; 8]),
            "too short for its fixed fields",
        ),
    ];
    for (block, reason_part) in cases {
        let mut bytes = start();
        let at = bytes.len() as u64;
        bytes.extend(&block);
        match read_all(bytes.as_slice()).unwrap().error {
            Some(PcapError::Malformed { offset, reason }) => {
                assert_eq!(offset, at, "{reason}");
                assert!(reason.contains(reason_part), "{reason} lacks {reason_part}");
            }
            other => panic!("{reason_part}: {other:?}"),
        }
    }
}

#[test]
fn interface_option_running_past_its_block() {
    let order = Order::Big;
    let mut bytes = build::section_header(order);
    let mut interface = build::interface(order, 1, 0, &[(9, vec![9])]);
    // The if_tsresol option's length (big-endian, at 18..20), from 1 to 200.
    interface[19] = 200;
    bytes.extend(interface);
    let (_, error) = failing(&bytes);
    assert!(
        matches!(error, PcapError::Malformed { reason, .. } if reason.contains("option")),
        "{error:?}"
    );
}

#[test]
fn section_header_faults() {
    let error = open_error(&build::section_header_version(Order::Little, 2, 0));
    assert!(
        matches!(
            error,
            PcapError::UnsupportedVersion {
                offset: 0,
                major: 2,
                minor: 0
            }
        ),
        "{error:?}"
    );
    let mut bad_magic = build::section_header(Order::Little);
    bad_magic[8] = 0;
    let error = open_error(&bad_magic);
    assert!(
        matches!(error, PcapError::Malformed { offset: 0, .. }),
        "{error:?}"
    );
}

#[test]
fn truncation_is_reported_with_the_packets_before_it() {
    let mut bytes = build::classic_header(Order::Little, true, 1);
    for seconds in 0..3 {
        bytes.extend(build::classic_record(
            Order::Little,
            seconds,
            0,
            42,
            42,
            &frame(),
        ));
    }
    let cut_at = bytes.len() as u64;
    bytes.extend(&build::classic_record(Order::Little, 4, 0, 42, 42, &frame())[..30]);
    let outcome = read_all(bytes.as_slice()).unwrap();
    assert!(outcome.error.is_none());
    assert_eq!(outcome.packets.len(), 3);
    let truncation = outcome.truncation.expect("truncation reported");
    assert_eq!(truncation.offset, cut_at);
    assert_eq!(truncation.packets_before, 3);
    assert_eq!((truncation.record_len, truncation.available), (58, 30));
    assert_eq!(
        truncation.to_string(),
        format!("capture truncated: the record at byte {cut_at} needs 58 bytes but the file holds 30 of them; 3 packets read before it")
    );
}
