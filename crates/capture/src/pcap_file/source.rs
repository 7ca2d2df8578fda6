//! Buffered input that keeps track of the file offset. A format reader asks for a run of
//! bytes, looks at it in place and consumes it; the one buffer grows only to the largest run
//! asked for, so a file of any size streams through it.

use std::io::{self, ErrorKind, Read};
use std::ops::Range;

use super::record::{Cut, Stop};

const INITIAL_CAPACITY: usize = 1 << 20;

pub(crate) struct ByteSource<R> {
    input: R,
    buffer: Vec<u8>,
    /// The unconsumed bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    /// File offset of `buffer[start]`.
    offset: u64,
}

impl<R: Read> ByteSource<R> {
    pub fn new(input: R) -> Self {
        ByteSource {
            input,
            buffer: vec![0; INITIAL_CAPACITY],
            start: 0,
            end: 0,
            offset: 0,
        }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next `len` bytes, unconsumed; a `Cut` if the input ends before them.
    pub fn require(&mut self, len: usize) -> Result<&[u8], Stop> {
        let available = self.fill(len)?;
        if available < len {
            return Err(Stop::Cut(Cut {
                offset: self.offset,
                record_len: len as u64,
                available: available as u64,
            }));
        }
        Ok(&self.buffer[self.start..self.start + len])
    }

    /// True when no byte is left.
    pub fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.fill(1)? == 0)
    }

    /// Consumes `len` bytes, which [`require`](Self::require) made available, and returns
    /// where they lie in the buffer: [`buffered`](Self::buffered) gives them back until the
    /// next `require`.
    pub fn consume(&mut self, len: usize) -> Range<usize> {
        let consumed = self.start..self.start + len;
        self.start += len;
        self.offset += len as u64;
        consumed
    }

    pub fn buffered(&self, range: Range<usize>) -> &[u8] {
        &self.buffer[range]
    }

    /// Consumes up to `len` bytes without keeping them; returns how many the input held.
    pub fn skip(&mut self, len: u64) -> io::Result<u64> {
        let mut skipped = 0;
        while skipped < len {
            let step = usize::try_from(len - skipped).map_or(self.buffer.len(), |rest| {
                rest.min(self.buffer.len())
            });
            let available = self.fill(step)?.min(step);
            if available == 0 {
                break;
            }
            self.consume(available);
            skipped += available as u64;
        }
        Ok(skipped)
    }

    /// Reads until `len` bytes are buffered or the input ends; returns the bytes buffered.
    fn fill(&mut self, len: usize) -> io::Result<usize> {
        if self.end - self.start >= len {
            return Ok(self.end - self.start);
        }
        if self.start + len > self.buffer.len() {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if len > self.buffer.len() {
                self.buffer.resize(len, 0);
            }
        }
        while self.end - self.start < len {
            match self.input.read(&mut self.buffer[self.end..]) {
                Ok(0) => break,
                Ok(read) => self.end += read,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(self.end - self.start)
    }
}
