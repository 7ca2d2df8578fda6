//! Joining a PACKET_FANOUT group, so that the kernel spreads packets over its members.

use std::io;

use super::config::{Fanout, FanoutMode};
use super::error::explain;
use super::socket::PacketSocket;

/// The socket must be bound already: the kernel only lets a running socket join.
pub(super) fn join(socket: &PacketSocket, fanout: Fanout, interface: &str) -> io::Result<()> {
    let argument = fanout_argument(fanout);
    socket
        .set_option(libc::SOL_PACKET, libc::PACKET_FANOUT, &argument)
        .map_err(|error| {
            let group = fanout.group_id;
            match error.raw_os_error() {
                Some(libc::EINVAL) => explain(
                    error,
                    format!(
                        "fanout group {group} is already in use with another mode or interface \
                     (or this kernel lacks {:?} fanout): choose another group_id",
                        fanout.mode
                    ),
                ),
                Some(libc::ENOSPC) => explain(error, format!("fanout group {group} is full")),
                Some(libc::ENOMEM) => explain(error, format!("no memory for fanout group {group}")),
                _ => explain(
                    error,
                    format!("cannot join fanout group {group} on {interface}"),
                ),
            }
        })
}

/// The PACKET_FANOUT option value: group id in the low 16 bits, mode and flags above.
fn fanout_argument(fanout: Fanout) -> libc::c_uint {
    let mode = match fanout.mode {
        FanoutMode::Hash => libc::PACKET_FANOUT_HASH,
        FanoutMode::Cpu => libc::PACKET_FANOUT_CPU,
        FanoutMode::Lb => libc::PACKET_FANOUT_LB,
    };
    libc::c_uint::from(fanout.group_id) | mode << 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_packs_group_and_mode() {
        let hash = Fanout {
            group_id: 0x1234,
            mode: FanoutMode::Hash,
        };
        // No PACKET_FANOUT_FLAG_DEFRAG: fragments must reach the counters as they are.
        assert_eq!(fanout_argument(hash), 0x0000_1234);
        let lb = Fanout {
            group_id: 7,
            mode: FanoutMode::Lb,
        };
        assert_eq!(fanout_argument(lb), 0x0001_0007);
        let cpu = Fanout {
            group_id: 7,
            mode: FanoutMode::Cpu,
        };
        assert_eq!(fanout_argument(cpu), 0x0002_0007);
    }
}
