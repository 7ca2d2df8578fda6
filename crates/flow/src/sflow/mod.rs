//! sFlow version 5 (sflow_version_5.txt): flow samples become one flow record each (from the
//! raw packet header, else the sampled IPv4/IPv6 record); generic interface counters go to
//! `RecordSink::interface_counters`. Everything else is skipped by its length.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use floodwatch_packet::{FlowRecord, InterfaceCounters, RecordSink};

use crate::bytes::Cursor;
use crate::exporter::Outcome;
use crate::packet_section::{self, Link};
use crate::{DropReason, ExporterStats};

#[cfg(test)]
mod tests;

// Sample and record formats, enterprise 0 (the enterprise sits in the top 20 bits).
const FLOW_SAMPLE: u32 = 1;
const COUNTER_SAMPLE: u32 = 2;
const EXPANDED_FLOW_SAMPLE: u32 = 3;
const EXPANDED_COUNTER_SAMPLE: u32 = 4;
const RAW_PACKET_HEADER: u32 = 1;
const SAMPLED_IPV4: u32 = 3;
const SAMPLED_IPV6: u32 = 4;
const GENERIC_INTERFACE_COUNTERS: u32 = 1;

const HEADER_PROTOCOL_ETHERNET: u32 = 1;
const HEADER_PROTOCOL_IPV4: u32 = 11;
const HEADER_PROTOCOL_IPV6: u32 = 12;

pub(crate) fn decode<S: RecordSink>(
    datagram: &[u8],
    stats: &mut ExporterStats,
    sink: &mut S,
) -> Outcome {
    let mut outcome = Outcome::default();
    if let Err(reason) = decode_samples(datagram, stats, sink, &mut outcome) {
        outcome.fail(reason);
    }
    outcome
}

fn decode_samples<S: RecordSink>(
    datagram: &[u8],
    stats: &mut ExporterStats,
    sink: &mut S,
    outcome: &mut Outcome,
) -> Result<(), DropReason> {
    let mut c = Cursor::new(datagram);
    c.skip(4)?; // version
    let agent = match c.u32()? {
        1 => IpAddr::V4(Ipv4Addr::from(c.array::<4>()?)),
        2 => IpAddr::V6(Ipv6Addr::from(c.array::<16>()?)),
        _ => return Err(DropReason::Malformed),
    };
    c.skip(12)?; // sub-agent id, sequence number, uptime
    let samples = c.u32()?;
    for _ in 0..samples {
        let format = c.u32()?;
        let len = c.u32()? as usize;
        let mut body = Cursor::new(c.bytes(len)?);
        let decoded = match format {
            FLOW_SAMPLE => flow_sample(&mut body, false, stats, sink, outcome),
            EXPANDED_FLOW_SAMPLE => flow_sample(&mut body, true, stats, sink, outcome),
            COUNTER_SAMPLE => counter_sample(&mut body, false, agent, stats, sink),
            EXPANDED_COUNTER_SAMPLE => counter_sample(&mut body, true, agent, stats, sink),
            _ => Ok(()),
        };
        // A sample's length frames it: a bad one does not stop the next.
        if decoded.is_err() {
            outcome.fail(DropReason::Malformed);
        }
    }
    Ok(())
}

/// The flow a sample describes, from its records.
#[derive(Default)]
struct SampledPacket<'a> {
    /// The record, and the header it was made from with the frame length.
    from_header: Option<RawHeader<'a>>,
    from_ip_record: Option<FlowRecord>,
    /// A raw packet header came that does not parse (or of a protocol not parsed).
    unparsed_header: bool,
}

fn flow_sample<S: RecordSink>(
    c: &mut Cursor<'_>,
    expanded: bool,
    stats: &mut ExporterStats,
    sink: &mut S,
    outcome: &mut Outcome,
) -> Result<(), DropReason> {
    // sequence, source id (expanded: type, index)
    c.skip(if expanded { 12 } else { 8 })?;
    let rate = c.u32()?.max(1);
    // sample pool, drops
    c.skip(8)?;
    let (input, output) = if expanded {
        let input = interface(c.u32()?, c.u32()?);
        (input, interface(c.u32()?, c.u32()?))
    } else {
        let (input, output) = (c.u32()?, c.u32()?);
        (
            interface(input >> 30, input & 0x3FFF_FFFF),
            interface(output >> 30, output & 0x3FFF_FFFF),
        )
    };
    stats.sampling_rate = rate;
    let records = c.u32()?;
    let mut packet = SampledPacket::default();
    for _ in 0..records {
        let format = c.u32()?;
        let len = c.u32()? as usize;
        let mut body = Cursor::new(c.bytes(len)?);
        match format {
            RAW_PACKET_HEADER => {
                packet.from_header = raw_packet_header(&mut body, rate)?;
                packet.unparsed_header = packet.from_header.is_none();
            }
            SAMPLED_IPV4 => packet.from_ip_record = Some(sampled_ip(&mut body, false, rate)?),
            SAMPLED_IPV6 => packet.from_ip_record = Some(sampled_ip(&mut body, true, rate)?),
            _ => {}
        }
    }
    let with_interfaces = |record: FlowRecord| FlowRecord {
        input_interface: input,
        output_interface: output,
        ..record
    };
    match (packet.from_header, packet.from_ip_record) {
        (Some((record, link, header, frame_length)), _) => {
            let record = with_interfaces(record);
            sink.packet(&record, &packet_section::header(link, header, frame_length));
            outcome.records += 1;
        }
        (None, Some(record)) => {
            sink.record(&with_interfaces(record));
            outcome.records += 1;
        }
        (None, None) => {
            stats.skipped_records += 1;
            let reason = if packet.unparsed_header {
                DropReason::UnparsedPacketSection
            } else {
                DropReason::NoAddress
            };
            stats.count_drop(reason);
        }
    }
    Ok(())
}

/// An interface as a flow sample gives it (format, value): an ifIndex (format 0), 0 when it is
/// unknown (0x3FFFFFFF), the packet was dropped (format 1) or went to several (format 2).
fn interface(format: u32, value: u32) -> u32 {
    if format == 0 && value != 0x3FFF_FFFF {
        value
    } else {
        0
    }
}

/// A sampled packet's header: the record it counts as, its link type, its bytes and the frame's
/// length on the wire.
type RawHeader<'a> = (FlowRecord, Link, &'a [u8], u32);

/// `Ok(None)` when the header is of a protocol floodwatch does not parse, or does not parse.
fn raw_packet_header<'a>(
    c: &mut Cursor<'a>,
    rate: u32,
) -> Result<Option<RawHeader<'a>>, DropReason> {
    let protocol = c.u32()?;
    // The frame length includes the FCS: the IP header gives the length counted instead.
    let frame_length = c.u32()?;
    let _stripped = c.u32()?;
    let header_len = c.u32()? as usize;
    let header = c.bytes(header_len)?;
    let link = match protocol {
        HEADER_PROTOCOL_ETHERNET => Link::Ethernet,
        HEADER_PROTOCOL_IPV4 | HEADER_PROTOCOL_IPV6 => Link::Ip,
        _ => return Ok(None),
    };
    Ok(packet_section::parse(link, header)
        .map(|info| (FlowRecord::packet(&info, rate), link, header, frame_length)))
}

fn sampled_ip(c: &mut Cursor<'_>, v6: bool, rate: u32) -> Result<FlowRecord, DropReason> {
    let length = c.u32()?;
    let protocol = c.u32()?;
    let (src, dst) = if v6 {
        (
            IpAddr::V6(Ipv6Addr::from(c.array::<16>()?)),
            IpAddr::V6(Ipv6Addr::from(c.array::<16>()?)),
        )
    } else {
        (
            IpAddr::V4(Ipv4Addr::from(c.array::<4>()?)),
            IpAddr::V4(Ipv4Addr::from(c.array::<4>()?)),
        )
    };
    let src_port = c.u32()?;
    let dst_port = c.u32()?;
    let tcp_flags = c.u32()?;
    Ok(FlowRecord {
        input_interface: 0,
        output_interface: 0,
        src,
        dst,
        protocol: protocol as u8,
        src_port: src_port as u16,
        dst_port: dst_port as u16,
        tcp_flags: tcp_flags as u8,
        fragment: false,
        packets: 1,
        bytes: length as u64,
        sampling_rate: rate,
        duration_ms: 0,
    })
}

fn counter_sample<S: RecordSink>(
    c: &mut Cursor<'_>,
    expanded: bool,
    agent: IpAddr,
    stats: &mut ExporterStats,
    sink: &mut S,
) -> Result<(), DropReason> {
    c.skip(if expanded { 12 } else { 8 })?; // sequence, source id
    let records = c.u32()?;
    for _ in 0..records {
        let format = c.u32()?;
        let len = c.u32()? as usize;
        let mut body = Cursor::new(c.bytes(len)?);
        if format == GENERIC_INTERFACE_COUNTERS {
            sink.interface_counters(agent, &generic_interface_counters(&mut body)?);
            stats.counter_records += 1;
        }
    }
    Ok(())
}

fn generic_interface_counters(c: &mut Cursor<'_>) -> Result<InterfaceCounters, DropReason> {
    let if_index = c.u32()?;
    c.skip(4)?; // ifType
    let if_speed = c.u64()?;
    c.skip(8)?; // ifDirection, ifStatus
    let in_octets = c.u64()?;
    let in_packets = c.u32()? as u64 + c.u32()? as u64 + c.u32()? as u64; // unicast, multicast, broadcast
    let in_discards = c.u32()?;
    let in_errors = c.u32()?;
    c.skip(4)?; // ifInUnknownProtos
    let out_octets = c.u64()?;
    let out_packets = c.u32()? as u64 + c.u32()? as u64 + c.u32()? as u64;
    let out_discards = c.u32()?;
    let out_errors = c.u32()?;
    Ok(InterfaceCounters {
        if_index,
        if_speed,
        in_octets,
        in_packets,
        in_errors,
        in_discards,
        out_octets,
        out_packets,
        out_errors,
        out_discards,
    })
}
