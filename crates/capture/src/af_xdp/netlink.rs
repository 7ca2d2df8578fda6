//! Just enough rtnetlink for XDP: RTM_SETLINK with IFLA_XDP (the pre-5.9 way to attach a
//! program, and what `ip link set dev IF xdp ...` does), and RTM_GETLINK to see which program
//! an interface already runs. The kernel's extended ack message ("Native and generic XDP
//! can't be active at the same time"...) is carried into the error.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::sys::*;

/// What RTM_GETLINK says of an interface's XDP programs (0 = none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XdpState {
    /// XDP_ATTACHED_*.
    pub attached: u8,
    pub drv_prog_id: u32,
    pub skb_prog_id: u32,
    pub hw_prog_id: u32,
}

impl XdpState {
    /// The attached programs' ids with the mode each runs in.
    pub fn programs(&self) -> Vec<(u32, &'static str)> {
        [
            (self.drv_prog_id, "native"),
            (self.skb_prog_id, "generic"),
            (self.hw_prog_id, "offloaded"),
        ]
        .into_iter()
        .filter(|(id, _)| *id != 0)
        .collect()
    }
}

/// A netlink error: the errno and the kernel's explanation, if it gave one.
#[derive(Debug)]
pub struct NetlinkError {
    pub error: io::Error,
    pub message: Option<String>,
}

impl From<io::Error> for NetlinkError {
    fn from(error: io::Error) -> Self {
        NetlinkError {
            error,
            message: None,
        }
    }
}

struct Socket(OwnedFd);

impl Socket {
    fn open() -> io::Result<Socket> {
        // SAFETY: plain socket(2); the descriptor is owned right away.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just returned by socket(2).
        let sock = Socket(unsafe { OwnedFd::from_raw_fd(fd) });
        let one: libc::c_int = 1;
        // Ask for the kernel's error strings (Linux ≥ 4.12); harmless if refused.
        // SAFETY: setsockopt reads one c_int from a live stack value.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_NETLINK,
                NETLINK_EXT_ACK,
                &one as *const libc::c_int as *const libc::c_void,
                size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        Ok(sock)
    }

    fn send(&self, msg: &[u8]) -> io::Result<()> {
        // SAFETY: sends `msg.len()` bytes from a live slice to the kernel (zeroed sockaddr_nl).
        let ret = unsafe {
            let mut addr: libc::sockaddr_nl = std::mem::zeroed();
            addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            libc::sendto(
                self.0.as_raw_fd(),
                msg.as_ptr() as *const libc::c_void,
                msg.len(),
                0,
                &addr as *const libc::sockaddr_nl as *const libc::sockaddr,
                size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            // SAFETY: receives into a live, writable buffer of `buf.len()` bytes.
            let n = unsafe {
                libc::recv(
                    self.0.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                    0,
                )
            };
            if n >= 0 {
                return Ok(n as usize);
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}

/// A netlink message under construction.
struct Message {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

impl Message {
    fn new(msg_type: u16, flags: u16, ifindex: u32) -> Message {
        let mut msg = Message {
            buf: Vec::with_capacity(128),
            nests: Vec::new(),
        };
        let header = nlmsghdr {
            nlmsg_type: msg_type,
            nlmsg_flags: flags,
            nlmsg_seq: 1,
            ..Default::default()
        };
        msg.push_struct(&header);
        let info = ifinfomsg {
            ifi_family: libc::AF_UNSPEC as u8,
            ifi_index: ifindex as i32,
            ..Default::default()
        };
        msg.push_struct(&info);
        msg
    }

    fn push_struct<T: Copy>(&mut self, value: &T) {
        // SAFETY: T is one of the #[repr(C)] padding-free netlink headers of sys.rs; viewing
        // it as bytes reads exactly size_of::<T>() initialised bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts(value as *const T as *const u8, size_of::<T>()) };
        self.buf.extend_from_slice(bytes);
    }

    fn attr(&mut self, attr_type: u16, payload: &[u8]) {
        let len = 4 + payload.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&attr_type.to_ne_bytes());
        self.buf.extend_from_slice(payload);
        self.buf.resize(self.buf.len().next_multiple_of(4), 0);
    }

    fn begin_nest(&mut self, attr_type: u16) {
        self.nests.push(self.buf.len());
        self.attr(attr_type | NLA_F_NESTED, &[]);
    }

    fn end_nest(&mut self) {
        let start = self.nests.pop().expect("nest open");
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    }

    fn finish(mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

fn u16_at(buf: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(buf.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(buf.get(at..at + 4)?.try_into().ok()?))
}

/// Iterates netlink attributes: (type without flags, payload).
fn attrs(mut buf: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let len = u16_at(buf, 0)? as usize;
        let kind = u16_at(buf, 2)? & NLA_TYPE_MASK;
        if len < 4 || len > buf.len() {
            return None;
        }
        let payload = &buf[4..len];
        buf = buf.get(len.next_multiple_of(4)..).unwrap_or(&[]);
        Some((kind, payload))
    })
}

/// Reads the replies to one request until its ACK or error; returns the RTM_NEWLINK payloads.
fn transact(request: &[u8]) -> Result<Vec<Vec<u8>>, NetlinkError> {
    let sock = Socket::open()?;
    sock.send(request)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut replies = Vec::new();
    loop {
        let n = sock.recv(&mut buf)?;
        let mut at = 0;
        while at + size_of::<nlmsghdr>() <= n {
            let len = u32_at(&buf, at).unwrap_or(0) as usize;
            let kind = u16_at(&buf, at + 4).unwrap_or(0);
            let flags = u16_at(&buf, at + 6).unwrap_or(0);
            if len < size_of::<nlmsghdr>() || at + len > n {
                return Err(
                    io::Error::new(io::ErrorKind::InvalidData, "truncated netlink reply").into(),
                );
            }
            let body = &buf[at + size_of::<nlmsghdr>()..at + len];
            match kind {
                NLMSG_ERROR => {
                    // struct nlmsgerr { int error; struct nlmsghdr msg; } then, with
                    // NLM_F_ACK_TLVS, the original request (unless capped) and attributes.
                    let errno = u32_at(body, 0).unwrap_or(0) as i32;
                    if errno == 0 {
                        return Ok(replies);
                    }
                    let mut message = None;
                    if flags & NLM_F_ACK_TLVS != 0 {
                        let echoed = if flags & NLM_F_CAPPED != 0 {
                            size_of::<nlmsghdr>()
                        } else {
                            u32_at(body, 4).unwrap_or(0) as usize
                        };
                        let tlvs = body.get((4 + echoed).next_multiple_of(4)..).unwrap_or(&[]);
                        for (attr, payload) in attrs(tlvs) {
                            if attr == NLMSGERR_ATTR_MSG {
                                let text = payload.split(|&b| b == 0).next().unwrap_or(&[]);
                                message = Some(String::from_utf8_lossy(text).into_owned());
                            }
                        }
                    }
                    return Err(NetlinkError {
                        error: io::Error::from_raw_os_error(-errno),
                        message,
                    });
                }
                NLMSG_DONE => return Ok(replies),
                RTM_NEWLINK => replies.push(body.to_vec()),
                _ => {}
            }
            at += len.next_multiple_of(4);
        }
    }
}

/// RTM_SETLINK IFLA_XDP { IFLA_XDP_FD = prog_fd (-1 detaches), IFLA_XDP_FLAGS = flags,
/// [IFLA_XDP_EXPECTED_FD = expected] }.
pub fn set_xdp(
    ifindex: u32,
    prog_fd: i32,
    flags: u32,
    expected_fd: Option<i32>,
) -> Result<(), NetlinkError> {
    let mut msg = Message::new(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex);
    msg.begin_nest(IFLA_XDP);
    msg.attr(IFLA_XDP_FD, &prog_fd.to_ne_bytes());
    msg.attr(IFLA_XDP_FLAGS, &flags.to_ne_bytes());
    if let Some(expected) = expected_fd {
        msg.attr(IFLA_XDP_EXPECTED_FD, &expected.to_ne_bytes());
    }
    msg.end_nest();
    transact(&msg.finish()).map(drop)
}

/// RTM_GETLINK for one interface, reduced to its IFLA_XDP attributes.
pub fn query_xdp(ifindex: u32) -> Result<XdpState, NetlinkError> {
    let msg = Message::new(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex);
    let replies = transact(&msg.finish())?;
    let mut state = XdpState::default();
    for reply in &replies {
        let Some(link_attrs) = reply.get(size_of::<ifinfomsg>()..) else {
            continue;
        };
        for (kind, payload) in attrs(link_attrs) {
            if kind != IFLA_XDP {
                continue;
            }
            let mut single_prog = 0;
            for (xdp_kind, value) in attrs(payload) {
                let number = u32_at(value, 0).unwrap_or(0);
                match xdp_kind {
                    IFLA_XDP_ATTACHED => state.attached = value.first().copied().unwrap_or(0),
                    IFLA_XDP_PROG_ID => single_prog = number,
                    IFLA_XDP_DRV_PROG_ID => state.drv_prog_id = number,
                    IFLA_XDP_SKB_PROG_ID => state.skb_prog_id = number,
                    IFLA_XDP_HW_PROG_ID => state.hw_prog_id = number,
                    _ => {}
                }
            }
            // With a single program the per-mode ids may be missing: IFLA_XDP_ATTACHED says
            // which mode IFLA_XDP_PROG_ID runs in.
            match state.attached {
                XDP_ATTACHED_DRV if state.drv_prog_id == 0 => state.drv_prog_id = single_prog,
                XDP_ATTACHED_SKB if state.skb_prog_id == 0 => state.skb_prog_id = single_prog,
                XDP_ATTACHED_HW if state.hw_prog_id == 0 => state.hw_prog_id = single_prog,
                _ => {}
            }
        }
    }
    Ok(state)
}
