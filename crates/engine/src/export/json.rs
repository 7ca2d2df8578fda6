//! JSON: one object per record, FastNetMon's `packet_dump_detailed` field names and values
//! (what its Kafka JSON export sends), plus `traffic_direction`, `telemetry_type` and `vlan`.
//! What floodwatch does not know (ASN, country, TTL; interfaces the source does not give) is 0
//! or empty, as FastNetMon writes it when its source does not say.

use floodwatch_packet::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};

use super::record::TrafficRecord;
use super::text::{push_ip, push_u64};

pub fn encode(r: &TrafficRecord, out: &mut Vec<u8>) {
    let f = &r.record;
    out.extend_from_slice(b"{\"timestamp\":");
    push_u64(out, r.timestamp_ns / 1_000_000_000);
    out.extend_from_slice(if f.dst.is_ipv4() {
        b",\"ip_version\":\"ipv4\",\"source_ip\":\""
    } else {
        b",\"ip_version\":\"ipv6\",\"source_ip\":\""
    });
    push_ip(out, &f.src);
    out.extend_from_slice(b"\",\"destination_ip\":\"");
    push_ip(out, &f.dst);
    out.extend_from_slice(
        b"\",\"source_asn\":0,\"destination_asn\":0,\"source_country\":\"\",\"destination_country\":\"\",\
          \"input_interface\":",
    );
    push_u64(out, f.input_interface as u64);
    out.extend_from_slice(b",\"output_interface\":");
    push_u64(out, f.output_interface as u64);
    out.extend_from_slice(b",\"source_port\":");
    push_u64(out, f.src_port as u64);
    out.extend_from_slice(b",\"destination_port\":");
    push_u64(out, f.dst_port as u64);
    out.extend_from_slice(b",\"agent_address\":\"");
    if let Some(agent) = &r.agent {
        push_ip(out, agent);
    }
    out.extend_from_slice(b"\",\"tcp_flags\":\"");
    tcp_flags(f.tcp_flags, out);
    out.extend_from_slice(if f.fragment {
        b"\",\"forwarding_status\":\"unknown\",\"fragmentation\":true,\"packets\":"
    } else {
        b"\",\"forwarding_status\":\"unknown\",\"fragmentation\":false,\"packets\":"
    });
    push_u64(out, f.packets);
    out.extend_from_slice(b",\"length\":");
    push_u64(out, r.length);
    out.extend_from_slice(b",\"ip_length\":");
    push_u64(out, f.bytes);
    out.extend_from_slice(b",\"ttl\":0,\"sample_ratio\":");
    push_u64(out, r.sampling_rate as u64);
    out.extend_from_slice(b",\"protocol\":\"");
    match f.protocol {
        PROTO_TCP => out.extend_from_slice(b"tcp"),
        PROTO_UDP => out.extend_from_slice(b"udp"),
        PROTO_ICMP => out.extend_from_slice(b"icmp"),
        PROTO_ICMPV6 => out.extend_from_slice(b"icmpv6"),
        other => push_u64(out, other as u64),
    }
    out.extend_from_slice(b"\",\"traffic_direction\":\"");
    out.extend_from_slice(r.direction.name().as_bytes());
    out.extend_from_slice(b"\",\"telemetry_type\":\"");
    out.extend_from_slice(r.telemetry.name().as_bytes());
    out.push(b'"');
    if let Some(vlan) = r.vlan {
        out.extend_from_slice(b",\"vlan\":");
        push_u64(out, vlan as u64);
    }
    out.push(b'}');
}

/// As FastNetMon prints them: "syn,ack", in bit order.
fn tcp_flags(flags: u8, out: &mut Vec<u8>) {
    const NAMES: [&[u8]; 8] = [
        b"fin", b"syn", b"rst", b"psh", b"ack", b"urg", b"ece", b"cwr",
    ];
    let mut first = true;
    for (bit, name) in NAMES.iter().enumerate() {
        if flags & (1 << bit) != 0 {
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(name);
            first = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Telemetry, TrafficDirection};
    use floodwatch_packet::FlowRecord;

    fn flow() -> FlowRecord {
        floodwatch_test_support::flow("192.0.2.1", "10.0.0.1")
            .protocol(PROTO_TCP)
            .ports(40000, 443)
            .tcp_flags(0x12)
            .packets(3)
            .bytes(180)
            .interfaces(7, 70_000)
            .build()
    }

    #[test]
    fn a_record_is_one_fastnetmon_packet_dump_detailed_object() {
        let f = flow();
        let r = TrafficRecord {
            record: f,
            timestamp_ns: 1_700_000_000_123_000_000,
            telemetry: Telemetry::Netflow,
            direction: TrafficDirection::Incoming,
            sampling_rate: 64,
            length: 180,
            agent: Some("198.51.100.7".parse().unwrap()),
            vlan: None,
        };
        let mut out = Vec::new();
        encode(&r, &mut out);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let expected = serde_json::json!({
            "timestamp": 1_700_000_000u64, "ip_version": "ipv4", "source_ip": "192.0.2.1", "destination_ip": "10.0.0.1",
            "source_asn": 0, "destination_asn": 0, "source_country": "", "destination_country": "",
            "input_interface": 7, "output_interface": 70_000, "source_port": 40000, "destination_port": 443,
            "agent_address": "198.51.100.7", "tcp_flags": "syn,ack", "forwarding_status": "unknown",
            "fragmentation": false, "packets": 3, "length": 180, "ip_length": 180, "ttl": 0, "sample_ratio": 64,
            "protocol": "tcp", "traffic_direction": "incoming", "telemetry_type": "netflow",
        });
        assert_eq!(v, expected);
    }

    #[test]
    fn ipv6_mirror_packets_say_their_vlan_and_no_agent() {
        let mut f = flow();
        f.src = "2001:db8::1".parse().unwrap();
        f.dst = "2001:db8:1::2".parse().unwrap();
        f.protocol = 50;
        f.tcp_flags = 0;
        let r = TrafficRecord {
            record: f,
            timestamp_ns: 0,
            telemetry: Telemetry::Mirror,
            direction: TrafficDirection::Other,
            sampling_rate: 1,
            length: 200,
            agent: None,
            vlan: Some(12),
        };
        let mut out = Vec::new();
        encode(&r, &mut out);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            (
                &v["ip_version"],
                &v["source_ip"],
                &v["agent_address"],
                &v["tcp_flags"],
                &v["protocol"],
                &v["vlan"],
                &v["length"],
                &v["telemetry_type"]
            ),
            (
                &"ipv6".into(),
                &"2001:db8::1".into(),
                &"".into(),
                &"".into(),
                &"50".into(),
                &12.into(),
                &200.into(),
                &"mirror".into()
            )
        );
    }
}
