//! The values read from one data record, and what they make: a flow record, a sampled packet
//! or sampling information.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use floodwatch_packet::FlowRecord;

use super::field::FieldKind;
use super::sampling::SamplerKey;
use super::totals::TotalCounters;
use crate::bytes::be_uint;
use crate::packet_section::{self, Link};

const NTP_TO_UNIX_SECONDS: u64 = 2_208_988_800;
const IPFIX_MORE_FRAGMENTS: u64 = 0x20;
/// The preference of octetTotalCount / packetTotalCount (field.rs).
const TOTAL_PREFERENCE: u8 = 3;

#[derive(Default)]
pub(crate) struct RecordValues<'a> {
    /// Templates may carry both families, the unused one zero-filled.
    src4: Option<IpAddr>,
    dst4: Option<IpAddr>,
    src6: Option<IpAddr>,
    dst6: Option<IpAddr>,
    station: Option<IpAddr>,
    /// flowDirection: 0 ingress, 1 egress.
    direction: Option<u8>,
    reverse_octets: u64,
    reverse_octets_preference: u8,
    reverse_packets: u64,
    reverse_packets_preference: u8,
    reverse_tcp_flags: u8,
    protocol: u8,
    src_port: u16,
    dst_port: Option<u16>,
    icmp_type_code: u16,
    tcp_flags: u8,
    fragment: bool,
    octets: u64,
    octets_preference: u8,
    packets: u64,
    packets_preference: u8,
    uptime_first: Option<u32>,
    uptime_last: Option<u32>,
    start_ns: Option<u64>,
    end_ns: Option<u64>,
    start_delta_us: Option<u64>,
    end_delta_us: Option<u64>,
    duration_us: Option<u64>,
    sampling_interval: u64,
    sampler_random_interval: u64,
    packet_interval: u64,
    packet_space: Option<u64>,
    sampling_size: u64,
    sampling_population: u64,
    sampler: Option<SamplerKey>,
    interface: Option<u64>,
    output_interface: u64,
    section: Option<(Link, &'a [u8])>,
}

impl<'a> RecordValues<'a> {
    /// Stores one field; `b` has the length the field plan allows for its kind.
    #[inline]
    pub fn set(&mut self, kind: FieldKind, b: &'a [u8]) {
        use FieldKind::*;
        match kind {
            Skip => {}
            SrcIpv4 => self.src4 = ipv4(b),
            DstIpv4 => self.dst4 = ipv4(b),
            SrcIpv6 => self.src6 = ipv6(b),
            DstIpv6 => self.dst6 = ipv6(b),
            Interface => self.interface = Some(be_uint(b)),
            OutputInterface => self.output_interface = be_uint(b),
            StationIpv4 => self.station = ipv4(b),
            FlowDirection => self.direction = Some(be_uint(b) as u8),
            ReverseOctets(preference) => {
                if preference > self.reverse_octets_preference {
                    self.reverse_octets = be_uint(b);
                    self.reverse_octets_preference = preference;
                }
            }
            ReversePackets(preference) => {
                if preference > self.reverse_packets_preference {
                    self.reverse_packets = be_uint(b);
                    self.reverse_packets_preference = preference;
                }
            }
            ReverseTcpFlags => self.reverse_tcp_flags = be_uint(b) as u8,
            SrcPort => self.src_port = be_uint(b) as u16,
            DstPort => self.dst_port = Some(be_uint(b) as u16),
            Protocol => self.protocol = be_uint(b) as u8,
            TcpFlags => self.tcp_flags = be_uint(b) as u8,
            IcmpTypeCode => self.icmp_type_code = be_uint(b) as u16,
            Octets(preference) => {
                if preference > self.octets_preference {
                    self.octets = be_uint(b);
                    self.octets_preference = preference;
                }
            }
            Packets(preference) => {
                if preference > self.packets_preference {
                    self.packets = be_uint(b);
                    self.packets_preference = preference;
                }
            }
            UptimeFirst => self.uptime_first = Some(be_uint(b) as u32),
            UptimeLast => self.uptime_last = Some(be_uint(b) as u32),
            StartSeconds => self.start_ns = Some(be_uint(b).saturating_mul(1_000_000_000)),
            EndSeconds => self.end_ns = Some(be_uint(b).saturating_mul(1_000_000_000)),
            StartMillis => self.start_ns = Some(be_uint(b).saturating_mul(1_000_000)),
            EndMillis => self.end_ns = Some(be_uint(b).saturating_mul(1_000_000)),
            StartNtp => self.start_ns = Some(ntp_to_unix_ns(be_uint(b))),
            EndNtp => self.end_ns = Some(ntp_to_unix_ns(be_uint(b))),
            StartDeltaMicros => self.start_delta_us = Some(be_uint(b)),
            EndDeltaMicros => self.end_delta_us = Some(be_uint(b)),
            DurationMillis => self.duration_us = Some(be_uint(b).saturating_mul(1000)),
            DurationMicros => self.duration_us = Some(be_uint(b)),
            FragmentFlags => self.fragment |= be_uint(b) & IPFIX_MORE_FRAGMENTS != 0,
            FragmentOffset => self.fragment |= be_uint(b) & 0x1FFF != 0,
            SamplingInterval => self.sampling_interval = be_uint(b),
            SamplerRandomInterval => self.sampler_random_interval = be_uint(b),
            SamplingPacketInterval => self.packet_interval = be_uint(b),
            SamplingPacketSpace => self.packet_space = Some(be_uint(b)),
            SamplingSize => self.sampling_size = be_uint(b),
            SamplingPopulation => self.sampling_population = be_uint(b),
            SamplerId => self.sampler = Some(SamplerKey::Sampler(be_uint(b))),
            SelectorId => self.sampler = Some(SamplerKey::Selector(be_uint(b))),
            Section(link) => self.section = Some((link, b)),
        }
    }

    /// The 1-in-N rate the record announces itself, if any.
    pub fn own_sampling_rate(&self) -> Option<u32> {
        let rate = if self.sampling_interval > 0 {
            self.sampling_interval
        } else if self.sampler_random_interval > 0 {
            self.sampler_random_interval
        } else if let Some(rate) = self.packet_interval_rate() {
            rate
        } else if self.sampling_size > 0 && self.sampling_population > 0 {
            self.sampling_population / self.sampling_size
        } else {
            return None;
        };
        Some(rate.clamp(1, u32::MAX as u64) as u32)
    }

    /// samplingPacketInterval packets taken out of every interval + samplingPacketSpace;
    /// without a space, exporters mean the interval as the 1-in-N rate.
    fn packet_interval_rate(&self) -> Option<u64> {
        let interval = self.packet_interval;
        match self.packet_space {
            Some(space) => interval.saturating_add(space).checked_div(interval),
            None => (interval > 0).then_some(interval),
        }
    }

    /// The packet section the record carries, if any.
    pub fn packet_header(&self) -> Option<floodwatch_packet::PacketHeader<'a>> {
        self.section
            .map(|(link, data)| packet_section::header(link, data, 0))
    }

    pub fn sampler(&self) -> Option<SamplerKey> {
        self.sampler
    }

    /// Which counters count since the flow began (octetTotalCount, packetTotalCount) rather
    /// than since its last report.
    pub fn total_counters(&self) -> TotalCounters {
        TotalCounters {
            packets: self.packets_preference == TOTAL_PREFERENCE,
            octets: self.octets_preference == TOTAL_PREFERENCE,
        }
    }

    pub fn interface(&self) -> Option<u64> {
        self.interface
    }

    /// The flow (or sampled packet) the record describes; `None` when it has neither both
    /// addresses nor a packet section that parses.
    pub fn flow(&self, sampling_rate: u32) -> Option<FlowRecord> {
        if let Some((link, header)) = self.section {
            if let Some(info) = packet_section::parse(link, header) {
                return Some(FlowRecord::packet(&info, sampling_rate));
            }
        }
        let (src, dst) = self.addresses()?;
        Some(FlowRecord {
            input_interface: self.interface.unwrap_or(0) as u32,
            output_interface: self.output_interface as u32,
            src,
            dst,
            protocol: self.protocol,
            src_port: self.src_port,
            dst_port: self.dst_port.unwrap_or(self.icmp_type_code),
            tcp_flags: self.tcp_flags,
            fragment: self.fragment,
            packets: self.packets,
            bytes: self.octets,
            sampling_rate: sampling_rate.max(1),
            duration_ms: self.duration_ms(),
        })
    }

    /// The reverse direction of a biflow (RFC 5103, NSEL responder counts), when the record
    /// counted any.
    pub fn reverse_flow(&self, forward: &FlowRecord) -> Option<FlowRecord> {
        if self.reverse_packets == 0 && self.reverse_octets == 0 {
            return None;
        }
        Some(FlowRecord {
            src: forward.dst,
            dst: forward.src,
            src_port: forward.dst_port,
            dst_port: forward.src_port,
            tcp_flags: self.reverse_tcp_flags,
            packets: self.reverse_packets,
            bytes: self.reverse_octets,
            input_interface: forward.output_interface,
            output_interface: forward.input_interface,
            ..forward.clone()
        })
    }

    /// Source and destination: the family whose addresses are set when a template carries
    /// both (the other zero-filled), else a wireless station's address on the side its
    /// direction says, the far end unknown (unspecified).
    fn addresses(&self) -> Option<(IpAddr, IpAddr)> {
        let v4 = self.src4.zip(self.dst4);
        let v6 = self.src6.zip(self.dst6);
        let set = |(src, dst): (IpAddr, IpAddr)| !(src.is_unspecified() && dst.is_unspecified());
        match (v4, v6) {
            (Some(v4), Some(v6)) => [v4, v6].into_iter().find(|pair| set(*pair)),
            (Some(pair), None) | (None, Some(pair)) => Some(pair),
            (None, None) => {
                let station = self.station?;
                let far = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
                Some(if self.direction == Some(1) {
                    (far, station)
                } else {
                    (station, far)
                })
            }
        }
    }

    fn duration_ms(&self) -> u32 {
        let ms = if let Some(us) = self.duration_us {
            us / 1000
        } else if let (Some(start), Some(end)) = (self.start_ns, self.end_ns) {
            end.saturating_sub(start) / 1_000_000
        } else if let (Some(first), Some(last)) = (self.uptime_first, self.uptime_last) {
            // Uptime wraps after 49.7 days: a "negative" span is an exporter glitch, not a wrap.
            let span = last.wrapping_sub(first);
            if span > i32::MAX as u32 {
                0
            } else {
                span as u64
            }
        } else if let (Some(start), Some(end)) = (self.start_delta_us, self.end_delta_us) {
            start.saturating_sub(end) / 1000
        } else {
            0
        };
        ms.min(u32::MAX as u64) as u32
    }
}

fn ipv4(b: &[u8]) -> Option<IpAddr> {
    let octets: [u8; 4] = b.try_into().ok()?;
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

fn ipv6(b: &[u8]) -> Option<IpAddr> {
    let octets: [u8; 16] = b.try_into().ok()?;
    Some(IpAddr::V6(Ipv6Addr::from(octets)))
}

fn ntp_to_unix_ns(ntp: u64) -> u64 {
    let seconds = (ntp >> 32).saturating_sub(NTP_TO_UNIX_SECONDS);
    let fraction_ns = ((ntp & 0xFFFF_FFFF) * 1_000_000_000) >> 32;
    seconds * 1_000_000_000 + fraction_ns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_duration_wraps_in_32_bits() {
        let (first, last) = (0xFFFF_FF00u32.to_be_bytes(), 0x0000_0100u32.to_be_bytes());
        let mut v = RecordValues::default();
        v.set(FieldKind::UptimeFirst, &first);
        v.set(FieldKind::UptimeLast, &last);
        assert_eq!(v.duration_ms(), 0x200);
    }

    #[test]
    fn first_after_last_is_zero_not_a_wrap() {
        let (first, last) = (1000u32.to_be_bytes(), 900u32.to_be_bytes());
        let mut v = RecordValues::default();
        v.set(FieldKind::UptimeFirst, &first);
        v.set(FieldKind::UptimeLast, &last);
        assert_eq!(v.duration_ms(), 0);
    }

    #[test]
    fn ntp_timestamps_keep_sub_second_precision() {
        let start = ((NTP_TO_UNIX_SECONDS + 10) << 32).to_be_bytes();
        let end = (((NTP_TO_UNIX_SECONDS + 11) << 32) | (1 << 31)).to_be_bytes(); // +1.5 s
        let mut v = RecordValues::default();
        v.set(FieldKind::StartNtp, &start);
        v.set(FieldKind::EndNtp, &end);
        assert_eq!(v.duration_ms(), 1500);
    }

    #[test]
    fn counters_prefer_delta_over_total_over_out() {
        let mut v = RecordValues::default();
        v.set(FieldKind::Octets(2), &[0, 7]);
        v.set(FieldKind::Octets(4), &[0, 9]);
        v.set(FieldKind::Octets(3), &[0, 8]);
        assert_eq!(v.octets, 9);
    }

    #[test]
    fn packet_interval_and_space_make_a_rate() {
        let mut v = RecordValues::default();
        v.set(FieldKind::SamplingPacketInterval, &[1]);
        v.set(FieldKind::SamplingPacketSpace, &[0, 99]);
        assert_eq!(v.own_sampling_rate(), Some(100));
    }

    #[test]
    fn both_families_in_one_template_take_the_one_set() {
        let mut v = RecordValues::default();
        v.set(FieldKind::SrcIpv4, &[10, 0, 0, 1]);
        v.set(FieldKind::DstIpv4, &[10, 0, 0, 2]);
        v.set(FieldKind::SrcIpv6, &[0; 16]);
        v.set(FieldKind::DstIpv6, &[0; 16]);
        assert_eq!(v.flow(1).unwrap().dst.to_string(), "10.0.0.2");
        let (src6, dst6) = (
            Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets(),
            Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2).octets(),
        );
        let mut w = RecordValues::default();
        w.set(FieldKind::SrcIpv6, &src6);
        w.set(FieldKind::DstIpv6, &dst6);
        w.set(FieldKind::SrcIpv4, &[0; 4]);
        w.set(FieldKind::DstIpv4, &[0; 4]);
        assert_eq!(w.flow(1).unwrap().dst.to_string(), "2001:db8::2");
        let mut neither = RecordValues::default();
        for kind in [FieldKind::SrcIpv4, FieldKind::DstIpv4] {
            neither.set(kind, &[0; 4]);
        }
        for kind in [FieldKind::SrcIpv6, FieldKind::DstIpv6] {
            neither.set(kind, &[0; 16]);
        }
        assert!(neither.flow(1).is_none());
    }

    #[test]
    fn icmp_type_and_code_stand_in_for_the_destination_port() {
        let mut v = RecordValues::default();
        v.set(FieldKind::SrcIpv4, &[10, 0, 0, 1]);
        v.set(FieldKind::DstIpv4, &[10, 0, 0, 2]);
        v.set(FieldKind::IcmpTypeCode, &[8, 0]);
        assert_eq!(v.flow(1).unwrap().dst_port, 0x0800);
    }
}
