//! Errors that name the cause and what to do about it, keeping the kind of the system error
//! they explain.

use std::io;

pub(super) fn invalid_config(message: impl Into<String>) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("AF_PACKET: {}", message.into()),
    )
}

pub(super) fn no_interface(interface: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("AF_PACKET: no interface {interface}: check `ip link`"),
    )
}

/// `cause` is what was being done and why it failed; the system error is appended.
pub(super) fn explain(error: io::Error, cause: impl AsRef<str>) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("AF_PACKET: {}: {error}", cause.as_ref()),
    )
}

pub(super) fn last_os_error(cause: impl AsRef<str>) -> io::Error {
    explain(io::Error::last_os_error(), cause)
}
