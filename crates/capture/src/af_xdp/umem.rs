//! The UMEM: one anonymous mapping cut into equal frames, registered with an AF_XDP socket.
//! The kernel writes received frames into it; the fill ring tells it which frames are free.

use std::io;
use std::mem::size_of;
use std::ptr::NonNull;

use super::meta::{FrameMeta, META_LEN};
use super::sys::*;

/// Linux 5.14; older kernels say EINVAL and the pages are touched one by one instead.
const MADV_POPULATE_WRITE: libc::c_int = 23;

pub struct Umem {
    area: NonNull<u8>,
    len: usize,
    frame_size: u32,
    frame_count: u32,
}

impl Umem {
    /// Maps `frame_count * frame_size` bytes on transparent huge pages where the kernel offers
    /// them (one TLB entry per 2 MiB instead of per two frames), populated up front so the
    /// first packets do not fault pages in.
    pub fn new(frame_count: u32, frame_size: u32) -> io::Result<Umem> {
        let len = frame_count as usize * frame_size as usize;
        // SAFETY: a fresh private anonymous mapping; no existing memory is touched.
        let area = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if area == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: advice and population on the mapping just made; failures leave it usable
        // (small pages, faulted in on first use), so they are ignored.
        unsafe {
            libc::madvise(area, len, libc::MADV_HUGEPAGE);
            if libc::madvise(area, len, MADV_POPULATE_WRITE) != 0 {
                for offset in (0..len).step_by(4096) {
                    (area as *mut u8).add(offset).write_volatile(0);
                }
            }
        }
        let area = NonNull::new(area as *mut u8).expect("mmap never returns null on success");
        Ok(Umem {
            area,
            len,
            frame_size,
            frame_count,
        })
    }

    /// XDP_UMEM_REG: hands the area to the socket, in aligned mode (each chunk is one frame).
    pub fn register(&self, fd: libc::c_int) -> io::Result<()> {
        let reg = xdp_umem_reg {
            addr: self.area.as_ptr() as u64,
            len: self.len as u64,
            chunk_size: self.frame_size,
            headroom: 0,
            flags: 0,
            tx_metadata_len: 0,
        };
        super::socket::setsockopt(fd, XDP_UMEM_REG, &reg)
    }

    pub fn frame_count(&self) -> u32 {
        self.frame_count
    }

    pub fn frame_size(&self) -> u32 {
        self.frame_size
    }

    /// The UMEM address of frame `index`.
    pub fn frame_addr(&self, index: u32) -> u64 {
        u64::from(index) * u64::from(self.frame_size)
    }

    /// Where `addr` lives in this process, to prefetch it; any value is harmless there.
    pub fn ptr(&self, addr: u64) -> *const u8 {
        self.area.as_ptr().wrapping_add(addr as usize)
    }

    /// What the XDP program wrote in front of the frame at `addr` (meta.rs); the marker is
    /// wiped so that a later frame in the same chunk without metadata is not taken for one
    /// with.
    ///
    /// The caller owns the frame: it came on the RX ring and is not yet back on the fill ring.
    pub fn take_meta(&self, addr: u64) -> FrameMeta {
        // Chunk sizes are powers of two (2048 or 4096).
        let in_chunk = addr & (u64::from(self.frame_size) - 1);
        if in_chunk < META_LEN || addr > self.len as u64 {
            return FrameMeta::default();
        }
        let start = (addr - META_LEN) as usize;
        // SAFETY: [start, start + META_LEN) lies in the frame's own chunk, in the mapping
        // (checked above); the kernel does not touch the chunk while the caller owns the frame.
        // Unaligned reads: the metadata's alignment is the driver's.
        unsafe {
            let at = self.area.as_ptr().add(start);
            let meta = FrameMeta::read(&(at as *const [u8; META_LEN as usize]).read_unaligned());
            if meta.arrived.is_some() {
                (at as *mut u32).write_unaligned(0);
            }
            meta
        }
    }

    /// Bytes `[addr, addr + len)` of the UMEM, as an RX descriptor names them, or None if the
    /// descriptor points outside the area.
    ///
    /// The kernel has finished writing a frame once its descriptor is visible on the RX ring
    /// (acquire load of the producer index), and does not touch it again until it comes back
    /// on the fill ring, which happens after the returned borrow ends.
    pub fn frame(&self, addr: u64, len: u32) -> Option<&[u8]> {
        let start = usize::try_from(addr).ok()?;
        let end = start.checked_add(len as usize)?;
        if end > self.len {
            return None;
        }
        // SAFETY: [start, end) lies inside the live mapping (checked above), and per the ring
        // protocol described above the kernel does not write it while the slice is borrowed.
        Some(unsafe { std::slice::from_raw_parts(self.area.as_ptr().add(start), end - start) })
    }
}

impl Drop for Umem {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; the socket that used it is closed
        // first (Socket's field order) and no frame slice outlives `&self`.
        unsafe {
            libc::munmap(self.area.as_ptr() as *mut libc::c_void, self.len);
        }
    }
}

// The pointer is to a private mapping owned by this value.
unsafe impl Send for Umem {}

const _: () = assert!(size_of::<xdp_umem_reg>() == 32);
