//! A mirror-port worker: one live packet source (an AF_PACKET fanout member or an AF_XDP
//! queue), its own aggregator and sample collector, reporting to the ticker every tick like
//! the flow workers do.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Sender;
use floodwatch_capture::{Frame, PacketSource, SourceStats};
use floodwatch_counters::LocalAggregator;
use floodwatch_detect::SampleCollector;
use floodwatch_packet::{parse_ethernet_with, FlowRecord, HeaderLink, PacketHeader, ParseOptions};

use crate::export::{Exporter, Telemetry};
use crate::flow_worker::WorkerReport;

pub struct MirrorWorkerSetup {
    pub index: usize,
    pub source: Box<dyn PacketSource>,
    pub aggregator: LocalAggregator,
    pub samples: SampleCollector,
    pub parse: ParseOptions,
    /// The mirror carries 1 in N packets.
    pub sampling_rate: u32,
    pub tick_ms: u64,
    pub clock: Instant,
    pub stop: Arc<AtomicBool>,
    pub reports: Sender<WorkerReport>,
    /// Set when the packets are exported.
    pub export: Option<Exporter>,
}

/// What a mirror worker does with each frame: parse it (unless its source read the headers
/// already), count it for its hosts, and keep it as a sample if one of them is watched.
pub struct FrameCounter {
    pub aggregator: LocalAggregator,
    pub samples: SampleCollector,
    parse: ParseOptions,
    sampling_rate: u32,
    /// Frames that are not IP (ARP, LLDP...) or do not parse.
    pub unparsed: u64,
    /// Set when the packets are exported.
    pub export: Option<Exporter>,
}

impl FrameCounter {
    pub fn new(
        aggregator: LocalAggregator,
        samples: SampleCollector,
        parse: ParseOptions,
        sampling_rate: u32,
    ) -> FrameCounter {
        FrameCounter {
            aggregator,
            samples,
            parse,
            sampling_rate,
            unparsed: 0,
            export: None,
        }
    }

    #[inline]
    pub fn count(&mut self, frame: &Frame<'_>) {
        let parsed;
        let info = match frame.parsed {
            // Decapsulation looks inside the packet, which the source's reading did not.
            Some(info) if !self.parse.decapsulate => info,
            _ => match parse_ethernet_with(frame.data, &self.parse) {
                Ok(info) => {
                    parsed = info;
                    &parsed
                }
                Err(_) => {
                    self.unparsed += 1;
                    return;
                }
            },
        };
        let record = FlowRecord::packet(info, self.sampling_rate);
        self.aggregator.add(&record);
        let header = PacketHeader {
            link: HeaderLink::Ethernet,
            data: frame.data,
            original_len: frame.original_len,
            timestamp_ns: frame.timestamp_ns,
        };
        self.samples.offer_packet(&record, &header);
        if let Some(export) = &mut self.export {
            export.begin(Telemetry::Mirror, None, frame.timestamp_ns);
            export.export(
                &record,
                self.sampling_rate,
                frame.original_len as u64,
                info.vlan,
            );
        }
    }
}

pub fn run(setup: MirrorWorkerSetup) {
    let MirrorWorkerSetup {
        index,
        mut source,
        aggregator,
        samples,
        parse,
        sampling_rate,
        tick_ms,
        clock,
        stop,
        reports,
        export,
    } = setup;
    let mut counter = FrameCounter::new(aggregator, samples, parse, sampling_rate);
    counter.export = export;
    let now_ms = || clock.elapsed().as_millis() as u64;
    let mut next_flush = now_ms() + tick_ms;
    let mut last_error: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        // An idle port wakes the worker once per tick, for its report.
        let poll_timeout = next_flush.saturating_sub(now_ms()).clamp(1, tick_ms) as i32;
        if let Err(e) = source.poll(poll_timeout, &mut |frame| counter.count(frame)) {
            // An interface gone down: keep trying; the report carries the reason.
            last_error = Some(e.to_string());
            std::thread::sleep(std::time::Duration::from_millis(poll_timeout as u64));
        }
        let now = now_ms();
        if now >= next_flush {
            if let Some(export) = &mut counter.export {
                export.flush();
            }
            let report = WorkerReport {
                worker: index,
                batch: counter.aggregator.take_batch(),
                samples: counter.samples.take(),
                packets: counter.samples.take_packets(),
                recent: counter.samples.take_recent(),
                sources: None,
                mirror: Some(MirrorReport {
                    name: source.name().to_string(),
                    stats: source.stats(),
                    unparsed: counter.unparsed,
                    error: last_error.take(),
                }),
            };
            if reports.send(report).is_err() {
                break;
            }
            next_flush = now + tick_ms;
        }
    }
}

#[derive(Clone, Debug)]
pub struct MirrorReport {
    pub name: String,
    pub stats: SourceStats,
    pub unparsed: u64,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_counters::{CounterConfig, Prefix};
    use floodwatch_detect::WatchList;
    use floodwatch_packet::PacketInfo;

    fn counter(decapsulate: bool) -> FrameCounter {
        let networks = ["10.0.0.0/8".parse::<Prefix>().unwrap()]
            .into_iter()
            .collect();
        let aggregator = LocalAggregator::new(&CounterConfig::with_networks(networks));
        FrameCounter::new(
            aggregator,
            SampleCollector::new(&WatchList::new()),
            ParseOptions { decapsulate },
            1,
        )
    }

    fn read_by_the_source() -> PacketInfo {
        PacketInfo {
            src: "192.0.2.1".parse().unwrap(),
            dst: "10.0.0.1".parse().unwrap(),
            protocol: 17,
            src_port: 123,
            dst_port: 4444,
            tcp_flags: 0,
            fragment: false,
            ip_length: 468,
            vlan: None,
        }
    }

    #[test]
    fn a_frame_the_source_read_is_counted_from_that_reading() {
        let info = read_by_the_source();
        // Bytes that do not parse: only the source's reading can count this frame.
        let frame = Frame {
            data: &[0u8; 20],
            original_len: 20,
            timestamp_ns: 0,
            vlan_tci: None,
            parsed: Some(&info),
        };
        let mut c = counter(false);
        c.count(&frame);
        assert_eq!((c.unparsed, c.aggregator.take_batch().records()), (0, 1));
        // Decapsulation needs the bytes: the reading is set aside.
        let mut c = counter(true);
        c.count(&frame);
        assert_eq!((c.unparsed, c.aggregator.take_batch().records()), (1, 0));
    }
}
