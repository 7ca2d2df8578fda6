//! How big a mirror port's rings are when the configuration does not say: from the port's
//! rate and the fanout members sharing it, within bounds that keep the whole engine small.

/// The rings of one port hold this long of traffic at the port's line rate.
const RING_MILLISECONDS: u64 = 25;
/// The rings of one port take at least this (a slow or unknown port) and at most this (a
/// port of 10 Gbit/s or more), all members together.
pub const MIN_PORT_RING_BYTES: u64 = 8 << 20;
pub const MAX_PORT_RING_BYTES: u64 = 32 << 20;
/// A member's ring has at least this many blocks, so that one block being read never stops
/// the kernel from filling the next.
const MIN_BLOCKS_PER_MEMBER: u32 = 4;

/// The interface's link speed in bytes a second, from sysfs; None when the driver does not
/// say (a link down, a tunnel, lo).
pub fn link_bytes_per_second(interface: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{interface}/speed")).ok()?;
    let megabits: i64 = text.trim().parse().ok()?;
    (megabits > 0).then(|| megabits as u64 * 1_000_000 / 8)
}

/// Blocks per member ring for a port of `bytes_per_second` (None: unknown) shared by
/// `members` fanout members.
pub fn ring_blocks_per_member(
    bytes_per_second: Option<u64>,
    members: usize,
    block_size: u32,
) -> u32 {
    let port_bytes = bytes_per_second
        .map_or(MIN_PORT_RING_BYTES, |rate| {
            rate.saturating_mul(RING_MILLISECONDS) / 1000
        })
        .clamp(MIN_PORT_RING_BYTES, MAX_PORT_RING_BYTES);
    let member_bytes = port_bytes / members.max(1) as u64;
    let blocks = member_bytes.div_ceil(u64::from(block_size.max(1)));
    u32::try_from(blocks)
        .unwrap_or(u32::MAX)
        .max(MIN_BLOCKS_PER_MEMBER)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u32 = 1 << 20;

    #[test]
    fn rings_follow_the_rate_and_are_shared_by_the_members() {
        // 1 Gbit/s: 25 ms is 3.1 MB, under the 8 MiB floor.
        assert_eq!(ring_blocks_per_member(Some(125_000_000), 1, MIB), 8);
        assert_eq!(ring_blocks_per_member(Some(125_000_000), 2, MIB), 4);
        // 10 Gbit/s: 31.25 MB over 2 members.
        assert_eq!(ring_blocks_per_member(Some(1_250_000_000), 2, MIB), 15);
        // 100 Gbit/s: the 32 MiB ceiling.
        assert_eq!(ring_blocks_per_member(Some(12_500_000_000), 4, MIB), 8);
        // Unknown: the floor; many members: never under 4 blocks each.
        assert_eq!(ring_blocks_per_member(None, 1, MIB), 8);
        assert_eq!(ring_blocks_per_member(None, 16, MIB), 4);
        assert_eq!(ring_blocks_per_member(Some(125_000_000), 1, 256 << 10), 32);
    }

    #[test]
    fn an_interface_that_does_not_exist_has_no_speed() {
        assert_eq!(link_bytes_per_second("floodwatch-no-such-interface"), None);
    }
}
