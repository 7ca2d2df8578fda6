use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::classic::{self, ClassicReader};
use super::pcapng::PcapngReader;
use super::pcapng_blocks::SECTION_HEADER;
use super::record::{Record, Stop};
use super::source::ByteSource;
use super::{PcapError, Truncation};

const MAGIC_LEN: usize = 4;

/// One captured packet, borrowed from the reader until its next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Nanoseconds since the Unix epoch; 0 for a pcapng simple packet block, which has none.
    pub timestamp_ns: u64,
    /// The link type of the interface the packet was captured on (see [`linktype`](super::linktype)).
    pub linktype: u16,
    /// The packet's length on the wire; `data` may hold less of it.
    pub original_len: u32,
    pub data: &'a [u8],
}

/// Reads classic pcap (either byte order, microsecond or nanosecond timestamps) and pcapng
/// (any number of sections, in either byte order) from any `Read`, streaming: memory stays at
/// one buffer of about a megabyte whatever the file's size. The input needs no buffering of
/// its own.
pub struct PcapReader<R> {
    source: ByteSource<R>,
    format: Format,
    packets_read: u64,
    truncation: Option<Truncation>,
    finished: bool,
}

enum Format {
    Classic(ClassicReader),
    Pcapng(PcapngReader),
}

impl PcapReader<File> {
    pub fn open(path: impl AsRef<Path>) -> Result<PcapReader<File>, PcapError> {
        PcapReader::new(File::open(path)?)
    }
}

impl<R: Read> PcapReader<R> {
    /// Reads the file header (pcapng: the first section header).
    pub fn new(input: R) -> Result<PcapReader<R>, PcapError> {
        let mut source = ByteSource::new(input);
        let format = open_format(&mut source).map_err(|stop| match stop {
            Stop::Failed(error) => error,
            Stop::Cut(cut) if cut.available < MAGIC_LEN as u64 => PcapError::NotPcap,
            Stop::Cut(cut) => PcapError::Malformed {
                offset: cut.offset,
                reason: "the file ends inside its header",
            },
        })?;
        Ok(PcapReader {
            source,
            format,
            packets_read: 0,
            truncation: None,
            finished: false,
        })
    }

    /// The next packet; `Ok(None)` at the end of the file, when it is cut inside a record (see
    /// [`truncation`](Self::truncation)), and after an error.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, PcapError> {
        if self.finished {
            return Ok(None);
        }
        let step = match &mut self.format {
            Format::Classic(reader) => reader.next_record(&mut self.source),
            Format::Pcapng(reader) => reader.next_record(&mut self.source),
        };
        let record = match step {
            Ok(Some(record)) => record,
            Ok(None) => {
                self.finished = true;
                return Ok(None);
            }
            Err(Stop::Cut(cut)) => {
                self.finished = true;
                self.truncation = Some(Truncation {
                    offset: cut.offset,
                    record_len: cut.record_len,
                    available: cut.available,
                    packets_before: self.packets_read,
                });
                return Ok(None);
            }
            Err(Stop::Failed(error)) => {
                self.finished = true;
                return Err(error);
            }
        };
        self.packets_read += 1;
        let Record {
            data,
            timestamp_ns,
            linktype,
            original_len,
        } = record;
        Ok(Some(Packet {
            timestamp_ns,
            linktype,
            original_len,
            data: self.source.buffered(data),
        }))
    }

    /// Set once the reader met the file's end inside a record: every packet before it was
    /// read, and `next_packet` returned `Ok(None)`.
    pub fn truncation(&self) -> Option<&Truncation> {
        self.truncation.as_ref()
    }

    pub fn packets_read(&self) -> u64 {
        self.packets_read
    }
}

fn open_format<R: Read>(source: &mut ByteSource<R>) -> Result<Format, Stop> {
    let magic: [u8; 4] = source
        .require(MAGIC_LEN)?
        .try_into()
        .map_err(|_| PcapError::NotPcap)?;
    if classic::is_magic(magic) {
        Ok(Format::Classic(ClassicReader::open(source)?))
    } else if u32::from_le_bytes(magic) == SECTION_HEADER {
        Ok(Format::Pcapng(PcapngReader::open(source)?))
    } else {
        Err(PcapError::NotPcap.into())
    }
}
