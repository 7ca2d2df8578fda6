//! Attaching the program to the interface: a BPF link (BPF_LINK_CREATE, Linux ≥ 5.9), which the
//! kernel detaches by itself when its descriptor closes — even if the process dies — or, when
//! the kernel has no XDP links, netlink's IFLA_XDP, which `Drop` undoes.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use super::bpf;
use super::error;
use super::netlink::{self, NetlinkError};
use super::sys::*;
use super::XdpMode;

/// How the program is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachMethod {
    /// A BPF link: detached when the link's descriptor closes.
    BpfLink,
    /// RTM_SETLINK IFLA_XDP: detached by `Drop`, not if the process is killed.
    Netlink,
}

/// An attached XDP program; detaches it on drop.
#[derive(Debug)]
pub struct Attachment {
    ifindex: u32,
    mode: XdpMode,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Link(#[allow(dead_code)] OwnedFd),
    Netlink { prog: OwnedFd, prog_id: u32 },
}

impl Attachment {
    /// The mode the program runs in: `Native` or `Generic`.
    pub fn mode(&self) -> XdpMode {
        self.mode
    }

    pub fn method(&self) -> AttachMethod {
        match self.kind {
            Kind::Link(_) => AttachMethod::BpfLink,
            Kind::Netlink { .. } => AttachMethod::Netlink,
        }
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        // A link detaches when its descriptor closes, right after this.
        if let Kind::Netlink { prog, prog_id } = &self.kind {
            let flags = mode_flags(self.mode);
            // Detach only if the program there is still ours (XDP_FLAGS_REPLACE, Linux ≥ 5.7).
            let replaced = netlink::set_xdp(
                self.ifindex,
                -1,
                flags | XDP_FLAGS_REPLACE,
                Some(prog.as_raw_fd()),
            );
            if matches!(&replaced, Err(e) if e.error.raw_os_error() == Some(libc::EINVAL)) {
                let state = netlink::query_xdp(self.ifindex).unwrap_or_default();
                if state.programs().iter().any(|(id, _)| id == prog_id) {
                    let _ = netlink::set_xdp(self.ifindex, -1, flags, None);
                }
            }
        }
    }
}

fn mode_flags(mode: XdpMode) -> u32 {
    match mode {
        XdpMode::Generic => XDP_FLAGS_SKB_MODE,
        _ => XDP_FLAGS_DRV_MODE,
    }
}

fn mode_name(mode: XdpMode) -> &'static str {
    match mode {
        XdpMode::Generic => "generic (SKB)",
        _ => "native (driver)",
    }
}

fn is_busy(errno: Option<i32>) -> bool {
    matches!(errno, Some(libc::EBUSY) | Some(libc::EEXIST))
}

/// Attaches `prog` to the interface in `mode`; `Auto` tries native first and falls back to
/// generic when the driver refuses native mode.
pub fn attach(prog: &OwnedFd, ifname: &str, ifindex: u32, mode: XdpMode) -> io::Result<Attachment> {
    let modes: &[XdpMode] = match mode {
        XdpMode::Auto => &[XdpMode::Native, XdpMode::Generic],
        XdpMode::Native => &[XdpMode::Native],
        XdpMode::Generic => &[XdpMode::Generic],
    };
    let mut native_refusal = None;
    for &try_mode in modes {
        match attach_in(prog, ifindex, try_mode) {
            Ok(kind) => {
                return Ok(Attachment {
                    ifindex,
                    mode: try_mode,
                    kind,
                })
            }
            Err(e) if is_busy(e.error.raw_os_error()) => {
                return Err(busy_error(ifname, ifindex, &e))
            }
            Err(e) if e.error.raw_os_error() == Some(libc::EPERM) => {
                return Err(error::permission(&format!(
                    "attaching an XDP program to {ifname}"
                )));
            }
            Err(e) if try_mode == XdpMode::Native && mode == XdpMode::Auto => {
                native_refusal = Some(e)
            }
            Err(e) => return Err(refusal_error(ifname, try_mode, &e, native_refusal.as_ref())),
        }
    }
    unreachable!("the last mode tried returns")
}

fn attach_in(prog: &OwnedFd, ifindex: u32, mode: XdpMode) -> Result<Kind, NetlinkError> {
    let flags = mode_flags(mode);
    match bpf::link_create_xdp(prog, ifindex, flags) {
        Ok(link) => return Ok(Kind::Link(link)),
        Err(e) if is_busy(e.raw_os_error()) || e.raw_os_error() == Some(libc::EPERM) => {
            return Err(e.into())
        }
        // EINVAL: a kernel without XDP links (< 5.9). Anything else (the driver refusing the
        // mode...): netlink says the same with the kernel's explanation, or succeeds.
        Err(_) => {}
    }
    netlink::set_xdp(
        ifindex,
        prog.as_raw_fd(),
        flags | XDP_FLAGS_UPDATE_IF_NOEXIST,
        None,
    )?;
    let prog_id = bpf::prog_info(prog.as_raw_fd())
        .map(|info| info.id)
        .unwrap_or(0);
    Ok(Kind::Netlink {
        prog: prog.try_clone().map_err(NetlinkError::from)?,
        prog_id,
    })
}

fn with_kernel_message(e: &NetlinkError) -> String {
    match &e.message {
        Some(message) => format!("{} (kernel: \"{message}\")", e.error),
        None => e.error.to_string(),
    }
}

fn refusal_error(
    ifname: &str,
    mode: XdpMode,
    e: &NetlinkError,
    native: Option<&NetlinkError>,
) -> io::Error {
    let mut text = format!(
        "interface {ifname}: attaching the XDP program in {} mode failed: {}",
        mode_name(mode),
        with_kernel_message(e)
    );
    if let Some(native) = native {
        text.push_str(&format!(
            "; native (driver) mode was tried first and refused: {}",
            with_kernel_message(native)
        ));
    } else if mode == XdpMode::Native {
        text.push_str(
            "; the driver refuses native XDP: generic (SKB) mode works on any interface, \
             slower: set the AF_XDP mode to generic (or auto, which falls back to it)",
        );
    }
    io::Error::new(io::ErrorKind::Unsupported, text)
}

/// "Another program is attached": which one, in which mode, and how to remove it.
fn busy_error(ifname: &str, ifindex: u32, e: &NetlinkError) -> io::Error {
    let state = netlink::query_xdp(ifindex).unwrap_or_default();
    let programs: Vec<String> = state
        .programs()
        .into_iter()
        .map(|(id, mode)| match bpf::prog_info_by_id(id) {
            Ok(info) if !info.name.is_empty() => {
                format!("\"{}\" (id {id}) in {mode} mode", info.name)
            }
            _ => format!("id {id} in {mode} mode"),
        })
        .collect();
    let which = if programs.is_empty() {
        String::new()
    } else {
        format!(": {}", programs.join(" and "))
    };
    let mut text = format!(
        "interface {ifname} already has an XDP program attached{which} ({}); an interface runs \
         one XDP program per mode, never native and generic together, and floodwatch needs its \
         own. ",
        with_kernel_message(e)
    );
    match bpf::xdp_link_on(ifindex) {
        Some(link) => text.push_str(&format!(
            "It is held by BPF link id {link}, owned by a running process (another floodwatch?): \
             stop that process, or run `bpftool link detach id {link}`"
        )),
        None => {
            text.push_str(&format!(
                "Remove it with `ip link set dev {ifname} xdp off`"
            ));
            if state.skb_prog_id != 0 {
                text.push_str(&format!(
                    " (a program in generic mode: `ip link set dev {ifname} xdpgeneric off`)"
                ));
            }
        }
    }
    text.push_str(", then start again.");
    io::Error::new(io::ErrorKind::ResourceBusy, text)
}

/// Attaches with netlink only, as `ip link set dev IF xdp...` does: how a test puts "someone
/// else's" program on an interface.
pub fn attach_with_netlink(prog: &OwnedFd, ifindex: u32, mode: XdpMode) -> io::Result<Attachment> {
    let mode = if mode == XdpMode::Generic {
        XdpMode::Generic
    } else {
        XdpMode::Native
    };
    let flags = mode_flags(mode);
    netlink::set_xdp(
        ifindex,
        prog.as_raw_fd(),
        flags | XDP_FLAGS_UPDATE_IF_NOEXIST,
        None,
    )
    .map_err(|e| io::Error::new(e.error.kind(), with_kernel_message(&e)))?;
    let prog_id = bpf::prog_info(prog.as_raw_fd())
        .map(|info| info.id)
        .unwrap_or(0);
    Ok(Attachment {
        ifindex,
        mode,
        kind: Kind::Netlink {
            prog: prog.try_clone()?,
            prog_id,
        },
    })
}
