//! Fixed-size fields in the byte order a file declares. A read past the end gives `None`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    pub fn u16(self, data: &[u8], at: usize) -> Option<u16> {
        let bytes = array(data, at)?;
        Some(match self {
            ByteOrder::Little => u16::from_le_bytes(bytes),
            ByteOrder::Big => u16::from_be_bytes(bytes),
        })
    }

    pub fn u32(self, data: &[u8], at: usize) -> Option<u32> {
        let bytes = array(data, at)?;
        Some(match self {
            ByteOrder::Little => u32::from_le_bytes(bytes),
            ByteOrder::Big => u32::from_be_bytes(bytes),
        })
    }

    pub fn i64(self, data: &[u8], at: usize) -> Option<i64> {
        let bytes = array(data, at)?;
        Some(match self {
            ByteOrder::Little => i64::from_le_bytes(bytes),
            ByteOrder::Big => i64::from_be_bytes(bytes),
        })
    }
}

fn array<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}
