//! The AF_PACKET socket itself: creation, options, binding to an interface, waiting.

use std::ffi::CString;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::error::{explain, last_os_error, no_interface};

pub(super) struct PacketSocket {
    fd: OwnedFd,
}

pub(super) enum Readiness {
    Readable,
    TimedOut,
    /// The socket has a pending error (the interface went down or away).
    Failed,
}

impl PacketSocket {
    /// A raw socket for no protocol yet, so that it queues nothing before its ring exists
    /// and [`bind`](Self::bind) starts the capture.
    pub fn new() -> io::Result<PacketSocket> {
        // SAFETY: plain syscall; the descriptor is owned from here on.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            let error = io::Error::last_os_error();
            return Err(match error.raw_os_error() {
                Some(libc::EPERM | libc::EACCES) => io::Error::new(
                    error.kind(),
                    format!(
                        "AF_PACKET needs root or CAP_NET_RAW ({error}): run floodwatch from its \
                         systemd unit (packaging/floodwatch.service grants CAP_NET_RAW with \
                         AmbientCapabilities), or add AmbientCapabilities=CAP_NET_RAW to yours; \
                         setcap on node would give raw sockets to every Node.js program"
                    ),
                ),
                Some(libc::EAFNOSUPPORT) => {
                    explain(error, "this kernel has no AF_PACKET (CONFIG_PACKET)")
                }
                _ => explain(error, "cannot create the packet socket"),
            });
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(PacketSocket {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn set_option<T>(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        value: &T,
    ) -> io::Result<()> {
        // SAFETY: `value` is a live `T` and the length passed is its size.
        let result = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (value as *const T).cast(),
                mem::size_of::<T>() as libc::socklen_t,
            )
        };
        if result < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Reads an option the kernel fills as a plain C struct `T`.
    pub fn get_option<T: Copy>(&self, level: libc::c_int, name: libc::c_int) -> io::Result<T> {
        // SAFETY: the option types used here are C structs of integers, valid when zeroed, and
        // the kernel writes at most `len` bytes into `value`.
        unsafe {
            let mut value: T = mem::zeroed();
            let mut len = mem::size_of::<T>() as libc::socklen_t;
            let result = libc::getsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&mut value as *mut T).cast(),
                &mut len,
            );
            if result < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(value)
        }
    }

    pub fn use_tpacket_v3(&self) -> io::Result<()> {
        let version = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
        self.set_option(libc::SOL_PACKET, libc::PACKET_VERSION, &version)
            .map_err(|e| {
                explain(
                    e,
                    "this kernel has no TPACKET_V3 rings (Linux 3.2 or later)",
                )
            })
    }

    /// Starts the capture of every protocol on the interface.
    pub fn bind(&self, interface: &str, ifindex: u32) -> io::Result<()> {
        // SAFETY: sockaddr_ll is plain integers; all-zero is a valid value.
        let mut address: libc::sockaddr_ll = unsafe { mem::zeroed() };
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        address.sll_ifindex = ifindex as i32;
        // SAFETY: `address` is a live sockaddr_ll and the length passed is its size.
        let result = unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&address as *const libc::sockaddr_ll).cast(),
                mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if result < 0 {
            let error = io::Error::last_os_error();
            return Err(match error.raw_os_error() {
                Some(libc::ENODEV | libc::ENXIO) => no_interface(interface),
                _ => explain(error, format!("cannot bind to {interface}")),
            });
        }
        Ok(())
    }

    /// Puts the interface in promiscuous mode for as long as this socket lives.
    pub fn enable_promiscuous(&self, interface: &str, ifindex: u32) -> io::Result<()> {
        // SAFETY: packet_mreq is plain integers; all-zero is a valid value.
        let mut request: libc::packet_mreq = unsafe { mem::zeroed() };
        request.mr_ifindex = ifindex as i32;
        request.mr_type = libc::PACKET_MR_PROMISC as u16;
        self.set_option(libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &request)
            .map_err(|e| explain(e, format!("cannot put {interface} in promiscuous mode")))
    }

    /// Keeps the first `snap_len` bytes of each frame, through a one-instruction socket
    /// filter ("accept snap_len bytes"): the kernel truncates before copying into the ring.
    pub fn truncate_frames(&self, snap_len: u32) -> io::Result<()> {
        let mut accept = [libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: snap_len,
        }];
        let program = libc::sock_fprog {
            len: 1,
            filter: accept.as_mut_ptr(),
        };
        self.set_option(libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &program)
            .map_err(|e| explain(e, format!("cannot set snap_len {snap_len}")))
    }

    pub fn wait(&self, timeout_ms: i32) -> io::Result<Readiness> {
        let mut poll_fd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one live pollfd.
        let ready = unsafe { libc::poll(&mut poll_fd, 1, timeout_ms) };
        if ready < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                return Ok(Readiness::TimedOut);
            }
            return Err(last_os_error("poll on the packet socket failed"));
        }
        Ok(if poll_fd.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
            Readiness::Failed
        } else if poll_fd.revents & libc::POLLIN != 0 {
            Readiness::Readable
        } else {
            Readiness::TimedOut
        })
    }

    /// The socket's pending error, cleared by reading it.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let code: libc::c_int = self.get_option(libc::SOL_SOCKET, libc::SO_ERROR)?;
        Ok((code != 0).then(|| io::Error::from_raw_os_error(code)))
    }
}

impl AsRawFd for PacketSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

pub(super) fn interface_index(interface: &str) -> io::Result<u32> {
    let Ok(name) = CString::new(interface) else {
        return Err(no_interface(interface));
    };
    if name.as_bytes().len() >= libc::IFNAMSIZ {
        return Err(no_interface(interface));
    }
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(no_interface(interface)),
        index => Ok(index),
    }
}
