//! Errors that name their cause: what was being done, and what to do about it.

use std::io;

/// EPERM/EACCES from a privileged operation.
pub fn permission(doing: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{doing}: permission denied: AF_XDP capture needs root, or CAP_NET_ADMIN + CAP_BPF \
             (+ CAP_NET_RAW for the socket; CAP_SYS_ADMIN on kernels before 5.8): run floodwatch \
             from its systemd unit (packaging/floodwatch.service grants them with \
             AmbientCapabilities)"
        ),
    )
}

/// Wraps an OS error with what was being done, keeping its kind; EPERM gets the advice above.
pub fn os(doing: &str, err: io::Error) -> io::Error {
    match err.raw_os_error() {
        Some(libc::EPERM) => permission(doing),
        Some(libc::ENOSYS) => io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{doing}: {err}: this kernel has no bpf(2) syscall (CONFIG_BPF_SYSCALL)"),
        ),
        _ => io::Error::new(err.kind(), format!("{doing}: {err}")),
    }
}

pub fn invalid(text: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, text)
}
