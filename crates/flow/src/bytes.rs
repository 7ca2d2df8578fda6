//! Bounds-checked big-endian reads: every read of datagram bytes goes through here.

use crate::DropReason;

/// A read position in a byte slice; running past the end gives `DropReason::Truncated`.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf }
    }

    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DropReason> {
        if n > self.buf.len() {
            return Err(DropReason::Truncated);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DropReason> {
        let b = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), DropReason> {
        self.bytes(n).map(|_| ())
    }

    pub fn u32(&mut self) -> Result<u32, DropReason> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, DropReason> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

/// An unsigned big-endian integer of 0 to 8 bytes (IPFIX reduced-size encoding); longer
/// input keeps its last 8 bytes.
#[inline]
pub(crate) fn be_uint(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for &x in b {
        v = v << 8 | x as u64;
    }
    v
}

#[inline]
pub(crate) fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

#[inline]
pub(crate) fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_reads_big_endian_and_stops_at_the_end() {
        let mut c = Cursor::new(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 9]);
        assert_eq!(c.u32(), Ok(1));
        assert_eq!(c.u64(), Ok(2));
        assert_eq!(c.u32(), Err(DropReason::Truncated));
        assert_eq!(c.bytes(1), Ok(&[9u8][..]));
        assert_eq!(c.skip(1), Err(DropReason::Truncated));
    }

    #[test]
    fn be_uint_reads_reduced_size_integers() {
        assert_eq!(be_uint(&[]), 0);
        assert_eq!(be_uint(&[1, 2]), 0x102);
        assert_eq!(be_uint(&[0, 0, 0, 0, 0, 0, 1, 0]), 256);
    }
}
