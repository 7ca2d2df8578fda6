//! Shared by the decoders' tests: fixtures, tshark's expected decode, a collecting sink and
//! builders for hand-made datagrams.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use floodwatch_packet::{FlowRecord, InterfaceCounters, RecordSink};

use crate::{Decoder, DecoderConfig};

pub const EXPORTER: &str = "192.0.2.1:40000";

pub fn exporter() -> SocketAddr {
    EXPORTER.parse().unwrap()
}

pub fn decoder() -> Decoder {
    Decoder::new(DecoderConfig::default())
}

fn testdata(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir)
}

/// The datagrams of fixture `name`: testdata/DIR/NAME-00.bin, -01.bin... in order.
pub fn datagrams(dir: &str, name: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let path = testdata(dir).join(format!("{name}-{:02}.bin", out.len()));
        match std::fs::read(&path) {
            Ok(bytes) => out.push(bytes),
            Err(_) => break,
        }
    }
    assert!(!out.is_empty(), "no fixture {dir}/{name}-00.bin");
    out
}

/// The datagrams a test builds are also fixtures in testdata/DIR/NAME-NN.bin, where the fuzz
/// targets take their seeds: they must stay what the test builds
/// (`FLOODWATCH_WRITE_FIXTURES=1 cargo test` writes them anew).
pub fn keep_fixture(dir: &str, name: &str, datagrams: &[&[u8]]) {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir);
    for (i, datagram) in datagrams.iter().enumerate() {
        let path = folder.join(format!("{name}-{i:02}.bin"));
        if std::env::var_os("FLOODWATCH_WRITE_FIXTURES").is_some() {
            std::fs::write(&path, datagram).unwrap();
        }
        let kept = std::fs::read(&path).unwrap_or_default();
        assert_eq!(
            kept,
            *datagram,
            "{} differs from what the test builds",
            path.display()
        );
    }
}

/// Every fixture datagram of every decoder, with its file name.
pub fn all_fixture_datagrams() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["netflow_v5", "netflow_v9", "ipfix", "sflow", "sflow/bad"] {
        let mut names: Vec<_> = std::fs::read_dir(testdata(dir))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .collect();
        names.sort();
        for path in names {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// Collects what a decoder delivers.
#[derive(Default, Debug)]
pub struct Collect {
    pub records: Vec<FlowRecord>,
    pub counters: Vec<(IpAddr, InterfaceCounters)>,
}

impl RecordSink for Collect {
    fn record(&mut self, record: &FlowRecord) {
        self.records.push(record.clone());
    }

    fn interface_counters(&mut self, agent: IpAddr, counters: &InterfaceCounters) {
        self.counters.push((agent, counters.clone()));
    }
}

/// Decodes every datagram of a fixture with one decoder, each expected to decode.
pub fn decode_fixture(dir: &str, name: &str) -> (Decoder, Collect) {
    let mut decoder = decoder();
    let mut sink = Collect::default();
    for (i, datagram) in datagrams(dir, name).iter().enumerate() {
        let result = decoder.decode(exporter(), 1000 + i as u64, datagram, &mut sink);
        assert!(result.is_ok(), "{dir}/{name}-{i:02}.bin: {result:?}");
    }
    (decoder, sink)
}

/// Whether floodwatch_packet's header parser works yet (another crate; a stub for a while).
pub fn packet_parser_ready() -> bool {
    let frame: [u8; 34] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, // Ethernet
        0x45, 0, 0, 20, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4, no payload
    ];
    let ready = floodwatch_packet::parse_ethernet(&frame).is_ok();
    if !ready {
        eprintln!(
            "floodwatch_packet::parse_ethernet is still a stub: packet-header checks skipped"
        );
    }
    ready
}

/// Compares decoded records with tshark's decode (testdata/DIR/NAME.expected, see
/// testdata/tools/extract.py); "-" columns are not compared.
pub fn assert_matches_tshark(dir: &str, name: &str, records: &[FlowRecord]) {
    let text = std::fs::read_to_string(testdata(dir).join(format!("{name}.expected"))).unwrap();
    let expected: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("flow "))
        .map(|l| l.split_whitespace().skip(1).collect())
        .collect();
    assert_eq!(records.len(), expected.len(), "{dir}/{name}: record count");
    for (i, (record, columns)) in records.iter().zip(&expected).enumerate() {
        let actual = [
            record.src.to_string(),
            record.dst.to_string(),
            record.protocol.to_string(),
            record.src_port.to_string(),
            record.dst_port.to_string(),
            record.tcp_flags.to_string(),
            record.packets.to_string(),
            record.bytes.to_string(),
            record.duration_ms.to_string(),
            (record.fragment as u8).to_string(),
            record.sampling_rate.to_string(),
        ];
        const NAMES: [&str; 11] = [
            "src",
            "dst",
            "protocol",
            "src_port",
            "dst_port",
            "tcp_flags",
            "packets",
            "bytes",
            "duration_ms",
            "fragment",
            "rate",
        ];
        for (col, want) in columns.iter().enumerate() {
            if *want != "-" {
                assert_eq!(
                    &actual[col], want,
                    "{dir}/{name} record {i} {}: {record:?}",
                    NAMES[col]
                );
            }
        }
    }
}

/// A NetFlow v9 or IPFIX set: id, length, body (padded to 4 bytes when asked).
pub fn set(id: u16, body: &[u8]) -> Vec<u8> {
    let mut s = id.to_be_bytes().to_vec();
    s.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
    s.extend_from_slice(body);
    s
}

/// Big-endian concatenation helper: `be(&[(value, bytes), ...])`.
pub fn be(fields: &[(u64, usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(value, len) in fields {
        out.extend_from_slice(&value.to_be_bytes()[8 - len..]);
    }
    out
}

/// An IPFIX message around `sets`.
pub fn ipfix_message(domain: u32, sets: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = sets.concat();
    let mut m = be(&[
        (10, 2),
        ((16 + body.len()) as u64, 2),
        (1_700_000_000, 4),
        (1, 4),
        (domain as u64, 4),
    ]);
    m.extend(body);
    m
}

/// A NetFlow v9 packet around `sets`, announcing `count` records.
pub fn v9_packet(source_id: u32, count: u16, sets: &[Vec<u8>]) -> Vec<u8> {
    let mut m = be(&[
        (9, 2),
        (count as u64, 2),
        (100_000, 4),
        (1_700_000_000, 4),
        (1, 4),
        (source_id as u64, 4),
    ]);
    m.extend(sets.concat());
    m
}

/// A template record: id, field count, then (id, length) pairs.
pub fn template_record(id: u16, fields: &[(u16, u16)]) -> Vec<u8> {
    let mut r = be(&[(id as u64, 2), (fields.len() as u64, 2)]);
    for &(fid, len) in fields {
        r.extend(be(&[(fid as u64, 2), (len as u64, 2)]));
    }
    r
}
