//! The single-producer single-consumer rings shared with the kernel: a mapping holding a
//! producer index, a consumer index, a flags word and a power-of-two array of entries.
//!
//! The indices run freely (u32, wrapping); entry `i` lives at `i & mask`. Whoever produces
//! writes entries and then publishes the producer index with a release store; the other side
//! reads it with an acquire load before reading the entries. Symmetrically for the consumer
//! index. The kernel side does the same (`smp_load_acquire`/`smp_store_release` in xsk_queue.h).

use std::io;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use super::sys::{xdp_ring_offset, XDP_RING_NEED_WAKEUP};

/// One ring's mapping.
struct Mapping {
    base: NonNull<u8>,
    len: usize,
}

impl Mapping {
    fn new(fd: libc::c_int, pgoff: libc::off_t, len: usize) -> io::Result<Mapping> {
        // SAFETY: maps the ring the kernel allocated for this socket at `pgoff`; the kernel
        // checks that `len` fits the ring.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd,
                pgoff,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            base: NonNull::new(base as *mut u8).expect("mmap succeeded"),
            len,
        })
    }

    /// A pointer `offset` bytes into the mapping.
    ///
    /// The offsets come from XDP_MMAP_OFFSETS, and `len` was computed from them, so they are
    /// inside the mapping; `T` is u32 for the index words, which the kernel keeps aligned.
    fn at<T>(&self, offset: u64) -> *mut T {
        assert!(
            offset as usize + std::mem::size_of::<T>() <= self.len,
            "ring offset outside its mapping"
        );
        // SAFETY: in bounds, as asserted.
        unsafe { self.base.as_ptr().add(offset as usize) as *mut T }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly what `new` mapped; the Ring holding this is being dropped.
        unsafe {
            libc::munmap(self.base.as_ptr() as *mut libc::c_void, self.len);
        }
    }
}

/// A ring of `T` entries (u64 UMEM addresses for fill/completion, `xdp_desc` for RX).
pub struct Ring<T> {
    producer: *const AtomicU32,
    consumer: *const AtomicU32,
    flags: Option<*const AtomicU32>,
    entries: *mut T,
    mask: u32,
    size: u32,
    /// Our copy of our own index and last-seen copy of the other side's.
    cached_prod: u32,
    cached_cons: u32,
    _map: Mapping,
    _entries: PhantomData<T>,
}

// The raw pointers point into `_map`, which the ring owns.
unsafe impl<T: Send> Send for Ring<T> {}

impl<T: Copy> Ring<T> {
    /// Maps a ring of `size` entries of the socket `fd` at `pgoff`, laid out as `off` says.
    /// `has_flags` is false on kernels before 5.4, whose rings have no flags word.
    pub fn map(
        fd: libc::c_int,
        pgoff: libc::off_t,
        off: &xdp_ring_offset,
        size: u32,
        has_flags: bool,
    ) -> io::Result<Self> {
        let len = off.desc as usize + size as usize * std::mem::size_of::<T>();
        let map = Mapping::new(fd, pgoff, len)?;
        let producer = map.at::<AtomicU32>(off.producer);
        let consumer = map.at::<AtomicU32>(off.consumer);
        let flags = has_flags.then(|| map.at::<AtomicU32>(off.flags) as *const AtomicU32);
        let entries = map.at::<T>(off.desc);
        // SAFETY: both index words are live u32s in the mapping (see `Mapping::at`); the
        // kernel initialises them to 0 and only it and this ring touch them.
        let (prod, cons) = unsafe {
            (
                (*producer).load(Ordering::Acquire),
                (*consumer).load(Ordering::Acquire),
            )
        };
        Ok(Ring {
            producer,
            consumer,
            flags,
            entries,
            mask: size - 1,
            size,
            cached_prod: prod,
            cached_cons: cons,
            _map: map,
            _entries: PhantomData,
        })
    }

    fn producer(&self) -> &AtomicU32 {
        // SAFETY: points into the mapping this ring owns (see `map`).
        unsafe { &*self.producer }
    }

    fn consumer(&self) -> &AtomicU32 {
        // SAFETY: as for `producer`.
        unsafe { &*self.consumer }
    }

    /// Whether the kernel asks to be woken up (XDP_USE_NEED_WAKEUP).
    pub fn needs_wakeup(&self) -> bool {
        self.flags.is_some_and(|flags| {
            // SAFETY: as for `producer`.
            unsafe { (*flags).load(Ordering::Relaxed) & XDP_RING_NEED_WAKEUP != 0 }
        })
    }

    // ---- producer side (fill ring) ----

    /// Free slots, re-reading the kernel's consumer index only when the cache says too few.
    pub fn free(&mut self, wanted: u32) -> u32 {
        let free = self.size - self.cached_prod.wrapping_sub(self.cached_cons);
        if free >= wanted {
            return free;
        }
        self.cached_cons = self.consumer().load(Ordering::Acquire);
        self.size - self.cached_prod.wrapping_sub(self.cached_cons)
    }

    /// Writes one entry at the next producer slot; the caller checked `free` first. Invisible
    /// to the kernel until `submit`.
    pub fn push(&mut self, value: T) {
        let slot = (self.cached_prod & self.mask) as usize;
        // SAFETY: slot < size, so inside the entry array of the mapping; the kernel does not
        // read slots past the published producer index.
        unsafe { self.entries.add(slot).write(value) };
        self.cached_prod = self.cached_prod.wrapping_add(1);
    }

    /// Publishes the entries pushed so far.
    pub fn submit(&mut self) {
        self.producer().store(self.cached_prod, Ordering::Release);
    }

    // ---- consumer side (RX, completion rings) ----

    /// Entries ready to read, up to `max`, re-reading the kernel's producer index when the
    /// cache is empty.
    pub fn available(&mut self, max: u32) -> u32 {
        let mut ready = self.cached_prod.wrapping_sub(self.cached_cons);
        if ready == 0 {
            self.cached_prod = self.producer().load(Ordering::Acquire);
            ready = self.cached_prod.wrapping_sub(self.cached_cons);
        }
        ready.min(max)
    }

    /// The `i`th available entry; the caller checked `available` first.
    pub fn peek(&self, i: u32) -> T {
        let slot = (self.cached_cons.wrapping_add(i) & self.mask) as usize;
        // SAFETY: slot < size; the entry was published by the kernel before the producer
        // index we acquired in `available`, and it does not rewrite it until we release it.
        unsafe { self.entries.add(slot).read() }
    }

    /// Where the `i`th available entry lives, to prefetch it.
    pub fn entry_ptr(&self, i: u32) -> *const T {
        let slot = (self.cached_cons.wrapping_add(i) & self.mask) as usize;
        // SAFETY: slot < size: inside the entry array.
        unsafe { self.entries.add(slot) }
    }

    /// Hands `n` read entries back to the kernel.
    pub fn release(&mut self, n: u32) {
        self.cached_cons = self.cached_cons.wrapping_add(n);
        self.consumer().store(self.cached_cons, Ordering::Release);
    }
}
