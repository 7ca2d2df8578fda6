//! Reads the UDP payloads out of a classic pcap file (as tshark -F pcap writes it).

use floodwatch_packet::{parse_ethernet, parse_ip, PROTO_UDP};

const LINKTYPE_NULL: u32 = 0;
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_LINUX_SLL: u32 = 113;

/// The UDP payloads of every packet in the capture, in order.
pub fn udp_payloads(file: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let magic = file.get(0..4).ok_or("not a pcap file: too short")?;
    let little = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => return Err("not a classic pcap file (write it with `tshark -F pcap`)".into()),
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = file.get(at..at + 4)?.try_into().ok()?;
        Some(if little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };
    let linktype = u32_at(20).ok_or("truncated pcap header")?;
    let mut payloads = Vec::new();
    let mut at = 24;
    while let Some(captured) = u32_at(at + 8) {
        let start = at + 16;
        let Some(frame) = file.get(start..start + captured as usize) else { break };
        at = start + captured as usize;
        let ip = match linktype {
            LINKTYPE_ETHERNET => frame_ip_offset(frame),
            LINKTYPE_RAW => Some(0),
            LINKTYPE_LINUX_SLL => Some(16),
            LINKTYPE_NULL => Some(4),
            other => return Err(format!("unsupported pcap link type {other}")),
        };
        if let Some(payload) = ip.and_then(|offset| udp_payload(&frame[offset.min(frame.len())..])) {
            payloads.push(payload.to_vec());
        }
    }
    Ok(payloads)
}

fn frame_ip_offset(frame: &[u8]) -> Option<usize> {
    parse_ethernet(frame).ok()?;
    // Ethernet, possibly VLAN-tagged: find the IP header after the EtherType chain.
    let mut offset = 12;
    loop {
        let ethertype = u16::from_be_bytes(frame.get(offset..offset + 2)?.try_into().ok()?);
        offset += 2;
        match ethertype {
            0x8100 | 0x88a8 => offset += 2,
            0x0800 | 0x86dd => return Some(offset),
            _ => return None,
        }
    }
}

fn udp_payload(packet: &[u8]) -> Option<&[u8]> {
    let info = parse_ip(packet).ok()?;
    if info.protocol != PROTO_UDP {
        return None;
    }
    let header_len = match packet.first()? >> 4 {
        4 => ((packet[0] & 0x0f) as usize) * 4,
        6 => 40,
        _ => return None,
    };
    let udp = packet.get(header_len..)?;
    let length = u16::from_be_bytes(udp.get(4..6)?.try_into().ok()?) as usize;
    udp.get(8..length.max(8))
}
