//! One worker thread: its own socket on every listen address, its own decoder (templates stay
//! with the exporter, since SO_REUSEPORT hashes an exporter to the same socket every time) and
//! its own aggregator. It shares nothing with the other workers; every tick it sends what it
//! counted to the ticker, and every half second or so a bounded summary of its sources.

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Sender;
use floodwatch_counters::{DeltaBatch, LocalAggregator, PrefixMap, PrefixSet};
use floodwatch_detect::{CapturedPacket, RecentRecords, SampleCollector};
use floodwatch_flow::Decoder;
use floodwatch_packet::FlowRecord;

use crate::export::{Exporter, ExportingSink, Telemetry};
use crate::sink::{AgentInterfaces, CountingSink};
use crate::socket::{pollfd, wait_readable, Batch};
use crate::sources::{FlowSourcesReport, ListenerDropTable, EXPORTERS_LISTED};

/// How often a worker that heard anything reports its sources. Below the 600 ms that test
/// helpers wait for counts to settle, and far from every tick: a summary costs a pass over the
/// decoder's exporters.
pub const SOURCES_REPORT_MS: u64 = 500;

pub struct WorkerReport {
    pub worker: usize,
    pub batch: DeltaBatch,
    /// Records to or from watched hosts.
    pub samples: Vec<FlowRecord>,
    /// Packet headers to or from watched hosts, for their fingerprints.
    pub packets: Vec<CapturedPacket>,
    /// A sample of the records of the hosts not watched.
    pub recent: RecentRecords,
    /// A flow worker's sources, when due.
    pub sources: Option<FlowSourcesReport>,
    /// A mirror worker's source counters.
    pub mirror: Option<crate::mirror_worker::MirrorReport>,
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
    /// Set when the records are exported.
    pub export: Option<Exporter>,
}

pub fn run(mut w: WorkerSetup) {
    let mut fds: Vec<libc::pollfd> = w.sockets.iter().map(pollfd).collect();
    let mut batch = Batch::new(w.batch_size);
    let mut listener_drops = ListenerDropTable::default();
    let mut agents = AgentInterfaces::new();
    let now_ms = |clock: &Instant| clock.elapsed().as_millis() as u64;
    let mut next_flush = now_ms(&w.clock) + w.tick_ms;
    let mut next_expire = now_ms(&w.clock) + 1000;
    // The first datagram after a quiet spell is reported on the next tick.
    let mut next_sources = now_ms(&w.clock);
    // Anything heard (or expired) since the last sources report.
    let mut sources_changed = false;
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
                sources_changed |= received > 0;
                for i in 0..received {
                    let Some(datagram) = batch.get(i) else {
                        continue;
                    };
                    if datagram.truncated {
                        listener_drops.entry(datagram.from, now).oversized += 1;
                        continue;
                    }
                    let exporter_ip = datagram.from.ip().to_canonical();
                    if let Some(allowed) = &w.allowed {
                        if !allowed.contains(&exporter_ip) {
                            listener_drops.entry(datagram.from, now).not_allowed += 1;
                            continue;
                        }
                    }
                    w.aggregator.begin_datagram();
                    let sampling_override =
                        w.sampling_overrides.longest_match(&exporter_ip).copied();
                    let mut sink = CountingSink {
                        aggregator: &mut w.aggregator,
                        samples: &mut w.samples,
                        sampling_override,
                        agents: &mut agents,
                    };
                    match &mut w.export {
                        None => {
                            let _ = w
                                .decoder
                                .decode(datagram.from, now, datagram.data, &mut sink);
                        }
                        Some(export) => {
                            export.begin(
                                Telemetry::of_datagram(datagram.data),
                                Some(exporter_ip),
                                0,
                            );
                            let mut sink = ExportingSink {
                                inner: sink,
                                export,
                                sampling_override,
                            };
                            let _ = w
                                .decoder
                                .decode(datagram.from, now, datagram.data, &mut sink);
                        }
                    }
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
            // Held data expired or exporters forgotten: counters moved.
            sources_changed |= w.decoder.stats().exporters > 0;
        }
        if now >= next_flush {
            if let Some(export) = &mut w.export {
                export.flush();
            }
            let sources = (sources_changed && now >= next_sources).then(|| {
                sources_changed = false;
                next_sources = now + SOURCES_REPORT_MS;
                let (agents, agents_refused) = agents.take();
                FlowSourcesReport {
                    exporters: w.decoder.summary(EXPORTERS_LISTED),
                    decoder: w.decoder.stats(),
                    listener_drops: listener_drops.summary(),
                    agents,
                    agents_refused,
                }
            });
            let report = WorkerReport {
                worker: w.index,
                batch: w.aggregator.take_batch(),
                samples: w.samples.take(),
                packets: w.samples.take_packets(),
                recent: w.samples.take_recent(),
                sources,
                mirror: None,
            };
            if w.reports.send(report).is_err() {
                break;
            }
            next_flush = now + w.tick_ms;
        }
    }
}
