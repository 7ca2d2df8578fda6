//! pcapng features the fixtures do not exercise: clock options, snaplen on simple packets,
//! and blocks to skip that are larger than the reader's buffer.

use super::build::{self, Order};
use super::read_clean;
use crate::pcap_file::linktype;

const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;

fn frame() -> Vec<u8> {
    build::ethernet_udp([192, 0, 2, 1], [192, 0, 2, 2])
}

#[test]
fn each_interface_keeps_its_own_clock() {
    for order in [Order::Little, Order::Big] {
        let offset = |seconds: i64| match order {
            Order::Little => seconds.to_le_bytes().to_vec(),
            Order::Big => seconds.to_be_bytes().to_vec(),
        };
        let mut bytes = build::section_header(order);
        bytes.extend(build::interface(order, linktype::ETHERNET, 0, &[]));
        bytes.extend(build::interface(
            order,
            linktype::RAW,
            0,
            &[(IF_TSRESOL, vec![0x80 | 20])],
        ));
        bytes.extend(build::interface(
            order,
            linktype::LINUX_SLL,
            0,
            &[(IF_TSRESOL, vec![3]), (IF_TSOFFSET, offset(1_000))],
        ));
        bytes.extend(build::enhanced_packet(order, 0, 1_500_000, &frame()));
        bytes.extend(build::enhanced_packet(order, 1, 3 << 19, &frame()));
        bytes.extend(build::obsolete_packet(order, 2, 2_500, &frame()));
        let packets = read_clean(bytes.as_slice());
        let seen: Vec<(u16, u64)> = packets
            .iter()
            .map(|p| (p.linktype, p.timestamp_ns))
            .collect();
        assert_eq!(
            seen,
            [
                (linktype::ETHERNET, 1_500_000_000),
                (linktype::RAW, 1_500_000_000),
                (linktype::LINUX_SLL, 1_002_500_000_000),
            ],
            "{order:?}"
        );
    }
}

#[test]
fn simple_packets_keep_what_the_block_and_the_snaplen_allow() {
    let order = Order::Little;
    let full = frame();
    let mut bytes = build::section_header(order);
    bytes.extend(build::interface(order, linktype::ETHERNET, 20, &[]));
    bytes.extend(build::simple_packet(order, full.len() as u32, &full[..20]));
    bytes.extend(build::section_header(order));
    bytes.extend(build::interface(order, linktype::ETHERNET, 0, &[]));
    bytes.extend(build::simple_packet(order, full.len() as u32, &full));
    let packets = read_clean(bytes.as_slice());
    assert_eq!(packets[0].data, full[..20]);
    assert_eq!(packets[0].original_len, full.len() as u32);
    assert_eq!(packets[1].data, full, "padding is not data");
    assert!(packets.iter().all(|p| p.timestamp_ns == 0));
}

#[test]
fn unknown_blocks_of_any_size_are_skipped() {
    let order = Order::Big;
    let mut bytes = build::section_header(order);
    bytes.extend(build::block(order, 0x4000_0bad, &[7; 12]));
    bytes.extend(build::interface(order, linktype::ETHERNET, 0, &[]));
    bytes.extend(build::block(order, 4, &[0; 3 << 20]));
    bytes.extend(build::enhanced_packet(order, 0, 42, &frame()));
    bytes.extend(build::block(order, 5, &[1; 24]));
    let packets = read_clean(bytes.as_slice());
    assert_eq!(packets.len(), 1);
    assert_eq!(packets[0].data, frame());
    assert_eq!(packets[0].timestamp_ns, 42_000);
}

#[test]
fn captures_larger_than_the_buffer_stream_through() {
    let order = Order::Big;
    let mut bytes = build::section_header(order);
    bytes.extend(build::interface(order, linktype::ETHERNET, 0, &[]));
    let mut expected = Vec::new();
    for index in 0..4_000u32 {
        let mut data = frame();
        data.resize(14 + (index as usize * 7) % 1_500, index as u8);
        bytes.extend(build::enhanced_packet(order, 0, index.into(), &data));
        expected.push(data);
    }
    assert!(bytes.len() > 2 << 20);
    let packets = read_clean(bytes.as_slice());
    let data: Vec<Vec<u8>> = packets.into_iter().map(|packet| packet.data).collect();
    assert_eq!(data, expected);
}
