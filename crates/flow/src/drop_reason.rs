/// Why a datagram (or part of one) was not decoded. Every drop is counted per exporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The datagram ends before a header, set, sample or record it announces.
    Truncated,
    /// Not NetFlow v5/v9, IPFIX or sFlow v5.
    UnknownVersion,
    /// A length field that cannot be right (an IPFIX message or a set shorter than its header).
    BadLength,
    /// A template or options template record that cannot be used (zero-length or oversized
    /// field, too many fields, a reserved template id, a record cut by its set).
    MalformedTemplate,
    /// Data for a template that never came (counted when held data expires or overflows).
    NoTemplate,
    /// The exporter already has the maximum number of templates.
    TooManyTemplates,
    /// Content that contradicts itself (a variable-length field or sFlow record running past
    /// its set or sample, an unknown sFlow agent address type).
    Malformed,
    /// A record whose sampling rate is above `max_sampling_rate` (counted per record).
    ImplausibleSamplingRate,
    /// A record whose packet or byte count no link carries: more than 2^46 packets, or more
    /// bytes than its packets can hold (counted per record).
    ImplausibleCounts,
    /// A data record with neither a source and destination address (of one family, set when
    /// a template carries both) nor a packet section (counted per record).
    NoAddress,
    /// A record whose packet section (sFlow raw packet header, IPFIX dataLinkFrameSection or
    /// ipHeaderPacketSection, NetFlow v9 LAYER2_PACKET_SECTION_DATA) does not parse to an IP
    /// header, and that has no addresses to fall back on (counted per record).
    UnparsedPacketSection,
}

impl DropReason {
    pub const COUNT: usize = 11;

    pub const ALL: [DropReason; DropReason::COUNT] = [
        DropReason::Truncated,
        DropReason::UnknownVersion,
        DropReason::BadLength,
        DropReason::MalformedTemplate,
        DropReason::NoTemplate,
        DropReason::TooManyTemplates,
        DropReason::Malformed,
        DropReason::ImplausibleSamplingRate,
        DropReason::ImplausibleCounts,
        DropReason::NoAddress,
        DropReason::UnparsedPacketSection,
    ];

    /// snake_case, for metric labels.
    pub fn name(&self) -> &'static str {
        match self {
            DropReason::Truncated => "truncated",
            DropReason::UnknownVersion => "unknown_version",
            DropReason::BadLength => "bad_length",
            DropReason::MalformedTemplate => "malformed_template",
            DropReason::NoTemplate => "no_template",
            DropReason::TooManyTemplates => "too_many_templates",
            DropReason::Malformed => "malformed",
            DropReason::ImplausibleSamplingRate => "implausible_sampling_rate",
            DropReason::ImplausibleCounts => "implausible_counts",
            DropReason::NoAddress => "no_address",
            DropReason::UnparsedPacketSection => "unparsed_packet_section",
        }
    }

    /// Position in [`DropReason::ALL`], the index into `ExporterStats::dropped`.
    pub fn index(&self) -> usize {
        *self as usize
    }
}

impl std::fmt::Display for DropReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::error::Error for DropReason {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_reason_at_its_index() {
        for (i, reason) in DropReason::ALL.iter().enumerate() {
            assert_eq!(reason.index(), i);
            assert!(reason
                .name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }
}
