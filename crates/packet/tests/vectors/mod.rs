//! Realistic frames, one per case the parser handles, with what it must report for them.
//!
//! Built layer by layer with correct lengths and checksums; `tests/tshark.rs` checks the
//! expectations against Wireshark's dissectors.

#![allow(dead_code)]

use std::net::IpAddr;

use floodwatch_packet::{
    PacketInfo, ParseError, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_FIN,
    TCP_PSH, TCP_RST, TCP_SYN,
};

pub const PROTO_GRE: u8 = 47;
pub const NO_NEXT_HEADER: u8 = 59;

pub struct Vector {
    pub name: &'static str,
    pub frame: Vec<u8>,
    /// What `parse_ethernet` reports.
    pub outer: Result<PacketInfo, ParseError>,
    /// What `parse_ethernet_with` reports when decapsulating, if it differs from `outer`.
    pub inner: Option<PacketInfo>,
}

impl Vector {
    pub fn decapsulated(&self) -> Result<PacketInfo, ParseError> {
        match &self.inner {
            Some(inner) => Ok(inner.clone()),
            None => self.outer.clone(),
        }
    }
}

pub fn hex(digits: &str) -> Vec<u8> {
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex digit"))
        .collect()
}

pub fn packet(protocol: u8, src: &str, dst: &str, ip_length: u32) -> PacketInfo {
    PacketInfo {
        src: address(src),
        dst: address(dst),
        protocol,
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        fragment: false,
        ip_length,
        vlan: None,
    }
}

pub fn tcp(src: &str, src_port: u16, dst: &str, dst_port: u16, flags: u8, len: u32) -> PacketInfo {
    PacketInfo {
        src_port,
        dst_port,
        tcp_flags: flags,
        ..packet(PROTO_TCP, src, dst, len)
    }
}

pub fn udp(src: &str, src_port: u16, dst: &str, dst_port: u16, len: u32) -> PacketInfo {
    PacketInfo {
        src_port,
        dst_port,
        ..packet(PROTO_UDP, src, dst, len)
    }
}

pub fn icmp(protocol: u8, src: &str, dst: &str, kind: u8, code: u8, len: u32) -> PacketInfo {
    PacketInfo {
        dst_port: u16::from_be_bytes([kind, code]),
        ..packet(protocol, src, dst, len)
    }
}

pub fn fragment(info: PacketInfo) -> PacketInfo {
    PacketInfo {
        fragment: true,
        ..info
    }
}

pub fn vlan(id: u16, info: PacketInfo) -> PacketInfo {
    PacketInfo {
        vlan: Some(id),
        ..info
    }
}

fn address(text: &str) -> IpAddr {
    text.parse().expect("IP address")
}

pub fn named(name: &str) -> Vector {
    all()
        .into_iter()
        .find(|vector| vector.name == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

pub fn all() -> Vec<Vector> {
    vec![
        Vector {
            name: "ipv4_tcp_syn",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "4500003c3e1d400040069659c6336407cb00710a", // ipv4
                "c93a01bb9a3b2c1d00000000a002faf0da150000020405b40402080a5f3a1c2b", // tcp
                "0000000001030307",
            )),
            outer: Ok(tcp("198.51.100.7", 51514, "203.0.113.10", 443, TCP_SYN, 60)),
            inner: None,
        },
        Vector {
            name: "ipv4_udp_dns",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "450000448d2f00003f110210c0000235c6336401", // ipv4
                "94e500350030fc9e",                         // udp
                "a1b201200001000000000001076578616d706c6503636f6d0000010001000029", // payload
                "1000000000000000",
            )),
            outer: Ok(udp("192.0.2.53", 38117, "198.51.100.1", 53, 68)),
            inner: None,
        },
        Vector {
            name: "ipv4_icmp_echo_request",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "4500004c000040003901db1bcb00714dc6336414", // ipv4
                "0800476304d20007",                         // icmp
                "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f", // payload
                "303132333435363738393a3b3c3d3e3f",
            )),
            outer: Ok(icmp(PROTO_ICMP, "203.0.113.77", "198.51.100.20", 8, 0, 76)),
            inner: None,
        },
        Vector {
            name: "ipv4_options_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",                     // ethernet
                "4600005151aa4000400603a80a141e280a141e0194040000", // ipv4 with options
                "9c400050000003e8000007d0501801f66c730000",         // tcp
                "474554202f20485454502f312e310d0a486f73743a206578616d706c652e636f", // payload
                "6d0d0a0d0a",
            )),
            outer: Ok(tcp(
                "10.20.30.40",
                40000,
                "10.20.30.1",
                80,
                TCP_PSH | TCP_ACK,
                81,
            )),
            inner: None,
        },
        // Captured 74 of 1514 bytes.
        Vector {
            name: "ipv4_fragment_first",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "450005dcbeef20004011a980c000020ac6336463", // ipv4
                "13c413c40bb80ead",                         // udp
                "00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9", // payload
            )),
            outer: Ok(fragment(udp(
                "192.0.2.10",
                5060,
                "198.51.100.99",
                5060,
                1500,
            ))),
            inner: None,
        },
        // Captured 66 of 1554 bytes.
        Vector {
            name: "ipv4_fragment_second",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "45000604beef00b94011c89fc000020ac6336463", // ipv4
                "40474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6fd040b1219", // payload
            )),
            outer: Ok(fragment(packet(
                PROTO_UDP,
                "192.0.2.10",
                "198.51.100.99",
                1540,
            ))),
            inner: None,
        },
        Vector {
            name: "vlan_ipv4_udp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38100",             // ethernet
                "a0640800",                                 // 802.1q
                "450000440a0b000040111373ac100509ac100002", // ipv4
                "cf080035003051ba",                         // udp
                "a1b201200001000000000001076578616d706c6503636f6d0000010001000029", // payload
                "1000000000000000",
            )),
            outer: Ok(vlan(100, udp("172.16.5.9", 53000, "172.16.0.2", 53, 68))),
            inner: None,
        },
        Vector {
            name: "qinq_88a8_ipv4_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c388a8",             // ethernet
                "00c88100",                                 // 802.1ad s-tag
                "000a0800",                                 // 802.1q c-tag
                "4500003c7777400040064df36440010208080808", // ipv4
                "80e800350000000500000000a0020400d2260000020405b40402080a5f3a1c2b", // tcp
                "0000000001030307",
            )),
            outer: Ok(vlan(
                200,
                tcp("100.64.1.2", 33000, "8.8.8.8", 53, TCP_SYN, 60),
            )),
            inner: None,
        },
        Vector {
            name: "qinq_9100_triple_tag_ipv4_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c39100",             // ethernet
                "012c88a8",                                 // 0x9100 tag
                "012d8100",                                 // 802.1ad tag
                "00140800",                                 // 802.1q tag
                "45000028123440004006b9516440090901010101", // ipv4
                "ad2101bb0000004d000000585014000091040000", // tcp
            )),
            outer: Ok(vlan(
                300,
                tcp("100.64.9.9", 44321, "1.1.1.1", 443, TCP_RST | TCP_ACK, 40),
            )),
            inner: None,
        },
        Vector {
            name: "priority_tag_then_vlan",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38100",             // ethernet
                "c0008100",                                 // 802.1p priority tag
                "002a0800",                                 // 802.1q
                "450000441c46000040114a610a0000010a000002", // ipv4
                "04d200350030651a",                         // udp
                "a1b201200001000000000001076578616d706c6503636f6d0000010001000029", // payload
                "1000000000000000",
            )),
            outer: Ok(vlan(42, udp("10.0.0.1", 1234, "10.0.0.2", 53, 68))),
            inner: None,
        },
        Vector {
            name: "mpls_two_labels_ipv4_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38847",             // ethernet
                "03e840fe",                                 // mpls label 16004
                "05dc11fe",                                 // mpls label 24001
                "45000028424240003e066463c6120001c6120a05", // ipv4
                "00b3c3cb00000001000000015010400015290000", // tcp
            )),
            outer: Ok(tcp("198.18.0.1", 179, "198.18.10.5", 50123, TCP_ACK, 40)),
            inner: None,
        },
        Vector {
            name: "mpls_ipv6_udp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38847", // ethernet
                "000021fe",                     // mpls label 2
                "600123450030114020010db801000000000000000000000120010db802000000", // ipv6
                "0000000000000053",
                "a028003500307f00", // udp
                "a1b201200001000000000001076578616d706c6503636f6d0000010001000029", // payload
                "1000000000000000",
            )),
            outer: Ok(udp("2001:db8:100::1", 41000, "2001:db8:200::53", 53, 88)),
            inner: None,
        },
        Vector {
            name: "mpls_multicast_ipv4_udp",
            frame: hex(concat!(
                "01005e0101013cfdfea1b2c38848",             // ethernet
                "493001fe",                                 // mpls label 299776
                "45000044010100001e11a7a40a010101e8010101", // ipv4
                "138813890030e478",                         // udp
                "0000000000000000000000000000000000000000000000000000000000000000", // payload
                "0000000000000000",
            )),
            outer: Ok(udp("10.1.1.1", 5000, "232.1.1.1", 5001, 68)),
            inner: None,
        },
        Vector {
            name: "eompls_control_word_ipv4_udp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38847",             // ethernet
                "03e85140",                                 // mpls label 16005
                "00000000",                                 // pseudowire control word
                "00505601aa0100505601aa020800",             // customer's ethernet
                "4500003012344000401114840a0100010a020002", // ipv4
                "9c400035001c0000",                         // udp
                "0000000000000000000000000000000000000000", // payload
            )),
            outer: Ok(udp("10.1.0.1", 40000, "10.2.0.2", 53, 48)),
            inner: None,
        },
        Vector {
            name: "eompls_no_control_word_ipv4_udp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38847",             // ethernet
                "03e85140",                                 // mpls label 16005
                "00505601aa0100505601aa020800",             // customer's ethernet, MAC 0...
                "4500003012344000401114840a0100010a020002", // ipv4
                "9c400035001c0000",                         // udp
                "0000000000000000000000000000000000000000", // payload
            )),
            outer: Ok(udp("10.1.0.1", 40000, "10.2.0.2", 53, 48)),
            inner: None,
        },
        Vector {
            name: "vpls_vlan_two_labels_control_word_vlan_ipv4_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38100",             // ethernet
                "012c8847",                                 // vlan 300
                "03e84040",                                 // mpls label 16004
                "49311140",                                 // mpls label 299793
                "0000002a",                                 // control word, sequence 42
                "0c42a10000010c42a10000028100",             // customer's ethernet
                "00c80800",                                 // customer's vlan 200
                "4500002804d240004006cf65c6336414cb007150", // ipv4
                "c35001bb00000001000000005002ffff00000000", // tcp
            )),
            outer: Ok(vlan(
                300,
                tcp("198.51.100.20", 50000, "203.0.113.80", 443, TCP_SYN, 40),
            )),
            inner: None,
        },
        Vector {
            name: "evpn_control_word_ipv6_udp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38847", // ethernet
                "05dc2140",                     // mpls label 24002
                "00000001",                     // control word, sequence 1
                "6c3b6b0000016c3b6b00000286dd", // customer's ethernet
                "600000000020114020010db8000a0000000000000000000120010db8000b000000", // ipv6
                "00000000000053",
                "a028003500200000",                                 // udp
                "000000000000000000000000000000000000000000000000", // payload
            )),
            outer: Ok(udp("2001:db8:a::1", 41000, "2001:db8:b::53", 53, 72)),
            inner: None,
        },
        Vector {
            name: "pppoe_ipv4_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38864",             // ethernet
                "11001a2b002a0021",                         // pppoe session + ppp
                "45000028555540004006efbf644601178efa0164", // ipv4
                "cb2001bb0000000a00000014501101f4eb2a0000", // tcp
            )),
            outer: Ok(tcp(
                "100.70.1.23",
                52000,
                "142.250.1.100",
                443,
                TCP_FIN | TCP_ACK,
                40,
            )),
            inner: None,
        },
        Vector {
            name: "pppoe_ipv6_icmpv6_echo",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38864", // ethernet
                "1100000700520057",             // pppoe session + ppp
                "6001234500283a4020010db8abcd0012000000000000000120010db800000000", // ipv6
                "0000000000000001",
                "8000673711110001", // icmpv6
                "0000000000000000000000000000000000000000000000000000000000000000", // payload
            )),
            outer: Ok(icmp(
                PROTO_ICMPV6,
                "2001:db8:abcd:12::1",
                "2001:db8::1",
                128,
                0,
                80,
            )),
            inner: None,
        },
        Vector {
            name: "ipv6_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "60012345001e064020010db800010000000000000000001020010db800020000", // ipv6
                "0000000000000020",
                "ee4801bb0001e2400009fbf1501803e893ae0000", // tcp
                "160301000568656c6c6f",                     // payload
            )),
            outer: Ok(tcp(
                "2001:db8:1::10",
                61000,
                "2001:db8:2::20",
                443,
                TCP_PSH | TCP_ACK,
                70,
            )),
            inner: None,
        },
        Vector {
            name: "ipv6_hop_by_hop_mldv2",
            frame: hex(concat!(
                "3333000000163cfdfea1b2c386dd", // ethernet
                "6001234500240001fe800000000000000000000000000001ff02000000000000", // ipv6
                "0000000000000016",
                "3a00050200000100",                                 // hop-by-hop
                "8f006f0f",                                         // icmpv6
                "0000000104000000ff0200000000000000000000000000fb", // payload
            )),
            outer: Ok(icmp(PROTO_ICMPV6, "fe80::1", "ff02::16", 143, 0, 76)),
            inner: None,
        },
        Vector {
            name: "ipv6_destination_options_routing_udp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "60012345002c3c4020010db800c00000000000000000000120010db800ca0000", // ipv6
                "0000000000000005",
                "2b00010400000000", // destination options
                "110202000000000020010db8004000000000000000000005", // routing type 2
                "1b581b59000c8d52", // udp
                "70696e67",         // payload
            )),
            outer: Ok(udp("2001:db8:c0::1", 7000, "2001:db8:ca::5", 7001, 84)),
            inner: None,
        },
        // Captured 94 of 1294 bytes.
        Vector {
            name: "ipv6_fragment_first",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "6001234504d82c4020010db8000a0000000000000000000120010db8000b0000", // ipv6
                "0000000000000002",
                "11000001deadbeef", // fragment offset 0 M
                "1194119407d8045c", // udp
                "000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b", // payload
            )),
            outer: Ok(fragment(udp(
                "2001:db8:a::1",
                4500,
                "2001:db8:b::2",
                4500,
                1280,
            ))),
            inner: None,
        },
        // Captured 86 of 838 bytes.
        Vector {
            name: "ipv6_fragment_second",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "6001234503102c4020010db8000a0000000000000000000120010db8000b0000", // ipv6
                "0000000000000002",
                "110004d0deadbeef", // fragment offset 154
                "2835424f5c697683909daab7c4d1deebf805121f2c394653", // payload
            )),
            outer: Ok(fragment(packet(
                PROTO_UDP,
                "2001:db8:a::1",
                "2001:db8:b::2",
                824,
            ))),
            inner: None,
        },
        Vector {
            name: "ipv6_ah_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "60012345002c334020010db800010000000000000000000120010db800010000", // ipv6
                "0000000000000002",
                "0604000000001001000000110123456789abcdef01234567", // authentication header
                "0016cf8200000001000000025010012c83960000",         // tcp
            )),
            outer: Ok(tcp(
                "2001:db8:1::1",
                22,
                "2001:db8:1::2",
                53122,
                TCP_ACK,
                84,
            )),
            inner: None,
        },
        Vector {
            name: "ipv6_mobility_header",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "600123450008874020010db800a00000000000000000000120010db800a10000", // ipv6
                "0000000000000007",
                "3b00000000000000", // mobility header
            )),
            outer: Ok(packet(
                NO_NEXT_HEADER,
                "2001:db8:a0::1",
                "2001:db8:a1::7",
                48,
            )),
            inner: None,
        },
        Vector {
            name: "gre_ipv4_in_ipv4",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "4500005c33334000ff2f5c08c0000201c6336402", // ipv4
                "00000800",                                 // gre
                "45000044222200004011445c0a0a00050a140009", // ipv4
                "ea61003500307f61",                         // udp
                "a1b201200001000000000001076578616d706c6503636f6d0000010001000029", // payload
                "1000000000000000",
            )),
            outer: Ok(packet(PROTO_GRE, "192.0.2.1", "198.51.100.2", 92)),
            inner: Some(udp("10.10.0.5", 60001, "10.20.0.9", 53, 68)),
        },
        Vector {
            name: "gre_checksum_key_sequence_ipv6",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "4500006044444000fe2fc025cb007101cb007102", // ipv4
                "b00086dd3f3600000000006400000007",         // gre C K S
                "600123450014064020010db8001a0000000000000000000120010db8001a0000", // ipv6
                "0000000000000002",
                "1f909dd400000009000000095012ffff96b30000", // tcp
            )),
            outer: Ok(packet(PROTO_GRE, "203.0.113.1", "203.0.113.2", 96)),
            inner: Some(tcp(
                "2001:db8:1a::1",
                8080,
                "2001:db8:1a::2",
                40404,
                TCP_SYN | TCP_ACK,
                60,
            )),
        },
        Vector {
            name: "gre_transparent_ethernet_over_ipv6",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "6001234500422f4020010db8000e0000000000000000000120010db8000e0000", // ipv6
                "0000000000000002",
                "200065580001e240",                         // gre K, 0x6558
                "525400123456525400abcdef8100",             // ethernet
                "00070800",                                 // 802.1q
                "450000285151400040060410c0a8320ac0a83214", // ipv4
                "0ceac7380000000500000006501807d0ee5f0000", // tcp
            )),
            outer: Ok(packet(PROTO_GRE, "2001:db8:e::1", "2001:db8:e::2", 106)),
            inner: Some(tcp(
                "192.168.50.10",
                3306,
                "192.168.50.20",
                51000,
                TCP_PSH | TCP_ACK,
                40,
            )),
        },
        Vector {
            name: "gtpu_ipv4",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "450000607b7b00004011e9e40a6400010ac80001", // ipv4
                "08680868004c3c89",                         // udp
                "30ff003c0000abcd",                         // gtp-u
                "4500003c6a6a4000400690470a2d00035db8d822", // ipv4
                "b26e00500000000100000000a002fd20dcaf0000020405b40402080a5f3a1c2b", // tcp
                "0000000001030307",
            )),
            outer: Ok(udp("10.100.0.1", 2152, "10.200.0.1", 2152, 96)),
            inner: Some(tcp("10.45.0.3", 45678, "93.184.216.34", 80, TCP_SYN, 60)),
        },
        Vector {
            name: "gtpu_pdu_session_extension_ipv6",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "450000847c7c00004011e8bd0a6400020ac80002", // ipv4
                "086808680070009f",                         // udp
                "34ff0060010203040000008501100900",         // gtp-u E + pdu session container
                "600123450030114020010db8009e0000000000000000000920010db800d00000", // ipv6
                "0000000000000053",
                "c350003500305d62", // udp
                "a1b201200001000000000001076578616d706c6503636f6d0000010001000029", // payload
                "1000000000000000",
            )),
            outer: Ok(udp("10.100.0.2", 2152, "10.200.0.2", 2152, 132)),
            inner: Some(udp("2001:db8:9e::9", 50000, "2001:db8:d0::53", 53, 88)),
        },
        Vector {
            name: "gtpu_echo_request",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "4500002a7d7d00004011e8180a6400010ac80001", // ipv4
                "0868086800168789",                         // udp
                "3201000600000000123400000e00",             // gtp echo request
            )),
            outer: Ok(udp("10.100.0.1", 2152, "10.200.0.1", 2152, 42)),
            inner: None,
        },
        // Captured 128 of 1514 bytes.
        Vector {
            name: "truncated_ipv4_tcp_at_128",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "450005dc9999400040063481c63364c8cb007105", // ipv4
                "01bbecbe0000006f000000de801001f5e97b00000101080a0000000100000002", // tcp
                "001f3e5d7c9bbad9f81736557493b2d1f00f2e4d6c8baac9e80726456483a2c1", // payload
                "e0ff1e3d5c7b9ab9d8f71635547392b1d0ef0e2d4c6b8aa9c8e706254463",
            )),
            outer: Ok(tcp(
                "198.51.100.200",
                443,
                "203.0.113.5",
                60606,
                TCP_ACK,
                1500,
            )),
            inner: None,
        },
        // Captured 37 of 1514 bytes.
        Vector {
            name: "truncated_ipv4_tcp_inside_tcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "450005dc9999400040063481c63364c8cb007105", // ipv4
                "01bbec",                                   // tcp
            )),
            outer: Ok(packet(PROTO_TCP, "198.51.100.200", "203.0.113.5", 1500)),
            inner: None,
        },
        // Captured 54 of 1274 bytes.
        Vector {
            name: "truncated_ipv6_after_header",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c386dd", // ethernet
                "6001234504c4064020010db800000000000000000000008020010db800000000", // ipv6
                "0000000000000081",
            )),
            outer: Ok(packet(PROTO_TCP, "2001:db8::80", "2001:db8::81", 1260)),
            inner: None,
        },
        Vector {
            name: "ipv4_udp_ethernet_padding",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c30800",             // ethernet
                "4500001c000100004011f6c0c0000207c0000208", // ipv4
                "0009000900087bbc",                         // udp
                "000000000000000000000000000000000000",     // padding
            )),
            outer: Ok(udp("192.0.2.7", 9, "192.0.2.8", 9, 28)),
            inner: None,
        },
        Vector {
            name: "arp_request",
            frame: hex(concat!(
                "ffffffffffff3cfdfea1b2c30806",                             // ethernet
                "00010800060400013cfdfea1b2c3c0000201000000000000c0000202", // arp
            )),
            outer: Err(ParseError::NotIp),
            inner: None,
        },
        Vector {
            name: "pppoe_lcp",
            frame: hex(concat!(
                "001b213a4c5e3cfdfea1b2c38864",     // ethernet
                "110000090010",                     // pppoe session
                "c0210101000e010405d4050612345678", // ppp lcp
            )),
            outer: Err(ParseError::NotIp),
            inner: None,
        },
    ]
}
