//! `packet_info` cases the fixtures leave out.

use std::net::IpAddr;

use floodwatch_packet::{ParseError, ParseOptions};

use crate::pcap_file::{linktype, packet_info, PacketInfoError};

const IPV4_UDP: [u8; 28] = [
    0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0, 53, 0, 8, 0,
    0,
];

fn ipv6_udp() -> Vec<u8> {
    let mut packet = vec![0x60, 0, 0, 0, 0, 8, 17, 64];
    packet.extend(
        "2001:db8::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    packet.extend(
        "2001:db8::2"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    packet.extend([0x30, 0x39, 0, 53, 0, 8, 0, 0]);
    packet
}

fn info(linktype: u16, data: &[u8]) -> Result<floodwatch_packet::PacketInfo, PacketInfoError> {
    packet_info(linktype, data, &ParseOptions::default())
}

fn with_prefix(prefix: &[u8], packet: &[u8]) -> Vec<u8> {
    [prefix, packet].concat()
}

#[test]
fn loopback_families_in_either_byte_order() {
    let v6_src: IpAddr = "2001:db8::1".parse().unwrap();
    for family in [10u32, 24, 28, 30] {
        for prefix in [family.to_le_bytes(), family.to_be_bytes()] {
            let frame = with_prefix(&prefix, &ipv6_udp());
            assert_eq!(
                info(linktype::NULL, &frame).unwrap().src,
                v6_src,
                "family {family}"
            );
            assert_eq!(
                info(linktype::LOOP, &frame).unwrap().src,
                v6_src,
                "family {family}"
            );
        }
    }
    let frame = with_prefix(&7u32.to_le_bytes(), &IPV4_UDP);
    assert_eq!(
        info(linktype::NULL, &frame),
        Err(PacketInfoError::Packet(ParseError::NotIp))
    );
    assert_eq!(
        info(linktype::NULL, &[2, 0, 0]),
        Err(PacketInfoError::Packet(ParseError::Truncated))
    );
}

#[test]
fn unsupported_link_type() {
    let error = info(147, &IPV4_UDP).unwrap_err();
    assert_eq!(error, PacketInfoError::UnsupportedLinkType(147));
    assert!(error.to_string().contains("link type 147"));
}

fn sll2(protocol: u16) -> Vec<u8> {
    let mut header = protocol.to_be_bytes().to_vec();
    header.extend([0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    header
}

#[test]
fn sll2_vlan_tags() {
    let mut frame = sll2(0x8100);
    frame.extend([0x00, 0x00, 0x81, 0x00, 0x20, 0x05, 0x08, 0x00]);
    frame.extend(IPV4_UDP);
    let parsed = info(linktype::LINUX_SLL2, &frame).unwrap();
    assert_eq!(parsed.vlan, Some(5), "a priority tag (id 0) is no VLAN");
    assert_eq!(parsed.dst, "10.0.0.2".parse::<IpAddr>().unwrap());
    for len in 0..frame.len() - IPV4_UDP.len() {
        assert_eq!(
            info(linktype::LINUX_SLL2, &frame[..len]),
            Err(PacketInfoError::Packet(ParseError::Truncated)),
            "cut at {len}"
        );
    }
    let mut mpls = sll2(0x8847);
    mpls.extend([0, 0x3e, 0x81, 64]);
    mpls.extend(IPV4_UDP);
    assert_eq!(
        info(linktype::LINUX_SLL2, &mpls),
        Err(PacketInfoError::Packet(ParseError::NotIp))
    );
}

#[test]
fn sll_cut_before_its_protocol() {
    for len in 0..16 {
        assert_eq!(
            info(linktype::LINUX_SLL, &[0; 16][..len]),
            Err(PacketInfoError::Packet(ParseError::Truncated)),
            "cut at {len}"
        );
    }
}

#[test]
fn raw_ip_follows_the_version_nibble() {
    for linktype in [linktype::RAW, linktype::IPV4, linktype::IPV6] {
        assert_eq!(info(linktype, &IPV4_UDP).unwrap().ip_length, 28);
        assert_eq!(info(linktype, &ipv6_udp()).unwrap().ip_length, 48);
    }
}
