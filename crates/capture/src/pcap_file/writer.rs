use std::io::{self, Write};

use super::classic::{FILE_HEADER_LEN, MAGIC_MICROSECOND, MAGIC_NANOSECOND, RECORD_HEADER_LEN};
use super::linktype;

const VERSION_MAJOR: u16 = 2;
const VERSION_MINOR: u16 = 4;
const NANOS_PER_SECOND: u64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampPrecision {
    Microsecond,
    Nanosecond,
}

/// Writes Ethernet frames as a classic little-endian pcap file, which every tool reads.
/// Each packet is two `write_all` calls: give it a `BufWriter` when writing to a file.
pub struct PcapWriter<W: Write> {
    output: W,
    snaplen: u32,
    precision: TimestampPrecision,
}

impl<W: Write> PcapWriter<W> {
    /// A writer with nanosecond timestamps, keeping at most `snaplen` bytes of each packet.
    pub fn new(output: W, snaplen: u32) -> io::Result<PcapWriter<W>> {
        PcapWriter::with_precision(output, snaplen, TimestampPrecision::Nanosecond)
    }

    pub fn with_precision(
        mut output: W,
        snaplen: u32,
        precision: TimestampPrecision,
    ) -> io::Result<PcapWriter<W>> {
        let magic = match precision {
            TimestampPrecision::Microsecond => MAGIC_MICROSECOND,
            TimestampPrecision::Nanosecond => MAGIC_NANOSECOND,
        };
        let mut header = [0u8; FILE_HEADER_LEN];
        header[0..4].copy_from_slice(&magic.to_le_bytes());
        header[4..6].copy_from_slice(&VERSION_MAJOR.to_le_bytes());
        header[6..8].copy_from_slice(&VERSION_MINOR.to_le_bytes());
        // 8..16: time zone offset and timestamp accuracy, always 0.
        header[16..20].copy_from_slice(&snaplen.to_le_bytes());
        header[20..24].copy_from_slice(&u32::from(linktype::ETHERNET).to_le_bytes());
        output.write_all(&header)?;
        Ok(PcapWriter {
            output,
            snaplen,
            precision,
        })
    }

    /// Writes one frame, cut to the snaplen. `original_len` is its length on the wire (no
    /// less than what is written). Timestamps past 2106 do not fit the format: an error.
    pub fn write_packet(
        &mut self,
        timestamp_ns: u64,
        original_len: u32,
        data: &[u8],
    ) -> io::Result<()> {
        let seconds = u32::try_from(timestamp_ns / NANOS_PER_SECOND).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "timestamp past 2106, beyond what a pcap file can hold",
            )
        })?;
        let nanos = (timestamp_ns % NANOS_PER_SECOND) as u32;
        let fraction = match self.precision {
            TimestampPrecision::Microsecond => nanos / 1_000,
            TimestampPrecision::Nanosecond => nanos,
        };
        let captured = &data[..data.len().min(self.snaplen as usize)];
        let captured_len = captured.len() as u32;
        let mut header = [0u8; RECORD_HEADER_LEN];
        header[0..4].copy_from_slice(&seconds.to_le_bytes());
        header[4..8].copy_from_slice(&fraction.to_le_bytes());
        header[8..12].copy_from_slice(&captured_len.to_le_bytes());
        header[12..16].copy_from_slice(&original_len.max(captured_len).to_le_bytes());
        self.output.write_all(&header)?;
        self.output.write_all(captured)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }

    pub fn into_inner(self) -> W {
        self.output
    }
}
