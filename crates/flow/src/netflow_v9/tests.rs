use std::net::IpAddr;

use crate::test_support::*;
use crate::{Decoder, DecoderConfig, DropReason, Format};

const DIR: &str = "netflow_v9";

/// Template 300: IPv4 addresses, ports, protocol, TCP flags, bytes, packets, first/last switched.
const FLOW_FIELDS: [(u16, u16); 10] = [
    (8, 4),
    (12, 4),
    (7, 2),
    (11, 2),
    (4, 1),
    (6, 1),
    (1, 4),
    (2, 4),
    (22, 4),
    (21, 4),
];

fn flow_record(src: [u8; 4], dst: [u8; 4], bytes: u32, first: u32, last: u32) -> Vec<u8> {
    let mut r = src.to_vec();
    r.extend(dst);
    r.extend(be(&[
        (1234, 2),
        (80, 2),
        (6, 1),
        (0x12, 1),
        (bytes as u64, 4),
        (3, 4),
        (first as u64, 4),
        (last as u64, 4),
    ]));
    r
}

fn template_set(id: u16, fields: &[(u16, u16)]) -> Vec<u8> {
    set(0, &template_record(id, fields))
}

/// A v9 options template record: id, scope length, option length, scope fields, option fields.
fn options_template_set(id: u16, scope: &[(u16, u16)], options: &[(u16, u16)]) -> Vec<u8> {
    let mut r = be(&[
        (id as u64, 2),
        (scope.len() as u64 * 4, 2),
        (options.len() as u64 * 4, 2),
    ]);
    for &(fid, len) in scope.iter().chain(options) {
        r.extend(be(&[(fid as u64, 2), (len as u64, 2)]));
    }
    r.extend([0, 0]); // padding to 4 bytes
    set(1, &r)
}

fn decode(decoder: &mut Decoder, datagram: &[u8]) -> (Result<crate::Decoded, DropReason>, Collect) {
    let mut sink = Collect::default();
    let result = decoder.decode(exporter(), 0, datagram, &mut sink);
    (result, sink)
}

#[test]
fn softflowd_export_matches_tshark() {
    let (decoder, sink) = decode_fixture(DIR, "softflowd-v9");
    assert_matches_tshark(DIR, "softflowd-v9", &sink.records);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.last_format, Some(Format::NetflowV9));
    assert_eq!(stats.templates, 5, "4 templates and 1 options template");
    assert!(sink.records.iter().any(|r| r.src.is_ipv6()));
    assert!(sink.records.iter().all(|r| r.sampling_rate == 1));
}

#[test]
fn pmacctd_sampler_options_give_the_rate_of_records_naming_the_sampler() {
    let (decoder, sink) = decode_fixture(DIR, "pmacctd-v9-sampled");
    assert_matches_tshark(DIR, "pmacctd-v9-sampled", &sink.records);
    assert!(
        sink.records.iter().all(|r| r.sampling_rate == 2),
        "FLOW_SAMPLER_ID 1 -> random interval 2"
    );
    assert_eq!(decoder.exporter(&exporter()).unwrap().sampling_rate, 2);
}

#[test]
fn data_before_its_template_is_held_and_decoded_into_the_templates_sink() {
    let fixture = datagrams(DIR, "softflowd-v9");
    let mut decoder = decoder();
    let (result, sink) = decode(&mut decoder, &fixture[1]);
    let decoded = result.unwrap();
    assert!(decoded.held);
    assert_eq!(decoded.records, 0);
    assert!(sink.records.is_empty());
    assert_eq!(decoder.exporter(&exporter()).unwrap().held_datagrams, 1);

    let (result, sink) = decode(&mut decoder, &fixture[0]);
    let decoded = result.unwrap();
    assert_eq!(decoded.records, 24, "22 of its own, 2 held");
    assert_eq!(sink.records.len(), 24);
    assert_eq!(decoder.exporter(&exporter()).unwrap().held_datagrams, 0);
}

#[test]
fn held_data_that_never_meets_its_template_is_dropped_at_expiry() {
    let fixture = datagrams(DIR, "softflowd-v9");
    let mut decoder = decoder();
    decoder
        .decode(exporter(), 1000, &fixture[1], &mut Collect::default())
        .unwrap();
    decoder.expire(2500);
    assert_eq!(
        decoder.exporter(&exporter()).unwrap().held_datagrams,
        1,
        "still within 2 s"
    );
    decoder.expire(3001);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.held_datagrams, 0);
    assert_eq!(stats.dropped(DropReason::NoTemplate), 1);
    // The template arriving later finds nothing to release.
    let mut sink = Collect::default();
    assert_eq!(
        decoder
            .decode(exporter(), 3002, &fixture[0], &mut sink)
            .unwrap()
            .records,
        22
    );
}

#[test]
fn held_data_is_bounded_per_exporter_and_can_be_disabled() {
    let fixture = datagrams(DIR, "softflowd-v9");
    let config = DecoderConfig {
        held_data_max_datagrams: 2,
        ..DecoderConfig::default()
    };
    let mut decoder = Decoder::new(config);
    for _ in 0..5 {
        assert!(decode(&mut decoder, &fixture[1]).0.unwrap().held);
    }
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.held_datagrams, 2);
    assert_eq!(stats.dropped(DropReason::NoTemplate), 3);
    assert_eq!(
        decode(&mut decoder, &fixture[0]).0.unwrap().records,
        22 + 2 * 2
    );

    let mut decoder = Decoder::new(DecoderConfig {
        held_data_max_datagrams: 0,
        ..DecoderConfig::default()
    });
    assert_eq!(
        decode(&mut decoder, &fixture[1]).0,
        Err(DropReason::NoTemplate)
    );
}

#[test]
fn a_refreshed_template_replaces_the_old_layout() {
    let mut decoder = decoder();
    let record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1500, 1000, 1600);
    let packet = v9_packet(7, 2, &[template_set(300, &FLOW_FIELDS), set(300, &record)]);
    let (result, sink) = decode(&mut decoder, &packet);
    assert_eq!(result.unwrap().records, 1);
    let r = &sink.records[0];
    assert_eq!(
        (r.bytes, r.packets, r.duration_ms, r.tcp_flags, r.dst_port),
        (1500, 3, 600, 0x12, 80)
    );

    // Same template again: nothing changes.
    decode(
        &mut decoder,
        &v9_packet(7, 1, &[template_set(300, &FLOW_FIELDS)]),
    )
    .0
    .unwrap();
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 1);

    // Template 300 now starts with the destination address.
    let mut swapped = FLOW_FIELDS;
    swapped.swap(0, 1);
    let packet = v9_packet(7, 2, &[template_set(300, &swapped), set(300, &record)]);
    let (result, sink) = decode(&mut decoder, &packet);
    result.unwrap();
    assert_eq!(sink.records[0].src, "10.0.0.2".parse::<IpAddr>().unwrap());
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 1);
}

#[test]
fn templates_are_kept_per_source_id() {
    let mut decoder = decoder();
    decode(
        &mut decoder,
        &v9_packet(1, 1, &[template_set(300, &FLOW_FIELDS)]),
    )
    .0
    .unwrap();
    let record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100, 0, 0);
    let (result, _) = decode(&mut decoder, &v9_packet(2, 1, &[set(300, &record)]));
    assert!(result.unwrap().held, "source id 2 has no template 300");
    let (result, sink) = decode(&mut decoder, &v9_packet(1, 1, &[set(300, &record)]));
    assert_eq!(result.unwrap().records, 1);
    assert_eq!(sink.records.len(), 1);
}

#[test]
fn options_sampling_interval_applies_to_the_domains_records() {
    let mut decoder = decoder();
    // Scope: system (1), 4 bytes; option: SAMPLING_INTERVAL (34), 4 bytes, then FLOW_SAMPLER_MODE.
    let options = options_template_set(400, &[(1, 4)], &[(34, 4), (49, 1)]);
    let options_data = set(
        400,
        &[be(&[(0, 4), (1000, 4), (2, 1)]), vec![0, 0, 0]].concat(),
    );
    let record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100, 0, 0);
    let packet = v9_packet(
        0,
        4,
        &[
            options,
            options_data,
            template_set(300, &FLOW_FIELDS),
            set(300, &record),
        ],
    );
    let (result, sink) = decode(&mut decoder, &packet);
    assert_eq!(result.unwrap().records, 1);
    assert_eq!(sink.records[0].sampling_rate, 1000);
    assert_eq!(decoder.exporter(&exporter()).unwrap().sampling_rate, 1000);
    // The v9 scope field type 1 (system) is not IN_BYTES.
    assert_eq!(decoder.exporter(&exporter()).unwrap().skipped_records, 0);
}

#[test]
fn a_sampling_interval_in_the_data_record_wins() {
    let mut decoder = decoder();
    let mut fields = FLOW_FIELDS.to_vec();
    fields.push((34, 2));
    let mut record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100, 0, 0);
    record.extend(be(&[(64, 2)]));
    let (result, sink) = decode(
        &mut decoder,
        &v9_packet(0, 2, &[template_set(300, &fields), set(300, &record)]),
    );
    result.unwrap();
    assert_eq!(sink.records[0].sampling_rate, 64);
}

#[test]
fn input_and_output_snmp_give_the_interfaces_of_1_to_4_bytes() {
    let mut decoder = decoder();
    let mut fields = FLOW_FIELDS.to_vec();
    fields.extend([(10, 2), (14, 4)]);
    let mut record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100, 0, 0);
    record.extend(be(&[(3, 2), (70_000, 4)]));
    let (result, sink) = decode(
        &mut decoder,
        &v9_packet(0, 2, &[template_set(300, &fields), set(300, &record)]),
    );
    result.unwrap();
    let r = &sink.records[0];
    assert_eq!((r.input_interface, r.output_interface), (3, 70_000));
}

#[test]
fn ipv6_and_fragment_offset_fields() {
    let mut decoder = decoder();
    let fields = [(27, 16), (28, 16), (4, 1), (88, 2), (1, 8), (2, 8)];
    let src: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
    let dst: std::net::Ipv6Addr = "2001:db8::2".parse().unwrap();
    let mut record = src.octets().to_vec();
    record.extend(dst.octets());
    record.extend(be(&[(17, 1), (185, 2), (1 << 33, 8), (1 << 20, 8)]));
    let (result, sink) = decode(
        &mut decoder,
        &v9_packet(0, 2, &[template_set(300, &fields), set(300, &record)]),
    );
    result.unwrap();
    let r = &sink.records[0];
    assert_eq!((r.src, r.dst), (IpAddr::V6(src), IpAddr::V6(dst)));
    assert!(r.fragment);
    assert_eq!(r.bytes, 1 << 33);
}

#[test]
fn layer2_packet_section_is_parsed_as_a_sampled_packet() {
    if !packet_parser_ready() {
        return;
    }
    let frame = ethernet_ipv4_udp_frame();
    let mut decoder = decoder();
    let fields = [(34, 4), (104, frame.len() as u16)];
    let mut record = be(&[(100, 4)]);
    record.extend(&frame);
    let (result, sink) = decode(
        &mut decoder,
        &v9_packet(0, 2, &[template_set(300, &fields), set(300, &record)]),
    );
    result.unwrap();
    let r = &sink.records[0];
    assert_eq!(
        (r.protocol, r.src_port, r.dst_port, r.bytes, r.packets),
        (17, 5000, 53, 28, 1)
    );
    assert_eq!(r.sampling_rate, 100);
}

fn ethernet_ipv4_udp_frame() -> Vec<u8> {
    let mut f = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00];
    f.extend([
        0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend(be(&[(5000, 2), (53, 2), (8, 2), (0, 2)]));
    f
}

#[test]
fn too_many_templates_are_refused() {
    let mut decoder = Decoder::new(DecoderConfig {
        max_templates_per_exporter: 3,
        ..DecoderConfig::default()
    });
    let sets: Vec<_> = (300..305)
        .map(|id| template_set(id, &FLOW_FIELDS))
        .collect();
    let (result, _) = decode(&mut decoder, &v9_packet(0, 5, &sets));
    assert_eq!(result, Err(DropReason::TooManyTemplates));
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 3);
}

#[test]
fn malformed_templates_are_refused() {
    let bad = Err(DropReason::MalformedTemplate);
    let mut decoder = decoder();
    // Fields of length 0 only: records of nothing.
    let zero = template_set(300, &[(0, 0), (1, 0)]);
    assert_eq!(decode(&mut decoder, &v9_packet(0, 1, &[zero])).0, bad);
    // An oversized record: 65000 + 1000 bytes.
    let huge = template_set(301, &[(8, 65000), (1, 1000)]);
    assert_eq!(decode(&mut decoder, &v9_packet(0, 1, &[huge])).0, bad);
    // A reserved template id.
    assert_eq!(
        decode(
            &mut decoder,
            &v9_packet(0, 1, &[template_set(255, &FLOW_FIELDS)])
        )
        .0,
        bad
    );
    // No fields.
    assert_eq!(
        decode(&mut decoder, &v9_packet(0, 1, &[template_set(302, &[])])).0,
        bad
    );
    // A field count beyond the set.
    let mut cut = template_record(303, &FLOW_FIELDS);
    cut[3] = 40;
    assert_eq!(
        decode(&mut decoder, &v9_packet(0, 1, &[set(0, &cut)])).0,
        bad
    );
    // Options lengths that are not whole field specifiers.
    let odd = set(
        1,
        &be(&[(304, 2), (3, 2), (4, 2), (1, 2), (4, 2), (34, 2), (4, 2)]),
    );
    assert_eq!(decode(&mut decoder, &v9_packet(0, 1, &[odd])).0, bad);
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 0);
    // A good template after a bad one in the same set still counts.
    let mut both = template_record(305, &[(8, 0)]);
    both.extend(template_record(306, &FLOW_FIELDS));
    assert_eq!(
        decode(&mut decoder, &v9_packet(0, 2, &[set(0, &both)])).0,
        bad
    );
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 1);
}

#[test]
fn set_lengths_that_cannot_be_right() {
    let mut decoder = decoder();
    let mut short = template_set(300, &FLOW_FIELDS);
    short[2..4].copy_from_slice(&[0, 2]);
    assert_eq!(
        decode(&mut decoder, &v9_packet(0, 1, &[short])).0,
        Err(DropReason::BadLength)
    );
    let mut zero = template_set(300, &FLOW_FIELDS);
    zero[2..4].copy_from_slice(&[0, 0]);
    assert_eq!(
        decode(&mut decoder, &v9_packet(0, 1, &[zero])).0,
        Err(DropReason::BadLength)
    );
    let mut long = template_set(300, &FLOW_FIELDS);
    long[2..4].copy_from_slice(&[0x10, 0]);
    assert_eq!(
        decode(&mut decoder, &v9_packet(0, 1, &[long])).0,
        Err(DropReason::Truncated)
    );
}

#[test]
fn fewer_records_than_the_header_counts_is_a_truncation() {
    let mut decoder = decoder();
    let record = flow_record([10, 0, 0, 1], [10, 0, 0, 2], 100, 0, 0);
    let packet = v9_packet(0, 3, &[template_set(300, &FLOW_FIELDS), set(300, &record)]);
    let (result, sink) = decode(&mut decoder, &packet);
    assert_eq!(result, Err(DropReason::Truncated));
    assert_eq!(sink.records.len(), 1, "what was decoded is kept");
}

#[test]
fn every_truncation_of_the_fixtures_is_an_error() {
    for name in ["softflowd-v9", "pmacctd-v9-sampled"] {
        let fixture = datagrams(DIR, name);
        for (i, datagram) in fixture.iter().enumerate() {
            for len in 0..datagram.len() {
                let mut decoder = decoder();
                for earlier in &fixture[..i] {
                    decoder
                        .decode(exporter(), 0, earlier, &mut Collect::default())
                        .unwrap();
                }
                let result =
                    decoder.decode(exporter(), 0, &datagram[..len], &mut Collect::default());
                assert_eq!(
                    result,
                    Err(DropReason::Truncated),
                    "{name}-{i:02} cut at {len}"
                );
            }
        }
    }
}

#[test]
fn templates_expire_when_not_refreshed() {
    let fixture = datagrams(DIR, "softflowd-v9");
    let mut decoder = decoder();
    decoder
        .decode(exporter(), 0, &fixture[0], &mut Collect::default())
        .unwrap();
    decoder.expire(30 * 60 * 1000);
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 5);
    decoder.expire(30 * 60 * 1000 + 1);
    assert_eq!(decoder.exporter(&exporter()).unwrap().templates, 0);
    let result = decoder.decode(
        exporter(),
        30 * 60 * 1000 + 2,
        &fixture[1],
        &mut Collect::default(),
    );
    assert!(result.unwrap().held);
}

/// Juniper's sampling options template: a System scope of length 0, then samplingAlgorithm
/// and samplingInterval. The interval applies to the flows of the source id that follow.
#[test]
fn juniper_sampling_options_with_a_zero_length_system_scope() {
    let mut decoder = decoder();
    let mut options = be(&[(256, 2), (4, 2), (8, 2)]);
    options.extend(be(&[(1, 2), (0, 2), (35, 2), (1, 2), (34, 2), (4, 2)]));
    let options_data = be(&[(2, 1), (100, 4)]);
    let sampling = v9_packet(
        0,
        2,
        &[
            set(1, &options),
            set(256, &[options_data, vec![0; 3]].concat()),
        ],
    );
    let flows = v9_packet(
        0,
        2,
        &[
            template_set(300, &FLOW_FIELDS),
            set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1500, 0, 0)),
        ],
    );
    keep_fixture(
        "netflow_v9",
        "vendor-juniper-sampling",
        &[&sampling, &flows],
    );
    let (result, _) = decode(&mut decoder, &sampling);
    result.unwrap();
    let (result, sink) = decode(&mut decoder, &flows);
    result.unwrap();
    assert_eq!(sink.records[0].sampling_rate, 100);
    assert_eq!(decoder.exporter(&exporter()).unwrap().sampling_rate, 100);
}

/// Templates ending with a padding field of type 0 and length 0 decode like any other.
#[test]
fn a_trailing_zero_length_padding_field() {
    let mut decoder = decoder();
    let mut fields = FLOW_FIELDS.to_vec();
    fields.push((0, 0));
    let (result, sink) = decode(
        &mut decoder,
        &v9_packet(
            0,
            2,
            &[
                template_set(300, &fields),
                set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1500, 0, 0)),
            ],
        ),
    );
    result.unwrap();
    assert_eq!(sink.records.len(), 1);
}

/// Zeros after the last flowset are padding: the datagram is decoded, not a bad length.
#[test]
fn zero_padding_after_the_last_flowset() {
    let mut decoder = decoder();
    let mut packet = v9_packet(
        0,
        2,
        &[
            template_set(300, &FLOW_FIELDS),
            set(300, &flow_record([10, 0, 0, 1], [10, 0, 0, 2], 1500, 0, 0)),
        ],
    );
    packet.extend([0u8; 12]);
    let (result, sink) = decode(&mut decoder, &packet);
    assert_eq!(result.unwrap().records, 1);
    assert_eq!(sink.records.len(), 1);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!((stats.decoded, stats.dropped_total()), (1, 0));
}
