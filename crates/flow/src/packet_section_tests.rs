//! Ethernet over MPLS (pseudowires with and without control word, VPLS, EVPN) in the packet
//! sections of flow exports: sFlow raw packet headers, IPFIX dataLinkFrameSection (315) and
//! ipHeaderPacketSection (313), NetFlow v9 LAYER2_PACKET_SECTION_DATA (104). Every section
//! gives its host's packets and bytes, or is counted as `unparsed_packet_section`.

use std::collections::BTreeMap;

use floodwatch_packet::FlowRecord;

use crate::test_support::*;
use crate::{Decoder, DropReason};

/// A label, a control word, the customer's Ethernet frame: UDP 10.1.0.1 > 10.2.0.2, 48 bytes.
const EOMPLS_CONTROL_WORD: &str = concat!(
    "001b213a4c5e3cfdfea1b2c38847",
    "03e85140",
    "00000000",
    "00505601aa0100505601aa020800",
    "4500003012344000401114840a0100010a0200029c400035001c0000",
    "0000000000000000000000000000000000000000",
);
/// The same without control word: the customer's MAC address starts with 0, as the control
/// word does.
const EOMPLS_NO_CONTROL_WORD: &str = concat!(
    "001b213a4c5e3cfdfea1b2c38847",
    "03e85140",
    "00505601aa0100505601aa020800",
    "4500003012344000401114840a0100010a0200029c400035001c0000",
    "0000000000000000000000000000000000000000",
);
/// VPLS in VLAN 300, two labels, a control word with sequence number 42, the customer's VLAN
/// 200: TCP SYN 198.51.100.20 > 203.0.113.80, 40 bytes.
const VPLS_TWO_LABELS_INNER_VLAN: &str = concat!(
    "001b213a4c5e3cfdfea1b2c38100012c8847",
    "03e84040",
    "49311140",
    "0000002a",
    "0c42a10000010c42a1000002810000c80800",
    "4500002804d240004006cf65c6336414cb007150",
    "c35001bb00000001000000005002ffff00000000",
);
/// EVPN, a control word, IPv6: UDP 2001:db8:a::1 > 2001:db8:b::53, 72 bytes.
const EVPN_CONTROL_WORD_IPV6: &str = concat!(
    "001b213a4c5e3cfdfea1b2c38847",
    "05dc2140",
    "00000001",
    "6c3b6b0000016c3b6b00000286dd",
    "600000000020114020010db8000a0000000000000000000120010db8000b00000000000000000053",
    "a028003500200000",
    "000000000000000000000000000000000000000000000000",
);
/// EVPN without control word behind three labels; the customer's MAC address starts with 6,
/// as IPv6 does: the same IPv6 packet.
const EVPN_THREE_LABELS_NO_CONTROL_WORD_IPV6: &str = concat!(
    "001b213a4c5e3cfdfea1b2c38847",
    "03e84040",
    "00010040",
    "7ffff140",
    "6c3b6b0000016c3b6b00000286dd",
    "600000000020114020010db8000a0000000000000000000120010db8000b00000000000000000053",
    "a028003500200000",
    "000000000000000000000000000000000000000000000000",
);
/// Bytes after the label stack that are neither IP nor Ethernet.
const GARBAGE_AFTER_LABELS: &str = concat!(
    "001b213a4c5e3cfdfea1b2c38847",
    "03e85140",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
);
/// The capture ends inside the control word.
const CONTROL_WORD_CUT: &str = "001b213a4c5e3cfdfea1b2c3884703e851400000";

const UDP_V4: Hosts = ("10.1.0.1", "10.2.0.2");
const SYN_V4: Hosts = ("198.51.100.20", "203.0.113.80");
const UDP_V6: Hosts = ("2001:db8:a::1", "2001:db8:b::53");

fn hex(digits: &str) -> Vec<u8> {
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// Packets and bytes by source and destination host.
type Totals = BTreeMap<(String, String), (u64, u64)>;

/// Packets and bytes between each pair of hosts, scaled by the sampling rate as the counters
/// scale them.
fn per_host_pair(records: &[FlowRecord]) -> Totals {
    let mut totals = BTreeMap::new();
    for r in records {
        let rate = u64::from(r.sampling_rate);
        let total = totals
            .entry((r.src.to_string(), r.dst.to_string()))
            .or_insert((0, 0));
        total.0 += r.packets * rate;
        total.1 += r.bytes * rate;
    }
    totals
}

/// Two hosts, source first.
type Hosts = (&'static str, &'static str);

fn expected(pairs: &[(Hosts, (u64, u64))]) -> Totals {
    pairs
        .iter()
        .map(|&((src, dst), totals)| ((src.to_string(), dst.to_string()), totals))
        .collect()
}

fn unparsed(decoder: &Decoder) -> u64 {
    decoder
        .exporter(&exporter())
        .unwrap()
        .dropped(DropReason::UnparsedPacketSection)
}

mod sflow {
    use super::*;

    const RAW_PACKET_HEADER: u64 = 1;
    const SAMPLED_IPV4: u64 = 3;
    const HEADER_PROTOCOL_ETHERNET: u64 = 1;
    const HEADER_PROTOCOL_MPLS: u64 = 13;
    const RATE: u64 = 100;

    fn tagged(format: u64, body: &[u8]) -> Vec<u8> {
        [be(&[(format, 4), (body.len() as u64, 4)]), body.to_vec()].concat()
    }

    fn raw_header(protocol: u64, header: &[u8]) -> Vec<u8> {
        let mut body = be(&[
            (protocol, 4),
            (header.len() as u64 + 4, 4),
            (4, 4),
            (header.len() as u64, 4),
        ]);
        body.extend_from_slice(header);
        body.resize(body.len().div_ceil(4) * 4, 0);
        tagged(RAW_PACKET_HEADER, &body)
    }

    fn sampled_ipv4(length: u64, src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let body = [
            be(&[(length, 4), (17, 4)]),
            src.to_vec(),
            dst.to_vec(),
            be(&[(5353, 4), (53, 4), (0, 4), (0, 4)]),
        ]
        .concat();
        tagged(SAMPLED_IPV4, &body)
    }

    /// A flow sample (format 1) at 1 in `RATE`.
    fn flow_sample(records: &[Vec<u8>]) -> Vec<u8> {
        let head = be(&[
            (1, 4),
            (3, 4),
            (RATE, 4),
            (RATE * 10, 4),
            (0, 4),
            (1, 4),
            (2, 4),
            (records.len() as u64, 4),
        ]);
        tagged(1, &[head, records.concat()].concat())
    }

    fn datagram(samples: &[Vec<u8>]) -> Vec<u8> {
        let head = be(&[
            (5, 4),
            (1, 4),
            (0xc000_0201, 4),
            (0, 4),
            (1, 4),
            (1000, 4),
            (samples.len() as u64, 4),
        ]);
        [head, samples.concat()].concat()
    }

    fn ethernet_sample(frame: &str) -> Vec<u8> {
        flow_sample(&[raw_header(HEADER_PROTOCOL_ETHERNET, &hex(frame))])
    }

    #[test]
    fn raw_headers_of_ethernet_over_mpls_count_to_the_customers_hosts() {
        let d = datagram(&[
            ethernet_sample(EOMPLS_CONTROL_WORD),
            ethernet_sample(EOMPLS_NO_CONTROL_WORD),
            ethernet_sample(VPLS_TWO_LABELS_INNER_VLAN),
            ethernet_sample(EVPN_CONTROL_WORD_IPV6),
            ethernet_sample(EVPN_THREE_LABELS_NO_CONTROL_WORD_IPV6),
        ]);
        let mut decoder = decoder();
        let mut sink = Collect::default();
        assert_eq!(
            decoder
                .decode(exporter(), 0, &d, &mut sink)
                .unwrap()
                .records,
            5
        );
        assert_eq!(
            per_host_pair(&sink.records),
            expected(&[
                (UDP_V4, (200, 9600)),
                (SYN_V4, (100, 4000)),
                (UDP_V6, (200, 14_400))
            ])
        );
        assert_eq!(decoder.exporter(&exporter()).unwrap().dropped_total(), 0);
    }

    #[test]
    fn raw_headers_that_do_not_parse_are_counted_per_sample() {
        let d = datagram(&[
            ethernet_sample(GARBAGE_AFTER_LABELS),
            ethernet_sample(CONTROL_WORD_CUT),
            // A header protocol floodwatch does not read (MPLS without its Ethernet header).
            flow_sample(&[raw_header(
                HEADER_PROTOCOL_MPLS,
                &hex(EOMPLS_CONTROL_WORD)[14..],
            )]),
            // A sampled IPv4 record beside the header stands in for it: nothing is dropped.
            flow_sample(&[
                raw_header(HEADER_PROTOCOL_ETHERNET, &hex(GARBAGE_AFTER_LABELS)),
                sampled_ipv4(500, [192, 0, 2, 9], [192, 0, 2, 10]),
            ]),
            ethernet_sample(EOMPLS_CONTROL_WORD),
        ]);
        let mut decoder = decoder();
        let mut sink = Collect::default();
        let decoded = decoder.decode(exporter(), 0, &d, &mut sink).unwrap();
        assert_eq!(decoded.records, 2);
        assert_eq!(
            per_host_pair(&sink.records),
            expected(&[
                (UDP_V4, (100, 4800)),
                (("192.0.2.9", "192.0.2.10"), (100, 50_000))
            ])
        );
        assert_eq!(unparsed(&decoder), 3);
        let stats = decoder.exporter(&exporter()).unwrap();
        assert_eq!((stats.decoded, stats.dropped_total()), (1, 3));
    }
}

mod ipfix {
    use super::*;

    const TEMPLATE_SET: u16 = 2;
    const VARIABLE_LENGTH: u16 = 0xFFFF;
    const SAMPLING_INTERVAL: u16 = 34;
    const DATA_LINK_FRAME_SECTION: u16 = 315;
    const IP_HEADER_PACKET_SECTION: u16 = 313;
    const RATE: u64 = 10;

    /// A record of the template (samplingInterval, section): the rate, then the section with
    /// its one-byte variable length.
    fn record(section: &[u8]) -> Vec<u8> {
        [
            be(&[(RATE, 4), (section.len() as u64, 1)]),
            section.to_vec(),
        ]
        .concat()
    }

    fn message(section_id: u16, sections: &[Vec<u8>]) -> Vec<u8> {
        let template = template_record(
            256,
            &[(SAMPLING_INTERVAL, 4), (section_id, VARIABLE_LENGTH)],
        );
        let records: Vec<u8> = sections.iter().flat_map(|s| record(s)).collect();
        ipfix_message(0, &[set(TEMPLATE_SET, &template), set(256, &records)])
    }

    #[test]
    fn data_link_frame_sections_of_ethernet_over_mpls_count_to_the_customers_hosts() {
        let frames = [
            EOMPLS_CONTROL_WORD,
            EOMPLS_NO_CONTROL_WORD,
            VPLS_TWO_LABELS_INNER_VLAN,
            EVPN_CONTROL_WORD_IPV6,
            EVPN_THREE_LABELS_NO_CONTROL_WORD_IPV6,
            GARBAGE_AFTER_LABELS,
            CONTROL_WORD_CUT,
        ];
        let sections: Vec<_> = frames.iter().map(|f| hex(f)).collect();
        let mut decoder = decoder();
        let mut sink = Collect::default();
        let decoded = decoder
            .decode(
                exporter(),
                0,
                &message(DATA_LINK_FRAME_SECTION, &sections),
                &mut sink,
            )
            .unwrap();
        assert_eq!(decoded.records, 5);
        assert_eq!(
            per_host_pair(&sink.records),
            expected(&[
                (UDP_V4, (20, 960)),
                (SYN_V4, (10, 400)),
                (UDP_V6, (20, 1440))
            ])
        );
        assert_eq!(unparsed(&decoder), 2);
        assert_eq!(decoder.exporter(&exporter()).unwrap().dropped_total(), 2);
    }

    #[test]
    fn ip_header_packet_sections_that_do_not_parse_are_counted() {
        let udp = hex(EOMPLS_CONTROL_WORD)[36..].to_vec();
        let sections = [udp, vec![0x00; 40], vec![0x45; 12]];
        let mut decoder = decoder();
        let mut sink = Collect::default();
        decoder
            .decode(
                exporter(),
                0,
                &message(IP_HEADER_PACKET_SECTION, &sections),
                &mut sink,
            )
            .unwrap();
        assert_eq!(
            per_host_pair(&sink.records),
            expected(&[(UDP_V4, (10, 480))])
        );
        assert_eq!(unparsed(&decoder), 2);
    }
}

mod netflow_v9 {
    use super::*;

    const LAYER2_PACKET_SECTION_DATA: u16 = 104;
    const SECTION_LEN: usize = 128;

    #[test]
    fn layer2_packet_sections_of_ethernet_over_mpls_count_to_the_customers_hosts() {
        let frames = [
            EVPN_THREE_LABELS_NO_CONTROL_WORD_IPV6,
            VPLS_TWO_LABELS_INNER_VLAN,
            GARBAGE_AFTER_LABELS,
        ];
        let records: Vec<u8> = frames
            .iter()
            .flat_map(|f| {
                let mut section = hex(f);
                section.resize(SECTION_LEN, 0);
                section
            })
            .collect();
        let template = template_record(300, &[(LAYER2_PACKET_SECTION_DATA, SECTION_LEN as u16)]);
        let packet = v9_packet(0, 4, &[set(0, &template), set(300, &records)]);
        let mut decoder = decoder();
        let mut sink = Collect::default();
        decoder.decode(exporter(), 0, &packet, &mut sink).unwrap();
        assert_eq!(
            per_host_pair(&sink.records),
            expected(&[(UDP_V6, (1, 72)), (SYN_V4, (1, 40))])
        );
        assert_eq!(unparsed(&decoder), 1);
    }
}
