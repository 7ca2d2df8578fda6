//! What a format reader (classic or pcapng) hands the `PcapReader`: where the next packet
//! lies in the source's buffer, or why reading stopped.

use std::io;
use std::ops::Range;

use super::PcapError;

pub(crate) struct Record {
    /// The captured bytes, in the source's buffer.
    pub data: Range<usize>,
    pub timestamp_ns: u64,
    pub linktype: u16,
    pub original_len: u32,
}

/// The input ended inside a record.
#[derive(Debug)]
pub(crate) struct Cut {
    pub offset: u64,
    pub record_len: u64,
    pub available: u64,
}

#[derive(Debug)]
pub(crate) enum Stop {
    Cut(Cut),
    Failed(PcapError),
}

impl From<PcapError> for Stop {
    fn from(error: PcapError) -> Self {
        Stop::Failed(error)
    }
}

impl From<io::Error> for Stop {
    fn from(error: io::Error) -> Self {
        Stop::Failed(PcapError::Io(error))
    }
}
