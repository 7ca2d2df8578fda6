//! Ethernet carried over MPLS (pseudowires, VPLS, EVPN), with and without the control word,
//! built byte by byte: the frames whose first nibble after the label stack is ambiguous, and
//! those that must not parse.

use floodwatch_packet::{parse_ethernet, PacketInfo, ParseError, PROTO_TCP, PROTO_UDP, TCP_SYN};

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_MPLS: u16 = 0x8847;

const ROUTER_MACS: [&str; 2] = ["001b213a4c5e", "3cfdfea1b2c3"];
/// Customer MAC addresses by their first nibble: 0 reads like a control word, 4 and 6 like IP.
const MACS_0: [&str; 2] = ["00505601aa01", "00505601aa02"];
const MACS_4: [&str; 2] = ["40a6b7000001", "40a6b7000002"];
const MACS_6: [&str; 2] = ["6c3b6b000001", "6c3b6b000002"];
const MACS_A: [&str; 2] = ["a4b1c2000001", "a4b1c2000002"];

const CONTROL_WORD: [u8; 4] = [0, 0, 0, 0];

fn hex(digits: &str) -> Vec<u8> {
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

fn ethernet(macs: [&str; 2], ethertype: u16) -> Vec<u8> {
    [hex(macs[0]), hex(macs[1]), ethertype.to_be_bytes().to_vec()].concat()
}

fn vlan_tag(id: u16, ethertype: u16) -> Vec<u8> {
    [id.to_be_bytes(), ethertype.to_be_bytes()].concat()
}

/// `labels` as a stack, the last one with the bottom-of-stack bit.
fn label_stack(labels: &[u32]) -> Vec<u8> {
    let mut stack = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let bottom = u32::from(i + 1 == labels.len());
        stack.extend_from_slice(&(label << 12 | bottom << 8 | 64).to_be_bytes());
    }
    stack
}

fn ipv4(protocol: u8, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut header = vec![0x45, 0];
    header.extend_from_slice(&total.to_be_bytes());
    header.extend_from_slice(&[0x12, 0x34, 0x40, 0, 64, protocol, 0, 0]);
    header.extend_from_slice(&src);
    header.extend_from_slice(&dst);
    let sum: u32 = header
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    let sum = (sum & 0xffff) + (sum >> 16);
    let checksum = !((sum & 0xffff) + (sum >> 16)) as u16;
    header[10..12].copy_from_slice(&checksum.to_be_bytes());
    [header, payload.to_vec()].concat()
}

fn ipv6(next_header: u8, src: &str, dst: &str, payload: &[u8]) -> Vec<u8> {
    let mut header = vec![0x60, 0, 0, 0];
    header.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    header.extend_from_slice(&[next_header, 64]);
    for address in [src, dst] {
        let address: std::net::Ipv6Addr = address.parse().unwrap();
        header.extend_from_slice(&address.octets());
    }
    [header, payload.to_vec()].concat()
}

fn udp(src_port: u16, dst_port: u16, data_len: usize) -> Vec<u8> {
    let mut header = [src_port.to_be_bytes(), dst_port.to_be_bytes()].concat();
    header.extend_from_slice(&((8 + data_len) as u16).to_be_bytes());
    header.extend_from_slice(&[0, 0]);
    [header, vec![0xab; data_len]].concat()
}

fn tcp_syn(src_port: u16, dst_port: u16) -> Vec<u8> {
    let mut header = [src_port.to_be_bytes(), dst_port.to_be_bytes()].concat();
    header.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 0, 0x50, TCP_SYN, 0xff, 0xff, 0, 0, 0, 0,
    ]);
    header
}

/// A UDP packet from 10.1.0.1:40000 to 10.2.0.2:53, 48 bytes long.
fn customer_ipv4_udp() -> Vec<u8> {
    ipv4(PROTO_UDP, [10, 1, 0, 1], [10, 2, 0, 2], &udp(40000, 53, 20))
}

fn customer_ipv4_udp_info() -> PacketInfo {
    PacketInfo {
        src: "10.1.0.1".parse().unwrap(),
        dst: "10.2.0.2".parse().unwrap(),
        protocol: PROTO_UDP,
        src_port: 40000,
        dst_port: 53,
        tcp_flags: 0,
        fragment: false,
        ip_length: 48,
        vlan: None,
    }
}

/// A UDP packet from [2001:db8:a::1]:41000 to [2001:db8:b::53]:53, 72 bytes long.
fn customer_ipv6_udp() -> Vec<u8> {
    ipv6(
        PROTO_UDP,
        "2001:db8:a::1",
        "2001:db8:b::53",
        &udp(41000, 53, 24),
    )
}

fn customer_ipv6_udp_info() -> PacketInfo {
    PacketInfo {
        src: "2001:db8:a::1".parse().unwrap(),
        dst: "2001:db8:b::53".parse().unwrap(),
        protocol: PROTO_UDP,
        src_port: 41000,
        dst_port: 53,
        tcp_flags: 0,
        fragment: false,
        ip_length: 72,
        vlan: None,
    }
}

/// A router's frame: its Ethernet header, the label stack, then `payload`.
fn over_mpls(labels: &[u32], payload: &[u8]) -> Vec<u8> {
    [
        ethernet(ROUTER_MACS, ETHERTYPE_MPLS),
        label_stack(labels),
        payload.to_vec(),
    ]
    .concat()
}

#[test]
fn ethernet_pseudowire_with_a_control_word() {
    let customer = [ethernet(MACS_A, ETHERTYPE_IPV4), customer_ipv4_udp()].concat();
    let frame = over_mpls(&[16005], &[CONTROL_WORD.to_vec(), customer].concat());
    assert_eq!(parse_ethernet(&frame), Ok(customer_ipv4_udp_info()));
}

#[test]
fn a_control_word_with_flags_and_a_sequence_number() {
    let customer = [ethernet(MACS_4, ETHERTYPE_IPV4), customer_ipv4_udp()].concat();
    let control_word = [0x00, 0x00, 0x9c, 0x41];
    let frame = over_mpls(&[16005], &[control_word.to_vec(), customer].concat());
    assert_eq!(parse_ethernet(&frame), Ok(customer_ipv4_udp_info()));
}

#[test]
fn ethernet_pseudowire_without_a_control_word_whatever_the_mac_starts_with() {
    for macs in [MACS_0, MACS_4, MACS_6, MACS_A] {
        let customer = [ethernet(macs, ETHERTYPE_IPV4), customer_ipv4_udp()].concat();
        let frame = over_mpls(&[16005], &customer);
        assert_eq!(
            parse_ethernet(&frame),
            Ok(customer_ipv4_udp_info()),
            "MAC {}",
            macs[0]
        );

        let customer = [ethernet(macs, ETHERTYPE_IPV6), customer_ipv6_udp()].concat();
        let frame = over_mpls(&[16005], &customer);
        assert_eq!(
            parse_ethernet(&frame),
            Ok(customer_ipv6_udp_info()),
            "MAC {}",
            macs[0]
        );
    }
}

#[test]
fn two_and_three_labels_before_the_pseudowire() {
    let customer = [ethernet(MACS_0, ETHERTYPE_IPV4), customer_ipv4_udp()].concat();
    for labels in [&[16004, 299_793][..], &[16004, 16, 299_793]] {
        let with_control_word =
            over_mpls(labels, &[CONTROL_WORD.to_vec(), customer.clone()].concat());
        assert_eq!(
            parse_ethernet(&with_control_word),
            Ok(customer_ipv4_udp_info())
        );
        let without = over_mpls(labels, &customer);
        assert_eq!(parse_ethernet(&without), Ok(customer_ipv4_udp_info()));
    }
}

#[test]
fn evpn_with_and_without_control_word_carrying_ipv6() {
    // EVPN over MPLS: transport label, then the EVI's label; the control word is optional.
    let customer = [ethernet(MACS_6, ETHERTYPE_IPV6), customer_ipv6_udp()].concat();
    let with_control_word = over_mpls(
        &[16004, 24002],
        &[CONTROL_WORD.to_vec(), customer.clone()].concat(),
    );
    assert_eq!(
        parse_ethernet(&with_control_word),
        Ok(customer_ipv6_udp_info())
    );
    let without = over_mpls(&[16004, 24002], &customer);
    assert_eq!(parse_ethernet(&without), Ok(customer_ipv6_udp_info()));
}

#[test]
fn the_customers_vlan_tags_are_crossed_and_only_the_routers_vlan_reported() {
    let syn = ipv4(
        PROTO_TCP,
        [198, 51, 100, 20],
        [203, 0, 113, 80],
        &tcp_syn(50000, 443),
    );
    let customer = [
        ethernet(MACS_0, 0x88a8),
        vlan_tag(10, ETHERTYPE_VLAN),
        vlan_tag(200, ETHERTYPE_IPV4),
        syn,
    ]
    .concat();
    let expected = PacketInfo {
        src: "198.51.100.20".parse().unwrap(),
        dst: "203.0.113.80".parse().unwrap(),
        protocol: PROTO_TCP,
        src_port: 50000,
        dst_port: 443,
        tcp_flags: TCP_SYN,
        fragment: false,
        ip_length: 40,
        vlan: None,
    };
    for payload in [
        [CONTROL_WORD.to_vec(), customer.clone()].concat(),
        customer.clone(),
    ] {
        let frame = over_mpls(&[16004, 299_793], &payload);
        assert_eq!(parse_ethernet(&frame), Ok(expected.clone()));
        let tagged = [
            ethernet(ROUTER_MACS, ETHERTYPE_VLAN),
            vlan_tag(300, ETHERTYPE_MPLS),
            label_stack(&[299_793]),
            payload,
        ]
        .concat();
        assert_eq!(
            parse_ethernet(&tagged),
            Ok(PacketInfo {
                vlan: Some(300),
                ..expected.clone()
            })
        );
    }
}

#[test]
fn ip_over_mpls_stays_ip_when_its_bytes_also_read_as_ethernet() {
    // From 8.0.69.1, bytes 12 and 13 are 0x0800 and byte 14 is 0x45: an Ethernet frame
    // carrying IPv4 at first sight, but that "IPv4 header" has no valid checksum.
    let packet = ipv4(PROTO_UDP, [8, 0, 69, 1], [10, 2, 0, 2], &udp(40000, 53, 20));
    let info = parse_ethernet(&over_mpls(&[16005], &packet)).unwrap();
    assert_eq!(info.src.to_string(), "8.0.69.1");
    // From 2001:db8:86dd:5000::1, bytes 12 and 13 are 0x86dd, but what follows them is no
    // IPv6 header.
    let packet = ipv6(
        PROTO_UDP,
        "2001:db8:86dd:5000::1",
        "2001:db8:b::53",
        &udp(41000, 53, 24),
    );
    let info = parse_ethernet(&over_mpls(&[16005], &packet)).unwrap();
    assert_eq!(info.src.to_string(), "2001:db8:86dd:5000::1");
}

#[test]
fn a_control_word_cut_short_is_truncated() {
    for len in 0..4 {
        let frame = over_mpls(&[16005], &CONTROL_WORD[..len]);
        assert_eq!(
            parse_ethernet(&frame),
            Err(ParseError::Truncated),
            "{len} bytes"
        );
    }
    let customer = [ethernet(MACS_A, ETHERTYPE_IPV4), customer_ipv4_udp()].concat();
    let frame = over_mpls(
        &[16005],
        &[CONTROL_WORD.to_vec(), customer[..20].to_vec()].concat(),
    );
    assert_eq!(parse_ethernet(&frame), Err(ParseError::Truncated));
}

#[test]
fn garbage_after_the_label_stack_does_not_parse() {
    for garbage in [
        vec![0xff; 64],
        vec![0x00; 64],
        [
            CONTROL_WORD.to_vec(),
            ethernet(MACS_A, 0x88cc),
            vec![0x02; 40],
        ]
        .concat(),
        // The associated channel (first nibble 1): OAM, no user traffic.
        [vec![0x10, 0x00, 0x00, 0x07], vec![0x20; 40]].concat(),
    ] {
        let frame = over_mpls(&[16005], &garbage);
        assert_eq!(
            parse_ethernet(&frame),
            Err(ParseError::NotIp),
            "{garbage:02x?}"
        );
    }
}

/// `depth` Ethernet-over-MPLS layers around the customer's UDP packet.
fn nested_pseudowires(depth: usize) -> Vec<u8> {
    let mut frame = [ethernet(MACS_A, ETHERTYPE_IPV4), customer_ipv4_udp()].concat();
    for _ in 0..depth {
        frame = [
            ethernet(MACS_A, ETHERTYPE_MPLS),
            label_stack(&[16]),
            CONTROL_WORD.to_vec(),
            frame,
        ]
        .concat();
    }
    frame
}

#[test]
fn nesting_is_bounded() {
    assert_eq!(
        parse_ethernet(&nested_pseudowires(4)),
        Ok(customer_ipv4_udp_info())
    );
    assert_eq!(
        parse_ethernet(&nested_pseudowires(5)),
        Err(ParseError::BadHeader)
    );
    assert_eq!(
        parse_ethernet(&nested_pseudowires(2000)),
        Err(ParseError::BadHeader)
    );
}
