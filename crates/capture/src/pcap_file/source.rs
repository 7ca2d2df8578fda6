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
            let step = usize::try_from(len - skipped)
                .map_or(self.buffer.len(), |rest| rest.min(self.buffer.len()));
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

#[cfg(test)]
mod tests {
    use std::io::{self, Read};

    use super::{ByteSource, INITIAL_CAPACITY};

    /// An endless input of the bytes 0, 1, 2 ... 255, 0, 1 ...
    struct Counting(u64);

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            for byte in buf.iter_mut() {
                *byte = self.0 as u8;
                self.0 += 1;
            }
            Ok(buf.len())
        }
    }

    #[test]
    fn streams_through_one_buffer() {
        let mut source = ByteSource::new(Counting(0));
        let mut offset = 0u64;
        for step in 0..5_000usize {
            let len = (step * 7919) % 65_536 + 1;
            let bytes = source.require(len).expect("endless input");
            assert_eq!(bytes[0], offset as u8);
            assert_eq!(bytes[len - 1], (offset + len as u64 - 1) as u8);
            let consumed = source.consume(len);
            assert_eq!(source.buffered(consumed)[0], offset as u8);
            offset += len as u64;
            assert_eq!(source.offset(), offset);
        }
        assert!(offset > 100 << 20);
        assert_eq!(source.buffer.len(), INITIAL_CAPACITY);
        assert_eq!(source.skip(10 << 20).unwrap(), 10 << 20);
        assert_eq!(source.require(1).unwrap()[0], (offset + (10 << 20)) as u8);
    }
}
