//! Bad input of every kind, across decoders: an error and a counted drop, never a panic, a
//! hang or unbounded memory.

use std::net::SocketAddr;

use floodwatch_test_support::XorShift;

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
    let mut rng = XorShift::new(0x9E37_79B9_7F4A_7C15);
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
    let mut rng = XorShift::new(42);
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
fn a_full_exporter_table_evicts_the_least_recently_heard_and_admits_the_new_one() {
    let mut decoder = Decoder::new(DecoderConfig {
        max_exporters: 16,
        ..DecoderConfig::default()
    });
    let v5 = datagrams("netflow_v5", "softflowd-v5").remove(0);
    let real = SocketAddr::from(([192, 0, 2, 1], 2055));
    decoder
        .decode(real, 0, &v5, &mut Collect::default())
        .unwrap();
    // A spray of spoofed sources sending junk fills the table again and again.
    for port in 0..10_000u16 {
        let spoofed = SocketAddr::from(([203, 0, 113, (port % 200) as u8], port));
        let _ = decoder.decode(spoofed, 1 + port as u64, b"junk", &mut Collect::default());
    }
    assert!(decoder.exporters().count() <= 16);
    assert!(
        decoder.exporter(&real).is_some(),
        "an exporter that delivered records outlives the junk"
    );
    // A real exporter that starts during the spray is admitted, not refused.
    let late = SocketAddr::from(([192, 0, 2, 2], 2055));
    assert!(decoder
        .decode(late, 20_000, &v5, &mut Collect::default())
        .is_ok());
    let stats = decoder.stats();
    assert!(stats.evictions.exporters_full >= 10_000 - 16);
    // Nothing is lost from the counters: evicted exporters are summed.
    let summary = decoder.summary(4);
    let datagrams: u64 =
        summary.listed.iter().map(|(_, s)| s.datagrams).sum::<u64>() + summary.others.datagrams;
    assert_eq!(datagrams, 10_002);
    let junk: u64 = summary
        .listed
        .iter()
        .map(|(_, s)| s.dropped(DropReason::UnknownVersion))
        .sum();
    assert_eq!(
        junk + summary.others.dropped(DropReason::UnknownVersion),
        10_000
    );
}

#[test]
fn silent_exporters_are_forgotten() {
    let mut decoder = Decoder::new(DecoderConfig {
        exporter_idle_timeout_ms: 1000,
        ..DecoderConfig::default()
    });
    let v5 = datagrams("netflow_v5", "softflowd-v5").remove(0);
    decoder
        .decode(exporter(), 0, &v5, &mut Collect::default())
        .unwrap();
    decoder.expire(1000);
    assert_eq!(decoder.exporters().count(), 1);
    decoder.expire(1001);
    assert_eq!(decoder.exporters().count(), 0);
    assert_eq!(decoder.stats().evictions.exporters_idle, 1);
    assert_eq!(decoder.summary(10).others.datagrams, 1);
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

/// A template flood from many source ports, each template of many fields, stays within the
/// memory budget, and the template of a real exporter that uses it survives.
#[test]
fn template_memory_stays_within_its_budget_under_a_template_flood() {
    let budget = 4 << 20;
    let mut decoder = Decoder::new(DecoderConfig {
        template_memory_bytes: budget,
        ..DecoderConfig::default()
    });
    let real = SocketAddr::from(([192, 0, 2, 1], 4739));
    let real_template = set(2, &template_record(256, &[(8, 4), (12, 4), (2, 4), (1, 4)]));
    let record = be(&[(0x0A00_0001, 4), (0xC633_6401, 4), (3, 4), (300, 4)]);
    decoder
        .decode(
            real,
            0,
            &ipfix_message(1, &[real_template]),
            &mut Collect::default(),
        )
        .unwrap();

    let wide: Vec<(u16, u16)> = (0..512).map(|i| (1000 + i, 4)).collect();
    let mut peak = 0;
    for port in 0..300u16 {
        let spoofed = SocketAddr::from(([203, 0, 113, 7], 10_000 + port));
        for batch in 0..10u16 {
            let templates: Vec<Vec<u8>> = (0..2)
                .map(|i| set(2, &template_record(256 + batch * 2 + i, &wide)))
                .collect();
            let now = 1 + (port as u64) * 10 + batch as u64;
            let _ = decoder.decode(
                spoofed,
                now,
                &ipfix_message(0, &templates),
                &mut Collect::default(),
            );
            peak = peak.max(decoder.stats().template_bytes);
        }
        let mut records = Collect::default();
        let data = ipfix_message(1, &[set(256, &record)]);
        decoder
            .decode(real, 1 + port as u64 * 10, &data, &mut records)
            .unwrap();
        assert_eq!(
            records.records.len(),
            1,
            "the real exporter's template is still known after port {port}"
        );
    }
    let stats = decoder.stats();
    assert!(
        peak <= budget + (64 << 10),
        "template memory peaked at {peak} bytes"
    );
    assert!(stats.evictions.templates > 0);
    let held: u64 = decoder.exporters().map(|(_, s)| s.templates as u64).sum();
    assert!(held < 6000, "{held} templates held");
}
