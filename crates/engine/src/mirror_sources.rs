//! Opens the live packet sources a mirror configuration asks for.

use std::io;

use floodwatch_capture::af_packet::{
    link_bytes_per_second, open_af_packet, ring_blocks_per_member, AfPacketConfig, Fanout,
    FanoutMode,
};
use floodwatch_capture::PacketSource;

use crate::config::{CaptureEngine, FanoutName, MirrorConfig};

/// One source per worker thread, what must outlive them (an attached XDP program), and how
/// the port was opened, for the operator.
pub struct MirrorSources {
    pub sources: Vec<Box<dyn PacketSource>>,
    pub keep_alive: Option<Box<dyn Send>>,
    pub detail: String,
    /// Bytes of rings (or UMEM) mapped for the port, all its sources together.
    pub ring_bytes: u64,
}

pub fn open_mirror(config: &MirrorConfig, default_workers: usize) -> io::Result<MirrorSources> {
    match config.engine {
        CaptureEngine::AfPacket => open_packet_sockets(config, default_workers),
        CaptureEngine::AfXdp => crate::mirror_xdp::open_xdp_sockets(config),
    }
}

fn open_packet_sockets(config: &MirrorConfig, default_workers: usize) -> io::Result<MirrorSources> {
    let members = if config.workers > 0 {
        config.workers
    } else {
        default_workers
    }
    .max(1);
    let group_id = if config.fanout_group > 0 {
        config.fanout_group
    } else {
        fanout_group_for(&config.interface)
    };
    let mode = match config.fanout {
        FanoutName::Hash => FanoutMode::Hash,
        FanoutName::Cpu => FanoutMode::Cpu,
        FanoutName::Lb => FanoutMode::Lb,
    };
    let link_rate = link_bytes_per_second(&config.interface);
    let block_count = match config.block_count {
        0 => ring_blocks_per_member(link_rate, members, config.block_size),
        set => set,
    };
    let af_packet = AfPacketConfig {
        interface: config.interface.clone(),
        block_size: config.block_size,
        block_count,
        fanout: Some(Fanout { group_id, mode }),
        promiscuous: config.promiscuous,
        snap_len: config.snap_len,
        block_timeout_ms: config.batch_wait_ms,
        ..AfPacketConfig::default()
    };
    let sources = open_af_packet(&af_packet, members)?;
    let ring_bytes = members as u64 * u64::from(block_count) * u64::from(config.block_size);
    let sized = match (config.block_count, link_rate) {
        (0, Some(rate)) => format!(" (sized for {} Mbit/s)", rate * 8 / 1_000_000),
        (0, None) => " (link speed unknown: the smallest)".to_string(),
        _ => String::new(),
    };
    let detail = format!(
        "{members} fanout member(s) ({} fanout, group {group_id}), ring of {block_count} x {} KiB blocks each{sized}, {} MiB of rings in all{}",
        format!("{:?}", config.fanout).to_lowercase(),
        config.block_size / 1024,
        ring_bytes >> 20,
        if config.promiscuous { ", promiscuous" } else { "" }
    );
    Ok(MirrorSources {
        sources: sources
            .into_iter()
            .map(|s| Box::new(s) as Box<dyn PacketSource>)
            .collect(),
        keep_alive: None,
        detail,
        ring_bytes,
    })
}

/// Fanout group ids are per network namespace: one of this process's own per interface.
fn fanout_group_for(interface: &str) -> u16 {
    let mut hash = std::process::id();
    for b in interface.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(b as u32);
    }
    (hash % 0xfffe) as u16 + 1
}
