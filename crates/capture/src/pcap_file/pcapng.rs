//! pcapng: a sequence of sections, each a section header, interface descriptions and the
//! packet blocks that name them, in the byte order its header declares.

use std::io::Read;

use super::byte_order::ByteOrder;
use super::pcapng_blocks::{
    self as blocks, Interface, PacketBlock, PacketBlockError, ENHANCED_PACKET,
    INTERFACE_DESCRIPTION, OBSOLETE_PACKET, SECTION_HEADER, SIMPLE_PACKET,
};
use super::record::{Cut, Record, Stop};
use super::source::ByteSource;
use super::{PcapError, MAX_CAPTURED_LEN};

/// Type and total length.
const BLOCK_HEADER_LEN: usize = 8;
/// The total length repeated after the body.
const BLOCK_TRAILER_LEN: usize = 4;
const SECTION_HEAD_LEN: usize = 12;
/// The largest block read whole (section headers, interface descriptions, packet blocks):
/// room for a maximal packet and generous options. Other blocks are skipped unbuffered.
const MAX_BUFFERED_BLOCK: u32 = 4 * MAX_CAPTURED_LEN;
/// The block types [`PcapngReader::interpret`] reads; the others are skipped.
const INTERPRETED: [u32; 5] = [
    SECTION_HEADER,
    INTERFACE_DESCRIPTION,
    ENHANCED_PACKET,
    SIMPLE_PACKET,
    OBSOLETE_PACKET,
];
const TRAILER_MISMATCH: &str = "block's trailing length differs from its leading one";

pub(crate) struct PcapngReader {
    order: ByteOrder,
    /// The current section's interfaces, by id.
    interfaces: Vec<Interface>,
}

impl PcapngReader {
    /// Reads the first section header; the source must start with one.
    pub fn open<R: Read>(source: &mut ByteSource<R>) -> Result<PcapngReader, Stop> {
        let mut reader = PcapngReader {
            order: ByteOrder::Little,
            interfaces: Vec::new(),
        };
        reader.read_block(source)?;
        Ok(reader)
    }

    pub fn next_record<R: Read>(
        &mut self,
        source: &mut ByteSource<R>,
    ) -> Result<Option<Record>, Stop> {
        while !source.at_end()? {
            if let Some(record) = self.read_block(source)? {
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    /// Reads one block: a packet gives its record, any other block `None`.
    fn read_block<R: Read>(&mut self, source: &mut ByteSource<R>) -> Result<Option<Record>, Stop> {
        let offset = source.offset();
        let (block_type, block_len) = self.read_block_head(source)?;
        if !INTERPRETED.contains(&block_type) {
            self.skip_block(source, block_len)?;
            return Ok(None);
        }
        if block_len > MAX_BUFFERED_BLOCK {
            return Err(PcapError::AbsurdLength {
                offset,
                what: "block length",
                length: block_len.into(),
                limit: MAX_BUFFERED_BLOCK.into(),
            }
            .into());
        }
        let block_len = block_len as usize;
        let block = source.require(block_len)?;
        let body_end = block_len - BLOCK_TRAILER_LEN;
        if self.order.u32(block, body_end) != Some(block_len as u32) {
            return Err(malformed(offset, TRAILER_MISMATCH).into());
        }
        let body = &block[BLOCK_HEADER_LEN..body_end];
        let Some(packet) = self.interpret(block_type, body, offset)? else {
            source.consume(block_len);
            return Ok(None);
        };
        let interface = *usize::try_from(packet.interface_id)
            .ok()
            .and_then(|id| self.interfaces.get(id))
            .ok_or(PcapError::UnknownInterface {
                offset,
                interface_id: packet.interface_id,
            })?;
        let data_start = source.consume(block_len).start + BLOCK_HEADER_LEN + packet.data_at;
        Ok(Some(Record {
            data: data_start..data_start + packet.captured_len as usize,
            timestamp_ns: packet.ticks.map_or(0, |ticks| interface.clock.to_ns(ticks)),
            linktype: interface.linktype,
            original_len: packet.original_len,
        }))
    }

    /// A block's type and total length; a section header first sets the byte order.
    fn read_block_head<R: Read>(&mut self, source: &mut ByteSource<R>) -> Result<(u32, u32), Stop> {
        let offset = source.offset();
        let head = source.require(BLOCK_HEADER_LEN)?;
        let block_type = self.order.u32(head, 0).unwrap_or_default();
        if block_type == SECTION_HEADER {
            let head = source.require(SECTION_HEAD_LEN)?;
            self.order = blocks::section_byte_order(head)
                .ok_or_else(|| malformed(offset, "section header without a byte-order magic"))?;
        }
        let head = source.require(BLOCK_HEADER_LEN)?;
        let block_len = self.order.u32(head, 4).unwrap_or_default();
        if (block_len as usize) < BLOCK_HEADER_LEN + BLOCK_TRAILER_LEN {
            return Err(malformed(offset, "block length shorter than a block's header").into());
        }
        if !block_len.is_multiple_of(4) {
            return Err(malformed(offset, "block length not a multiple of 4").into());
        }
        Ok((block_type, block_len))
    }

    /// Takes in a section header or an interface description; parses a packet block.
    fn interpret(
        &mut self,
        block_type: u32,
        body: &[u8],
        offset: u64,
    ) -> Result<Option<PacketBlock>, PcapError> {
        let packet = match block_type {
            SECTION_HEADER => {
                let (major, minor) = blocks::section_version(body, self.order)
                    .map_err(|reason| malformed(offset, reason))?;
                if major != 1 {
                    return Err(PcapError::UnsupportedVersion {
                        offset,
                        major,
                        minor,
                    });
                }
                self.interfaces.clear();
                return Ok(None);
            }
            INTERFACE_DESCRIPTION => {
                let interface = blocks::interface_description(body, self.order)
                    .map_err(|reason| malformed(offset, reason))?;
                self.interfaces.push(interface);
                return Ok(None);
            }
            ENHANCED_PACKET => blocks::enhanced_packet(body, self.order),
            OBSOLETE_PACKET => blocks::obsolete_packet(body, self.order),
            SIMPLE_PACKET => {
                let snaplen = self
                    .interfaces
                    .first()
                    .map_or(0, |interface| interface.snaplen);
                blocks::simple_packet(body, self.order, snaplen)
            }
            _ => return Ok(None),
        };
        packet.map(Some).map_err(|error| match error {
            PacketBlockError::Malformed(reason) => malformed(offset, reason),
            PacketBlockError::AbsurdCapturedLength(length) => PcapError::AbsurdLength {
                offset,
                what: "captured length",
                length: length.into(),
                limit: MAX_CAPTURED_LEN.into(),
            },
        })
    }

    /// Skips a block this reader does not interpret, checking only its trailing length.
    fn skip_block<R: Read>(&self, source: &mut ByteSource<R>, block_len: u32) -> Result<(), Stop> {
        let offset = source.offset();
        let before_trailer = u64::from(block_len) - BLOCK_TRAILER_LEN as u64;
        let skipped = source.skip(before_trailer)?;
        if skipped < before_trailer {
            return Err(Stop::Cut(Cut {
                offset,
                record_len: block_len.into(),
                available: skipped,
            }));
        }
        let trailer = match source.require(BLOCK_TRAILER_LEN) {
            Err(Stop::Cut(cut)) => {
                return Err(Stop::Cut(Cut {
                    offset,
                    record_len: block_len.into(),
                    available: skipped + cut.available,
                }))
            }
            other => other?,
        };
        if self.order.u32(trailer, 0) != Some(block_len) {
            return Err(malformed(offset, TRAILER_MISMATCH).into());
        }
        source.consume(BLOCK_TRAILER_LEN);
        Ok(())
    }
}

fn malformed(offset: u64, reason: &'static str) -> PcapError {
    PcapError::Malformed { offset, reason }
}
