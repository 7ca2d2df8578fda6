//! Offline detection: a pcap or pcapng file read at full speed, its own timestamps as the
//! clock. Each `step` reads up to the next tick of file time and ticks the core there, so the
//! control plane runs the same detection policy as on live traffic, tick by tick.

use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use floodwatch_capture::pcap_file::{linktype::ETHERNET, packet_info, PcapReader};
use floodwatch_counters::{CounterConfig, LocalAggregator, Prefix, PrefixSet};
use floodwatch_detect::{SampleCollector, WatchList};
use floodwatch_packet::{FlowRecord, HeaderLink, PacketHeader, ParseOptions};

use crate::config::EngineConfig;
use crate::core::Core;

/// A frame held with its record (the reader lends its buffer only until the next packet).
struct PendingFrame {
    data: Vec<u8>,
    original_len: u32,
    timestamp_ns: u64,
}

impl PendingFrame {
    fn header(&self) -> PacketHeader<'_> {
        PacketHeader {
            link: HeaderLink::Ethernet,
            data: &self.data,
            original_len: self.original_len,
            timestamp_ns: self.timestamp_ns,
        }
    }
}

pub struct ReplayOptions {
    /// The file holds 1 in N of the packets (a sampled mirror).
    pub sampling_rate: u32,
    /// Count the packets inside GRE and GTP-U tunnels, not the tunnels.
    pub decapsulate: bool,
}

pub struct Replay {
    core: Arc<Mutex<Core>>,
    reader: PcapReader<File>,
    aggregator: LocalAggregator,
    samples: SampleCollector,
    parse: ParseOptions,
    sampling_rate: u32,
    tick_ms: u64,
    /// File time of the first packet, in ms since the epoch.
    start_ms: Option<u64>,
    /// File time of the next tick, in ms since the first packet.
    next_tick_ms: u64,
    /// A packet read past the current tick, counted after it.
    pending: Option<(u64, FlowRecord, Option<PendingFrame>)>,
    finished: bool,
    pub packets: u64,
    pub unparsed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// File time of the tick, in ms since the epoch.
    pub time_ms: u64,
    /// No packet is left after this tick.
    pub last: bool,
}

impl Replay {
    pub fn open(
        path: impl AsRef<Path>,
        config: &EngineConfig,
        options: ReplayOptions,
    ) -> Result<Replay, String> {
        let path = path.as_ref();
        let reader = PcapReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut networks = PrefixSet::new();
        for text in &config.networks {
            let prefix: Prefix = text
                .parse()
                .map_err(|e| format!("networks: '{text}' is not a prefix: {e}"))?;
            networks.insert(prefix, ());
        }
        let counters = CounterConfig {
            networks,
            tick_ms: config.tick_ms.max(1),
            average_window_ms: config.average_window_ms.max(config.tick_ms),
            idle_timeout_ms: config.idle_timeout_ms,
            max_hosts: config.max_hosts.max(1),
            max_spread_seconds: config.max_spread_seconds.max(1),
        };
        let watch = WatchList::new();
        Ok(Replay {
            aggregator: LocalAggregator::new(&counters),
            samples: SampleCollector::new(&watch).with_snap_len(config.fingerprint_snap_len),
            core: Arc::new(Mutex::new(
                Core::new(
                    counters,
                    watch,
                    config.fingerprint(),
                    config.min_evidence_datagrams,
                )
                .with_protect_fraction(config.protect_fraction),
            )),
            reader,
            parse: ParseOptions {
                decapsulate: options.decapsulate,
            },
            sampling_rate: options.sampling_rate.max(1),
            tick_ms: config.tick_ms.max(1),
            start_ms: None,
            next_tick_ms: config.tick_ms.max(1),
            pending: None,
            finished: false,
            packets: 0,
            unparsed: 0,
        })
    }

    pub fn core_handle(&self) -> Arc<Mutex<Core>> {
        self.core.clone()
    }

    pub fn core(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Packets whose capture stopped mid-record at the end of the file (a cut capture).
    pub fn truncated(&self) -> bool {
        self.reader.truncation().is_some()
    }

    /// Reads up to the next tick, ticks, and says when; None once the file is done.
    pub fn step(&mut self) -> Result<Option<Step>, String> {
        if self.finished {
            return Ok(None);
        }
        if let Some((at, record, frame)) = self.pending.take() {
            if at >= self.next_tick_ms {
                self.pending = Some((at, record, frame));
                return Ok(Some(self.tick(false)));
            }
            count(
                &mut self.aggregator,
                &mut self.samples,
                &record,
                frame.as_ref().map(PendingFrame::header).as_ref(),
            );
        }
        loop {
            let packet = match self.reader.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => {
                    self.finished = true;
                    return Ok(Some(self.tick(true)));
                }
                Err(e) => return Err(e.to_string()),
            };
            let time_ms = packet.timestamp_ns / 1_000_000;
            let start = *self.start_ms.get_or_insert(time_ms);
            let at = time_ms.saturating_sub(start);
            self.packets += 1;
            let record = match packet_info(packet.linktype, packet.data, &self.parse) {
                Ok(info) => FlowRecord::packet(&info, self.sampling_rate),
                Err(_) => {
                    self.unparsed += 1;
                    continue;
                }
            };
            let header = (packet.linktype == ETHERNET).then_some(PacketHeader {
                link: HeaderLink::Ethernet,
                data: packet.data,
                original_len: packet.original_len,
                timestamp_ns: packet.timestamp_ns,
            });
            if at >= self.next_tick_ms {
                let frame = header.map(|h| PendingFrame {
                    data: h.data.to_vec(),
                    original_len: h.original_len,
                    timestamp_ns: h.timestamp_ns,
                });
                self.pending = Some((at, record, frame));
                return Ok(Some(self.tick(false)));
            }
            count(
                &mut self.aggregator,
                &mut self.samples,
                &record,
                header.as_ref(),
            );
        }
    }

    fn tick(&mut self, last: bool) -> Step {
        let now = self.next_tick_ms;
        let batch = self.aggregator.take_batch();
        let samples = self.samples.take();
        let packets = self.samples.take_packets();
        let recent = self.samples.take_recent();
        {
            let mut core = self.core.lock().unwrap_or_else(|p| p.into_inner());
            core.apply(batch, &samples, packets, recent);
            core.tick(now);
        }
        self.next_tick_ms += self.tick_ms;
        Step {
            time_ms: self.start_ms.unwrap_or(0) + now,
            last,
        }
    }
}

fn count(
    aggregator: &mut LocalAggregator,
    samples: &mut SampleCollector,
    record: &FlowRecord,
    header: Option<&PacketHeader<'_>>,
) {
    aggregator.add(record);
    match header {
        Some(header) => samples.offer_packet(record, header),
        None => samples.offer(record),
    }
}
