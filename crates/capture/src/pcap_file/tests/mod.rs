//! Tests of the pcap_file module. The fixtures in `../testdata` were made by Wireshark's tools
//! (see `make-fixtures.sh` there); each `NAME.tshark` holds what tshark reads in `NAME`.

mod build;
mod fixtures;
mod link_types;
mod malformed;
mod pcapng_features;
mod robustness;
mod writer;

use std::io::Read;
use std::path::PathBuf;

use super::{PcapError, PcapReader, Truncation};

#[derive(Clone, Debug, PartialEq, Eq)]
struct OwnedPacket {
    timestamp_ns: u64,
    linktype: u16,
    original_len: u32,
    data: Vec<u8>,
}

/// Everything a reader gives until it stops.
#[derive(Debug)]
struct Outcome {
    packets: Vec<OwnedPacket>,
    truncation: Option<Truncation>,
    error: Option<PcapError>,
}

/// Reads to the end; `Err` when the reader cannot even open the input.
fn read_all(input: impl Read) -> Result<Outcome, PcapError> {
    let mut reader = PcapReader::new(input)?;
    let mut packets = Vec::new();
    let error = loop {
        match reader.next_packet() {
            Ok(Some(packet)) => packets.push(OwnedPacket {
                timestamp_ns: packet.timestamp_ns,
                linktype: packet.linktype,
                original_len: packet.original_len,
                data: packet.data.to_vec(),
            }),
            Ok(None) => break None,
            Err(error) => break Some(error),
        }
    };
    assert_eq!(reader.packets_read(), packets.len() as u64);
    assert!(
        matches!(reader.next_packet(), Ok(None)),
        "a reader that stopped stays stopped"
    );
    Ok(Outcome {
        packets,
        truncation: reader.truncation().cloned(),
        error,
    })
}

/// Reads a whole input that must be free of errors and truncation.
fn read_clean(input: impl Read) -> Vec<OwnedPacket> {
    let outcome = read_all(input).expect("opens");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(outcome.truncation.is_none(), "{:?}", outcome.truncation);
    outcome.packets
}

fn testdata_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/pcap_file/testdata")
}

/// Every capture among the fixtures, by file name, with its bytes.
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut fixtures: Vec<_> = std::fs::read_dir(testdata_dir())
        .expect("testdata directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            )
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("fixture"))
        })
        .collect();
    fixtures.sort();
    assert!(
        fixtures.len() >= 20,
        "fixtures missing from {:?}",
        testdata_dir()
    );
    fixtures
}

/// Tools that a test may use when they are installed; a test that needs a missing one
/// says so and skips that part.
fn tool_present(tool: &str) -> bool {
    let present = std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !present {
        eprintln!("note: {tool} is not installed; skipping the part of this test that needs it");
    }
    present
}
