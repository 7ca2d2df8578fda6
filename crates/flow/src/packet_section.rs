//! Packet headers carried inside flow exports (sFlow raw packet header, IPFIX
//! dataLinkFrameSection / ipHeaderPacketSection, NetFlow v9 LAYER2_PACKET_SECTION_DATA).

use floodwatch_packet::{parse_ethernet, parse_ip, HeaderLink, PacketHeader, PacketInfo};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    Ethernet,
    Ip,
}

pub(crate) fn parse(link: Link, header: &[u8]) -> Option<PacketInfo> {
    match link {
        Link::Ethernet => parse_ethernet(header).ok(),
        Link::Ip => parse_ip(header).ok(),
    }
}

pub(crate) fn header(link: Link, data: &[u8], original_len: u32) -> PacketHeader<'_> {
    let link = match link {
        Link::Ethernet => HeaderLink::Ethernet,
        Link::Ip => HeaderLink::Ip,
    };
    PacketHeader {
        link,
        data,
        original_len,
        timestamp_ns: 0,
    }
}
