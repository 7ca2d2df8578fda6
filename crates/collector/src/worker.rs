//! One worker thread: its own socket on every listen address, its own decoder (templates stay
//! with the exporter, since SO_REUSEPORT hashes an exporter to the same socket every time) and
//! its own aggregator. It shares nothing with the other workers; every tick it sends what it
//! counted to the ticker.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ahash::AHashMap;
use crossbeam_channel::Sender;
use floodwatch_counters::{DeltaBatch, LocalAggregator, PrefixMap, PrefixSet};
use floodwatch_detect::{CapturedPacket, SampleCollector};
use floodwatch_flow::{Decoder, ExporterStats};
use floodwatch_packet::{FlowRecord, InterfaceCounters};

use crate::sink::{AgentInterfaces, CountingSink};
use crate::socket::{pollfd, wait_readable, Batch};

/// What the collector itself counts per exporter, besides what the decoder counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListenerDrops {
    /// Datagrams from an address outside `allowed_exporters`.
    pub not_allowed: u64,
    /// Datagrams larger than the receive buffer.
    pub oversized: u64,
}

pub struct WorkerReport {
    pub worker: usize,
    pub batch: DeltaBatch,
    /// Records to or from watched hosts.
    pub samples: Vec<FlowRecord>,
    /// Packet headers to or from watched hosts, for their fingerprints.
    pub packets: Vec<CapturedPacket>,
    pub exporters: Vec<(SocketAddr, ExporterStats)>,
    pub listener_drops: Vec<(SocketAddr, ListenerDrops)>,
    pub agents: Vec<(IpAddr, InterfaceCounters)>,
    /// A mirror worker's source counters.
    pub mirror: Option<crate::mirror::MirrorReport>,
}

pub struct WorkerSetup {
    pub index: usize,
    pub sockets: Vec<UdpSocket>,
    pub decoder: Decoder,
    pub aggregator: LocalAggregator,
    pub samples: SampleCollector,
    pub allowed: Option<PrefixSet>,
    pub sampling_overrides: PrefixMap<u32>,
    pub batch_size: usize,
    pub tick_ms: u64,
    pub clock: Instant,
    pub stop: Arc<AtomicBool>,
    pub reports: Sender<WorkerReport>,
}

pub fn run(mut w: WorkerSetup) {
    let mut fds: Vec<libc::pollfd> = w.sockets.iter().map(pollfd).collect();
    let mut batch = Batch::new(w.batch_size);
    let mut listener_drops: AHashMap<SocketAddr, ListenerDrops> = AHashMap::new();
    let mut agents = AgentInterfaces::new();
    let now_ms = |clock: &Instant| clock.elapsed().as_millis() as u64;
    let mut next_flush = now_ms(&w.clock) + w.tick_ms;
    let mut next_expire = now_ms(&w.clock) + 1000;
    let poll_timeout = (w.tick_ms / 2).max(1) as i32;

    while !w.stop.load(Ordering::Relaxed) {
        if wait_readable(&mut fds, poll_timeout).is_err() {
            std::thread::sleep(std::time::Duration::from_millis(poll_timeout as u64));
        }
        let now = now_ms(&w.clock);
        for fd in &fds {
            if fd.revents == 0 {
                continue;
            }
            // Drain the socket, but come back to flush on time under a steady flood.
            loop {
                // EAGAIN once the socket is drained; UDP sockets report nothing else here.
                let received = batch.receive(fd.fd).unwrap_or(0);
                for i in 0..received {
                    let Some(datagram) = batch.get(i) else { continue };
                    if datagram.truncated {
                        listener_drops.entry(datagram.from).or_default().oversized += 1;
                        continue;
                    }
                    let exporter_ip = datagram.from.ip().to_canonical();
                    if let Some(allowed) = &w.allowed {
                        if !allowed.contains(&exporter_ip) {
                            listener_drops.entry(datagram.from).or_default().not_allowed += 1;
                            continue;
                        }
                    }
                    w.aggregator.begin_datagram();
                    let mut sink = CountingSink {
                        aggregator: &mut w.aggregator,
                        samples: &mut w.samples,
                        sampling_override: w.sampling_overrides.longest_match(&exporter_ip).copied(),
                        agents: &mut agents,
                    };
                    let _ = w.decoder.decode(datagram.from, now, datagram.data, &mut sink);
                }
                if received < w.batch_size || now_ms(&w.clock) >= next_flush {
                    break;
                }
            }
        }
        let now = now_ms(&w.clock);
        if now >= next_expire {
            w.decoder.expire(now);
            next_expire = now + 1000;
        }
        if now >= next_flush {
            let report = WorkerReport {
                worker: w.index,
                batch: w.aggregator.take_batch(),
                samples: w.samples.take(),
                packets: w.samples.take_packets(),
                exporters: w.decoder.exporters().map(|(a, s)| (*a, s.clone())).collect(),
                listener_drops: listener_drops.iter().map(|(a, d)| (*a, *d)).collect(),
                agents: agents.drain().map(|((ip, _), c)| (ip, c)).collect(),
                mirror: None,
            };
            if w.reports.send(report).is_err() {
                break;
            }
            next_flush = now + w.tick_ms;
        }
    }
}
