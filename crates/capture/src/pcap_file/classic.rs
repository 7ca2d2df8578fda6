//! Classic pcap (libpcap's format): a 24-byte file header, then 16-byte record headers each
//! followed by the captured bytes.

use std::io::Read;

use super::byte_order::ByteOrder;
use super::record::{Record, Stop};
use super::source::ByteSource;
use super::{PcapError, MAX_CAPTURED_LEN};

pub(crate) const FILE_HEADER_LEN: usize = 24;
pub(crate) const RECORD_HEADER_LEN: usize = 16;
const LINKTYPE_AT: usize = 20;
/// The upper bits of the link-type field carry the FCS length, not the link type.
const LINKTYPE_MASK: u32 = 0xffff;

pub(crate) const MAGIC_MICROSECOND: u32 = 0xa1b2_c3d4;
pub(crate) const MAGIC_NANOSECOND: u32 = 0xa1b2_3c4d;

/// How the file's magic number says to read it, if it is a classic pcap magic.
fn from_magic(magic: [u8; 4]) -> Option<(ByteOrder, u64)> {
    const NANOS_PER_MICRO: u64 = 1_000;
    match u32::from_le_bytes(magic) {
        MAGIC_MICROSECOND => Some((ByteOrder::Little, NANOS_PER_MICRO)),
        MAGIC_NANOSECOND => Some((ByteOrder::Little, 1)),
        _ => match u32::from_be_bytes(magic) {
            MAGIC_MICROSECOND => Some((ByteOrder::Big, NANOS_PER_MICRO)),
            MAGIC_NANOSECOND => Some((ByteOrder::Big, 1)),
            _ => None,
        },
    }
}

pub(crate) fn is_magic(magic: [u8; 4]) -> bool {
    from_magic(magic).is_some()
}

pub(crate) struct ClassicReader {
    order: ByteOrder,
    /// Nanoseconds per unit of the timestamps' fraction field.
    nanos_per_fraction: u64,
    linktype: u16,
}

impl ClassicReader {
    /// Reads the file header; the source must start with a classic magic number.
    pub fn open<R: Read>(source: &mut ByteSource<R>) -> Result<ClassicReader, Stop> {
        let header = source.require(FILE_HEADER_LEN)?;
        let magic = header[..4].try_into().map_err(|_| PcapError::NotPcap)?;
        let (order, nanos_per_fraction) = from_magic(magic).ok_or(PcapError::NotPcap)?;
        let linktype = order.u32(header, LINKTYPE_AT).ok_or(PcapError::NotPcap)? & LINKTYPE_MASK;
        source.consume(FILE_HEADER_LEN);
        Ok(ClassicReader {
            order,
            nanos_per_fraction,
            linktype: linktype as u16,
        })
    }

    pub fn next_record<R: Read>(
        &mut self,
        source: &mut ByteSource<R>,
    ) -> Result<Option<Record>, Stop> {
        if source.at_end()? {
            return Ok(None);
        }
        let header = source.require(RECORD_HEADER_LEN)?;
        let order = self.order;
        let field = |at| order.u32(header, at).unwrap_or_default();
        let (seconds, fraction) = (field(0), field(4));
        let (captured_len, original_len) = (field(8), field(12));
        if captured_len > MAX_CAPTURED_LEN {
            return Err(PcapError::AbsurdLength {
                offset: source.offset(),
                what: "captured length",
                length: captured_len.into(),
                limit: MAX_CAPTURED_LEN.into(),
            }
            .into());
        }
        let record_len = RECORD_HEADER_LEN + captured_len as usize;
        source.require(record_len)?;
        let record = source.consume(record_len);
        Ok(Some(Record {
            data: record.start + RECORD_HEADER_LEN..record.end,
            timestamp_ns: u64::from(seconds) * 1_000_000_000
                + u64::from(fraction) * self.nanos_per_fraction,
            linktype: self.linktype,
            original_len,
        }))
    }
}
