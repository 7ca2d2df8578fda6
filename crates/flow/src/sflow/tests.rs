use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use floodwatch_packet::InterfaceCounters;

use crate::test_support::*;
use crate::{DropReason, Format};

const DIR: &str = "sflow";

fn sample(format: u32, body: &[u8]) -> Vec<u8> {
    let mut s = be(&[(format as u64, 4), (body.len() as u64, 4)]);
    s.extend_from_slice(body);
    s
}

/// An sFlow v5 datagram from `agent` carrying `samples`.
pub(crate) fn datagram(agent: IpAddr, samples: &[Vec<u8>]) -> Vec<u8> {
    let mut d = be(&[(5, 4)]);
    match agent {
        IpAddr::V4(a) => d.extend([be(&[(1, 4)]), a.octets().to_vec()].concat()),
        IpAddr::V6(a) => d.extend([be(&[(2, 4)]), a.octets().to_vec()].concat()),
    }
    d.extend(be(&[(0, 4), (1, 4), (1000, 4), (samples.len() as u64, 4)]));
    d.extend(samples.concat());
    d
}

fn flow_sample(rate: u32, records: &[Vec<u8>]) -> Vec<u8> {
    let mut b = be(&[
        (1, 4),
        (3, 4),
        (rate as u64, 4),
        (rate as u64 * 10, 4),
        (0, 4),
        (0x3FFF_FFFF, 4),
        (7, 4),
    ]);
    b.extend(be(&[(records.len() as u64, 4)]));
    b.extend(records.concat());
    sample(1, &b)
}

fn expanded_flow_sample(rate: u32, records: &[Vec<u8>]) -> Vec<u8> {
    let mut b = be(&[
        (1, 4),
        (0, 4),
        (3, 4),
        (rate as u64, 4),
        (rate as u64 * 10, 4),
        (0, 4),
    ]);
    b.extend(be(&[
        (0, 4),
        (0x3FFF_FFFF, 4),
        (0, 4),
        (7, 4),
        (records.len() as u64, 4),
    ]));
    b.extend(records.concat());
    sample(3, &b)
}

fn sampled_ipv4(length: u32, src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    let mut b = be(&[(length as u64, 4), (17, 4)]);
    b.extend(src);
    b.extend(dst);
    b.extend(be(&[(5353, 4), (53, 4), (0, 4), (0, 4)]));
    sample(3, &b)
}

fn sampled_ipv6(length: u32, src: Ipv6Addr, dst: Ipv6Addr) -> Vec<u8> {
    let mut b = be(&[(length as u64, 4), (6, 4)]);
    b.extend(src.octets());
    b.extend(dst.octets());
    b.extend(be(&[(40000, 4), (443, 4), (0x02, 4), (0, 4)]));
    sample(4, &b)
}

fn raw_header(protocol: u32, frame_length: u32, header: &[u8]) -> Vec<u8> {
    let mut b = be(&[
        (protocol as u64, 4),
        (frame_length as u64, 4),
        (4, 4),
        (header.len() as u64, 4),
    ]);
    b.extend_from_slice(header);
    b.resize(b.len().div_ceil(4) * 4, 0);
    sample(1, &b)
}

fn generic_counters(c: &InterfaceCounters) -> Vec<u8> {
    let b = be(&[
        (c.if_index as u64, 4),
        (6, 4),
        (c.if_speed, 8),
        (1, 4),
        (3, 4),
        (c.in_octets, 8),
        (c.in_packets - 2, 4),
        (1, 4),
        (1, 4),
        (c.in_discards as u64, 4),
        (c.in_errors as u64, 4),
        (0, 4),
        (c.out_octets, 8),
        (c.out_packets, 4),
        (0, 4),
        (0, 4),
        (c.out_discards as u64, 4),
        (c.out_errors as u64, 4),
        (0, 4),
    ]);
    sample(1, &b)
}

fn counter_sample(expanded: bool, records: &[Vec<u8>]) -> Vec<u8> {
    let mut b = if expanded {
        be(&[(9, 4), (0, 4), (3, 4)])
    } else {
        be(&[(9, 4), (3, 4)])
    };
    b.extend(be(&[(records.len() as u64, 4)]));
    b.extend(records.concat());
    sample(if expanded { 4 } else { 2 }, &b)
}

fn agent4() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 254))
}

#[test]
fn pmacctd_flow_samples_match_tshark() {
    if !packet_parser_ready() {
        return;
    }
    let (decoder, sink) = decode_fixture(DIR, "pmacctd-sflow");
    assert_matches_tshark(DIR, "pmacctd-sflow", &sink.records);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(
        (stats.last_format, stats.sampling_rate),
        (Some(Format::SflowV5), 1)
    );
    // The fragmented UDP datagram: both fragments, IP lengths rather than frame lengths.
    let fragments: Vec<_> = sink
        .records
        .iter()
        .filter(|r| r.fragment)
        .map(|r| r.bytes)
        .collect();
    assert_eq!(fragments, [1500, 148]);
}

#[test]
fn pmacctd_sampled_flow_samples_carry_their_rate() {
    if !packet_parser_ready() {
        return;
    }
    let (_, sink) = decode_fixture(DIR, "pmacctd-sflow-sampled");
    assert_matches_tshark(DIR, "pmacctd-sflow-sampled", &sink.records);
    assert!(sink.records.iter().all(|r| r.sampling_rate == 4));
}

#[test]
fn an_ipv6_agent_address() {
    let agent: IpAddr = "2001:db8::fe".parse().unwrap();
    let d = datagram(
        agent,
        &[counter_sample(false, &[generic_counters(&counters())])],
    );
    let mut sink = Collect::default();
    decoder().decode(exporter(), 0, &d, &mut sink).unwrap();
    assert_eq!(sink.counters, [(agent, counters())]);
}

fn counters() -> InterfaceCounters {
    InterfaceCounters {
        if_index: 3,
        if_speed: 10_000_000_000,
        in_octets: 1 << 40,
        in_packets: 1000,
        in_errors: 4,
        in_discards: 5,
        out_octets: 77,
        out_packets: 6,
        out_errors: 7,
        out_discards: 8,
    }
}

#[test]
fn counter_samples_and_expanded_counter_samples() {
    let mut other = counters();
    other.if_index = 4;
    let unknown_record = sample(1005, &[0; 12]);
    let d = datagram(
        agent4(),
        &[
            counter_sample(
                false,
                &[unknown_record.clone(), generic_counters(&counters())],
            ),
            counter_sample(true, &[generic_counters(&other), unknown_record]),
        ],
    );
    let mut sink = Collect::default();
    let mut decoder = decoder();
    let decoded = decoder.decode(exporter(), 0, &d, &mut sink).unwrap();
    assert_eq!(decoded.records, 0);
    assert_eq!(sink.counters, [(agent4(), counters()), (agent4(), other)]);
    assert_eq!(decoder.exporter(&exporter()).unwrap().counter_records, 2);
}

#[test]
fn sampled_ipv4_and_ipv6_records_when_there_is_no_header() {
    let (src6, dst6): (Ipv6Addr, Ipv6Addr) = (
        "2001:db8::1".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
    );
    let d = datagram(
        agent4(),
        &[
            flow_sample(
                512,
                &[
                    sample(1001, &[0; 16]),
                    sampled_ipv4(1200, [10, 0, 0, 1], [10, 0, 0, 2]),
                ],
            ),
            expanded_flow_sample(0, &[sampled_ipv6(80, src6, dst6)]),
        ],
    );
    let mut sink = Collect::default();
    let decoded = decoder().decode(exporter(), 0, &d, &mut sink).unwrap();
    assert_eq!(decoded.records, 2);
    let (v4, v6) = (&sink.records[0], &sink.records[1]);
    assert_eq!(
        (
            v4.src.to_string().as_str(),
            v4.protocol,
            v4.dst_port,
            v4.bytes
        ),
        ("10.0.0.1", 17, 53, 1200)
    );
    assert_eq!((v4.packets, v4.sampling_rate), (1, 512));
    assert_eq!(
        (v6.src, v6.dst, v6.tcp_flags, v6.bytes),
        (IpAddr::V6(src6), IpAddr::V6(dst6), 0x02, 80)
    );
    assert_eq!(v6.sampling_rate, 1, "a rate of 0 means unsampled");
    // Input 0x3FFFFFFF (the agent itself) is no interface; output 7 is ifIndex 7.
    assert_eq!(
        [v4, v6].map(|r| (r.input_interface, r.output_interface)),
        [(0, 7), (0, 7)]
    );
}

#[test]
fn interfaces_in_each_format_of_flow_samples() {
    let record = sampled_ipv4(100, [10, 0, 0, 1], [10, 0, 0, 2]);
    let compact = |input: u64, output: u64| {
        let mut b = be(&[
            (1, 4),
            (3, 4),
            (1, 4),
            (10, 4),
            (0, 4),
            (input, 4),
            (output, 4),
            (1, 4),
        ]);
        b.extend(&record);
        sample(1, &b)
    };
    let d = datagram(
        agent4(),
        &[
            compact(5, 9),
            // Output format 1: dropped (reason 258); format 2: to 3 interfaces.
            compact(5, 1 << 30 | 258),
            compact(6, 2 << 30 | 3),
        ],
    );
    let mut sink = Collect::default();
    decoder().decode(exporter(), 0, &d, &mut sink).unwrap();
    let interfaces: Vec<_> = sink
        .records
        .iter()
        .map(|r| (r.input_interface, r.output_interface))
        .collect();
    assert_eq!(interfaces, [(5, 9), (5, 0), (6, 0)]);
}

#[test]
fn the_raw_header_wins_over_the_sampled_ip_record_and_ip_length_over_frame_length() {
    if !packet_parser_ready() {
        return;
    }
    // Ethernet + IPv4 (total length 1000) + UDP, frame length 1018 with FCS, header cut at 42.
    let mut frame = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00];
    frame.extend([
        0x45, 0, 0x03, 0xE8, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 9, 10, 0, 0, 8,
    ]);
    frame.extend(be(&[(1000, 2), (2000, 2), (980, 2), (0, 2)]));
    let ip_packet = frame[14..].to_vec();
    let d = datagram(
        agent4(),
        &[
            flow_sample(
                10,
                &[
                    sampled_ipv4(1000, [1, 1, 1, 1], [2, 2, 2, 2]),
                    raw_header(1, 1018, &frame),
                ],
            ),
            flow_sample(10, &[raw_header(11, 1000, &ip_packet)]),
        ],
    );
    let mut sink = Collect::default();
    decoder().decode(exporter(), 0, &d, &mut sink).unwrap();
    for r in &sink.records {
        assert_eq!(r.src.to_string(), "10.0.0.9");
        assert_eq!(
            (r.src_port, r.dst_port, r.bytes, r.sampling_rate),
            (1000, 2000, 1000, 10)
        );
    }
    assert_eq!(sink.records.len(), 2);
}

#[test]
fn samples_without_a_usable_record_are_counted_as_skipped() {
    let d = datagram(
        agent4(),
        &[
            flow_sample(1, &[raw_header(2, 100, &[0; 20])]),
            sample(0x1234_5001, &[0; 8]),
        ],
    );
    let mut decoder = decoder();
    let decoded = decoder
        .decode(exporter(), 0, &d, &mut Collect::default())
        .unwrap();
    assert_eq!(decoded.records, 0);
    assert_eq!(decoder.exporter(&exporter()).unwrap().skipped_records, 1);
}

#[test]
fn a_record_running_past_its_sample_is_malformed_and_later_samples_still_decode() {
    let mut bad = flow_sample(1, &[sampled_ipv4(100, [1, 1, 1, 1], [2, 2, 2, 2])]);
    let last = bad.len() - 32 - 4; // the record's length field
    bad[last..last + 4].copy_from_slice(&64u32.to_be_bytes());
    let good = flow_sample(1, &[sampled_ipv4(100, [3, 3, 3, 3], [4, 4, 4, 4])]);
    let mut sink = Collect::default();
    let result = decoder().decode(exporter(), 0, &datagram(agent4(), &[bad, good]), &mut sink);
    assert_eq!(result, Err(DropReason::Malformed));
    assert_eq!(sink.records.len(), 1);
    assert_eq!(sink.records[0].src.to_string(), "3.3.3.3");
}

#[test]
fn an_unknown_agent_address_type_is_malformed() {
    let mut d = datagram(agent4(), &[]);
    d[7] = 3;
    assert_eq!(
        decoder().decode(exporter(), 0, &d, &mut Collect::default()),
        Err(DropReason::Malformed)
    );
}

#[test]
fn pmacctd_ipv6_agent_bug_is_rejected_without_panic() {
    // pmacctd 1.7.7 writes 8 of the 16 bytes of an IPv6 agent address: the samples misalign.
    let d = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sflow/bad/pmacctd-ipv6-agent-truncated.bin"
    ))
    .unwrap();
    let result = decoder().decode(exporter(), 0, &d, &mut Collect::default());
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn every_truncation_of_the_fixtures_is_an_error() {
    for name in ["pmacctd-sflow", "pmacctd-sflow-sampled"] {
        for (i, datagram) in datagrams(DIR, name).iter().enumerate() {
            let mut decoder = decoder();
            for len in 0..datagram.len() {
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

/// testdata/sflow/handmade-00.bin was written by this file's builders (the datagram of
/// `handmade_datagram`) and decoded by tshark into handmade.expected.
fn handmade_datagram() -> Vec<u8> {
    let mut other = counters();
    other.if_index = 4;
    let (src6, dst6) = (
        "2001:db8::1".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
    );
    datagram(
        agent4(),
        &[
            counter_sample(false, &[generic_counters(&counters())]),
            counter_sample(true, &[generic_counters(&other)]),
            flow_sample(
                512,
                &[
                    sample(1001, &[0; 16]),
                    sampled_ipv4(1200, [10, 0, 0, 1], [10, 0, 0, 2]),
                ],
            ),
            expanded_flow_sample(0, &[sampled_ipv6(80, src6, dst6)]),
        ],
    )
}

#[test]
fn handmade_counter_and_sampled_ip_samples_match_tshark() {
    assert_eq!(datagrams(DIR, "handmade"), [handmade_datagram()]);
    let (_, sink) = decode_fixture(DIR, "handmade");
    assert_matches_tshark(DIR, "handmade", &sink.records);
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sflow/handmade.expected"
    ))
    .unwrap();
    let expected: Vec<String> = expected
        .lines()
        .filter(|l| l.starts_with("counters"))
        .map(String::from)
        .collect();
    let actual: Vec<String> = sink
        .counters
        .iter()
        .map(|(agent, c)| {
            format!(
                "counters {agent} {} {} {} {} {}",
                c.if_index, c.in_octets, c.in_packets, c.out_octets, c.out_packets
            )
        })
        .collect();
    assert_eq!(actual, expected);
}

/// The spoofed datagram that banned two hosts: one sample claiming a rate of 4 000 000 000.
#[test]
fn a_sample_with_an_implausible_rate_is_dropped_and_counted() {
    let d = datagram(
        agent4(),
        &[
            flow_sample(
                4_000_000_000,
                &[sampled_ipv4(1200, [10, 0, 0, 1], [10, 0, 0, 2])],
            ),
            flow_sample(1024, &[sampled_ipv4(1200, [10, 0, 0, 3], [10, 0, 0, 4])]),
        ],
    );
    let mut decoder = decoder();
    let mut sink = Collect::default();
    let decoded = decoder.decode(exporter(), 0, &d, &mut sink).unwrap();
    assert_eq!(decoded.records, 1);
    assert_eq!(sink.records.len(), 1);
    assert_eq!(sink.records[0].sampling_rate, 1024);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.dropped(DropReason::ImplausibleSamplingRate), 1);
    assert_eq!(stats.records, 1);
}

/// A flow sample with neither a raw header nor a sampled IP record (only records floodwatch
/// does not read) is counted under a reason, not only skipped.
#[test]
fn a_flow_sample_without_any_packet_record_is_a_counted_drop() {
    let d = datagram(agent4(), &[flow_sample(1, &[sample(1001, &[0; 16])])]);
    let mut decoder = decoder();
    decoder
        .decode(exporter(), 0, &d, &mut Collect::default())
        .unwrap();
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(
        (stats.skipped_records, stats.dropped(DropReason::NoAddress)),
        (1, 1)
    );
}
