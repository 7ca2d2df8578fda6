//! What the ticker owns: the host table, the thresholds checked on every tick, the samples of
//! watched hosts and the queue of violations the control plane drains. The live engine and the
//! offline replay share it.

use std::collections::VecDeque;
use std::net::IpAddr;

use ahash::AHashMap;
use floodwatch_counters::{CounterConfig, DeltaBatch, Direction, HostTable};
use floodwatch_capture::pcap_file::PcapWriter;
use floodwatch_detect::{
    check, classify, over, AttackSamples, AttackType, CapturedPacket, FingerprintConfig, FingerprintStore, RecentRecords, SampleStore, Thresholds,
    Violation, WatchList,
};
use floodwatch_packet::{FlowRecord, HeaderLink};

/// Locally administered addresses, EtherType filled per packet.
const ETHERNET_HEADER: [u8; 14] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0, 0];

/// A host over a threshold is reported again at most this often.
const REPORT_INTERVAL_MS: u64 = 1000;
/// Violations kept until the control plane drains them; past it the oldest go.
const MAX_QUEUED_VIOLATIONS: usize = 10_000;
/// How far back the sample of all traffic goes when a host starts being watched.
const RECENT_KEEP_MS: u64 = 2000;

pub struct Core {
    pub table: HostTable,
    thresholds: Thresholds,
    samples: SampleStore,
    fingerprints: FingerprintStore,
    watch: WatchList,
    violations: VecDeque<Violation>,
    /// Samples of the traffic of hosts not watched, of the last ticks, by arrival.
    recent: VecDeque<(u64, RecentRecords)>,
    last_reported: AHashMap<(IpAddr, Direction), u64>,
    pub violations_dropped: u64,
    min_evidence: u32,
}

impl Core {
    pub fn new(config: CounterConfig, watch: WatchList, fingerprint: FingerprintConfig, min_evidence: u32) -> Core {
        Core {
            table: HostTable::new(config),
            thresholds: Thresholds::default(),
            samples: SampleStore::new(&watch),
            fingerprints: FingerprintStore::new(&watch, fingerprint),
            watch,
            violations: VecDeque::new(),
            recent: VecDeque::new(),
            last_reported: AHashMap::new(),
            violations_dropped: 0,
            min_evidence,
        }
    }

    pub fn apply(&mut self, batch: DeltaBatch, samples: &[FlowRecord], packets: Vec<CapturedPacket>, recent: RecentRecords) {
        self.table.apply(batch);
        if !samples.is_empty() {
            self.samples.add(samples);
        }
        self.fingerprints.add(packets);
        let now_ms = self.table.now_ms();
        while self.recent.front().is_some_and(|(at, _)| now_ms.saturating_sub(*at) > RECENT_KEEP_MS) {
            self.recent.pop_front();
        }
        if !recent.records.is_empty() {
            self.recent.push_back((now_ms, recent));
        }
    }

    pub fn tick(&mut self, now_ms: u64) {
        self.table.tick(now_ms);
        for violation in check(&self.table, &self.thresholds, self.min_evidence) {
            let key = (violation.ip, violation.direction);
            if let Some(last) = self.last_reported.get(&key) {
                if now_ms < last + REPORT_INTERVAL_MS {
                    continue;
                }
            }
            self.last_reported.insert(key, now_ms);
            if self.violations.len() >= MAX_QUEUED_VIOLATIONS {
                self.violations.pop_front();
                self.violations_dropped += 1;
            }
            self.violations.push_back(violation);
        }
        if self.last_reported.len() > MAX_QUEUED_VIOLATIONS {
            self.last_reported.retain(|_, at| now_ms < *at + REPORT_INTERVAL_MS);
        }
    }

    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.thresholds = thresholds;
    }

    pub fn drain_violations(&mut self) -> Vec<Violation> {
        self.violations.drain(..).collect()
    }

    /// The limit `ip` is over right now in `direction`: (metric, threshold, observed).
    pub fn over(&self, ip: &IpAddr, direction: Direction) -> Option<(&'static str, f64, f64)> {
        let view = self.table.host(ip)?;
        let (group, _) = self.thresholds.group_of(ip);
        over(&view, direction, &self.thresholds, group)
    }

    pub fn group_of(&self, ip: &IpAddr) -> String {
        self.thresholds.group_of(ip).1.to_string()
    }

    pub fn classify(&self, ip: &IpAddr, direction: Direction) -> AttackType {
        let Some(view) = self.table.host(ip) else { return "unknown" };
        let samples = self.samples.summary(ip);
        classify(view.direction(direction), samples.as_ref().map(|s| s.direction(direction)))
    }

    /// Keeps samples of `ip` from now on, starting from what the sample of the last seconds'
    /// traffic holds of it.
    pub fn watch(&mut self, ip: IpAddr) {
        self.watch.watch(ip);
        self.samples.seed(&ip, self.recent.iter().map(|(_, recent)| recent));
    }

    /// Stops keeping samples for `ip` and forgets those kept.
    pub fn unwatch(&mut self, ip: &IpAddr) {
        self.watch.unwatch(ip);
        self.samples.forget(ip);
        self.fingerprints.forget(ip);
    }

    /// The packets kept of `ip` since its watch started, as a pcap file (Ethernet frames; bare
    /// IP headers get an Ethernet header of their own); `None` when none was kept.
    pub fn fingerprint_pcap(&self, ip: &IpAddr) -> Option<Vec<u8>> {
        let packets = self.fingerprints.packets(ip);
        if packets.is_empty() {
            return None;
        }
        let snap_len = self.fingerprints.config().snap_len as u32 + ETHERNET_HEADER.len() as u32;
        let mut writer = PcapWriter::new(Vec::new(), snap_len).ok()?;
        let mut framed = Vec::new();
        for packet in packets {
            let (data, original_len) = match packet.link {
                HeaderLink::Ethernet => (&packet.data[..], packet.original_len),
                HeaderLink::Ip => {
                    framed.clear();
                    framed.extend_from_slice(&ETHERNET_HEADER);
                    let ethertype: [u8; 2] = if packet.data.first().map(|b| b >> 4) == Some(6) { [0x86, 0xdd] } else { [0x08, 0x00] };
                    framed[12..14].copy_from_slice(&ethertype);
                    framed.extend_from_slice(&packet.data);
                    (&framed[..], packet.original_len + ETHERNET_HEADER.len() as u32)
                }
            };
            writer.write_packet(packet.timestamp_ns, original_len, data).ok()?;
        }
        Some(writer.into_inner())
    }

    pub fn samples(&self, ip: &IpAddr) -> Option<AttackSamples> {
        self.samples.summary(ip)
    }

    pub fn sampled_records(&self, ip: &IpAddr) -> Vec<FlowRecord> {
        self.samples.records(ip)
    }
}
