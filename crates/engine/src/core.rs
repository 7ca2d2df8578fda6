//! What the ticker owns: the host table, the thresholds checked on every tick, the samples of
//! watched hosts and the queue of violations the control plane drains. The live engine and the
//! offline replay share it.

use std::collections::VecDeque;
use std::net::IpAddr;

use ahash::AHashMap;
use floodwatch_capture::pcap_file::PcapWriter;
use floodwatch_counters::{CounterConfig, DeltaBatch, Direction, HostRef, HostTable, Promotion};
use floodwatch_detect::{
    check, classify, over, AttackSamples, AttackType, CapturedPacket, FingerprintConfig,
    FingerprintStore, RecentRecords, SampleStore, Thresholds, Violation, WatchList,
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
/// A host is promoted from the compact tier to full counters at this part of the lowest
/// threshold of any hostgroup, and at 1000 pps or 10 Mbit/s whatever the thresholds.
const PROMOTE_FRACTION: f64 = 0.1;
const PROMOTE_MAX: Promotion = Promotion {
    pps: 1000.0,
    bps: 10e6,
};
/// The default of `protect_fraction`.
pub const DEFAULT_PROTECT_FRACTION: f64 = 0.5;
/// Once this many hosts left the table, the allocator is asked to give freed pages back to the
/// system, at most every TRIM_INTERVAL_MS: the table's memory shrinks back after a spray.
const TRIM_AFTER_EVICTIONS: u64 = 50_000;
const TRIM_INTERVAL_MS: u64 = 5_000;

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
    protect_fraction: f64,
    /// Evictions and time at the last trim of freed memory.
    trimmed: (u64, u64),
    /// A sensor's aggregates for the detectors, until taken (crate::cluster).
    pub(crate) outbox: Option<floodwatch_counters::wire::PartitionedWriter>,
}

impl Core {
    pub fn new(
        config: CounterConfig,
        watch: WatchList,
        fingerprint: FingerprintConfig,
        min_evidence: u32,
    ) -> Core {
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
            protect_fraction: DEFAULT_PROTECT_FRACTION,
            trimmed: (0, 0),
            outbox: None,
        }
    }

    /// Hosts at or over this part of one of their thresholds are never evicted to make room.
    pub fn with_protect_fraction(mut self, fraction: f64) -> Core {
        self.protect_fraction = fraction;
        self
    }

    pub fn apply(
        &mut self,
        batch: DeltaBatch,
        samples: &[FlowRecord],
        packets: Vec<CapturedPacket>,
        recent: RecentRecords,
    ) {
        if let Some(outbox) = &mut self.outbox {
            outbox.add(&batch);
            outbox.add_sample(&recent.records, recent.seen);
        }
        self.table.apply(batch);
        if !samples.is_empty() {
            self.samples.add(samples);
        }
        self.fingerprints.add(packets);
        let now_ms = self.table.now_ms();
        while self
            .recent
            .front()
            .is_some_and(|(at, _)| now_ms.saturating_sub(*at) > RECENT_KEEP_MS)
        {
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
        let (thresholds, fraction) = (&self.thresholds, self.protect_fraction);
        self.table
            .protect_updated(|host| near_threshold(host, thresholds, fraction));
        let evicted = self.table.evictions();
        if evicted >= self.trimmed.0 + TRIM_AFTER_EVICTIONS
            && now_ms >= self.trimmed.1 + TRIM_INTERVAL_MS
        {
            self.trimmed = (evicted, now_ms);
            release_freed_memory();
        }
        if self.last_reported.len() > MAX_QUEUED_VIOLATIONS {
            self.last_reported
                .retain(|_, at| now_ms < *at + REPORT_INTERVAL_MS);
        }
    }

    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.table.set_promotion(promotion_for(&thresholds));
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
        let Some(view) = self.table.host(ip) else {
            return AttackType::Unknown;
        };
        let samples = self.samples.summary(ip);
        classify(
            view.direction(direction),
            samples.as_ref().map(|s| s.direction(direction)),
        )
    }

    /// Keeps samples of `ip` from now on, starting from what the sample of the last seconds'
    /// traffic holds of it.
    pub fn watch(&mut self, ip: IpAddr) {
        self.watch.watch(ip);
        self.samples
            .seed(&ip, self.recent.iter().map(|(_, recent)| recent));
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
                    let ethertype: [u8; 2] = if packet.data.first().map(|b| b >> 4) == Some(6) {
                        [0x86, 0xdd]
                    } else {
                        [0x08, 0x00]
                    };
                    framed[12..14].copy_from_slice(&ethertype);
                    framed.extend_from_slice(&packet.data);
                    (
                        &framed[..],
                        packet.original_len + ETHERNET_HEADER.len() as u32,
                    )
                }
            };
            writer
                .write_packet(packet.timestamp_ns, original_len, data)
                .ok()?;
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

/// Whether `host` is at or over `fraction` of one of its group's limits.
fn near_threshold(host: &HostRef<'_>, thresholds: &Thresholds, fraction: f64) -> bool {
    let ip = host.ip();
    let Some(group) = thresholds.group(thresholds.group_of(&ip).0) else {
        return false;
    };
    Direction::BOTH.into_iter().any(|direction| {
        group.limits(direction).enabled().any(|(slot, limit)| {
            slot.in_unit(host.speed(direction, slot.metric())) >= fraction * limit
        })
    })
}

/// The speeds past which a host needs full counters: a part of the lowest limit of any group
/// (a protocol's speed and a host's flows are never more than its packets or bits per second).
/// With every limit off, every host gets full counters.
fn promotion_for(thresholds: &Thresholds) -> Promotion {
    let mut lowest = Promotion {
        pps: f64::INFINITY,
        bps: f64::INFINITY,
    };
    let mut any = false;
    for group in thresholds.groups() {
        for direction in Direction::BOTH {
            for (slot, limit) in group.limits(direction).enabled() {
                any = true;
                let counter_limit = limit / slot.in_unit(1.0);
                match slot.metric() {
                    floodwatch_counters::Metric::Bps | floodwatch_counters::Metric::ClassBps(_) => {
                        lowest.bps = lowest.bps.min(counter_limit)
                    }
                    _ => lowest.pps = lowest.pps.min(counter_limit),
                }
            }
        }
    }
    if !any {
        return Promotion::default();
    }
    Promotion {
        pps: (PROMOTE_FRACTION * lowest.pps).min(PROMOTE_MAX.pps),
        bps: (PROMOTE_FRACTION * lowest.bps).min(PROMOTE_MAX.bps),
    }
}

/// Gives the pages of freed allocations back to the system (glibc keeps them otherwise).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_detect::{Group, Limits, MetricSlot};

    #[test]
    fn hosts_are_promoted_at_a_tenth_of_the_lowest_limit_and_never_later_than_1000_pps() {
        assert_eq!(
            promotion_for(&Thresholds::default()),
            Promotion::default(),
            "every limit off: every host full"
        );
        let limits = Limits::default()
            .with(MetricSlot::Pps, 20_000.0)
            .with(MetricSlot::Mbps, 1000.0)
            .with(MetricSlot::TcpSynPps, 5000.0);
        let thresholds = Thresholds::new(Group {
            name: "global".into(),
            incoming: limits,
            outgoing: Limits::default(),
        });
        assert_eq!(
            promotion_for(&thresholds),
            Promotion {
                pps: 500.0,
                bps: 10e6
            }
        );
        let high = Limits::default()
            .with(MetricSlot::Pps, 1e6)
            .with(MetricSlot::UdpMbps, 50.0);
        let thresholds = Thresholds::new(Group {
            name: "global".into(),
            incoming: Limits::default(),
            outgoing: high,
        });
        assert_eq!(
            promotion_for(&thresholds),
            Promotion {
                pps: 1000.0,
                bps: 5e6
            }
        );
    }
}
