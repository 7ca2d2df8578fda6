//! The unit every source hands to the counters: one flow record, one sampled packet, or one
//! packet from a mirror port. Decoders fill it; the counter table reads it.

use std::net::IpAddr;

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMPV6: u8 = 58;

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_RST: u8 = 0x04;
pub const TCP_PSH: u8 = 0x08;
pub const TCP_ACK: u8 = 0x10;

/// Traffic between two addresses as one source saw it.
///
/// `packets` and `bytes` are what the source reported, before sampling: the counter table
/// multiplies them by `sampling_rate`. `bytes` are IP-layer bytes (the IP total length).
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRecord {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number (IPv6: the upper-layer protocol after extension headers).
    pub protocol: u8,
    pub src_port: u16,
    pub dst_port: u16,
    /// Union of TCP flags seen (0 when not TCP or unknown).
    pub tcp_flags: u8,
    /// The packet, or some packet of the flow, was an IP fragment.
    pub fragment: bool,
    pub packets: u64,
    pub bytes: u64,
    /// 1 when unsampled; N for 1-in-N sampling.
    pub sampling_rate: u32,
    /// Milliseconds between the first and last packet of the flow; 0 for a single packet.
    pub duration_ms: u32,
    /// The exporter's interfaces (SNMP ifIndex) the traffic came in on and went out of; 0 when
    /// it does not say (and for a mirror port).
    pub input_interface: u32,
    pub output_interface: u32,
}

impl FlowRecord {
    /// A single packet (an sFlow header sample, a mirror-port packet).
    pub fn packet(info: &PacketInfo, sampling_rate: u32) -> FlowRecord {
        FlowRecord {
            input_interface: 0,
            output_interface: 0,
            src: info.src,
            dst: info.dst,
            protocol: info.protocol,
            src_port: info.src_port,
            dst_port: info.dst_port,
            tcp_flags: info.tcp_flags,
            fragment: info.fragment,
            packets: 1,
            bytes: info.ip_length as u64,
            sampling_rate: sampling_rate.max(1),
            duration_ms: 0,
        }
    }

    pub fn is_syn(&self) -> bool {
        self.protocol == PROTO_TCP && self.tcp_flags & TCP_SYN != 0
    }
}

/// What the header parser learns from one packet.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketInfo {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub src_port: u16,
    pub dst_port: u16,
    pub tcp_flags: u8,
    pub fragment: bool,
    /// IP total length from the IP header (IPv6: payload length + 40), whatever the capture
    /// kept of the packet.
    pub ip_length: u32,
    /// Outermost 802.1Q VLAN id, if tagged.
    pub vlan: Option<u16>,
}

/// Per-interface counters from an sFlow counter sample (generic interface counters record).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InterfaceCounters {
    pub if_index: u32,
    pub if_speed: u64,
    pub in_octets: u64,
    pub in_packets: u64,
    pub in_errors: u32,
    pub in_discards: u32,
    pub out_octets: u64,
    pub out_packets: u64,
    pub out_errors: u32,
    pub out_discards: u32,
}

/// What a captured header starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderLink {
    Ethernet,
    /// A bare IPv4 or IPv6 packet.
    Ip,
}

/// A packet's header as a source captured it: a mirror-port frame, an sFlow raw header, an
/// IPFIX or NetFlow v9 packet section.
#[derive(Clone, Copy, Debug)]
pub struct PacketHeader<'a> {
    pub link: HeaderLink,
    pub data: &'a [u8],
    /// The packet's length on the wire (0 when the source does not say).
    pub original_len: u32,
    /// Nanoseconds since the epoch; 0 when the source does not say (then: when received).
    pub timestamp_ns: u64,
}

/// Where decoders deliver what they decode. Called once per record, on the decoding thread.
pub trait RecordSink {
    fn record(&mut self, record: &FlowRecord);
    /// A record made from a captured packet header, with the header (for attack fingerprints).
    fn packet(&mut self, record: &FlowRecord, _header: &PacketHeader<'_>) {
        self.record(record);
    }
    /// sFlow counter samples, keyed by the agent that sent them.
    fn interface_counters(&mut self, _agent: IpAddr, _counters: &InterfaceCounters) {}
}

impl RecordSink for Vec<FlowRecord> {
    fn record(&mut self, record: &FlowRecord) {
        self.push(record.clone());
    }
}
