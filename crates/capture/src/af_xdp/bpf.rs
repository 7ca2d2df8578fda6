//! Thin wrappers over the bpf(2) syscall: the XSK map, the program, the XDP link, and the
//! look-ups used to name a program that is already attached to an interface.

use std::ffi::CStr;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::sys::*;

/// One bpf(2) call. `attr` is one of the `bpf_attr_*` structs of `sys.rs`, passed with its own
/// size: the kernel reads `size` bytes and treats the rest of its `union bpf_attr` as zero.
fn sys_bpf<T: Copy>(cmd: u32, attr: &mut T) -> io::Result<libc::c_long> {
    // SAFETY: `attr` is a live, properly aligned #[repr(C)] struct of `size_of::<T>()` bytes
    // whose layout matches the kernel's `union bpf_attr` for `cmd` (checked in sys.rs); any
    // pointers it carries point into buffers the caller keeps alive across this call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd as libc::c_long,
            attr as *mut T as *mut libc::c_void,
            size_of::<T>() as libc::c_long,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn owned_fd(ret: libc::c_long) -> OwnedFd {
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    unsafe { OwnedFd::from_raw_fd(ret as RawFd) }
}

fn name16(name: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    // Object names are at most 15 bytes of [A-Za-z0-9_.], NUL-terminated.
    for (slot, byte) in out.iter_mut().zip(name.bytes().take(15)) {
        *slot = byte;
    }
    out
}

/// BPF_MAP_CREATE of an XSKMAP: key = RX queue index (u32), value = AF_XDP socket fd (u32).
pub fn create_xsk_map(max_entries: u32) -> io::Result<OwnedFd> {
    let mut attr = bpf_attr_map_create {
        map_type: BPF_MAP_TYPE_XSKMAP,
        key_size: 4,
        value_size: 4,
        max_entries,
        map_name: name16("fw_xsks"),
        ..Default::default()
    };
    match sys_bpf(BPF_MAP_CREATE, &mut attr) {
        Ok(fd) => Ok(owned_fd(fd)),
        // Kernels before 4.15 refuse a map name; before 5.11 maps are charged to
        // RLIMIT_MEMLOCK, which a low limit turns into EPERM even for root.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            attr.map_name = [0; 16];
            sys_bpf(BPF_MAP_CREATE, &mut attr).map(owned_fd)
        }
        Err(e) if e.raw_os_error() == Some(libc::EPERM) && raise_memlock_limit() => {
            sys_bpf(BPF_MAP_CREATE, &mut attr).map(owned_fd)
        }
        Err(e) => Err(e),
    }
}

/// Lifts RLIMIT_MEMLOCK (only matters on kernels before 5.11). Returns whether it changed.
fn raise_memlock_limit() -> bool {
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain syscall on a stack value.
    unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) == 0 }
}

/// BPF_MAP_UPDATE_ELEM with u32 key and value.
pub fn map_update_u32(map: &OwnedFd, key: u32, value: u32) -> io::Result<()> {
    let mut attr = bpf_attr_map_elem {
        map_fd: map.as_raw_fd() as u32,
        key: &key as *const u32 as u64,
        value: &value as *const u32 as u64,
        flags: BPF_ANY,
        ..Default::default()
    };
    sys_bpf(BPF_MAP_UPDATE_ELEM, &mut attr).map(drop)
}

/// Why BPF_PROG_LOAD failed: the errno, and the verifier's log when it wrote one.
#[derive(Debug)]
pub struct LoadError {
    pub error: io::Error,
    pub log: String,
}

/// BPF_PROG_LOAD of an XDP program, with a verifier log buffer so that a rejection says why.
pub fn load_xdp_program(name: &str, insns: &[bpf_insn]) -> Result<OwnedFd, LoadError> {
    let license = c"GPL";
    let mut log = vec![0u8; 64 * 1024];
    loop {
        let mut attr = bpf_attr_prog_load {
            prog_type: BPF_PROG_TYPE_XDP,
            insn_cnt: insns.len() as u32,
            insns: insns.as_ptr() as u64,
            license: license.as_ptr() as u64,
            log_level: 1,
            log_size: log.len() as u32,
            log_buf: log.as_mut_ptr() as u64,
            prog_name: name16(name),
            expected_attach_type: BPF_XDP,
            ..Default::default()
        };
        match sys_bpf(BPF_PROG_LOAD, &mut attr) {
            Ok(fd) => return Ok(owned_fd(fd)),
            // The log did not fit: the verifier says so with ENOSPC. Grow it, to a point.
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) && log.len() < 16 << 20 => {
                log = vec![0u8; log.len() * 8];
            }
            Err(error) => {
                let text = CStr::from_bytes_until_nul(&log)
                    .map(|s| s.to_string_lossy().trim().to_string())
                    .unwrap_or_default();
                return Err(LoadError { error, log: text });
            }
        }
    }
}

/// BPF_LINK_CREATE attaching an XDP program to an interface (Linux ≥ 5.9). The program stays
/// attached as long as the returned link descriptor is open.
pub fn link_create_xdp(prog: &OwnedFd, ifindex: u32, xdp_flags: u32) -> io::Result<OwnedFd> {
    let mut attr = bpf_attr_link_create {
        prog_fd: prog.as_raw_fd() as u32,
        target_ifindex: ifindex,
        attach_type: BPF_XDP,
        flags: xdp_flags,
        ..Default::default()
    };
    sys_bpf(BPF_LINK_CREATE, &mut attr).map(owned_fd)
}

/// What the kernel says about a loaded program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgInfo {
    pub id: u32,
    pub name: String,
}

fn get_info<T: Copy + Default>(fd: RawFd) -> io::Result<T> {
    let mut info = T::default();
    let mut attr = bpf_attr_info {
        bpf_fd: fd as u32,
        info_len: size_of::<T>() as u32,
        info: &mut info as *mut T as u64,
    };
    sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr)?;
    Ok(info)
}

/// BPF_OBJ_GET_INFO_BY_FD on a program.
pub fn prog_info(prog: RawFd) -> io::Result<ProgInfo> {
    let info: bpf_prog_info = get_info(prog)?;
    let name = CStr::from_bytes_until_nul(&info.name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(ProgInfo { id: info.id, name })
}

/// The name and id of a program known by id (BPF_PROG_GET_FD_BY_ID needs CAP_SYS_ADMIN).
pub fn prog_info_by_id(id: u32) -> io::Result<ProgInfo> {
    let mut attr = bpf_attr_get_id {
        id,
        ..Default::default()
    };
    let fd = owned_fd(sys_bpf(BPF_PROG_GET_FD_BY_ID, &mut attr)?);
    prog_info(fd.as_raw_fd())
}

/// The id of the BPF link holding an XDP program on `ifindex`, if one does (walks every link,
/// as `bpftool link` does).
pub fn xdp_link_on(ifindex: u32) -> Option<u32> {
    let mut id = 0u32;
    loop {
        let mut attr = bpf_attr_get_id {
            id,
            ..Default::default()
        };
        sys_bpf(BPF_LINK_GET_NEXT_ID, &mut attr).ok()?;
        id = attr.next_id;
        let mut by_id = bpf_attr_get_id {
            id,
            ..Default::default()
        };
        let Ok(fd) = sys_bpf(BPF_LINK_GET_FD_BY_ID, &mut by_id).map(owned_fd) else {
            continue;
        };
        if let Ok(info) = get_info::<bpf_link_info>(fd.as_raw_fd()) {
            if info.link_type == BPF_LINK_TYPE_XDP && info.ifindex == ifindex {
                return Some(info.id);
            }
        }
    }
}
