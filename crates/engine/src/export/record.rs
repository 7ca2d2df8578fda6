//! One exported record: a flow record or a packet with where and when it was seen, as the
//! workers queue it; the packers encode it (JSON, Protobuf) off the workers' threads.

use std::net::IpAddr;

use floodwatch_packet::FlowRecord;

/// Where the traffic goes relative to the monitored networks; FastNetMon's numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficDirection {
    Incoming = 1,
    Outgoing = 2,
    Other = 3,
    Internal = 4,
}

impl TrafficDirection {
    pub fn of(src_monitored: bool, dst_monitored: bool) -> TrafficDirection {
        match (src_monitored, dst_monitored) {
            (false, true) => TrafficDirection::Incoming,
            (true, false) => TrafficDirection::Outgoing,
            (true, true) => TrafficDirection::Internal,
            (false, false) => TrafficDirection::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TrafficDirection::Incoming => "incoming",
            TrafficDirection::Outgoing => "outgoing",
            TrafficDirection::Other => "other",
            TrafficDirection::Internal => "internal",
        }
    }

    pub(crate) const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// What the record came from; FastNetMon's numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Telemetry {
    Mirror = 1,
    Sflow = 2,
    Netflow = 3,
}

impl Telemetry {
    /// NetFlow v5/v9 and IPFIX start with a 16-bit version (5, 9, 10); sFlow with a 32-bit 5.
    pub fn of_datagram(datagram: &[u8]) -> Telemetry {
        match datagram {
            [0, 0, ..] => Telemetry::Sflow,
            _ => Telemetry::Netflow,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Telemetry::Mirror => "mirror",
            Telemetry::Sflow => "sflow",
            Telemetry::Netflow => "netflow",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrafficRecord {
    pub record: FlowRecord,
    /// Nanoseconds since the epoch.
    pub timestamp_ns: u64,
    pub telemetry: Telemetry,
    pub direction: TrafficDirection,
    /// The rate the counters applied (an exporter's override included).
    pub sampling_rate: u32,
    /// The packet's length on the wire (flows: their bytes).
    pub length: u64,
    /// The exporter or sFlow agent; none for a mirror port.
    pub agent: Option<IpAddr>,
    pub vlan: Option<u16>,
}

/// A record of one TCP flow from `src` to `dst` seen by a NetFlow exporter, for tests.
#[cfg(test)]
pub(crate) fn traffic(src: &str, dst: &str) -> TrafficRecord {
    TrafficRecord {
        record: floodwatch_test_support::flow(src, dst)
            .ports(40000, 443)
            .build(),
        timestamp_ns: 1_700_000_000_000_000_000,
        telemetry: Telemetry::Netflow,
        direction: TrafficDirection::Incoming,
        sampling_rate: 1,
        length: 100,
        agent: Some("192.0.2.254".parse().unwrap()),
        vlan: None,
    }
}
