//! Protobuf: FastNetMon's `TrafficData` message (proto/traffic_data.proto), field numbers kept,
//! encoded by hand (proto3: fields at their default are left out).

use std::net::IpAddr;

use super::record::TrafficRecord;

const VARINT: u8 = 0;
const BYTES: u8 = 2;

pub fn encode(r: &TrafficRecord, out: &mut Vec<u8>) {
    let f = &r.record;
    uint(out, 1, r.timestamp_ns / 1_000_000_000);
    uint(out, 2, r.timestamp_ns / 1_000_000 % 1000);
    uint(out, 3, r.telemetry as u64);
    uint(out, 4, if f.dst.is_ipv4() { 4 } else { 6 });
    uint(out, 5, r.direction as u64);
    uint(out, 6, r.sampling_rate as u64);
    uint(out, 7, f.protocol as u64);
    address(out, 8, &f.src);
    address(out, 9, &f.dst);
    uint(out, 10, f.src_port as u64);
    uint(out, 11, f.dst_port as u64);
    uint(out, 12, f.packets);
    uint(out, 13, f.bytes);
    uint(out, 15, f.tcp_flags as u64);
    uint(out, 16, f.fragment as u64);
    uint(out, 18, f.input_interface as u64);
    uint(out, 19, f.output_interface as u64);
    if let Some(agent) = &r.agent {
        address(out, 22, agent);
    }
    if let Some(vlan) = r.vlan {
        uint(out, 100, vlan as u64);
    }
}

fn tag(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, ((field as u64) << 3) | wire as u64);
}

fn uint(out: &mut Vec<u8>, field: u32, value: u64) {
    if value != 0 {
        tag(out, field, VARINT);
        varint(out, value);
    }
}

fn address(out: &mut Vec<u8>, field: u32, ip: &IpAddr) {
    tag(out, field, BYTES);
    match ip {
        IpAddr::V4(a) => {
            out.push(4);
            out.extend_from_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            out.push(16);
            out.extend_from_slice(&a.octets());
        }
    }
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Telemetry, TrafficDirection};
    use floodwatch_packet::FlowRecord;
    use std::collections::BTreeMap;

    /// Field number to its varint value or bytes, read back from the wire.
    fn decode(mut data: &[u8]) -> BTreeMap<u32, Result<u64, Vec<u8>>> {
        fn varint(data: &mut &[u8]) -> u64 {
            let mut value = 0u64;
            for shift in (0..64).step_by(7) {
                let byte = data[0];
                *data = &data[1..];
                value |= ((byte & 0x7f) as u64) << shift;
                if byte < 0x80 {
                    break;
                }
            }
            value
        }
        let mut fields = BTreeMap::new();
        while !data.is_empty() {
            let key = varint(&mut data);
            let field = (key >> 3) as u32;
            let value = match (key & 7) as u8 {
                VARINT => Ok(varint(&mut data)),
                BYTES => {
                    let len = varint(&mut data) as usize;
                    let bytes = data[..len].to_vec();
                    data = &data[len..];
                    Err(bytes)
                }
                wire => panic!("wire type {wire}"),
            };
            assert!(fields.insert(field, value).is_none(), "field {field} twice");
        }
        fields
    }

    #[test]
    fn a_record_reads_back_field_for_field() {
        let f = FlowRecord {
            input_interface: 3,
            output_interface: 70_000,
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8:1::2".parse().unwrap(),
            protocol: 17,
            src_port: 53,
            dst_port: 33333,
            tcp_flags: 0,
            fragment: true,
            packets: 300,
            bytes: 1_000_000_000_000,
            sampling_rate: 1,
            duration_ms: 0,
        };
        let r = TrafficRecord {
            record: f,
            timestamp_ns: 1_700_000_000_456_789_000,
            telemetry: Telemetry::Sflow,
            direction: TrafficDirection::Internal,
            sampling_rate: 2048,
            length: 1500,
            agent: Some("192.0.2.9".parse().unwrap()),
            vlan: Some(4000),
        };
        let mut out = Vec::new();
        encode(&r, &mut out);
        let v6 = |text: &str| {
            Err(text
                .parse::<std::net::Ipv6Addr>()
                .unwrap()
                .octets()
                .to_vec())
        };
        let expected = BTreeMap::from([
            (1, Ok(1_700_000_000)),
            (2, Ok(456)),
            (3, Ok(2)),
            (4, Ok(6)),
            (5, Ok(4)),
            (6, Ok(2048)),
            (7, Ok(17)),
            (8, v6("2001:db8::1")),
            (9, v6("2001:db8:1::2")),
            (10, Ok(53)),
            (11, Ok(33333)),
            (12, Ok(300)),
            (13, Ok(1_000_000_000_000)),
            (16, Ok(1)),
            (18, Ok(3)),
            (19, Ok(70_000)),
            (22, Err(vec![192, 0, 2, 9])),
            (100, Ok(4000)),
        ]);
        assert_eq!(decode(&out), expected);
    }

    #[test]
    fn zero_fields_are_left_out_and_ipv4_addresses_take_four_bytes() {
        let f = FlowRecord {
            input_interface: 0,
            output_interface: 0,
            src: "192.0.2.1".parse().unwrap(),
            dst: "10.0.0.1".parse().unwrap(),
            protocol: 6,
            src_port: 0,
            dst_port: 80,
            tcp_flags: 0x02,
            fragment: false,
            packets: 1,
            bytes: 40,
            sampling_rate: 1,
            duration_ms: 0,
        };
        let r = TrafficRecord {
            record: f,
            timestamp_ns: 0,
            telemetry: Telemetry::Mirror,
            direction: TrafficDirection::Incoming,
            sampling_rate: 1,
            length: 54,
            agent: None,
            vlan: None,
        };
        let mut out = Vec::new();
        encode(&r, &mut out);
        let fields = decode(&out);
        assert_eq!(
            fields.keys().copied().collect::<Vec<_>>(),
            vec![3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15]
        );
        assert_eq!(fields[&8], Err(vec![192, 0, 2, 1]));
        assert_eq!(fields[&15], Ok(2));
    }
}
