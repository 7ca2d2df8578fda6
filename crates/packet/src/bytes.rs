//! Bounds-checked reads: every header field goes through these, so a short or hostile
//! packet yields `None` instead of a panic.

/// The `N` bytes at `at`, if the slice holds them.
#[inline]
pub(crate) fn array<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

#[inline]
pub(crate) fn be16(data: &[u8], at: usize) -> Option<u16> {
    array(data, at).map(u16::from_be_bytes)
}
