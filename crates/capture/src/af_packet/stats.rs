//! The kernel's drop counters for one socket. PACKET_STATISTICS resets them on every read,
//! so they are kept here as running totals.

use std::cell::Cell;

use super::socket::PacketSocket;

#[derive(Default)]
pub(super) struct KernelCounters {
    /// Frames dropped because the ring was full.
    drops: Cell<u64>,
    /// Times the ring filled up and the kernel froze the queue.
    freezes: Cell<u64>,
}

impl KernelCounters {
    /// Adds what the kernel counted since the last read; returns the totals (drops, freezes).
    pub fn refresh(&self, socket: &PacketSocket) -> (u64, u64) {
        // Only fails on a closed socket, which keeps its totals.
        if let Ok(since_last) =
            socket.get_option::<libc::tpacket_stats_v3>(libc::SOL_PACKET, libc::PACKET_STATISTICS)
        {
            self.drops
                .set(self.drops.get() + u64::from(since_last.tp_drops));
            self.freezes
                .set(self.freezes.get() + u64::from(since_last.tp_freeze_q_cnt));
        }
        (self.drops.get(), self.freezes.get())
    }
}
