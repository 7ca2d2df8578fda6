use crate::test_support::*;
use crate::{DropReason, Format};

const DIR: &str = "netflow_v5";

fn softflowd() -> Vec<u8> {
    datagrams(DIR, "softflowd-v5").remove(0)
}

#[test]
fn softflowd_export_matches_tshark() {
    let (decoder, sink) = decode_fixture(DIR, "softflowd-v5");
    assert_matches_tshark(DIR, "softflowd-v5", &sink.records);
    let stats = decoder.exporter(&exporter()).unwrap();
    assert_eq!(stats.records, 21);
    assert_eq!(stats.last_format, Some(Format::NetflowV5));
    assert_eq!(stats.sampling_rate, 1);
}

#[test]
fn sampling_rate_is_the_low_14_bits_of_the_sampling_interval() {
    let mut datagram = softflowd();
    datagram[22..24].copy_from_slice(&(0x4000u16 | 100).to_be_bytes()); // mode 1, 1 in 100
    let mut sink = Collect::default();
    let decoded = decoder()
        .decode(exporter(), 0, &datagram, &mut sink)
        .unwrap();
    assert_eq!(decoded.records, 21);
    assert!(sink.records.iter().all(|r| r.sampling_rate == 100));
}

#[test]
fn input_and_output_give_the_interfaces() {
    let mut datagram = softflowd();
    datagram[24 + 12..24 + 14].copy_from_slice(&3u16.to_be_bytes());
    datagram[24 + 14..24 + 16].copy_from_slice(&65_535u16.to_be_bytes());
    let mut sink = Collect::default();
    decoder()
        .decode(exporter(), 0, &datagram, &mut sink)
        .unwrap();
    let r = &sink.records[0];
    assert_eq!((r.input_interface, r.output_interface), (3, 65_535));
}

#[test]
fn duration_wraps_with_the_uptime_counter() {
    let mut datagram = softflowd();
    datagram[24 + 24..24 + 28].copy_from_slice(&0xFFFF_FFF0u32.to_be_bytes()); // first
    datagram[24 + 28..24 + 32].copy_from_slice(&0x0000_0010u32.to_be_bytes()); // last
    let mut sink = Collect::default();
    decoder()
        .decode(exporter(), 0, &datagram, &mut sink)
        .unwrap();
    assert_eq!(sink.records[0].duration_ms, 0x20);
}

#[test]
fn every_truncation_is_reported_as_truncated() {
    let datagram = softflowd();
    let mut decoder = decoder();
    for len in 0..datagram.len() {
        let mut sink = Collect::default();
        let result = decoder.decode(exporter(), 0, &datagram[..len], &mut sink);
        assert_eq!(result, Err(DropReason::Truncated), "length {len}");
        assert!(sink.records.is_empty());
    }
    assert_eq!(
        decoder
            .exporter(&exporter())
            .unwrap()
            .dropped(DropReason::Truncated),
        datagram.len() as u64
    );
}

#[test]
fn an_empty_export_decodes_to_nothing() {
    let mut datagram = softflowd()[..24].to_vec();
    datagram[2..4].copy_from_slice(&[0, 0]);
    let decoded = decoder()
        .decode(exporter(), 0, &datagram, &mut Collect::default())
        .unwrap();
    assert_eq!(decoded.records, 0);
}
