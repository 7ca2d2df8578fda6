use std::fmt;
use std::io;

/// Why a capture file cannot be read further. Offsets count bytes from the file's start.
#[derive(Debug)]
pub enum PcapError {
    Io(io::Error),
    /// The file starts with neither a pcap magic number nor a pcapng section header.
    NotPcap,
    /// A header or block contradicts itself or the format.
    Malformed {
        offset: u64,
        reason: &'static str,
    },
    /// A length no sane capture holds: a corrupt file rather than a large packet.
    AbsurdLength {
        offset: u64,
        what: &'static str,
        length: u64,
        limit: u64,
    },
    /// A pcapng packet block names an interface its section has not described.
    UnknownInterface {
        offset: u64,
        interface_id: u32,
    },
    /// A pcapng section of a major version this reader does not know.
    UnsupportedVersion {
        offset: u64,
        major: u16,
        minor: u16,
    },
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcapError::Io(error) => write!(f, "cannot read the capture: {error}"),
            PcapError::NotPcap => f.write_str("not a pcap or pcapng file"),
            PcapError::Malformed { offset, reason } => {
                write!(f, "malformed capture at byte {offset}: {reason}")
            }
            PcapError::AbsurdLength {
                offset,
                what,
                length,
                limit,
            } => write!(
                f,
                "{what} of {length} bytes at byte {offset} is over the {limit}-byte limit: the file is corrupt"
            ),
            PcapError::UnknownInterface {
                offset,
                interface_id,
            } => write!(
                f,
                "packet block at byte {offset} names interface {interface_id}, which its section does not describe"
            ),
            PcapError::UnsupportedVersion {
                offset,
                major,
                minor,
            } => write!(
                f,
                "pcapng section at byte {offset} has version {major}.{minor}; only 1.x is known"
            ),
        }
    }
}

impl std::error::Error for PcapError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PcapError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for PcapError {
    fn from(error: io::Error) -> Self {
        PcapError::Io(error)
    }
}

/// The file ends inside a record: what a capture cut short by a crash or a full disk looks
/// like. Every packet before the cut was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// Where the incomplete record (pcapng: block) starts.
    pub offset: u64,
    /// The record's full size, as far as its header tells (the header's size if it is cut).
    pub record_len: u64,
    /// The bytes of it the file holds.
    pub available: u64,
    /// Packets read before the cut.
    pub packets_before: u64,
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capture truncated: the record at byte {} needs {} bytes but the file holds {} of them; {} packets read before it",
            self.offset, self.record_len, self.available, self.packets_before
        )
    }
}
