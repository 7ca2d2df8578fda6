//! What an AF_PACKET capture is asked for, and the checks on it that the kernel would
//! otherwise answer with a bare EINVAL.

use std::io;

use super::error::invalid_config;

pub const DEFAULT_BLOCK_SIZE: u32 = 1 << 20;
pub const DEFAULT_BLOCK_COUNT: u32 = 64;
pub const DEFAULT_FRAME_SIZE: u32 = 2048;
pub const DEFAULT_BLOCK_TIMEOUT_MS: u32 = 10;

/// The kernel's TPACKET_ALIGNMENT: frame slots are multiples of it.
const FRAME_ALIGNMENT: u32 = libc::TPACKET_ALIGNMENT as u32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfPacketConfig {
    /// The interface to capture on, e.g. the mirror port "eth1".
    pub interface: String,
    /// Bytes per ring block, a multiple of the page size. The kernel packs frames into a
    /// block and hands it over whole, when full or after `block_timeout_ms`.
    pub block_size: u32,
    /// Blocks per ring; each member has its own ring of `block_size * block_count` bytes.
    pub block_count: u32,
    /// The frame slot the kernel checks the ring geometry with. TPACKET_V3 packs frames by
    /// their real size, so it bounds nothing else; a frame is bounded by `block_size`.
    pub frame_size: u32,
    /// A partly filled block is handed over after this long, so that frames of a quiet link
    /// wait no longer than this. 0 lets the kernel choose from the link speed.
    pub block_timeout_ms: u32,
    /// Spreads packets over the members of [`open_af_packet`](super::open_af_packet); needed
    /// when there is more than one.
    pub fanout: Option<Fanout>,
    pub promiscuous: bool,
    /// Bytes kept of each frame, the kernel dropping the rest before copying; 0 keeps it whole.
    pub snap_len: u32,
}

/// A PACKET_FANOUT group: the kernel gives each packet to one socket of the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fanout {
    /// Unique per network namespace: every socket joining it must use the same mode.
    pub group_id: u16,
    pub mode: FanoutMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanoutMode {
    /// By flow hash: a flow always reaches the same member. Fragments are not reassembled
    /// (PACKET_FANOUT_FLAG_DEFRAG would hide a flood of fragments that never complete); the
    /// kernel's hash keeps fragments of one source and destination on one member anyway.
    Hash,
    /// By the CPU that received the packet: follows the NIC's RSS queues.
    Cpu,
    /// Round robin.
    Lb,
}

impl Default for AfPacketConfig {
    fn default() -> Self {
        AfPacketConfig {
            interface: String::new(),
            block_size: DEFAULT_BLOCK_SIZE,
            block_count: DEFAULT_BLOCK_COUNT,
            frame_size: DEFAULT_FRAME_SIZE,
            block_timeout_ms: DEFAULT_BLOCK_TIMEOUT_MS,
            fanout: None,
            promiscuous: false,
            snap_len: 0,
        }
    }
}

/// The ring as the kernel's `tpacket_req3` describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RingGeometry {
    pub block_size: u32,
    pub block_count: u32,
    pub frame_size: u32,
    pub block_timeout_ms: u32,
}

impl RingGeometry {
    pub fn frame_count(&self) -> u32 {
        self.block_size / self.frame_size * self.block_count
    }

    pub fn ring_bytes(&self) -> usize {
        self.block_size as usize * self.block_count as usize
    }
}

impl AfPacketConfig {
    /// Checks the whole configuration for `members` sockets; returns the ring geometry.
    pub(super) fn validate(&self, members: usize) -> io::Result<RingGeometry> {
        if self.interface.is_empty() {
            return Err(invalid_config(
                "no interface given: set `interface`, e.g. eth1",
            ));
        }
        if members == 0 {
            return Err(invalid_config(
                "0 members asked for: open at least one socket",
            ));
        }
        if members > 1 && self.fanout.is_none() {
            return Err(invalid_config(format!(
                "{members} members on {} without a fanout group would each see every packet: \
                 set `fanout`",
                self.interface
            )));
        }
        let page_size = page_size();
        if self.block_size == 0 || !self.block_size.is_multiple_of(page_size) {
            return Err(invalid_config(format!(
                "block_size {} is not a multiple of the page size ({page_size} bytes)",
                self.block_size
            )));
        }
        if self.block_count == 0 {
            return Err(invalid_config(
                "block_count is 0: the ring needs at least one block",
            ));
        }
        let min_frame = libc::TPACKET3_HDRLEN as u32;
        if self.frame_size < min_frame
            || !self.frame_size.is_multiple_of(FRAME_ALIGNMENT)
            || self.frame_size > self.block_size
        {
            return Err(invalid_config(format!(
                "frame_size {} must be a multiple of {FRAME_ALIGNMENT}, at least {min_frame} \
                 and at most block_size ({}); 2048 suits any Ethernet frame",
                self.frame_size, self.block_size
            )));
        }
        let frames = u64::from(self.block_size / self.frame_size) * u64::from(self.block_count);
        if frames > u64::from(u32::MAX)
            || u64::from(self.block_size) * u64::from(self.block_count) > isize::MAX as u64
        {
            return Err(invalid_config(format!(
                "a ring of {} blocks of {} bytes is too big: lower block_count",
                self.block_count, self.block_size
            )));
        }
        Ok(RingGeometry {
            block_size: self.block_size,
            block_count: self.block_count,
            frame_size: self.frame_size,
            block_timeout_ms: self.block_timeout_ms,
        })
    }
}

fn page_size() -> u32 {
    // SAFETY: sysconf only reads a system constant.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u32::try_from(size).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_eth1() -> AfPacketConfig {
        AfPacketConfig {
            interface: "eth1".into(),
            ..AfPacketConfig::default()
        }
    }

    #[test]
    fn defaults_give_a_64_mib_ring_of_1_mib_blocks() {
        let geometry = on_eth1().validate(1).unwrap();
        assert_eq!(geometry.ring_bytes(), 64 << 20);
        assert_eq!(geometry.frame_count(), 64 * 512);
        assert_eq!(geometry.block_timeout_ms, 10);
    }

    #[test]
    fn bad_geometry_is_explained() {
        let message = |config: AfPacketConfig| config.validate(1).unwrap_err().to_string();
        assert!(message(AfPacketConfig {
            block_size: 0,
            ..on_eth1()
        })
        .contains("page size"));
        assert!(message(AfPacketConfig {
            block_count: 0,
            ..on_eth1()
        })
        .contains("block_count is 0"));
        assert!(message(AfPacketConfig {
            frame_size: 2040,
            ..on_eth1()
        })
        .contains("multiple of 16"));
        assert!(message(AfPacketConfig {
            frame_size: 32,
            ..on_eth1()
        })
        .contains("at least"));
        assert!(message(AfPacketConfig {
            interface: String::new(),
            ..on_eth1()
        })
        .contains("no interface"));
    }

    #[test]
    fn members_beyond_one_need_a_fanout_group() {
        assert!(on_eth1().validate(2).is_err());
        let grouped = AfPacketConfig {
            fanout: Some(Fanout {
                group_id: 1,
                mode: FanoutMode::Cpu,
            }),
            ..on_eth1()
        };
        assert!(grouped.validate(4).is_ok());
        assert!(grouped.validate(0).is_err());
    }
}
