//! Bad input of every kind, across decoders: an error and a counted drop, never a panic, a
//! hang or unbounded memory.

use std::net::SocketAddr;

use crate::test_support::*;
use crate::{Decoder, DecoderConfig, DropReason};

fn warm_decoder() -> Decoder {
    let mut decoder = decoder();
    for (_, datagram) in all_fixture_datagrams() {
        let _ = decoder.decode(exporter(), 0, &datagram, &mut Collect::default());
    }
    decoder
}

#[test]
fn every_truncation_of_every_fixture_with_templates_known_is_an_error() {
    let mut decoder = warm_decoder();
    for (name, datagram) in all_fixture_datagrams() {
        for len in 0..datagram.len() {
            let result = decoder.decode(exporter(), 0, &datagram[..len], &mut Collect::default());
            let expected = if name.contains("/bad/") {
                result.err()
            } else {
                Some(DropReason::Truncated)
            };
            assert!(
                result.is_err() && result.err() == expected,
                "{name} cut at {len}: {result:?}"
            );
        }
    }
}

#[test]
fn unknown_versions() {
    let mut decoder = decoder();
    for datagram in [
        &[0u8, 1][..],
        &[0, 7, 0, 0],
        &[0, 0, 0, 4, 0, 0],
        &[0xFF, 0xFF],
        &[0, 0, 0, 0],
    ] {
        let result = decoder.decode(exporter(), 0, datagram, &mut Collect::default());
        assert_eq!(result, Err(DropReason::UnknownVersion), "{datagram:?}");
    }
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(
        (stats.datagrams, stats.dropped(DropReason::UnknownVersion)),
        (5, 5)
    );
}

/// Random datagrams behind each version header, through one persistent decoder, and the
/// counters add up afterwards.
#[test]
fn random_bytes_behind_every_version_header() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut decoder = Decoder::new(DecoderConfig {
        held_data_max_bytes: 1 << 20,
        ..DecoderConfig::default()
    });
    let mut results = 0u64;
    let headers: [&[u8]; 5] = [
        &[0, 5],
        &[0, 9],
        &[0, 10],
        &[0, 0, 0, 5, 0, 0, 0, 1],
        &[0, 0, 0, 5, 0, 0, 0, 2],
    ];
    for round in 0..40_000u64 {
        let header = headers[(round % 5) as usize];
        let len = (rng.next() % 1500) as usize;
        let mut datagram = header.to_vec();
        datagram.extend(rng.bytes(len));
        if header == [0, 10] && datagram.len() >= 4 && round % 2 == 0 {
            // A consistent IPFIX length gets past the header check half of the time.
            let n = datagram.len() as u16;
            datagram[2..4].copy_from_slice(&n.to_be_bytes());
        }
        let _ = decoder.decode(exporter(), round, &datagram, &mut Collect::default());
        results += 1;
        if round % 1000 == 0 {
            decoder.expire(round);
        }
    }
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.datagrams, results);
    assert!(stats.decoded + stats.dropped_total() >= results);
    assert!(stats.templates as usize <= 2 * decoder.config().max_templates_per_exporter);
}

/// Fixtures with a few bytes changed, decoded after their own templates: whatever the
/// result, no panic, and a template set of random fields stays bounded.
#[test]
fn mutated_fixtures() {
    let fixtures = all_fixture_datagrams();
    let mut rng = XorShift(42);
    let mut decoder = warm_decoder();
    for round in 0..20_000 {
        let (_, original) = &fixtures[round % fixtures.len()];
        let mut datagram = original.clone();
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() as usize) % datagram.len();
            datagram[at] = rng.next() as u8;
        }
        let _ = decoder.decode(exporter(), 0, &datagram, &mut Collect::default());
    }
}

#[test]
fn sets_that_could_loop_forever_do_not() {
    let mut decoder = decoder();
    // 16,000 empty sets of 4 bytes: walked, nothing else.
    let empty: Vec<Vec<u8>> = (0..16_000).map(|_| set(300, &[])).collect();
    let (message, sink) = (ipfix_message(0, &empty), &mut Collect::default());
    assert!(decoder.decode(exporter(), 0, &message, sink).unwrap().held);
    // A set of length 0 right after the header.
    let zero = [ipfix_message(0, &[])[..16].to_vec(), vec![0, 2, 0, 0]].concat();
    let mut zero = zero;
    zero[2..4].copy_from_slice(&20u16.to_be_bytes());
    assert_eq!(
        decoder.decode(exporter(), 0, &zero, &mut Collect::default()),
        Err(DropReason::BadLength)
    );
    // A template of one variable-length field and a data set of zero-length values: every
    // record takes at least one byte.
    let template = set(2, &template_record(300, &[(82, 0xFFFF)]));
    let data = set(300, &[0u8; 4000]);
    let mut sink = Collect::default();
    decoder
        .decode(
            exporter(),
            0,
            &ipfix_message(0, &[template, data]),
            &mut sink,
        )
        .unwrap();
    assert_eq!(decoder.exporter(&exporter()).unwrap().skipped_records, 4000);
    // NetFlow v9 announcing 65535 records in an empty packet.
    let v9 = v9_packet(0, 65_535, &[]);
    assert_eq!(
        decoder.decode(exporter(), 0, &v9, &mut Collect::default()),
        Err(DropReason::Truncated)
    );
    // sFlow announcing 4 billion samples.
    let sflow = be(&[
        (5, 4),
        (1, 4),
        (0x0A000001, 4),
        (0, 4),
        (0, 4),
        (0, 4),
        (u32::MAX as u64, 4),
    ]);
    assert_eq!(
        decoder.decode(exporter(), 0, &sflow, &mut Collect::default()),
        Err(DropReason::Truncated)
    );
}

#[test]
fn exporters_are_bounded() {
    let mut decoder = Decoder::new(DecoderConfig {
        max_exporters: 2,
        ..DecoderConfig::default()
    });
    let v5 = datagrams("netflow_v5", "softflowd-v5").remove(0);
    for port in 1..=2 {
        let addr = SocketAddr::from(([192, 0, 2, 1], port));
        decoder
            .decode(addr, 0, &v5, &mut Collect::default())
            .unwrap();
    }
    let third = SocketAddr::from(([192, 0, 2, 1], 3));
    assert_eq!(
        decoder.decode(third, 0, &v5, &mut Collect::default()),
        Err(DropReason::TooManyExporters)
    );
    assert_eq!(decoder.exporters().count(), 2);
    let first = SocketAddr::from(([192, 0, 2, 1], 1));
    assert!(decoder
        .decode(first, 0, &v5, &mut Collect::default())
        .is_ok());
}

#[test]
fn held_data_from_many_exporters_stays_within_the_byte_cap() {
    let config = DecoderConfig {
        held_data_max_bytes: 64 << 10,
        ..DecoderConfig::default()
    };
    let mut decoder = Decoder::new(config);
    let message = ipfix_message(0, &[set(300, &[7u8; 1000])]);
    let mut held = 0;
    for i in 0..1000u16 {
        let addr = SocketAddr::from(([198, 51, 100, (i % 250) as u8], i));
        if let Ok(d) = decoder.decode(addr, 0, &message, &mut Collect::default()) {
            held += d.held as usize;
        }
    }
    assert_eq!(
        held,
        (64 << 10) / 1004,
        "as many 1004-byte sets as fit in 64 KiB"
    );
    let dropped: u64 = decoder
        .exporters()
        .map(|(_, s)| s.dropped(DropReason::NoTemplate))
        .sum();
    assert_eq!(dropped, 1000 - held as u64);
}
