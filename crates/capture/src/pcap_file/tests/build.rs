//! Hand-built captures, for what no tool writes: broken files and rarely used options.

use crate::pcap_file::pcapng_blocks::{
    ENHANCED_PACKET, INTERFACE_DESCRIPTION, OBSOLETE_PACKET, SECTION_HEADER, SIMPLE_PACKET,
};

#[derive(Clone, Copy, Debug)]
pub(super) enum Order {
    Little,
    Big,
}

trait Put {
    fn put16(&mut self, order: Order, value: u16);
    fn put32(&mut self, order: Order, value: u32);
    fn put64(&mut self, order: Order, value: u64);
}

impl Put for Vec<u8> {
    fn put16(&mut self, order: Order, value: u16) {
        self.extend(match order {
            Order::Little => value.to_le_bytes(),
            Order::Big => value.to_be_bytes(),
        });
    }

    fn put32(&mut self, order: Order, value: u32) {
        self.extend(match order {
            Order::Little => value.to_le_bytes(),
            Order::Big => value.to_be_bytes(),
        });
    }

    fn put64(&mut self, order: Order, value: u64) {
        self.extend(match order {
            Order::Little => value.to_le_bytes(),
            Order::Big => value.to_be_bytes(),
        });
    }
}

pub(super) fn classic_header(order: Order, nanosecond: bool, linktype: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.put32(order, if nanosecond { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    out.put16(order, 2);
    out.put16(order, 4);
    out.put64(order, 0);
    out.put32(order, 65535);
    out.put32(order, linktype);
    out
}

/// A record whose header declares `captured_len`, whatever `data` holds.
pub(super) fn classic_record(
    order: Order,
    seconds: u32,
    fraction: u32,
    captured_len: u32,
    original_len: u32,
    data: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    for value in [seconds, fraction, captured_len, original_len] {
        out.put32(order, value);
    }
    out.extend(data);
    out
}

/// A block with its body padded to 4 bytes and both length fields right.
pub(super) fn block(order: Order, block_type: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().next_multiple_of(4);
    let total = (12 + padded) as u32;
    let mut out = Vec::new();
    out.put32(order, block_type);
    out.put32(order, total);
    out.extend(body);
    out.resize(8 + padded, 0);
    out.put32(order, total);
    out
}

pub(super) fn section_header_version(order: Order, major: u16, minor: u16) -> Vec<u8> {
    let mut body = Vec::new();
    body.put32(order, 0x1a2b_3c4d);
    body.put16(order, major);
    body.put16(order, minor);
    body.put64(order, u64::MAX);
    block(order, SECTION_HEADER, &body)
}

pub(super) fn section_header(order: Order) -> Vec<u8> {
    section_header_version(order, 1, 0)
}

pub(super) fn interface(
    order: Order,
    linktype: u16,
    snaplen: u32,
    options: &[(u16, Vec<u8>)],
) -> Vec<u8> {
    let mut body = Vec::new();
    body.put16(order, linktype);
    body.put16(order, 0);
    body.put32(order, snaplen);
    if !options.is_empty() {
        for (code, value) in options {
            body.put16(order, *code);
            body.put16(order, value.len() as u16);
            body.extend(value);
            body.resize(body.len().next_multiple_of(4), 0);
        }
        body.put32(order, 0);
    }
    block(order, INTERFACE_DESCRIPTION, &body)
}

/// An Enhanced Packet Block whose header declares `captured_len`.
pub(super) fn enhanced_packet_declaring(
    order: Order,
    interface_id: u32,
    ticks: u64,
    captured_len: u32,
    original_len: u32,
    data: &[u8],
) -> Vec<u8> {
    let mut body = Vec::new();
    body.put32(order, interface_id);
    body.put32(order, (ticks >> 32) as u32);
    body.put32(order, ticks as u32);
    body.put32(order, captured_len);
    body.put32(order, original_len);
    body.extend(data);
    block(order, ENHANCED_PACKET, &body)
}

pub(super) fn enhanced_packet(order: Order, interface_id: u32, ticks: u64, data: &[u8]) -> Vec<u8> {
    let len = data.len() as u32;
    enhanced_packet_declaring(order, interface_id, ticks, len, len, data)
}

pub(super) fn simple_packet(order: Order, original_len: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.put32(order, original_len);
    body.extend(data);
    block(order, SIMPLE_PACKET, &body)
}

pub(super) fn obsolete_packet(order: Order, interface_id: u16, ticks: u64, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.put16(order, interface_id);
    body.put16(order, 0);
    body.put32(order, (ticks >> 32) as u32);
    body.put32(order, ticks as u32);
    body.put32(order, data.len() as u32);
    body.put32(order, data.len() as u32);
    body.extend(data);
    block(order, OBSOLETE_PACKET, &body)
}

/// An Ethernet frame carrying a minimal IPv4 UDP packet from `src` to `dst`.
pub(super) fn ethernet_udp(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    let mut frame = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
    frame.extend([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0]);
    frame.extend(src);
    frame.extend(dst);
    frame.extend([0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0]);
    frame
}
