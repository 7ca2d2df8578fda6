//! The UDP payloads of a capture file (pcap or pcapng), in order.

use floodwatch_capture::pcap_file::{linktype, PcapReader};
use floodwatch_packet::{parse_ip, PROTO_UDP};

pub fn udp_payloads(path: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut reader = PcapReader::open(path).map_err(|e| e.to_string())?;
    let mut payloads = Vec::new();
    while let Some(packet) = reader.next_packet().map_err(|e| e.to_string())? {
        let ip = match packet.linktype {
            linktype::ETHERNET => ethernet_ip_offset(packet.data),
            linktype::RAW | linktype::IPV4 | linktype::IPV6 => Some(0),
            linktype::LINUX_SLL => Some(16),
            linktype::LINUX_SLL2 => Some(20),
            linktype::NULL | linktype::LOOP => Some(4),
            _ => None,
        };
        if let Some(payload) = ip
            .and_then(|offset| packet.data.get(offset..))
            .and_then(udp_payload)
        {
            payloads.push(payload.to_vec());
        }
    }
    Ok(payloads)
}

/// The IP header's offset after the Ethernet header and any VLAN tags.
fn ethernet_ip_offset(frame: &[u8]) -> Option<usize> {
    let mut offset = 12;
    loop {
        let ethertype = u16::from_be_bytes(frame.get(offset..offset + 2)?.try_into().ok()?);
        offset += 2;
        match ethertype {
            0x8100 | 0x88a8 | 0x9100 => offset += 2,
            0x0800 | 0x86dd => return Some(offset),
            _ => return None,
        }
    }
}

fn udp_payload(packet: &[u8]) -> Option<&[u8]> {
    let info = parse_ip(packet).ok()?;
    if info.protocol != PROTO_UDP || info.fragment {
        return None;
    }
    let header_len = match packet.first()? >> 4 {
        4 => ((packet[0] & 0x0f) as usize) * 4,
        // Extension headers are not expected in exporter traffic: skip such packets.
        6 if *packet.get(6)? == PROTO_UDP => 40,
        _ => return None,
    };
    let udp = packet.get(header_len..)?;
    let length = u16::from_be_bytes(udp.get(4..6)?.try_into().ok()?) as usize;
    udp.get(8..length.max(8))
}
