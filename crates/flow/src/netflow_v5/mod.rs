//! NetFlow v5: a 24-byte header and `count` fixed 48-byte IPv4 flow records.

use std::net::{IpAddr, Ipv4Addr};

use floodwatch_packet::{FlowRecord, RecordSink};

use crate::bytes::{be_u16, be_u32};
use crate::exporter::Outcome;
use crate::{DropReason, ExporterStats};

#[cfg(test)]
mod tests;

const HEADER_LEN: usize = 24;
const RECORD_LEN: usize = 48;
/// sampling_interval: the top 2 bits are the sampling mode, the rest the 1-in-N rate.
const SAMPLING_RATE_MASK: u16 = 0x3FFF;

pub(crate) fn decode<S: RecordSink>(
    datagram: &[u8],
    stats: &mut ExporterStats,
    sink: &mut S,
) -> Outcome {
    let (Some(count), Some(sampling)) = (be_u16(datagram, 2), be_u16(datagram, 22)) else {
        return Outcome::failed(DropReason::Truncated);
    };
    let end = HEADER_LEN + count as usize * RECORD_LEN;
    let Some(records) = datagram.get(HEADER_LEN..end) else {
        return Outcome::failed(DropReason::Truncated);
    };
    let rate = (sampling & SAMPLING_RATE_MASK).max(1) as u32;
    stats.sampling_rate = rate;
    for r in records.chunks_exact(RECORD_LEN) {
        sink.record(&flow(r, rate));
    }
    Outcome {
        records: count as u32,
        ..Outcome::default()
    }
}

fn flow(r: &[u8], rate: u32) -> FlowRecord {
    let u32_at = |at| be_u32(r, at).unwrap_or(0);
    let u16_at = |at| be_u16(r, at).unwrap_or(0);
    let (first, last) = (u32_at(24), u32_at(28));
    let duration = last.wrapping_sub(first);
    FlowRecord {
        src: IpAddr::V4(Ipv4Addr::from(u32_at(0))),
        dst: IpAddr::V4(Ipv4Addr::from(u32_at(4))),
        // 8 next hop
        input_interface: u16_at(12) as u32,
        output_interface: u16_at(14) as u32,
        packets: u32_at(16) as u64,
        bytes: u32_at(20) as u64,
        src_port: u16_at(32),
        dst_port: u16_at(34),
        // 36 pad
        tcp_flags: r[37],
        protocol: r[38],
        // 39 tos, 40 AS numbers, 44 masks, 46 pad
        fragment: false,
        sampling_rate: rate,
        // Uptime wraps after 49.7 days: a "negative" span is an exporter glitch, not a wrap.
        duration_ms: if duration > i32::MAX as u32 {
            0
        } else {
            duration
        },
    }
}
