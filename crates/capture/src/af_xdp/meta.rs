//! What the XDP program writes in the metadata area in front of each frame, and how the reader
//! takes it back: the frame's arrival time, and for plain IPv4 frames the header fields the
//! engine counts by, read by the XDP program while the frame was in the receiving core's cache.
//!
//! ```text
//! offset  size  field
//!      0     4  magic: META_STAMP (arrival time only) or META_SUMMARY (time and fields)
//!      4     1  IP protocol
//!      5     1  TCP flags
//!      6     1  bit 0: a fragment; bit 1: VLAN id present
//!      7     1  unused
//!      8     8  arrival time, CLOCK_MONOTONIC ns (host order)
//!     16     4  source address (network order)
//!     20     4  destination address (network order)
//!     24     2  source port (network order)
//!     26     2  destination port, or ICMP type and code (network order)
//!     28     2  IP total length (host order)
//!     30     2  outermost non-zero VLAN id (host order)
//! ```
//!
//! The program fills the fields only where the frame's own parse would give the same
//! (`floodwatch_packet::parse_ethernet`): Ethernet with at most one 802.1Q tag, IPv4 with a
//! valid header and a non-zero total length, and the transport header whole within the IP
//! length. Anything else (IPv6, QinQ, MPLS, a cut header...) carries the time only and is
//! parsed from its bytes.

use std::net::{IpAddr, Ipv4Addr};

use floodwatch_packet::PacketInfo;

/// The metadata's size: 32 bytes is the most `bpf_xdp_adjust_meta` grants.
pub const META_LEN: u64 = 32;
pub const META_STAMP: u32 = 0x6677_7473;
pub const META_SUMMARY: u32 = 0x6677_7370;

pub const PROTOCOL_AT: i16 = 4;
pub const TCP_FLAGS_AT: i16 = 5;
pub const FLAGS_AT: i16 = 6;
pub const TIME_AT: i16 = 8;
pub const SRC_AT: i16 = 16;
pub const DST_AT: i16 = 20;
pub const SRC_PORT_AT: i16 = 24;
pub const DST_PORT_AT: i16 = 26;
pub const IP_LENGTH_AT: i16 = 28;
pub const VLAN_AT: i16 = 30;

pub const FLAG_FRAGMENT: i32 = 1;
pub const FLAG_VLAN: i32 = 2;

/// What a frame's metadata said.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameMeta {
    /// CLOCK_MONOTONIC ns.
    pub arrived: Option<u64>,
    pub info: Option<PacketInfo>,
}

impl FrameMeta {
    pub fn read(meta: &[u8; META_LEN as usize]) -> FrameMeta {
        let u16_le = |at: i16| u16::from_le_bytes([meta[at as usize], meta[at as usize + 1]]);
        let u16_be = |at: i16| u16::from_be_bytes([meta[at as usize], meta[at as usize + 1]]);
        let ipv4 = |at: i16| {
            let at = at as usize;
            IpAddr::V4(Ipv4Addr::new(
                meta[at],
                meta[at + 1],
                meta[at + 2],
                meta[at + 3],
            ))
        };
        let magic = u32::from_le_bytes([meta[0], meta[1], meta[2], meta[3]]);
        if magic != META_STAMP && magic != META_SUMMARY {
            return FrameMeta::default();
        }
        let at = TIME_AT as usize;
        let arrived = Some(u64::from_le_bytes(meta[at..at + 8].try_into().unwrap()));
        if magic != META_SUMMARY {
            return FrameMeta {
                arrived,
                info: None,
            };
        }
        let flags = i32::from(meta[FLAGS_AT as usize]);
        let info = PacketInfo {
            src: ipv4(SRC_AT),
            dst: ipv4(DST_AT),
            protocol: meta[PROTOCOL_AT as usize],
            src_port: u16_be(SRC_PORT_AT),
            dst_port: u16_be(DST_PORT_AT),
            tcp_flags: meta[TCP_FLAGS_AT as usize],
            fragment: flags & FLAG_FRAGMENT != 0,
            ip_length: u32::from(u16_le(IP_LENGTH_AT)),
            vlan: (flags & FLAG_VLAN != 0).then(|| u16_le(VLAN_AT)),
        };
        FrameMeta {
            arrived,
            info: Some(info),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(magic: u32) -> [u8; 32] {
        let mut m = [0u8; 32];
        m[0..4].copy_from_slice(&magic.to_le_bytes());
        m[8..16].copy_from_slice(&123_456_789u64.to_le_bytes());
        m
    }

    #[test]
    fn a_summary_reads_back_as_the_packet_fields() {
        let mut m = meta(META_SUMMARY);
        m[4] = 6;
        m[5] = 0x12;
        m[6] = (FLAG_FRAGMENT | FLAG_VLAN) as u8;
        m[16..20].copy_from_slice(&[192, 0, 2, 1]);
        m[20..24].copy_from_slice(&[10, 0, 0, 9]);
        m[24..26].copy_from_slice(&1234u16.to_be_bytes());
        m[26..28].copy_from_slice(&443u16.to_be_bytes());
        m[28..30].copy_from_slice(&1500u16.to_le_bytes());
        m[30..32].copy_from_slice(&42u16.to_le_bytes());
        let read = FrameMeta::read(&m);
        assert_eq!(read.arrived, Some(123_456_789));
        assert_eq!(
            read.info,
            Some(PacketInfo {
                src: "192.0.2.1".parse().unwrap(),
                dst: "10.0.0.9".parse().unwrap(),
                protocol: 6,
                src_port: 1234,
                dst_port: 443,
                tcp_flags: 0x12,
                fragment: true,
                ip_length: 1500,
                vlan: Some(42),
            })
        );
    }

    #[test]
    fn a_stamp_carries_the_time_only_and_anything_else_nothing() {
        assert_eq!(
            FrameMeta::read(&meta(META_STAMP)),
            FrameMeta {
                arrived: Some(123_456_789),
                info: None
            }
        );
        assert_eq!(FrameMeta::read(&meta(0)), FrameMeta::default());
    }
}
