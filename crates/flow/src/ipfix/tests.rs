use std::net::{IpAddr, Ipv6Addr};

use crate::template::VARIABLE_LENGTH;
use crate::test_support::*;
use crate::{Decoder, DecoderConfig, DropReason, Format};

const DIR: &str = "ipfix";
const ENTERPRISE: u16 = 0x8000;

/// Template 300: IPv4 addresses, ports, protocol, octetDeltaCount, packetDeltaCount.
const FLOW_FIELDS: [(u16, u16); 7] = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 8), (2, 8)];

fn flow_record(src: [u8; 4], dst: [u8; 4], bytes: u64) -> Vec<u8> {
    let mut r = src.to_vec();
    r.extend(dst);
    r.extend(be(&[(40000, 2), (443, 2), (6, 1), (bytes, 8), (2, 8)]));
    r
}

fn template_set(id: u16, fields: &[(u16, u16)]) -> Vec<u8> {
    set(2, &template_record(id, fields))
}

/// An IPFIX options template set: id, field count, scope field count, fields.
fn options_template_set(id: u16, scope: &[(u16, u16)], options: &[(u16, u16)]) -> Vec<u8> {
    let mut r = be(&[
        (id as u64, 2),
        ((scope.len() + options.len()) as u64, 2),
        (scope.len() as u64, 2),
    ]);
    for &(fid, len) in scope.iter().chain(options) {
        r.extend(be(&[(fid as u64, 2), (len as u64, 2)]));
    }
    set(3, &r)
}

fn decode(decoder: &mut Decoder, message: &[u8]) -> (Result<crate::Decoded, DropReason>, Collect) {
    let mut sink = Collect::default();
    let result = decoder.decode(exporter(), 0, message, &mut sink);
    (result, sink)
}

fn one(decoder: &mut Decoder, sets: &[Vec<u8>]) -> Collect {
    let (result, sink) = decode(decoder, &ipfix_message(0, sets));
    result.unwrap();
    sink
}

#[test]
fn softflowd_export_with_systematic_sampling_matches_tshark() {
    let (decoder, sink) = decode_fixture(DIR, "softflowd-ipfix");
    assert_matches_tshark(DIR, "softflowd-ipfix", &sink.records);
    // Options: samplingPacketInterval 1, samplingPacketSpace 3.
    assert!(sink.records.iter().all(|r| r.sampling_rate == 4));
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(
        (stats.sampling_rate, stats.last_format),
        (4, Some(Format::Ipfix))
    );
}

#[test]
fn softflowd_nanosecond_timestamps_match_tshark() {
    let (_, sink) = decode_fixture(DIR, "softflowd-ipfix-nano");
    assert_matches_tshark(DIR, "softflowd-ipfix-nano", &sink.records);
    assert!(sink.records.iter().any(|r| r.src.is_ipv6()));
}

#[test]
fn pmacctd_sampler_options_match_tshark() {
    let (_, sink) = decode_fixture(DIR, "pmacctd-ipfix-sampled");
    assert_matches_tshark(DIR, "pmacctd-ipfix-sampled", &sink.records);
    assert!(
        sink.records.iter().all(|r| r.sampling_rate == 2),
        "samplerId 1 -> samplerRandomInterval 2"
    );
}

#[test]
fn softflowd_psamp_frames_match_tshark() {
    if !packet_parser_ready() {
        return;
    }
    let (_, sink) = decode_fixture(DIR, "softflowd-psamp");
    assert_matches_tshark(DIR, "softflowd-psamp", &sink.records);
    assert!(sink
        .records
        .iter()
        .all(|r| r.packets == 1 && r.sampling_rate == 1));
}

#[test]
fn variable_length_fields_short_and_long_forms() {
    let mut decoder = decoder();
    // interfaceName (82) variable, then the flow fields.
    let mut fields = vec![(82, VARIABLE_LENGTH)];
    fields.extend(FLOW_FIELDS);
    let mut short = vec![3];
    short.extend(b"et0");
    short.extend(flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100));
    let mut long = vec![255, 1, 44];
    long.extend([b'x'; 300]);
    long.extend(flow_record([10, 0, 0, 3], [10, 0, 0, 4], 200));
    let mut empty = vec![0];
    empty.extend(flow_record([10, 0, 0, 5], [10, 0, 0, 6], 300));
    let data = set(300, &[short, long, empty, vec![0, 0]].concat());
    let sink = one(&mut decoder, &[template_set(300, &fields), data]);
    let got: Vec<_> = sink
        .records
        .iter()
        .map(|r| (r.src.to_string(), r.bytes))
        .collect();
    assert_eq!(
        got,
        [
            ("10.0.0.1".into(), 100),
            ("10.0.0.3".into(), 200),
            ("10.0.0.5".into(), 300)
        ]
    );
}

#[test]
fn a_variable_length_field_running_past_its_set_is_malformed() {
    let mut decoder = decoder();
    let fields = [(8, 4), (12, 4), (82, VARIABLE_LENGTH)];
    let mut data = vec![10, 0, 0, 1, 10, 0, 0, 2, 200];
    data.extend([b'x'; 10]);
    let (result, _) = decode(
        &mut decoder,
        &ipfix_message(0, &[template_set(300, &fields), set(300, &data)]),
    );
    assert_eq!(result, Err(DropReason::Malformed));
}

#[test]
fn enterprise_fields_are_skipped_fixed_or_variable() {
    let mut decoder = decoder();
    // E bit + PEN 9 (Cisco): a 4-byte one that would be sourceIPv4Address without the bit,
    // and a variable-length one, between the IANA fields.
    let mut template = be(&[(300, 2), (9, 2)]);
    template.extend(be(&[((ENTERPRISE | 8) as u64, 2), (4, 2), (9, 4)]));
    for &(id, len) in &FLOW_FIELDS {
        template.extend(be(&[(id as u64, 2), (len as u64, 2)]));
    }
    template.extend(be(&[
        ((ENTERPRISE | 12235) as u64, 2),
        (VARIABLE_LENGTH as u64, 2),
        (29305, 4),
    ]));
    let mut data = vec![192, 168, 0, 1];
    data.extend(flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100));
    data.extend([5, 1, 2, 3, 4, 5]);
    let sink = one(&mut decoder, &[set(2, &template), set(300, &data)]);
    assert_eq!(sink.records.len(), 1);
    assert_eq!(sink.records[0].src.to_string(), "10.0.0.1");
}

#[test]
fn withdrawal_of_one_template_and_of_all() {
    let mut decoder = decoder();
    let data = set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100));
    one(
        &mut decoder,
        &[
            template_set(300, &FLOW_FIELDS),
            template_set(301, &FLOW_FIELDS),
        ],
    );
    one(
        &mut decoder,
        &[options_template_set(400, &[(144, 4)], &[(34, 4)])],
    );
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 3);

    one(&mut decoder, &[set(2, &be(&[(300, 2), (0, 2)]))]);
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 2);
    let (result, _) = decode(&mut decoder, &ipfix_message(0, std::slice::from_ref(&data)));
    assert!(result.unwrap().held, "template 300 was withdrawn");

    // Template id 2 withdraws every (non-options) template of the domain.
    one(&mut decoder, &[set(2, &be(&[(2, 2), (0, 2)]))]);
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 1);
    // Template id 3 in an options template set withdraws every options template.
    one(&mut decoder, &[set(3, &be(&[(3, 2), (0, 2)]))]);
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 0);

    // A withdrawal naming a reserved id is malformed.
    let (result, _) = decode(
        &mut decoder,
        &ipfix_message(0, &[set(2, &be(&[(17, 2), (0, 2)]))]),
    );
    assert_eq!(result, Err(DropReason::MalformedTemplate));
}

#[test]
fn selector_options_give_the_rate_of_records_naming_the_selector() {
    let mut decoder = decoder();
    // Scope selectorId (302); samplingPacketInterval (305) 1, samplingPacketSpace (306) 511.
    let options = options_template_set(400, &[(302, 8)], &[(305, 4), (306, 4)]);
    let selectors = set(
        400,
        &be(&[(7, 8), (1, 4), (511, 4), (8, 8), (1, 4), (9, 4)]),
    );
    let mut fields = FLOW_FIELDS.to_vec();
    fields.push((302, 8));
    let mut records = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100);
    records.extend(be(&[(7, 8)]));
    records.extend(flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100));
    records.extend(be(&[(8, 8)]));
    let sink = one(
        &mut decoder,
        &[
            options,
            selectors,
            template_set(300, &fields),
            set(300, &records),
        ],
    );
    let rates: Vec<_> = sink.records.iter().map(|r| r.sampling_rate).collect();
    assert_eq!(rates, [512, 10]);
}

#[test]
fn sampling_interval_and_random_interval_in_options() {
    for (field, value) in [(34u16, 2048u64), (50, 300)] {
        let mut decoder = decoder();
        let options = options_template_set(400, &[(144, 4)], &[(field, 4)]);
        let sink = one(
            &mut decoder,
            &[
                options,
                set(400, &be(&[(1, 4), (value, 4)])),
                template_set(300, &FLOW_FIELDS),
                set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100)),
            ],
        );
        assert_eq!(sink.records[0].sampling_rate, value as u32, "field {field}");
    }
}

#[test]
fn unsampled_exports_report_rate_one() {
    let mut decoder = decoder();
    let sink = one(
        &mut decoder,
        &[
            template_set(300, &FLOW_FIELDS),
            set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1)),
        ],
    );
    assert_eq!(sink.records[0].sampling_rate, 1);
}

#[test]
fn timestamps_of_every_precision() {
    type Case = (&'static [(u16, u16)], Vec<u8>, u32);
    let cases: [Case; 6] = [
        (
            &[(150, 4), (151, 4)],
            be(&[(1_700_000_000, 4), (1_700_000_003, 4)]),
            3000,
        ),
        (
            &[(152, 8), (153, 8)],
            be(&[(1_700_000_000_000, 8), (1_700_000_000_250, 8)]),
            250,
        ),
        (
            &[(158, 4), (159, 4)],
            be(&[(900_000, 4), (100_000, 4)]),
            800,
        ),
        (&[(161, 4)], be(&[(1234, 4)]), 1234),
        (
            &[(22, 4), (21, 4)],
            be(&[(0xFFFF_FF00, 4), (0x100, 4)]),
            0x200,
        ),
        (
            &[(154, 8), (155, 8)],
            be(&[
                ((3_900_000_000u64 << 32) | (1 << 31), 8),
                ((3_900_000_001u64 << 32) | (3 << 30), 8),
            ]),
            1250,
        ),
    ];
    for (time_fields, time_values, duration) in cases {
        let mut decoder = decoder();
        let mut fields = FLOW_FIELDS.to_vec();
        fields.extend_from_slice(time_fields);
        let mut record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1);
        record.extend(time_values);
        let sink = one(
            &mut decoder,
            &[template_set(300, &fields), set(300, &record)],
        );
        assert_eq!(sink.records[0].duration_ms, duration, "{time_fields:?}");
    }
}

#[test]
fn fragment_flags_and_offset() {
    for (field, value, fragment) in [
        (197u16, 0x20u64, true),
        (197, 0x40, false),
        (88, 185, true),
        (88, 0, false),
    ] {
        let mut decoder = decoder();
        let mut fields = FLOW_FIELDS.to_vec();
        fields.push((field, 2));
        let mut record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1);
        record.extend(be(&[(value, 2)]));
        let sink = one(
            &mut decoder,
            &[template_set(300, &fields), set(300, &record)],
        );
        assert_eq!(
            sink.records[0].fragment, fragment,
            "field {field} = {value:#x}"
        );
    }
}

#[test]
fn ipv6_flows_with_total_counters_as_fallback() {
    let mut decoder = decoder();
    // sourceIPv6Address, destinationIPv6Address, protocol, tcpControlBits (2 bytes),
    // octetTotalCount (85), packetTotalCount (86), postOctetDeltaCount (23).
    let fields = [
        (27, 16),
        (28, 16),
        (4, 1),
        (6, 2),
        (85, 8),
        (86, 4),
        (23, 8),
    ];
    let (src, dst): (Ipv6Addr, Ipv6Addr) = (
        "2001:db8::a".parse().unwrap(),
        "2001:db8::b".parse().unwrap(),
    );
    let mut record = [src.octets(), dst.octets()].concat();
    record.extend(be(&[(6, 1), (0x0102, 2), (9000, 8), (6, 4), (7, 8)]));
    let sink = one(
        &mut decoder,
        &[template_set(300, &fields), set(300, &record)],
    );
    let r = &sink.records[0];
    assert_eq!((r.src, r.dst), (IpAddr::V6(src), IpAddr::V6(dst)));
    assert_eq!((r.tcp_flags, r.bytes, r.packets), (0x02, 9000, 6));
}

#[test]
fn ip_header_packet_section_is_parsed_as_a_sampled_packet() {
    if !packet_parser_ready() {
        return;
    }
    let mut decoder = decoder();
    // selectorId, then ipHeaderPacketSection (313), variable length: an IPv6 TCP SYN header.
    let fields = [(302, 4), (313, VARIABLE_LENGTH)];
    let options = options_template_set(400, &[(302, 4)], &[(305, 4), (306, 4)]);
    let mut packet = be(&[(6 << 28, 4), (20, 2), (6, 1), (64, 1)]);
    packet.extend("2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
    packet.extend("2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
    packet.extend(be(&[
        (1025, 2),
        (80, 2),
        (1, 4),
        (0, 4),
        (0x5002, 2),
        (1024, 2),
        (0, 4),
    ]));
    let mut record = be(&[(5, 4), (packet.len() as u64, 1)]);
    record.extend(&packet);
    let sink = one(
        &mut decoder,
        &[
            options,
            set(400, &be(&[(5, 4), (1, 4), (99, 4)])),
            template_set(300, &fields),
            set(300, &record),
        ],
    );
    let r = &sink.records[0];
    assert_eq!(r.dst.to_string(), "2001:db8::2");
    assert_eq!(
        (
            r.protocol,
            r.dst_port,
            r.tcp_flags,
            r.bytes,
            r.sampling_rate
        ),
        (6, 80, 0x02, 60, 100)
    );
    assert!(r.is_syn());
}

#[test]
fn a_data_set_naming_an_options_template_is_options_data() {
    let mut decoder = decoder();
    let options = options_template_set(400, &[(144, 4)], &[(34, 4)]);
    // Three options records in one set, then padding; nothing reaches the sink.
    let sink = one(
        &mut decoder,
        &[
            options,
            set(
                400,
                &[
                    be(&[(1, 4), (10, 4), (1, 4), (20, 4), (1, 4), (30, 4)]),
                    vec![0; 3],
                ]
                .concat(),
            ),
        ],
    );
    assert!(sink.records.is_empty());
    assert_eq!(decoder.exporter(&exporter()).unwrap().sampling_rate, 30);
}

#[test]
fn padding_and_empty_sets_are_tolerated() {
    let mut decoder = decoder();
    let mut template = template_record(300, &FLOW_FIELDS);
    template.extend([0, 0, 0]);
    let sets = [
        set(2, &template),
        set(300, &[]),
        set(
            300,
            &[flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1), vec![0; 5]].concat(),
        ),
        set(17, b"reserved"),
    ];
    let mut message = ipfix_message(0, &sets);
    message.extend([0, 0]);
    let sink = one(&mut decoder, &sets);
    assert_eq!(sink.records.len(), 1);
    let (result, _) = decode(&mut decoder, &message);
    assert_eq!(
        result.unwrap().records,
        1,
        "bytes past the message length are ignored"
    );
}

#[test]
fn message_and_set_lengths_that_cannot_be_right() {
    let mut decoder = decoder();
    let good = ipfix_message(0, &[template_set(300, &FLOW_FIELDS)]);
    let mut short = good.clone();
    short[2..4].copy_from_slice(&[0, 15]);
    assert_eq!(decode(&mut decoder, &short).0, Err(DropReason::BadLength));
    let mut long = good.clone();
    long[2..4].copy_from_slice(&((good.len() + 1) as u16).to_be_bytes());
    assert_eq!(decode(&mut decoder, &long).0, Err(DropReason::Truncated));
    for set_len in [0u16, 3] {
        let mut bad = good.clone();
        bad[18..20].copy_from_slice(&set_len.to_be_bytes());
        assert_eq!(
            decode(&mut decoder, &bad).0,
            Err(DropReason::BadLength),
            "set length {set_len}"
        );
    }
    let mut beyond = good.clone();
    beyond[18..20].copy_from_slice(&((good.len() - 16 + 4) as u16).to_be_bytes());
    assert_eq!(decode(&mut decoder, &beyond).0, Err(DropReason::Truncated));
}

#[test]
fn malformed_templates_are_refused() {
    let bad = Err(DropReason::MalformedTemplate);
    let mut decoder = decoder();
    let cases = [
        // Fields of length 0 only: records of nothing.
        template_set(300, &[(210, 0), (1, 0)]),
        template_set(301, &[(8, 60000), (12, 6000)]),
        template_set(128, &FLOW_FIELDS),
        options_template_set(400, &[], &[(34, 4)]),
        set(3, &be(&[(401, 2), (1, 2), (2, 2), (34, 2), (4, 2)])),
        // The enterprise number is cut off by the end of the set.
        set(
            2,
            &be(&[(302, 2), (1, 2), ((ENTERPRISE | 1) as u64, 2), (4, 2)]),
        ),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        assert_eq!(
            decode(&mut decoder, &ipfix_message(0, &[case])).0,
            bad,
            "case {i}"
        );
    }
    let too_wide = vec![(8u16, 4u16); 513];
    assert_eq!(
        decode(
            &mut decoder,
            &ipfix_message(0, &[template_set(302, &too_wide)])
        )
        .0,
        bad
    );
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 0);
}

#[test]
fn held_data_sets_are_released_by_their_template_only() {
    let mut decoder = decoder();
    let data = |id| set(id, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1));
    let (result, _) = decode(&mut decoder, &ipfix_message(0, &[data(300), data(301)]));
    assert!(result.unwrap().held);
    let (result, sink) = decode(
        &mut decoder,
        &ipfix_message(1, &[template_set(300, &FLOW_FIELDS)]),
    );
    assert_eq!(
        (result.unwrap().records, sink.records.len()),
        (0, 0),
        "another domain"
    );
    let (result, sink) = decode(
        &mut decoder,
        &ipfix_message(0, &[template_set(300, &FLOW_FIELDS)]),
    );
    assert_eq!((result.unwrap().records, sink.records.len()), (1, 1));
    assert_eq!(
        decoder.exporter(&exporter()).unwrap().held_datagrams,
        1,
        "301 still pending"
    );
    let (result, _) = decode(
        &mut decoder,
        &ipfix_message(0, &[template_set(301, &FLOW_FIELDS)]),
    );
    assert_eq!(result.unwrap().records, 1);
    assert_eq!(decoder.exporter(&exporter()).unwrap().held_datagrams, 0);
}

#[test]
fn a_template_later_in_the_same_message_decodes_earlier_data() {
    let mut decoder = decoder();
    let data = set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1));
    let (result, _) = decode(
        &mut decoder,
        &ipfix_message(0, &[data, template_set(300, &FLOW_FIELDS)]),
    );
    let decoded = result.unwrap();
    assert_eq!((decoded.records, decoded.held), (1, false));
}

#[test]
fn held_bytes_are_capped_over_all_exporters() {
    let config = DecoderConfig {
        held_data_max_bytes: 100,
        ..DecoderConfig::default()
    };
    let mut decoder = Decoder::new(config);
    let data = ipfix_message(0, &[set(300, &[0; 60])]);
    let a: std::net::SocketAddr = "192.0.2.7:1".parse().unwrap();
    assert!(
        decoder
            .decode(a, 0, &data, &mut Collect::default())
            .unwrap()
            .held
    );
    assert_eq!(
        decoder.decode(exporter(), 0, &data, &mut Collect::default()),
        Err(DropReason::NoTemplate)
    );
    decoder.expire(10_000);
    assert!(
        decoder
            .decode(exporter(), 10_000, &data, &mut Collect::default())
            .unwrap()
            .held
    );
}

#[test]
fn every_truncation_of_the_fixtures_is_an_error() {
    for name in [
        "softflowd-ipfix",
        "softflowd-ipfix-nano",
        "pmacctd-ipfix-sampled",
        "softflowd-psamp",
    ] {
        let fixture = datagrams(DIR, name);
        let mut decoder = decoder();
        for (i, datagram) in fixture.iter().enumerate() {
            for len in 0..datagram.len() {
                let result =
                    decoder.decode(exporter(), 0, &datagram[..len], &mut Collect::default());
                assert_eq!(
                    result,
                    Err(DropReason::Truncated),
                    "{name}-{i:02} cut at {len}"
                );
            }
            decoder
                .decode(exporter(), 0, datagram, &mut Collect::default())
                .unwrap();
        }
    }
}

/// An 8-byte count of 2^62 reached the API as a bigint and broke /metrics and the attack
/// records: such a record is dropped at the decoder, the others of its set are kept.
#[test]
fn records_with_implausible_counts_are_dropped_and_counted() {
    let mut decoder = decoder();
    let mut forged = flow_record([192, 0, 2, 7], [10, 0, 0, 1], 1 << 62);
    forged[21..29].copy_from_slice(&(1u64 << 62).to_be_bytes());
    let real = flow_record([192, 0, 2, 8], [10, 0, 0, 1], 3000);
    let sink = one(
        &mut decoder,
        &[
            template_set(300, &FLOW_FIELDS),
            set(300, &[forged, real].concat()),
        ],
    );
    assert_eq!(sink.records.len(), 1);
    assert_eq!(sink.records[0].bytes, 3000);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.dropped(DropReason::ImplausibleCounts), 1);
    assert_eq!(stats.records, 1);
}

/// Exporters pad the message after its last set with zeros (inside the message length): the
/// message is decoded, not counted as a bad length.
#[test]
fn zero_padding_after_the_last_set() {
    let mut decoder = decoder();
    let sets = [
        template_set(300, &FLOW_FIELDS),
        set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1500)),
    ];
    let mut padded = sets.concat();
    padded.extend([0u8; 8]);
    let message = ipfix_message(0, &[padded]);
    let (result, sink) = decode(&mut decoder, &message);
    assert_eq!(result.unwrap().records, 1);
    assert_eq!(sink.records.len(), 1);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!((stats.decoded, stats.dropped_total()), (1, 0));
}
