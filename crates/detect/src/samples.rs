//! What the samples of a watched host say, as the attack report shows it.

use floodwatch_counters::Direction;
use serde::Serialize;
use std::net::IpAddr;

/// Packets and bytes, scaled by the sampling rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Traffic {
    pub packets: u64,
    pub bytes: u64,
}

impl Traffic {
    pub(crate) fn add(&mut self, packets: u64, bytes: u64) {
        self.packets += packets;
        self.bytes += bytes;
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProtocolCount {
    pub protocol: u8,
    /// `tcp`, `udp`, `icmp`, ... or `other`.
    pub name: &'static str,
    pub packets: u64,
    pub bytes: u64,
}

/// A remote address among the heaviest. Counts are estimates: never below the truth, above
/// it by at most the total over the summary's capacity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AddressCount {
    pub address: IpAddr,
    pub packets: u64,
    pub bytes: u64,
}

/// A port among the heaviest, with its protocol. Estimates, as for `AddressCount`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortCount {
    pub protocol: u8,
    pub port: u16,
    pub packets: u64,
    pub bytes: u64,
}

/// The samples of one direction of a watched host, since its watch started.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DirectionSamples {
    pub records: u64,
    pub traffic: Traffic,
    /// Most packets first.
    pub protocols: Vec<ProtocolCount>,
    pub tcp_syn: Traffic,
    pub fragments: Traffic,
    /// UDP whose records carry ports (non-first fragments do not): the base of a UDP source
    /// port's share.
    pub udp_with_ports: Traffic,
    /// The other end: sources of incoming traffic, destinations of outgoing.
    pub remote_addresses: Vec<AddressCount>,
    pub source_ports: Vec<PortCount>,
    pub destination_ports: Vec<PortCount>,
}

impl DirectionSamples {
    pub fn protocol(&self, protocol: u8) -> Traffic {
        self.protocols
            .iter()
            .find(|p| p.protocol == protocol)
            .map(|p| Traffic {
                packets: p.packets,
                bytes: p.bytes,
            })
            .unwrap_or_default()
    }
}

/// A watched host's samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttackSamples {
    pub ip: IpAddr,
    /// Records kept for the host since its watch started, both directions.
    pub records: u64,
    /// Records held in the ring, the most recent ones.
    pub records_held: usize,
    /// Part of the figures is estimated: from a sample of the traffic seen before the watch
    /// started, each record standing for the many it was drawn from.
    pub estimated: bool,
    pub incoming: DirectionSamples,
    pub outgoing: DirectionSamples,
}

impl AttackSamples {
    pub fn direction(&self, direction: Direction) -> &DirectionSamples {
        match direction {
            Direction::Incoming => &self.incoming,
            Direction::Outgoing => &self.outgoing,
        }
    }
}
