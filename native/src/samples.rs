//! What the engine kept of a watched host's traffic (floodwatch_detect::AttackSamples), as the
//! attack record's top lists read it.

use floodwatch_detect::{AddressCount, PortCount, ProtocolCount, Traffic};
use napi_derive::napi;

/// Packets and bytes, scaled by the sampling rate.
#[napi(object)]
pub struct SampledTraffic {
    pub packets: f64,
    pub bytes: f64,
}

impl From<Traffic> for SampledTraffic {
    fn from(t: Traffic) -> Self {
        SampledTraffic {
            packets: t.packets as f64,
            bytes: t.bytes as f64,
        }
    }
}

#[napi(object)]
pub struct SampledProtocol {
    pub protocol: u32,
    /// `tcp`, `udp`, `icmp`, ... or `other`.
    pub name: String,
    pub packets: f64,
    pub bytes: f64,
}

impl From<&ProtocolCount> for SampledProtocol {
    fn from(p: &ProtocolCount) -> Self {
        SampledProtocol {
            protocol: p.protocol.into(),
            name: p.name.to_string(),
            packets: p.packets as f64,
            bytes: p.bytes as f64,
        }
    }
}

/// A remote address among the heaviest (an estimate: never below the truth).
#[napi(object)]
pub struct SampledAddress {
    pub address: String,
    pub packets: f64,
    pub bytes: f64,
}

impl From<&AddressCount> for SampledAddress {
    fn from(a: &AddressCount) -> Self {
        SampledAddress {
            address: a.address.to_string(),
            packets: a.packets as f64,
            bytes: a.bytes as f64,
        }
    }
}

/// A port among the heaviest, with its protocol (an estimate, as for addresses).
#[napi(object)]
pub struct SampledPort {
    pub protocol: u32,
    pub port: u32,
    pub packets: f64,
    pub bytes: f64,
}

impl From<&PortCount> for SampledPort {
    fn from(p: &PortCount) -> Self {
        SampledPort {
            protocol: p.protocol.into(),
            port: p.port.into(),
            packets: p.packets as f64,
            bytes: p.bytes as f64,
        }
    }
}

/// The samples of one direction of a watched host, since its watch started.
#[napi(object)]
pub struct DirectionSamples {
    pub records: f64,
    pub traffic: SampledTraffic,
    /// Most packets first.
    pub protocols: Vec<SampledProtocol>,
    #[napi(js_name = "tcp_syn")]
    pub tcp_syn: SampledTraffic,
    pub fragments: SampledTraffic,
    /// UDP whose records carry ports: the base of a UDP source port's share.
    #[napi(js_name = "udp_with_ports")]
    pub udp_with_ports: SampledTraffic,
    /// The other end: sources of incoming traffic, destinations of outgoing.
    #[napi(js_name = "remote_addresses")]
    pub remote_addresses: Vec<SampledAddress>,
    #[napi(js_name = "source_ports")]
    pub source_ports: Vec<SampledPort>,
    #[napi(js_name = "destination_ports")]
    pub destination_ports: Vec<SampledPort>,
}

impl From<&floodwatch_detect::DirectionSamples> for DirectionSamples {
    fn from(d: &floodwatch_detect::DirectionSamples) -> Self {
        DirectionSamples {
            records: d.records as f64,
            traffic: d.traffic.into(),
            protocols: d.protocols.iter().map(SampledProtocol::from).collect(),
            tcp_syn: d.tcp_syn.into(),
            fragments: d.fragments.into(),
            udp_with_ports: d.udp_with_ports.into(),
            remote_addresses: d
                .remote_addresses
                .iter()
                .map(SampledAddress::from)
                .collect(),
            source_ports: d.source_ports.iter().map(SampledPort::from).collect(),
            destination_ports: d.destination_ports.iter().map(SampledPort::from).collect(),
        }
    }
}

/// What the engine kept of a watched host's traffic since its watch started.
#[napi(object)]
pub struct AttackSamples {
    pub ip: String,
    /// Records kept for the host since its watch started, both directions.
    pub records: f64,
    /// Records held in the ring, the most recent ones.
    #[napi(js_name = "records_held")]
    pub records_held: f64,
    /// Part of the figures come from a sample of the traffic seen before the watch started.
    pub estimated: bool,
    pub incoming: DirectionSamples,
    pub outgoing: DirectionSamples,
}

impl From<&floodwatch_detect::AttackSamples> for AttackSamples {
    fn from(s: &floodwatch_detect::AttackSamples) -> Self {
        AttackSamples {
            ip: s.ip.to_string(),
            records: s.records as f64,
            records_held: s.records_held as f64,
            estimated: s.estimated,
            incoming: (&s.incoming).into(),
            outgoing: (&s.outgoing).into(),
        }
    }
}
