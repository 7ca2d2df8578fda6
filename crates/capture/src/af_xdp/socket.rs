//! One AF_XDP socket bound to one RX queue, with its own UMEM, fill, completion and RX rings.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::error;
use super::ring::Ring;
use super::sys::*;
use super::umem::Umem;

/// setsockopt(fd, SOL_XDP, opt, value).
pub fn setsockopt<T: Copy>(fd: RawFd, opt: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: passes a live #[repr(C)] value of size_of::<T>() bytes whose layout is the one
    // the kernel expects for `opt` (sys.rs).
    let ret = unsafe {
        libc::setsockopt(
            fd,
            SOL_XDP,
            opt,
            value as *const T as *const libc::c_void,
            size_of::<T>() as libc::socklen_t,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// getsockopt(fd, SOL_XDP, opt) into `value`; returns the length the kernel wrote.
pub fn getsockopt<T: Copy>(fd: RawFd, opt: libc::c_int, value: &mut T) -> io::Result<usize> {
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: the kernel writes at most `len` bytes into a live #[repr(C)] value of that size.
    let ret = unsafe {
        libc::getsockopt(
            fd,
            SOL_XDP,
            opt,
            value as *mut T as *mut libc::c_void,
            &mut len,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(len as usize)
}

/// What a socket needs to know to open.
#[derive(Clone, Debug)]
pub struct SocketConfig<'a> {
    pub ifname: &'a str,
    pub ifindex: u32,
    pub queue: u32,
    pub frame_count: u32,
    pub frame_size: u32,
    pub rx_ring_size: u32,
    pub zero_copy: bool,
}

/// Fields drop in declaration order: the rings are unmapped, then the socket closes (which
/// releases the UMEM on the kernel side), then the UMEM is unmapped.
pub struct XskSocket {
    pub rx: Ring<xdp_desc>,
    pub fill: Ring<u64>,
    _completion: Ring<u64>,
    fd: OwnedFd,
    pub umem: Umem,
    zero_copy: bool,
}

impl XskSocket {
    pub fn open(config: &SocketConfig<'_>) -> io::Result<XskSocket> {
        let place = format!("AF_XDP socket on {} queue {}", config.ifname, config.queue);
        // SAFETY: plain socket(2); owned right away.
        let raw = unsafe { libc::socket(AF_XDP, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            let err = io::Error::last_os_error();
            return Err(match err.raw_os_error() {
                Some(libc::EAFNOSUPPORT) => io::Error::new(
                    io::ErrorKind::Unsupported,
                    "AF_XDP sockets are not available: this kernel was built without \
                     CONFIG_XDP_SOCKETS (AF_XDP needs Linux ≥ 4.18 with it enabled); \
                     use AF_PACKET capture instead",
                ),
                Some(libc::EPERM) | Some(libc::EACCES) => {
                    error::permission(&format!("creating the {place}"))
                }
                _ => error::os(&format!("creating the {place}"), err),
            });
        }
        // SAFETY: raw was just returned by socket(2).
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };

        let umem = Umem::new(config.frame_count, config.frame_size).map_err(|e| {
            error::os(
                &format!(
                    "allocating {} bytes of UMEM for the {place}",
                    config.frame_count as u64 * config.frame_size as u64
                ),
                e,
            )
        })?;
        umem.register(raw)
            .map_err(|e| error::os(&format!("registering the UMEM of the {place}"), e))?;

        // The fill ring can hold every frame, so frames never wait for room in it; the
        // completion ring is mandatory but unused (no TX).
        let fill_size = config.frame_count.next_power_of_two();
        let completion_size = 64;
        setsockopt(raw, XDP_UMEM_FILL_RING, &fill_size)
            .map_err(|e| error::os(&format!("sizing the fill ring of the {place}"), e))?;
        setsockopt(raw, XDP_UMEM_COMPLETION_RING, &completion_size)
            .map_err(|e| error::os(&format!("sizing the completion ring of the {place}"), e))?;
        setsockopt(raw, XDP_RX_RING, &config.rx_ring_size)
            .map_err(|e| error::os(&format!("sizing the RX ring of the {place}"), e))?;

        let mut offsets = xdp_mmap_offsets::default();
        let len = getsockopt(raw, XDP_MMAP_OFFSETS, &mut offsets)
            .map_err(|e| error::os(&format!("reading the ring offsets of the {place}"), e))?;
        let has_flags = len >= size_of::<xdp_mmap_offsets>();
        if !has_flags {
            // Linux < 5.4: the v1 layout, three u64 per ring and no flags word.
            offsets = v1_offsets(&offsets);
        }

        let mapping = |what: &str, e: io::Error| {
            error::os(&format!("mapping the {what} ring of the {place}"), e)
        };
        let rx = Ring::<xdp_desc>::map(
            raw,
            XDP_PGOFF_RX_RING,
            &offsets.rx,
            config.rx_ring_size,
            has_flags,
        )
        .map_err(|e| mapping("RX", e))?;
        let mut fill = Ring::<u64>::map(
            raw,
            XDP_UMEM_PGOFF_FILL_RING,
            &offsets.fr,
            fill_size,
            has_flags,
        )
        .map_err(|e| mapping("fill", e))?;
        let completion = Ring::<u64>::map(
            raw,
            XDP_UMEM_PGOFF_COMPLETION_RING,
            &offsets.cr,
            completion_size,
            has_flags,
        )
        .map_err(|e| mapping("completion", e))?;

        // Every frame starts on the fill ring, ready for the kernel.
        let frames = umem.frame_count();
        assert!(fill.free(frames) >= frames);
        for index in 0..frames {
            fill.push(umem.frame_addr(index));
        }
        fill.submit();

        let mut flags = if config.zero_copy {
            XDP_ZEROCOPY
        } else {
            XDP_COPY
        };
        if has_flags {
            flags |= XDP_USE_NEED_WAKEUP;
        }
        let addr = sockaddr_xdp {
            sxdp_family: AF_XDP as u16,
            sxdp_flags: flags,
            sxdp_ifindex: config.ifindex,
            sxdp_queue_id: config.queue,
            sxdp_shared_umem_fd: 0,
        };
        // SAFETY: binds with a live sockaddr_xdp of the size the kernel expects.
        let ret = unsafe {
            libc::bind(
                raw,
                &addr as *const sockaddr_xdp as *const libc::sockaddr,
                size_of::<sockaddr_xdp>() as libc::socklen_t,
            )
        };
        if ret < 0 {
            return Err(bind_error(config, io::Error::last_os_error()));
        }

        // What the kernel actually did (XDP_OPTIONS, Linux ≥ 5.3).
        let mut options = xdp_options::default();
        let zero_copy = match getsockopt(raw, XDP_OPTIONS, &mut options) {
            Ok(_) => options.flags & XDP_OPTIONS_ZEROCOPY != 0,
            Err(_) => config.zero_copy,
        };
        Ok(XskSocket {
            rx,
            fill,
            _completion: completion,
            fd,
            umem,
            zero_copy,
        })
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub fn zero_copy(&self) -> bool {
        self.zero_copy
    }

    /// XDP_STATISTICS; the last three fields stay 0 before Linux 5.9.
    pub fn statistics(&self) -> io::Result<xdp_statistics> {
        let mut stats = xdp_statistics::default();
        getsockopt(self.fd(), XDP_STATISTICS, &mut stats)?;
        Ok(stats)
    }

    /// Kicks the kernel to look at the fill ring again (needed by zero-copy drivers when it
    /// set XDP_RING_NEED_WAKEUP).
    pub fn wake(&self) {
        // SAFETY: a zero-length, non-blocking recvfrom with no buffer or address: a pure
        // notification to the socket.
        unsafe {
            libc::recvfrom(
                self.fd(),
                std::ptr::null_mut(),
                0,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
        }
    }
}

/// Converts the v1 offsets (3 × u64 per ring, read into the v2 struct) into v2 with the flags
/// word where libxdp puts it for old kernels (unused: `has_flags` is false).
fn v1_offsets(raw: &xdp_mmap_offsets) -> xdp_mmap_offsets {
    let words: [u64; 16] = as_words(raw);
    let ring = |i: usize| xdp_ring_offset {
        producer: words[i * 3],
        consumer: words[i * 3 + 1],
        desc: words[i * 3 + 2],
        flags: words[i * 3 + 1] + 4,
    };
    xdp_mmap_offsets {
        rx: ring(0),
        tx: ring(1),
        fr: ring(2),
        cr: ring(3),
    }
}

fn as_words(raw: &xdp_mmap_offsets) -> [u64; 16] {
    let r = [raw.rx, raw.tx, raw.fr, raw.cr];
    let mut out = [0u64; 16];
    for (i, ring) in r.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&[
            ring.producer,
            ring.consumer,
            ring.desc,
            ring.flags,
        ]);
    }
    out
}

fn bind_error(config: &SocketConfig<'_>, err: io::Error) -> io::Error {
    let place = format!("{} queue {}", config.ifname, config.queue);
    match err.raw_os_error() {
        Some(libc::EOPNOTSUPP) if config.zero_copy => io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "binding the AF_XDP socket to {place} in zero-copy mode: the driver refuses \
                 zero-copy ({err}); copy mode works everywhere: set zero_copy to auto or off"
            ),
        ),
        Some(libc::EBUSY) => io::Error::new(
            io::ErrorKind::ResourceBusy,
            format!("binding the AF_XDP socket to {place}: {err}: another AF_XDP socket already uses this queue"),
        ),
        Some(libc::EINVAL) if config.queue > 0 => io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("binding the AF_XDP socket to {place}: {err}: does the interface have this RX queue?"),
        ),
        Some(libc::EPERM) => error::permission(&format!("binding the AF_XDP socket to {place}")),
        _ => io::Error::new(err.kind(), format!("binding the AF_XDP socket to {place}: {err}")),
    }
}
