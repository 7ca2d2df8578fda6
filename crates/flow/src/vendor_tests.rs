//! Exports as shipping routers, firewalls and controllers lay them out (from their vendors'
//! documented templates), byte by byte, with the hosts and totals each must give.

use std::net::{IpAddr, Ipv6Addr};

use floodwatch_packet::FlowRecord;

use crate::test_support::*;
use crate::DropReason;

fn totals(records: &[FlowRecord], host: &str) -> (u64, u64) {
    let ip: IpAddr = host.parse().unwrap();
    records
        .iter()
        .filter(|r| r.dst == ip)
        .fold((0, 0), |(p, b), r| (p + r.packets, b + r.bytes))
}

/// Cisco and others put IPv4 and IPv6 address fields in one template and zero-fill the unused
/// family; a record with both families zero has no address.
#[test]
fn cisco_template_with_both_address_families() {
    let fields = [(8, 4), (12, 4), (27, 16), (28, 16), (4, 1), (2, 4), (1, 4)];
    let src6: Ipv6Addr = "2001:db8::1".parse().unwrap();
    let dst6: Ipv6Addr = "2001:db8::2".parse().unwrap();
    let v4 = [
        vec![192, 0, 2, 1, 198, 51, 100, 7],
        vec![0; 32],
        be(&[(6, 1), (10, 4), (4000, 4)]),
    ]
    .concat();
    let v6 = [
        vec![0; 8],
        src6.octets().to_vec(),
        dst6.octets().to_vec(),
        be(&[(17, 1), (3, 4), (900, 4)]),
    ]
    .concat();
    let neither = [vec![0; 40], be(&[(17, 1), (1, 4), (100, 4)])].concat();
    let mut decoder = decoder();
    let mut sink = Collect::default();
    let packet = v9_packet(
        0,
        4,
        &[
            set(0, &template_record(300, &fields)),
            set(300, &[v4, v6, neither].concat()),
        ],
    );
    keep_fixture("netflow_v9", "vendor-dual-family", &[&packet]);
    decoder.decode(exporter(), 0, &packet, &mut sink).unwrap();
    assert_eq!(totals(&sink.records, "198.51.100.7"), (10, 4000));
    assert_eq!(totals(&sink.records, "2001:db8::2"), (3, 900));
    assert!(
        sink.records.iter().all(|r| !r.dst.is_unspecified()),
        "nothing counted to 0.0.0.0 or ::"
    );
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.dropped(DropReason::NoAddress), 1);
}

/// Cisco WLC (AireOS) exports a client's traffic by its station address and a direction:
/// 0 from the station (ingress), 1 to it (egress); the far end is not exported.
#[test]
fn wireless_controller_station_records() {
    // staMacAddress, staIPv4Address, applicationTag, flowDirection, octets, packets,
    // ipDiffServCodePoint, wlanSSID (a 32-byte string), wtpMacAddress.
    let fields = [
        (365, 6),
        (366, 4),
        (95, 4),
        (61, 1),
        (1, 8),
        (2, 8),
        (195, 1),
        (147, 32),
        (367, 6),
    ];
    let record = |direction: u64, octets: u64, packets: u64| {
        [
            vec![0x02, 0, 0, 0, 0, 1],
            vec![10, 1, 2, 3],
            be(&[
                (0x0D00_0050, 4),
                (direction, 1),
                (octets, 8),
                (packets, 8),
                (0, 1),
            ]),
            vec![b'x'; 32],
            vec![0x02, 0, 0, 0, 0, 2],
        ]
        .concat()
    };
    let mut decoder = decoder();
    let mut sink = Collect::default();
    let packet = v9_packet(
        0,
        3,
        &[
            set(0, &template_record(261, &fields)),
            set(261, &[record(0, 5000, 10), record(1, 90_000, 60)].concat()),
        ],
    );
    keep_fixture("netflow_v9", "vendor-wlc-station", &[&packet]);
    decoder.decode(exporter(), 0, &packet, &mut sink).unwrap();
    let station: IpAddr = "10.1.2.3".parse().unwrap();
    let up: Vec<_> = sink.records.iter().filter(|r| r.src == station).collect();
    let down: Vec<_> = sink.records.iter().filter(|r| r.dst == station).collect();
    assert_eq!((up.len(), up[0].packets, up[0].bytes), (1, 10, 5000));
    assert_eq!(
        (down.len(), down[0].packets, down[0].bytes),
        (1, 60, 90_000)
    );
    assert!(up[0].dst.is_unspecified() && down[0].src.is_unspecified());
}

/// YAF / ipfixprobe biflows: RFC 5103 reverse elements (enterprise 29305) count the replies.
#[test]
fn rfc5103_biflow_reverse_counters() {
    const REVERSE: u64 = 29305;
    let mut template = be(&[(400, 2), (10, 2)]);
    for (id, len) in [
        (8u64, 4u64),
        (12, 4),
        (7, 2),
        (11, 2),
        (4, 1),
        (1, 8),
        (2, 8),
        (6, 1),
    ] {
        template.extend(be(&[(id, 2), (len, 2)]));
    }
    for (id, len) in [(1u64, 8u64), (2, 8)] {
        template.extend(be(&[(0x8000 | id, 2), (len, 2), (REVERSE, 4)]));
    }
    // An NTP request answered by a 468-byte reply, ten times.
    let record = [
        vec![198, 51, 100, 9, 192, 0, 2, 123],
        be(&[
            (41000, 2),
            (123, 2),
            (17, 1),
            (760, 8),
            (10, 8),
            (0, 1),
            (4680, 8),
            (10, 8),
        ]),
    ]
    .concat();
    let mut decoder = decoder();
    let mut sink = Collect::default();
    let message = ipfix_message(0, &[set(2, &template), set(400, &record)]);
    keep_fixture("ipfix", "vendor-rfc5103-biflow", &[&message]);
    assert_eq!(
        decoder
            .decode(exporter(), 0, &message, &mut sink)
            .unwrap()
            .records,
        2
    );
    assert_eq!(totals(&sink.records, "192.0.2.123"), (10, 760));
    assert_eq!(totals(&sink.records, "198.51.100.9"), (10, 4680));
    let reply = sink
        .records
        .iter()
        .find(|r| r.dst.to_string() == "198.51.100.9")
        .unwrap();
    assert_eq!((reply.src_port, reply.dst_port), (123, 41000));
}

/// Cisco ASA NSEL: initiator and responder bytes (231, 232) and packets (298, 299) of one
/// connection; some versions send bytes only.
#[test]
fn asa_nsel_initiator_and_responder_counts() {
    let fields = [
        (8, 4),
        (12, 4),
        (7, 2),
        (11, 2),
        (4, 1),
        (231, 4),
        (232, 4),
        (298, 8),
        (299, 8),
    ];
    let record = [
        vec![192, 0, 2, 50, 198, 51, 100, 80],
        be(&[
            (50000, 2),
            (443, 2),
            (6, 1),
            (1200, 4),
            (250_000, 4),
            (20, 8),
            (180, 8),
        ]),
    ]
    .concat();
    let bytes_only_fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (231, 4), (232, 4)];
    let bytes_only = [
        vec![192, 0, 2, 51, 198, 51, 100, 81],
        be(&[(50001, 2), (443, 2), (6, 1), (600, 4), (90_000, 4)]),
    ]
    .concat();
    let mut decoder = decoder();
    let mut sink = Collect::default();
    let packet = v9_packet(
        0,
        4,
        &[
            set(
                0,
                &[
                    template_record(263, &fields),
                    template_record(264, &bytes_only_fields),
                ]
                .concat(),
            ),
            set(263, &record),
            set(264, &[bytes_only, vec![0; 3]].concat()),
        ],
    );
    keep_fixture("netflow_v9", "vendor-asa-nsel", &[&packet]);
    decoder.decode(exporter(), 0, &packet, &mut sink).unwrap();
    assert_eq!(totals(&sink.records, "198.51.100.80"), (20, 1200));
    assert_eq!(totals(&sink.records, "192.0.2.50"), (180, 250_000));
    assert_eq!(totals(&sink.records, "192.0.2.51").1, 90_000);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!((stats.records, stats.dropped_total()), (4, 0));
}

/// Sampling set per interface by an options template scoped to the interface (NetFlow v9
/// scope type 2, IPFIX ingressInterface), several rates in one exporter: each flow takes the
/// rate of the interface it came in on.
#[test]
fn sampling_rates_per_interface() {
    let flow_fields = [(8, 4), (12, 4), (10, 4), (2, 4), (1, 4)];
    let flow = |dst: u8, if_index: u64| {
        [
            vec![192, 0, 2, 1, 198, 51, 100, dst],
            be(&[(if_index, 4), (1, 4), (1500, 4)]),
        ]
        .concat()
    };
    // v9: options template 256, scope Interface (2) of 4 bytes, option SAMPLING_INTERVAL (34).
    let options = be(&[(256, 2), (4, 2), (4, 2), (2, 2), (4, 2), (34, 2), (4, 2)]);
    let rates = be(&[(3, 4), (100, 4), (7, 4), (1000, 4)]);
    let mut decoder = decoder();
    let mut sink = Collect::default();
    let packet = v9_packet(
        0,
        5,
        &[
            set(1, &options),
            set(256, &rates),
            set(0, &template_record(300, &flow_fields)),
            set(300, &[flow(1, 3), flow(2, 7)].concat()),
        ],
    );
    keep_fixture("netflow_v9", "vendor-interface-sampling", &[&packet]);
    decoder.decode(exporter(), 0, &packet, &mut sink).unwrap();
    let rate_of = |dst: &str| {
        sink.records
            .iter()
            .find(|r| r.dst.to_string() == dst)
            .unwrap()
            .sampling_rate
    };
    assert_eq!(
        (rate_of("198.51.100.1"), rate_of("198.51.100.2")),
        (100, 1000)
    );

    // IPFIX: options template 257 scoped by ingressInterface (10), samplingInterval (34).
    let options = be(&[(257, 2), (2, 2), (1, 2), (10, 2), (4, 2), (34, 2), (4, 2)]);
    let mut sink = Collect::default();
    let message = ipfix_message(
        1,
        &[
            set(3, &options),
            set(257, &rates),
            set(2, &template_record(300, &flow_fields)),
            set(300, &[flow(3, 7), flow(4, 3), flow(5, 9)].concat()),
        ],
    );
    keep_fixture("ipfix", "vendor-interface-sampling", &[&message]);
    decoder.decode(exporter(), 0, &message, &mut sink).unwrap();
    let rate_of = |dst: &str| {
        sink.records
            .iter()
            .find(|r| r.dst.to_string() == dst)
            .unwrap()
            .sampling_rate
    };
    assert_eq!(
        (rate_of("198.51.100.3"), rate_of("198.51.100.4")),
        (1000, 100)
    );
    assert_eq!(
        rate_of("198.51.100.5"),
        1000,
        "an interface without its own rate takes the last one announced"
    );
}

/// Exporters that count totals since the flow began (octetTotalCount 85, packetTotalCount 86)
/// report a long flow again at each active timeout: only the growth counts.
#[test]
fn total_counters_of_a_flow_reported_twice_count_once() {
    let fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (86, 8), (85, 8)];
    let report = |packets: u64, octets: u64| {
        [
            vec![192, 0, 2, 1, 198, 51, 100, 60],
            be(&[(40000, 2), (443, 2), (6, 1), (packets, 8), (octets, 8)]),
        ]
        .concat()
    };
    let mut decoder = decoder();
    let mut sink = Collect::default();
    let first = v9_packet(
        0,
        2,
        &[
            set(0, &template_record(300, &fields)),
            set(300, &report(1000, 1_500_000)),
        ],
    );
    decoder.decode(exporter(), 0, &first, &mut sink).unwrap();
    let second = v9_packet(0, 1, &[set(300, &report(2500, 3_600_000))]);
    keep_fixture("netflow_v9", "vendor-total-counters", &[&first, &second]);
    decoder
        .decode(exporter(), 60_000, &second, &mut sink)
        .unwrap();
    assert_eq!(totals(&sink.records, "198.51.100.60"), (2500, 3_600_000));
    // postOctetDeltaCount / postPacketDeltaCount alone are deltas.
    let post = [(8, 4), (12, 4), (4, 1), (24, 4), (23, 4)];
    let record = [
        vec![192, 0, 2, 1, 198, 51, 100, 61],
        be(&[(17, 1), (7, 4), (700, 4)]),
    ]
    .concat();
    let mut sink = Collect::default();
    for at in [0, 1000] {
        let packet = v9_packet(
            1,
            2,
            &[set(0, &template_record(301, &post)), set(301, &record)],
        );
        decoder.decode(exporter(), at, &packet, &mut sink).unwrap();
    }
    assert_eq!(totals(&sink.records, "198.51.100.61"), (14, 1400));
}
