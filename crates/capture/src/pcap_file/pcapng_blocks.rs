//! The pcapng blocks the reader interprets, parsed from a block's body (the bytes between its
//! length fields). Every other block type is skipped by its length.

use super::byte_order::ByteOrder;
use super::timestamp::{InterfaceClock, DEFAULT_TSRESOL};
use super::MAX_CAPTURED_LEN;

pub(crate) const SECTION_HEADER: u32 = 0x0a0d_0d0a;
pub(crate) const INTERFACE_DESCRIPTION: u32 = 1;
pub(crate) const OBSOLETE_PACKET: u32 = 2;
pub(crate) const SIMPLE_PACKET: u32 = 3;
pub(crate) const ENHANCED_PACKET: u32 = 6;

const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const BYTE_ORDER_MAGIC_AT: usize = 8;

const OPTION_END: u16 = 0;
const OPTION_IF_TSRESOL: u16 = 9;
const OPTION_IF_TSOFFSET: u16 = 14;

const TOO_SHORT: &str = "block too short for its fixed fields";

/// The byte order a section header declares, from the block's first 12 bytes.
pub(crate) fn section_byte_order(head: &[u8]) -> Option<ByteOrder> {
    [ByteOrder::Little, ByteOrder::Big]
        .into_iter()
        .find(|order| order.u32(head, BYTE_ORDER_MAGIC_AT) == Some(BYTE_ORDER_MAGIC))
}

/// The (major, minor) version of a section header.
pub(crate) fn section_version(body: &[u8], order: ByteOrder) -> Result<(u16, u16), &'static str> {
    let major = order.u16(body, 4).ok_or(TOO_SHORT)?;
    let minor = order.u16(body, 6).ok_or(TOO_SHORT)?;
    Ok((major, minor))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interface {
    pub linktype: u16,
    /// 0 when unlimited.
    pub snaplen: u32,
    pub clock: InterfaceClock,
}

pub(crate) fn interface_description(
    body: &[u8],
    order: ByteOrder,
) -> Result<Interface, &'static str> {
    let linktype = order.u16(body, 0).ok_or(TOO_SHORT)?;
    let snaplen = order.u32(body, 4).ok_or(TOO_SHORT)?;
    let (mut tsresol, mut offset_seconds) = (None, 0);
    let mut at = 8;
    while let (Some(code), Some(len)) = (order.u16(body, at), order.u16(body, at + 2)) {
        if code == OPTION_END {
            break;
        }
        let value_at = at + 4;
        let value = body
            .get(value_at..value_at + usize::from(len))
            .ok_or("an interface option runs past the end of its block")?;
        match code {
            OPTION_IF_TSRESOL => tsresol = value.first().copied(),
            OPTION_IF_TSOFFSET => offset_seconds = order.i64(value, 0).unwrap_or(0),
            _ => {}
        }
        at = value_at + usize::from(len).next_multiple_of(4);
    }
    Ok(Interface {
        linktype,
        snaplen,
        clock: InterfaceClock::new(tsresol.unwrap_or(DEFAULT_TSRESOL), offset_seconds),
    })
}

pub(crate) struct PacketBlock {
    pub interface_id: u32,
    /// Clock ticks; a simple packet block has no timestamp.
    pub ticks: Option<u64>,
    pub original_len: u32,
    /// Where the captured bytes lie in the body.
    pub data_at: usize,
    pub captured_len: u32,
}

pub(crate) enum PacketBlockError {
    Malformed(&'static str),
    /// A captured length over [`MAX_CAPTURED_LEN`].
    AbsurdCapturedLength(u32),
}

pub(crate) fn enhanced_packet(
    body: &[u8],
    order: ByteOrder,
) -> Result<PacketBlock, PacketBlockError> {
    let field = |at| {
        order
            .u32(body, at)
            .ok_or(PacketBlockError::Malformed(TOO_SHORT))
    };
    let interface_id = field(0)?;
    let ticks = u64::from(field(4)?) << 32 | u64::from(field(8)?);
    checked(
        body,
        PacketBlock {
            interface_id,
            ticks: Some(ticks),
            original_len: field(16)?,
            data_at: 20,
            captured_len: field(12)?,
        },
    )
}

pub(crate) fn obsolete_packet(
    body: &[u8],
    order: ByteOrder,
) -> Result<PacketBlock, PacketBlockError> {
    let field = |at| {
        order
            .u32(body, at)
            .ok_or(PacketBlockError::Malformed(TOO_SHORT))
    };
    let interface_id = order
        .u16(body, 0)
        .ok_or(PacketBlockError::Malformed(TOO_SHORT))?;
    let ticks = u64::from(field(4)?) << 32 | u64::from(field(8)?);
    checked(
        body,
        PacketBlock {
            interface_id: interface_id.into(),
            ticks: Some(ticks),
            original_len: field(16)?,
            data_at: 20,
            captured_len: field(12)?,
        },
    )
}

/// A simple packet block belongs to the section's first interface; its captured length is
/// what the block holds, within the original length and that interface's snaplen.
pub(crate) fn simple_packet(
    body: &[u8],
    order: ByteOrder,
    snaplen: u32,
) -> Result<PacketBlock, PacketBlockError> {
    const DATA_AT: usize = 4;
    let original_len = order
        .u32(body, 0)
        .ok_or(PacketBlockError::Malformed(TOO_SHORT))?;
    let room = u32::try_from(body.len() - DATA_AT).unwrap_or(u32::MAX);
    let mut captured_len = original_len.min(room);
    if snaplen != 0 {
        captured_len = captured_len.min(snaplen);
    }
    checked(
        body,
        PacketBlock {
            interface_id: 0,
            ticks: None,
            original_len,
            data_at: DATA_AT,
            captured_len,
        },
    )
}

fn checked(body: &[u8], block: PacketBlock) -> Result<PacketBlock, PacketBlockError> {
    if block.captured_len > MAX_CAPTURED_LEN {
        return Err(PacketBlockError::AbsurdCapturedLength(block.captured_len));
    }
    if block.data_at + block.captured_len as usize > body.len() {
        return Err(PacketBlockError::Malformed(
            "captured length runs past the end of the block",
        ));
    }
    Ok(block)
}
