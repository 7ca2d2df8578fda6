//! The TPACKET_V3 receive ring, shared with the kernel through mmap.
//!
//! The ring is `block_count` blocks of `block_size` bytes. Each block starts with a
//! `tpacket_block_desc` whose `block_status` says who owns it. The kernel fills blocks in ring
//! order, packing frames one after the other (each behind a `tpacket3_hdr`), and hands a block
//! over by setting TP_STATUS_USER after a write barrier; user space reads the frames after an
//! acquire load of that status and gives the block back with a release store of
//! TP_STATUS_KERNEL, after which the kernel may overwrite it.

use std::io;
use std::os::fd::AsRawFd;
use std::ptr::{self, NonNull};
use std::slice;
use std::sync::atomic::{AtomicU32, Ordering};

use super::config::RingGeometry;
use super::error::explain;
use super::socket::PacketSocket;
use crate::Frame;

pub(super) struct RxRing {
    area: NonNull<u8>,
    block_size: usize,
    block_count: usize,
    /// The block to read next: the oldest one the kernel may have handed over.
    next_block: usize,
}

// SAFETY: the mapping belongs to this ring alone; only the kernel shares it.
unsafe impl Send for RxRing {}

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Delivered {
    pub frames: usize,
    pub bytes: u64,
}

impl RxRing {
    /// Gives the socket its ring and maps it; the socket must use TPACKET_V3 already.
    pub fn attach(socket: &PacketSocket, geometry: RingGeometry) -> io::Result<RxRing> {
        let request = libc::tpacket_req3 {
            tp_block_size: geometry.block_size,
            tp_block_nr: geometry.block_count,
            tp_frame_size: geometry.frame_size,
            tp_frame_nr: geometry.frame_count(),
            tp_retire_blk_tov: geometry.block_timeout_ms,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        socket
            .set_option(libc::SOL_PACKET, libc::PACKET_RX_RING, &request)
            .map_err(|error| ring_error(error, geometry))?;
        let len = geometry.ring_bytes();
        // SAFETY: maps the ring the kernel just allocated for this socket; nothing else
        // refers to that memory range.
        let area = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                socket.as_raw_fd(),
                0,
            )
        };
        if area == libc::MAP_FAILED {
            return Err(ring_error(io::Error::last_os_error(), geometry));
        }
        Ok(RxRing {
            area: NonNull::new(area.cast()).expect("mmap returned a null mapping"),
            block_size: geometry.block_size as usize,
            block_count: geometry.block_count as usize,
            next_block: 0,
        })
    }

    pub fn has_ready_block(&self) -> bool {
        self.block(self.next_block).owned_by_user()
    }

    /// Calls `each` for every frame of every block the kernel has handed over, in ring order,
    /// giving each block back once read. Stops at the first block the kernel still owns, and
    /// after one turn of the ring so that a flood cannot keep it here forever.
    pub fn drain(&mut self, each: &mut dyn FnMut(&Frame<'_>)) -> Delivered {
        let mut delivered = Delivered::default();
        for _ in 0..self.block_count {
            let block = self.block(self.next_block);
            if !block.owned_by_user() {
                break;
            }
            block.deliver(each, &mut delivered);
            block.release();
            self.next_block = (self.next_block + 1) % self.block_count;
        }
        delivered
    }

    fn block(&self, index: usize) -> Block {
        // SAFETY: `index < block_count`, so the block lies inside the mapping.
        Block {
            start: unsafe { self.area.as_ptr().add(index * self.block_size) },
            len: self.block_size,
        }
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `attach`; no frame borrows outlive a drain.
        unsafe {
            libc::munmap(
                self.area.as_ptr().cast(),
                self.block_size * self.block_count,
            )
        };
    }
}

/// One block of the ring, laid out as the kernel's `tpacket_block_desc` and its frames.
struct Block {
    start: *mut u8,
    len: usize,
}

impl Block {
    fn status(&self) -> &AtomicU32 {
        let descriptor = self.start.cast::<libc::tpacket_block_desc>();
        // SAFETY: the block starts with a tpacket_block_desc (TPACKET_V3 layout), whose
        // `block_status` is an aligned u32 the kernel writes concurrently: it is only ever
        // accessed atomically from this side.
        unsafe { AtomicU32::from_ptr(ptr::addr_of_mut!((*descriptor).hdr.bh1.block_status)) }
    }

    fn owned_by_user(&self) -> bool {
        self.status().load(Ordering::Acquire) & libc::TP_STATUS_USER != 0
    }

    fn release(&self) {
        self.status()
            .store(libc::TP_STATUS_KERNEL, Ordering::Release);
    }

    /// Reads the frames of a block the kernel has handed over. Offsets come from the kernel
    /// and are checked against the block's bounds all the same.
    fn deliver(&self, each: &mut dyn FnMut(&Frame<'_>), delivered: &mut Delivered) {
        let descriptor = self.start.cast::<libc::tpacket_block_desc>();
        // SAFETY: the block is owned by user space (acquire-loaded status), so the kernel
        // does not write to it until `release`.
        let header = unsafe { ptr::read(ptr::addr_of!((*descriptor).hdr.bh1)) };
        let mut offset = header.offset_to_first_pkt as usize;
        for _ in 0..header.num_pkts {
            if offset + size_of::<libc::tpacket3_hdr>() > self.len {
                return;
            }
            // SAFETY: in bounds (checked above), 16-byte aligned by the kernel's
            // TPACKET_ALIGN, and a tpacket3_hdr precedes every frame of a V3 block.
            let packet = unsafe { ptr::read(self.start.add(offset).cast::<libc::tpacket3_hdr>()) };
            let data_start = offset + usize::from(packet.tp_mac);
            let captured = packet.tp_snaplen as usize;
            if data_start + captured > self.len {
                return;
            }
            // SAFETY: in bounds (checked above); the block stays user-owned while `each` runs.
            let data = unsafe { slice::from_raw_parts(self.start.add(data_start), captured) };
            let vlan_tci = (packet.tp_status & libc::TP_STATUS_VLAN_VALID != 0)
                .then_some(packet.hv1.tp_vlan_tci as u16);
            each(&Frame {
                data,
                original_len: packet.tp_len,
                timestamp_ns: u64::from(packet.tp_sec) * 1_000_000_000 + u64::from(packet.tp_nsec),
                vlan_tci,
                parsed: None,
            });
            delivered.frames += 1;
            delivered.bytes += u64::from(packet.tp_len);
            offset += packet.tp_next_offset as usize;
        }
    }
}

fn ring_error(error: io::Error, geometry: RingGeometry) -> io::Error {
    let size = format!(
        "a ring of {} blocks of {} KiB ({} MiB)",
        geometry.block_count,
        geometry.block_size / 1024,
        geometry.ring_bytes() >> 20
    );
    match error.raw_os_error() {
        Some(libc::ENOMEM) => explain(
            error,
            format!("{size} does not fit in memory: lower block_count (or block_size)"),
        ),
        Some(libc::EINVAL) => explain(
            error,
            format!(
                "the kernel refused {size} with {}-byte frames",
                geometry.frame_size
            ),
        ),
        _ => explain(error, format!("cannot set up {size}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_without_memory_suggests_fewer_blocks() {
        let geometry = RingGeometry {
            block_size: 1 << 20,
            block_count: 4096,
            frame_size: 2048,
            block_timeout_ms: 10,
        };
        let error = ring_error(io::Error::from_raw_os_error(libc::ENOMEM), geometry);
        assert_eq!(error.kind(), io::ErrorKind::OutOfMemory);
        let message = error.to_string();
        assert!(
            message.contains("4096 blocks of 1024 KiB (4096 MiB)"),
            "{message}"
        );
        assert!(message.contains("lower block_count"), "{message}");
    }
}
