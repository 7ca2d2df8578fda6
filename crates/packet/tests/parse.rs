//! The parser against the vectors, and against variants of them that exercise one rule each.

mod vectors;

use floodwatch_packet::{
    parse_ethernet, parse_ethernet_with, parse_ip, parse_ip_with, ParseError, ParseOptions,
    PROTO_TCP, PROTO_UDP,
};
use vectors::{named, packet, tcp, udp, PROTO_GRE};

const DECAPSULATE: ParseOptions = ParseOptions { decapsulate: true };
const ETHERNET_HEADER_LEN: usize = 14;

#[test]
fn every_vector_gives_its_expected_packet() {
    let mut failures = Vec::new();
    for vector in vectors::all() {
        let outer = parse_ethernet(&vector.frame);
        if outer != vector.outer {
            failures.push(format!(
                "{}: got {outer:?}, want {:?}",
                vector.name, vector.outer
            ));
        }
        let explicit = parse_ethernet_with(&vector.frame, &ParseOptions::default());
        if explicit != outer {
            failures.push(format!(
                "{}: default options differ: {explicit:?}",
                vector.name
            ));
        }
        let inner = parse_ethernet_with(&vector.frame, &DECAPSULATE);
        if inner != vector.decapsulated() {
            failures.push(format!(
                "{}: decapsulated {inner:?}, want {:?}",
                vector.name,
                vector.decapsulated()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn bare_ip_packets_parse_as_in_their_frames() {
    let mut checked = 0;
    for vector in vectors::all() {
        let untagged_ip = matches!(vector.frame.get(12..14), Some([0x08, 0x00] | [0x86, 0xdd]));
        let Ok(expected) = &vector.outer else {
            continue;
        };
        if !untagged_ip {
            continue;
        }
        let packet = &vector.frame[ETHERNET_HEADER_LEN..];
        assert_eq!(parse_ip(packet).as_ref(), Ok(expected), "{}", vector.name);
        assert_eq!(
            parse_ip_with(packet, &DECAPSULATE),
            vector.decapsulated(),
            "{}",
            vector.name
        );
        checked += 1;
    }
    assert!(
        checked >= 20,
        "only {checked} vectors are plain Ethernet II"
    );
}

#[test]
fn bare_ip_needs_a_version_nibble_of_4_or_6() {
    assert_eq!(parse_ip(&[]), Err(ParseError::Truncated));
    assert_eq!(parse_ip(&[0x50; 40]), Err(ParseError::NotIp));
    assert_eq!(parse_ip(&[0x45; 19]), Err(ParseError::Truncated));
    assert_eq!(parse_ip(&[0x60; 39]), Err(ParseError::Truncated));
}

#[test]
fn frames_cut_before_the_ip_header_ends_are_truncated() {
    let frame = named("vlan_ipv4_udp").frame;
    for (len, what) in [
        (0, "empty"),
        (13, "ethertype"),
        (16, "vlan tag"),
        (18 + 19, "ipv4"),
    ] {
        assert_eq!(
            parse_ethernet(&frame[..len]),
            Err(ParseError::Truncated),
            "{what}"
        );
    }
    let frame = named("ipv6_tcp").frame;
    assert_eq!(
        parse_ethernet(&frame[..14 + 39]),
        Err(ParseError::Truncated)
    );
}

#[test]
fn non_ip_ethertypes_are_not_ip() {
    let mut frame = named("ipv4_tcp_syn").frame;
    for ethertype in [[0x88, 0xcc], [0x88, 0x63], [0x00, 0x40], [0x89, 0x02]] {
        frame[12..14].copy_from_slice(&ethertype);
        assert_eq!(
            parse_ethernet(&frame),
            Err(ParseError::NotIp),
            "{ethertype:02x?}"
        );
    }
}

#[test]
fn ip_version_must_match_the_ethertype() {
    let mut frame = named("ipv4_tcp_syn").frame;
    frame[12..14].copy_from_slice(&[0x86, 0xdd]);
    assert_eq!(parse_ethernet(&frame), Err(ParseError::BadHeader));
    let mut frame = named("ipv6_tcp").frame;
    frame[12..14].copy_from_slice(&[0x08, 0x00]);
    assert_eq!(parse_ethernet(&frame), Err(ParseError::BadHeader));
}

#[test]
fn ipv4_header_lengths_must_be_consistent() {
    let base = named("ipv4_tcp_syn").frame;
    let ip = ETHERNET_HEADER_LEN;

    let mut short_ihl = base.clone();
    short_ihl[ip] = 0x44;
    assert_eq!(parse_ethernet(&short_ihl), Err(ParseError::BadHeader));

    let mut total_below_header = base.clone();
    total_below_header[ip + 2..ip + 4].copy_from_slice(&19u16.to_be_bytes());
    assert_eq!(
        parse_ethernet(&total_below_header),
        Err(ParseError::BadHeader)
    );

    let mut options_cut = base.clone();
    options_cut[ip] = 0x4f;
    options_cut.truncate(ip + 40);
    assert_eq!(parse_ethernet(&options_cut), Err(ParseError::Truncated));
}

#[test]
fn ipv4_transport_is_read_within_the_total_length_only() {
    let mut frame = named("ipv4_udp_dns").frame;
    frame[ETHERNET_HEADER_LEN + 2..ETHERNET_HEADER_LEN + 4].copy_from_slice(&20u16.to_be_bytes());
    assert_eq!(
        parse_ethernet(&frame),
        Ok(packet(PROTO_UDP, "192.0.2.53", "198.51.100.1", 20))
    );
}

#[test]
fn a_zero_length_field_means_the_captured_length() {
    let mut frame = named("ipv4_tcp_syn").frame;
    frame[ETHERNET_HEADER_LEN + 2..ETHERNET_HEADER_LEN + 4].fill(0);
    frame.extend_from_slice(&[0xaa; 1000]);
    let info = parse_ethernet(&frame).unwrap();
    assert_eq!(info.ip_length, 1060);
    assert_eq!((info.src_port, info.dst_port), (51514, 443));

    let mut frame = named("ipv6_tcp").frame;
    frame[ETHERNET_HEADER_LEN + 4..ETHERNET_HEADER_LEN + 6].fill(0);
    assert_eq!(parse_ethernet(&frame).unwrap().ip_length, 70);
}

#[test]
fn ipv6_extension_header_past_the_packet_is_malformed_not_truncated() {
    let mut frame = named("ipv6_destination_options_routing_udp").frame;
    let routing_len = ETHERNET_HEADER_LEN + 40 + 8 + 1;
    frame[routing_len] = 200;
    assert_eq!(parse_ethernet(&frame), Err(ParseError::BadHeader));
    // Cut inside it, the capture may just have stopped: the chain still names UDP.
    frame.truncate(ETHERNET_HEADER_LEN + 40 + 8 + 4);
    assert_eq!(
        parse_ethernet(&frame),
        Ok(packet(PROTO_UDP, "2001:db8:c0::1", "2001:db8:ca::5", 84))
    );
}

/// An Ethernet frame carrying IPv6 with `count` empty destination-options headers, then UDP.
fn ipv6_with_destination_options(count: usize) -> Vec<u8> {
    let mut frame = named("ipv6_tcp").frame[..ETHERNET_HEADER_LEN + 40].to_vec();
    let payload_len = count * 8 + 8;
    frame[ETHERNET_HEADER_LEN + 4..ETHERNET_HEADER_LEN + 6]
        .copy_from_slice(&(payload_len as u16).to_be_bytes());
    frame[ETHERNET_HEADER_LEN + 6] = 60;
    for i in 0..count {
        let next = if i + 1 == count { PROTO_UDP } else { 60 };
        frame.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
    }
    frame.extend_from_slice(&[0x04, 0xd2, 0x16, 0x2e, 0, 8, 0, 0]);
    frame
}

#[test]
fn ipv6_extension_chains_are_bounded() {
    let info = parse_ethernet(&ipv6_with_destination_options(16)).unwrap();
    assert_eq!(
        (info.protocol, info.src_port, info.dst_port),
        (PROTO_UDP, 1234, 5678)
    );
    assert_eq!(
        parse_ethernet(&ipv6_with_destination_options(40)),
        Err(ParseError::BadHeader)
    );
}

#[test]
fn ipv6_chain_cut_before_the_upper_layer_is_truncated() {
    let frame = named("ipv6_ah_tcp").frame;
    assert_eq!(
        parse_ethernet(&frame[..ETHERNET_HEADER_LEN + 40 + 1]),
        Err(ParseError::Truncated)
    );
    let info = parse_ethernet(&frame[..ETHERNET_HEADER_LEN + 40 + 24]).unwrap();
    assert_eq!((info.protocol, info.src_port), (PROTO_TCP, 0));
}

#[test]
fn vlan_tags_nest_to_any_depth_and_the_outermost_id_wins() {
    let base = named("vlan_ipv4_udp").frame;
    let mut frame = base[..12].to_vec();
    for id in 1000..1010u16 {
        frame.extend_from_slice(&[0x81, 0x00]);
        frame.extend_from_slice(&id.to_be_bytes());
    }
    frame.extend_from_slice(&base[16..]);
    assert_eq!(
        parse_ethernet(&frame),
        Ok(vectors::vlan(
            1000,
            udp("172.16.5.9", 53000, "172.16.0.2", 53, 68)
        ))
    );
}

#[test]
fn mpls_stack_without_bottom_of_stack_is_truncated() {
    let mut frame = named("mpls_two_labels_ipv4_tcp").frame;
    frame.truncate(ETHERNET_HEADER_LEN + 8);
    frame[ETHERNET_HEADER_LEN + 6] &= !1;
    assert_eq!(parse_ethernet(&frame), Err(ParseError::Truncated));
}

#[test]
fn mpls_payload_that_is_not_ip_is_refused() {
    let mut frame = named("mpls_ipv6_udp").frame;
    frame[ETHERNET_HEADER_LEN + 4] = 0x00;
    assert_eq!(parse_ethernet(&frame), Err(ParseError::NotIp));
}

#[test]
fn pppoe_accepts_a_compressed_protocol_field() {
    let base = named("pppoe_ipv4_tcp").frame;
    let mut frame = base[..ETHERNET_HEADER_LEN + 6].to_vec();
    frame.push(0x21);
    frame.extend_from_slice(&base[ETHERNET_HEADER_LEN + 8..]);
    assert_eq!(parse_ethernet(&frame), named("pppoe_ipv4_tcp").outer);
}

#[test]
fn pppoe_discovery_codes_are_malformed_sessions() {
    let mut frame = named("pppoe_ipv4_tcp").frame;
    frame[ETHERNET_HEADER_LEN + 1] = 0x09;
    assert_eq!(parse_ethernet(&frame), Err(ParseError::BadHeader));
}

#[test]
fn icmp_type_and_code_go_to_the_destination_port() {
    let info = parse_ethernet(&named("ipv4_icmp_echo_request").frame).unwrap();
    assert_eq!((info.src_port, info.dst_port), (0, 0x0800));
}

#[test]
fn decapsulation_reports_the_outer_packet_when_the_inner_one_is_unreadable() {
    let gre = named("gre_ipv4_in_ipv4");
    let cut_inside_inner_header = &gre.frame[..ETHERNET_HEADER_LEN + 20 + 4 + 10];
    let outer = packet(PROTO_GRE, "192.0.2.1", "198.51.100.2", 92);
    assert_eq!(
        parse_ethernet_with(cut_inside_inner_header, &DECAPSULATE),
        Ok(outer.clone())
    );

    let mut pptp = gre.frame.clone();
    pptp[ETHERNET_HEADER_LEN + 20 + 1] = 0x01;
    assert_eq!(parse_ethernet_with(&pptp, &DECAPSULATE), Ok(outer.clone()));

    let mut erspan = gre.frame.clone();
    erspan[ETHERNET_HEADER_LEN + 20 + 2..ETHERNET_HEADER_LEN + 20 + 4]
        .copy_from_slice(&[0x88, 0xbe]);
    assert_eq!(parse_ethernet_with(&erspan, &DECAPSULATE), Ok(outer));

    let gtp = named("gtpu_pdu_session_extension_ipv6");
    let mut zero_length_extension = gtp.frame.clone();
    zero_length_extension[ETHERNET_HEADER_LEN + 20 + 8 + 12] = 0;
    assert_eq!(
        parse_ethernet_with(&zero_length_extension, &DECAPSULATE),
        gtp.outer
    );
}

#[test]
fn gtpu_is_only_recognised_on_its_destination_port() {
    let mut frame = named("gtpu_ipv4").frame;
    frame[ETHERNET_HEADER_LEN + 20 + 2..ETHERNET_HEADER_LEN + 20 + 4]
        .copy_from_slice(&[0x30, 0x39]);
    let info = parse_ethernet_with(&frame, &DECAPSULATE).unwrap();
    assert_eq!((info.protocol, info.dst_port), (PROTO_UDP, 12345));
}

/// `depth` IPv4-in-GRE headers around a TCP SYN from 10.0.0.`depth` (each layer's source
/// address ends in its depth from the inside).
fn nested_gre(depth: u8) -> Vec<u8> {
    let mut packet = tcp_syn_from(depth);
    for layer in (0..depth).rev() {
        let mut outer = ipv4_header(PROTO_GRE, [10, 0, 0, layer], 4 + packet.len());
        outer.extend_from_slice(&[0x00, 0x00, 0x08, 0x00]);
        outer.extend_from_slice(&packet);
        packet = outer;
    }
    packet
}

fn tcp_syn_from(last_octet: u8) -> Vec<u8> {
    let mut packet = ipv4_header(PROTO_TCP, [10, 0, 0, last_octet], 20);
    packet.extend_from_slice(&[0x04, 0x00, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02]);
    packet.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
    packet
}

fn ipv4_header(protocol: u8, src: [u8; 4], payload_len: usize) -> Vec<u8> {
    let mut header = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, protocol, 0, 0];
    header[2..4].copy_from_slice(&((20 + payload_len) as u16).to_be_bytes());
    header.extend_from_slice(&src);
    header.extend_from_slice(&[192, 0, 2, 1]);
    header
}

#[test]
fn nested_tunnels_are_followed_four_deep() {
    let source_octet = |packet: &[u8]| match parse_ip_with(packet, &DECAPSULATE).unwrap().src {
        std::net::IpAddr::V4(address) => address.octets()[3],
        other => panic!("unexpected {other}"),
    };
    assert_eq!(source_octet(&nested_gre(1)), 1);
    assert_eq!(source_octet(&nested_gre(4)), 4);
    assert_eq!(source_octet(&nested_gre(6)), 4);
    let inner = parse_ip_with(&nested_gre(2), &DECAPSULATE).unwrap();
    assert_eq!(inner, tcp("10.0.0.2", 1024, "192.0.2.1", 80, 0x02, 40));
    assert_eq!(parse_ip(&nested_gre(2)).unwrap().protocol, PROTO_GRE);
}

#[test]
fn errors_describe_themselves() {
    assert_eq!(
        ParseError::Truncated.to_string(),
        "packet truncated before its IP header ends"
    );
    let _: &dyn std::error::Error = &ParseError::NotIp;
}
