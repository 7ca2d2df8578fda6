//! AF_XDP sources for a mirror configuration: one per RX queue of the interface.

use std::io;
use std::time::Duration;

use floodwatch_capture::af_xdp::{open_af_xdp, AfXdpConfig, XdpMode, ZeroCopy};
use floodwatch_capture::PacketSource;

use crate::config::{MirrorConfig, XdpModeName, ZeroCopyName};
use crate::mirror_sources::MirrorSources;

pub fn open_xdp_sockets(config: &MirrorConfig) -> io::Result<MirrorSources> {
    let xdp = AfXdpConfig {
        mode: match config.xdp_mode {
            XdpModeName::Auto => XdpMode::Auto,
            XdpModeName::Native => XdpMode::Native,
            XdpModeName::Generic => XdpMode::Generic,
        },
        zero_copy: match config.zero_copy {
            ZeroCopyName::Auto => ZeroCopy::Auto,
            ZeroCopyName::On => ZeroCopy::On,
            ZeroCopyName::Off => ZeroCopy::Off,
        },
        frame_count: config.xdp_frame_count,
        ring_size: config.xdp_ring_size,
        max_batch_wait: Duration::from_millis(u64::from(config.batch_wait_ms)),
        ..AfXdpConfig::new(&config.interface)
    };
    let mut capture = open_af_xdp(&xdp)?;
    let ring_bytes =
        capture.queues().len() as u64 * u64::from(xdp.frame_count) * u64::from(xdp.frame_size);
    let detail = format!(
        "{} mode, {}{}, RX queue(s) {:?}, {} frames and {} ring entries per queue, {} MiB of UMEM in all",
        match capture.mode() {
            XdpMode::Native => "native",
            XdpMode::Generic => "generic (SKB)",
            XdpMode::Auto => "auto",
        },
        if capture.zero_copy() { "zero-copy" } else { "copy" },
        if capture.metadata() { "" } else { ", frames stamped by the reader (this kernel refuses XDP metadata)" },
        capture.queues(),
        xdp.frame_count,
        xdp.ring_size,
        ring_bytes >> 20,
    );
    let sources = capture
        .take_sources()
        .into_iter()
        .map(|s| Box::new(s) as Box<dyn PacketSource>)
        .collect();
    // The capture holds the XDP program on the interface: it lives as long as the sources.
    Ok(MirrorSources {
        sources,
        keep_alive: Some(Box::new(capture)),
        detail,
        ring_bytes,
    })
}
