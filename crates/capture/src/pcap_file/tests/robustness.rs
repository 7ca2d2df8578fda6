//! No input makes the reader panic, and a file cut anywhere gives the packets before the cut.

use std::io::{self, Read};

use floodwatch_packet::ParseOptions;
use floodwatch_test_support::XorShift;

use super::build::{self, Order};
use super::{fixtures, read_all, read_clean};
use crate::pcap_file::{linktype, packet_info, PcapError};

const ALL_LINK_TYPES: [u16; 9] = [
    linktype::NULL,
    linktype::ETHERNET,
    linktype::RAW,
    linktype::LOOP,
    linktype::LINUX_SLL,
    linktype::IPV4,
    linktype::IPV6,
    linktype::LINUX_SLL2,
    147,
];

#[test]
fn every_truncation_of_every_fixture_keeps_the_packets_before_the_cut() {
    for (name, bytes) in fixtures() {
        let full = read_clean(bytes.as_slice());
        for len in 0..bytes.len() {
            let outcome = match read_all(&bytes[..len]) {
                Ok(outcome) => outcome,
                Err(PcapError::NotPcap) => {
                    assert!(len < 4, "{name} cut at {len}");
                    continue;
                }
                Err(PcapError::Malformed { offset: 0, .. }) => continue,
                Err(other) => panic!("{name} cut at {len}: {other:?}"),
            };
            let at = format!("{name} cut at {len}");
            assert!(outcome.error.is_none(), "{at}: {:?}", outcome.error);
            let read = outcome.packets.len();
            assert_eq!(outcome.packets, full[..read], "{at}");
            if let Some(truncation) = outcome.truncation {
                assert_eq!(truncation.packets_before, read as u64, "{at}");
                assert_eq!(truncation.offset + truncation.available, len as u64, "{at}");
                assert!(truncation.available < truncation.record_len, "{at}");
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut random = XorShift::new(0x9e37_79b9_7f4a_7c15);
    let order = |random: &mut XorShift| [Order::Little, Order::Big][random.below(2)];
    for _ in 0..4000 {
        let mut bytes = match random.below(4) {
            0 => Vec::new(),
            1 => {
                let (order, nanosecond) = (order(&mut random), random.below(2) == 1);
                build::classic_header(order, nanosecond, random.below(300) as u32)
            }
            2 => build::section_header(order(&mut random)),
            _ => {
                let order = order(&mut random);
                let mut bytes = build::section_header(order);
                bytes.extend(build::interface(order, random.below(300) as u16, 0, &[]));
                bytes
            }
        };
        let len = random.below(2048);
        bytes.extend(random.bytes(len));
        read_and_parse(&bytes);
    }
}

#[test]
fn damaged_fixtures_never_panic() {
    let mut random = XorShift::new(0x2545_f491_4f6c_dd1d);
    for (_, bytes) in fixtures() {
        for _ in 0..300 {
            let mut damaged = bytes.clone();
            for _ in 0..1 + random.below(8) {
                let at = random.below(damaged.len());
                damaged[at] = random.next() as u8;
            }
            read_and_parse(&damaged);
        }
    }
}

#[test]
fn packet_info_takes_any_bytes_under_any_link_type() {
    let mut random = XorShift::new(7);
    let opts = [ParseOptions::default(), ParseOptions { decapsulate: true }];
    for (_, bytes) in fixtures() {
        for packet in read_clean(bytes.as_slice()) {
            for len in 0..=packet.data.len() {
                for linktype in ALL_LINK_TYPES {
                    let _ = packet_info(linktype, &packet.data[..len], &opts[len % 2]);
                }
            }
        }
    }
    for _ in 0..20_000 {
        let len = random.below(128);
        let data = random.bytes(len);
        let _ = packet_info(
            ALL_LINK_TYPES[random.below(9)],
            &data,
            &opts[random.below(2)],
        );
    }
}

/// A reader that hands out a few bytes at a time, as a pipe may.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.step = self.step % 7 + 1;
        let len = self.step.min(buf.len()).min(self.data.len());
        buf[..len].copy_from_slice(&self.data[..len]);
        self.data = &self.data[len..];
        Ok(len)
    }
}

#[test]
fn short_reads_change_nothing() {
    for (name, bytes) in fixtures() {
        let trickled = read_clean(Trickle {
            data: &bytes,
            step: 0,
        });
        assert_eq!(trickled, read_clean(bytes.as_slice()), "{name}");
    }
}

/// Reads to the end and parses every packet under its own link type and the others.
fn read_and_parse(bytes: &[u8]) {
    let Ok(outcome) = read_all(bytes) else { return };
    for packet in outcome.packets {
        assert!(packet.data.len() <= crate::pcap_file::MAX_CAPTURED_LEN as usize);
        let _ = packet_info(packet.linktype, &packet.data, &ParseOptions::default());
    }
}
