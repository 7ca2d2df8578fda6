//! What floodwatch reads from a template field, by information element id and length.
//! Everything else is skipped.

use super::VARIABLE_LENGTH;
use crate::packet_section::Link;

/// The role of one field in a data record. Octets and packets carry a preference (higher
/// wins) for exporters that send more than one counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Skip,
    SrcIpv4,
    DstIpv4,
    SrcIpv6,
    DstIpv6,
    SrcPort,
    DstPort,
    Protocol,
    TcpFlags,
    IcmpTypeCode,
    Octets(u8),
    Packets(u8),
    /// Milliseconds of system uptime (NetFlow v9 FIRST_SWITCHED / LAST_SWITCHED).
    UptimeFirst,
    UptimeLast,
    StartSeconds,
    EndSeconds,
    StartMillis,
    EndMillis,
    /// NTP-format timestamps (dateTimeMicroseconds / dateTimeNanoseconds).
    StartNtp,
    EndNtp,
    StartDeltaMicros,
    EndDeltaMicros,
    DurationMillis,
    DurationMicros,
    FragmentFlags,
    FragmentOffset,
    SamplingInterval,
    SamplerId,
    SamplerRandomInterval,
    SelectorId,
    SamplingPacketInterval,
    SamplingPacketSpace,
    SamplingSize,
    SamplingPopulation,
    Section(Link),
    /// The interface a record's packets came in on (ingressInterface, NetFlow v9 INPUT_SNMP or
    /// an options template's Interface scope): sampling may be set per interface.
    Interface,
    /// The interface a record's packets went out of (egressInterface, NetFlow v9 OUTPUT_SNMP).
    OutputInterface,
    /// Wireless station (client) address, with the direction the flow took.
    StationIpv4,
    FlowDirection,
    /// Biflow counters of the reverse direction: RFC 5103 reverse elements, Cisco ASA NSEL
    /// responder counts.
    ReverseOctets(u8),
    ReversePackets(u8),
    ReverseTcpFlags,
}

/// RFC 5103: reverse information elements are the forward ones under this enterprise number.
pub(crate) const REVERSE_ENTERPRISE: u32 = 29305;

impl FieldKind {
    /// The kind of an IANA (enterprise 0) element, or `Skip` when floodwatch does not use it or
    /// its length does not fit the element's type.
    pub fn of(id: u16, len: u16) -> FieldKind {
        use FieldKind::*;
        let kind = match id {
            1 => Octets(4),
            85 => Octets(3),
            23 => Octets(2),
            231 => Octets(1),
            2 => Packets(4),
            86 => Packets(3),
            24 => Packets(2),
            298 => Packets(1),
            4 => Protocol,
            6 => TcpFlags,
            7 => SrcPort,
            11 => DstPort,
            8 => SrcIpv4,
            12 => DstIpv4,
            27 => SrcIpv6,
            28 => DstIpv6,
            32 | 139 => IcmpTypeCode,
            22 => UptimeFirst,
            21 => UptimeLast,
            150 => StartSeconds,
            151 => EndSeconds,
            152 => StartMillis,
            153 => EndMillis,
            154 | 156 => StartNtp,
            155 | 157 => EndNtp,
            158 => StartDeltaMicros,
            159 => EndDeltaMicros,
            161 => DurationMillis,
            162 => DurationMicros,
            197 => FragmentFlags,
            88 => FragmentOffset,
            34 => SamplingInterval,
            48 => SamplerId,
            50 => SamplerRandomInterval,
            302 => SelectorId,
            305 => SamplingPacketInterval,
            306 => SamplingPacketSpace,
            309 => SamplingSize,
            310 => SamplingPopulation,
            104 | 315 => Section(Link::Ethernet),
            313 => Section(Link::Ip),
            10 => Interface,
            14 => OutputInterface,
            366 => StationIpv4,
            61 => FlowDirection,
            // NSEL responder bytes and packets (initiator ones are 231 and 298 above).
            232 => ReverseOctets(1),
            299 => ReversePackets(1),
            _ => Skip,
        };
        if kind.accepts(len) {
            kind
        } else {
            Skip
        }
    }

    /// The kind of an RFC 5103 reverse element (enterprise 29305, the forward element's id).
    pub fn reverse_of(id: u16, len: u16) -> FieldKind {
        use FieldKind::*;
        let kind = match FieldKind::of(id, len) {
            Octets(preference) => ReverseOctets(preference),
            Packets(preference) => ReversePackets(preference),
            TcpFlags => ReverseTcpFlags,
            _ => Skip,
        };
        if kind.accepts(len) {
            kind
        } else {
            Skip
        }
    }

    fn accepts(self, len: u16) -> bool {
        use FieldKind::*;
        match self {
            Skip | Section(_) => true,
            SrcIpv4 | DstIpv4 | StationIpv4 => len == 4,
            SrcIpv6 | DstIpv6 => len == 16,
            StartNtp | EndNtp => len == 8,
            _ => (1..=8).contains(&len) && len != VARIABLE_LENGTH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_that_do_not_fit_the_type_are_skipped() {
        assert_eq!(FieldKind::of(8, 4), FieldKind::SrcIpv4);
        assert_eq!(FieldKind::of(8, 16), FieldKind::Skip);
        assert_eq!(FieldKind::of(1, 8), FieldKind::Octets(4));
        assert_eq!(FieldKind::of(1, 9), FieldKind::Skip);
        assert_eq!(FieldKind::of(1, VARIABLE_LENGTH), FieldKind::Skip);
        assert_eq!(
            FieldKind::of(315, VARIABLE_LENGTH),
            FieldKind::Section(Link::Ethernet)
        );
        assert_eq!(FieldKind::of(156, 4), FieldKind::Skip);
        assert_eq!(FieldKind::of(60000, 4), FieldKind::Skip);
    }
}
