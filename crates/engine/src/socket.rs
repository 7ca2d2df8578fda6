//! UDP sockets for the listeners: SO_REUSEPORT so that every worker has its own socket on each
//! port, a large receive buffer, and recvmmsg to read a batch of datagrams per system call.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, Protocol, Socket, Type};

pub const MAX_DATAGRAM: usize = 65_535;

pub fn open_listener(addr: SocketAddr, receive_buffer: usize) -> io::Result<UdpSocket> {
    let domain = if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    socket.set_reuse_address(true)?;
    // The kernel caps this at net.core.rmem_max; a smaller buffer still works.
    let _ = socket.set_recv_buffer_size(receive_buffer);
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Reusable buffers for one recvmmsg call.
pub struct Batch {
    buffers: Vec<u8>,
    iovecs: Vec<libc::iovec>,
    addrs: Vec<libc::sockaddr_storage>,
    headers: Vec<libc::mmsghdr>,
}

// The raw pointers inside point into the Batch's own vectors.
unsafe impl Send for Batch {}

pub struct Received<'a> {
    pub from: SocketAddr,
    pub data: &'a [u8],
    pub truncated: bool,
}

impl Batch {
    pub fn new(size: usize) -> Batch {
        let size = size.max(1);
        Batch {
            buffers: vec![0u8; size * MAX_DATAGRAM],
            iovecs: Vec::with_capacity(size),
            addrs: vec![unsafe { zeroed() }; size],
            headers: vec![unsafe { zeroed() }; size],
        }
    }

    fn prepare(&mut self) {
        let size = self.headers.len();
        self.iovecs.clear();
        for i in 0..size {
            self.iovecs.push(libc::iovec {
                iov_base: self.buffers[i * MAX_DATAGRAM..].as_mut_ptr().cast(),
                iov_len: MAX_DATAGRAM,
            });
        }
        for i in 0..size {
            let header = &mut self.headers[i];
            *header = unsafe { zeroed() };
            header.msg_hdr.msg_name = (&mut self.addrs[i] as *mut libc::sockaddr_storage).cast();
            header.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            header.msg_hdr.msg_iov = &mut self.iovecs[i];
            header.msg_hdr.msg_iovlen = 1;
        }
    }

    /// Reads up to the batch size without blocking; returns how many datagrams arrived.
    pub fn receive(&mut self, fd: RawFd) -> io::Result<usize> {
        self.prepare();
        let n = unsafe {
            libc::recvmmsg(
                fd,
                self.headers.as_mut_ptr(),
                self.headers.len() as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(err),
            };
        }
        Ok(n as usize)
    }

    pub fn get(&self, i: usize) -> Option<Received<'_>> {
        let header = &self.headers[i];
        let from = sockaddr_to_std(&self.addrs[i])?;
        let len = (header.msg_len as usize).min(MAX_DATAGRAM);
        Some(Received {
            from,
            data: &self.buffers[i * MAX_DATAGRAM..i * MAX_DATAGRAM + len],
            truncated: header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
        })
    }
}

fn sockaddr_to_std(storage: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match storage.ss_family as libc::c_int {
        libc::AF_INET => {
            let sin = unsafe { &*(storage as *const _ as *const libc::sockaddr_in) };
            let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            let sin6 = unsafe { &*(storage as *const _ as *const libc::sockaddr_in6) };
            let ip = std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// Waits until one of `fds` is readable or `timeout_ms` passes; returns the readable ones' indexes.
pub fn wait_readable(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<()> {
    for fd in fds.iter_mut() {
        fd.revents = 0;
    }
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    Ok(())
}

pub fn pollfd(socket: &UdpSocket) -> libc::pollfd {
    libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }
}

/// The socket's inode, which /proc/net/udp uses to report its kernel drops.
pub fn socket_inode(socket: &UdpSocket) -> Option<u64> {
    let mut stat: libc::stat = unsafe { zeroed() };
    let rc = unsafe { libc::fstat(socket.as_raw_fd(), &mut stat) };
    (rc == 0).then_some(stat.st_ino as u64)
}

/// Kernel receive-queue drops per socket inode, from /proc/net/udp and /proc/net/udp6.
pub fn kernel_drops() -> ahash::AHashMap<u64, u64> {
    let mut drops = ahash::AHashMap::new();
    for file in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
            if let (Some(inode), Some(dropped)) = (cols.get(9), cols.get(12)) {
                if let (Ok(inode), Ok(dropped)) = (inode.parse(), dropped.parse()) {
                    drops.insert(inode, dropped);
                }
            }
        }
    }
    drops
}
