//! Each fixture read as tshark reads it: same packets, timestamps, lengths, link layers,
//! addresses and VLAN ids.

use std::collections::BTreeSet;
use std::net::IpAddr;

use floodwatch_packet::ParseOptions;

use super::{fixtures, read_clean, testdata_dir, OwnedPacket};
use crate::pcap_file::{linktype, packet_info};

/// One line of a `.tshark` file (see make-fixtures.sh for the fields).
#[derive(Debug)]
struct Expected {
    timestamp_ns: u64,
    original_len: u32,
    captured_len: usize,
    link_layer: String,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    vlan: Option<u16>,
}

fn expectations(fixture: &str) -> Vec<Expected> {
    let path = testdata_dir().join(format!("{fixture}.tshark"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines().map(expected).collect()
}

fn expected(line: &str) -> Expected {
    let fields: Vec<&str> = line.split('\t').collect();
    let field = |index: usize| fields.get(index).copied().unwrap_or("");
    // tshark separates repeated fields with commas; the outermost comes first.
    let first = |index: usize| {
        field(index)
            .split(',')
            .next()
            .filter(|value| !value.is_empty())
    };
    let address = |v4: usize, v6: usize| first(v4).or(first(v6)).map(|a| a.parse().unwrap());
    Expected {
        timestamp_ns: epoch_ns(field(0)),
        original_len: field(1).parse().unwrap(),
        captured_len: field(2).parse().unwrap(),
        link_layer: field(3).split(':').next().unwrap().to_string(),
        src: address(4, 6),
        dst: address(5, 7),
        vlan: first(8).or(first(9)).map(|id| id.parse().unwrap()),
    }
}

/// tshark prints seconds.nanoseconds; nothing at all for a packet without a timestamp.
fn epoch_ns(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let (seconds, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let nanos = format!("{fraction:0<9}");
    seconds.parse::<u64>().unwrap() * 1_000_000_000 + nanos[..9].parse::<u64>().unwrap()
}

/// The link types tshark names a frame's first layer after.
fn link_types_of(layer: &str) -> &'static [u16] {
    match layer {
        "eth" => &[linktype::ETHERNET],
        "sll" => &[linktype::LINUX_SLL, linktype::LINUX_SLL2],
        "raw" => &[linktype::RAW],
        "ip" => &[linktype::IPV4],
        "ipv6" => &[linktype::IPV6],
        "null" => &[linktype::NULL, linktype::LOOP],
        other => panic!("no link type known for tshark layer {other}"),
    }
}

fn check(fixture: &str, index: usize, packet: &OwnedPacket, expected: &Expected) {
    let at = format!("{fixture} packet {}", index + 1);
    assert_eq!(
        packet.timestamp_ns, expected.timestamp_ns,
        "{at}: timestamp"
    );
    assert_eq!(
        packet.original_len, expected.original_len,
        "{at}: original length"
    );
    assert_eq!(
        packet.data.len(),
        expected.captured_len,
        "{at}: captured length"
    );
    assert!(
        link_types_of(&expected.link_layer).contains(&packet.linktype),
        "{at}: link type {} for a {} frame",
        packet.linktype,
        expected.link_layer
    );
    let info = packet_info(packet.linktype, &packet.data, &ParseOptions::default());
    match (&info, expected.src) {
        (Ok(info), Some(src)) => {
            assert_eq!(Some(info.src), Some(src), "{at}: source");
            assert_eq!(Some(info.dst), expected.dst, "{at}: destination");
            assert_eq!(info.vlan, expected.vlan, "{at}: VLAN");
        }
        (Err(_), None) => {}
        (info, src) => panic!("{at}: packet_info gave {info:?}, tshark saw source {src:?}"),
    }
}

#[test]
fn every_fixture_reads_as_tshark_reads_it() {
    for (name, bytes) in fixtures() {
        let packets = read_clean(bytes.as_slice());
        let expected = expectations(&name);
        assert_eq!(packets.len(), expected.len(), "{name}: packet count");
        for (index, (packet, expected)) in packets.iter().zip(&expected).enumerate() {
            check(&name, index, packet, expected);
        }
    }
}

fn read_fixture(name: &str) -> Vec<OwnedPacket> {
    read_clean(std::fs::read(testdata_dir().join(name)).unwrap().as_slice())
}

fn link_types(packets: &[OwnedPacket]) -> BTreeSet<u16> {
    packets.iter().map(|packet| packet.linktype).collect()
}

#[test]
fn each_fixture_has_the_link_type_it_was_made_with() {
    let cases: [(&str, &[u16]); 9] = [
        ("any-sll.pcap", &[linktype::LINUX_SLL]),
        ("any-sll2.pcapng", &[linktype::LINUX_SLL2]),
        ("sll-tagged.pcap", &[linktype::LINUX_SLL]),
        ("sll2-tagged.pcapng", &[linktype::LINUX_SLL2]),
        ("null.pcap", &[linktype::NULL]),
        ("openbsd-loop.pcap", &[linktype::LOOP]),
        ("raw-ipv4.pcapng", &[linktype::IPV4]),
        (
            "two-interfaces.pcapng",
            &[linktype::ETHERNET, linktype::RAW],
        ),
        (
            "three-sections.pcapng",
            &[linktype::ETHERNET, linktype::IPV6],
        ),
    ];
    for (name, expected) in cases {
        let expected: BTreeSet<u16> = expected.iter().copied().collect();
        assert_eq!(link_types(&read_fixture(name)), expected, "{name}");
    }
}

#[test]
fn every_rewrite_of_the_loopback_capture_holds_its_packets() {
    let original = read_fixture("lo-capture.pcapng");
    let same_bytes = |packets: &[OwnedPacket]| {
        packets
            .iter()
            .map(|p| (p.original_len, p.data.clone()))
            .collect::<Vec<_>>()
    };
    for name in [
        "ethernet-nsec.pcap",
        "ethernet-usec.pcap",
        "ethernet-usec-big-endian.pcap",
        "ethernet-usec.pcapng",
        "ethernet-big-endian.pcapng",
        "ethernet-name-resolution.pcapng",
        "ethernet-secrets.pcapng",
        "ethernet-simple-packets.pcapng",
        "ethernet-obsolete-packets.pcapng",
    ] {
        assert_eq!(
            same_bytes(&read_fixture(name)),
            same_bytes(&original),
            "{name}"
        );
    }
    let nanosecond = read_fixture("ethernet-nsec.pcap");
    assert_eq!(
        nanosecond, original,
        "nanosecond pcap keeps every timestamp"
    );
    assert!(
        original.iter().any(|p| p.timestamp_ns % 1_000 != 0),
        "capture has nanoseconds"
    );
    let microsecond = read_fixture("ethernet-usec-big-endian.pcap");
    for (micro, nano) in microsecond.iter().zip(&original) {
        assert_eq!(micro.timestamp_ns, nano.timestamp_ns / 1_000 * 1_000);
    }
}

#[test]
fn sections_concatenate() {
    let mut expected = read_fixture("lo-capture.pcapng");
    expected.extend(read_fixture("ethernet-big-endian.pcapng"));
    expected.extend(read_fixture("raw-ipv6.pcapng"));
    assert_eq!(read_fixture("three-sections.pcapng"), expected);
}
