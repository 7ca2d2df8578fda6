//! Per-worker accumulation of what one tick's records add to each host.

use crate::class::{ClassCounts, ClassSet};
use crate::config::{CounterConfig, Direction};
use crate::key::HostKey;
use crate::prefix::PrefixSet;
use crate::sketch::{flow_hash, FlowSketch};
use crate::spread::spread_seconds;
use floodwatch_packet::FlowRecord;
use std::collections::HashMap;

/// Where a record's traffic goes in the totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// From outside to a monitored host.
    Incoming = 0,
    /// From a monitored host to outside.
    Outgoing = 1,
    /// Between two monitored hosts.
    Internal = 2,
    /// Between two hosts outside the monitored networks.
    Other = 3,
}

pub(crate) const SCOPE_COUNT: usize = 4;

/// One host-direction's (or one scope's) share of a tick.
#[derive(Clone, Debug, Default)]
pub(crate) struct DirectionDelta {
    /// Everything, long flows included: the cumulative totals take it all at once.
    pub(crate) counts: ClassCounts<u64>,
    /// The part of `counts` from long flows, by the seconds to spread it over.
    pub(crate) spread: Vec<SpreadDelta>,
    pub(crate) flows: FlowSketch,
    /// Distinct datagrams (or frames) the traffic came in: the evidence behind the counts.
    pub(crate) datagrams: u32,
    last_datagram: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct SpreadDelta {
    pub(crate) seconds: u32,
    pub(crate) counts: ClassCounts<u64>,
}

impl DirectionDelta {
    #[inline]
    fn add(
        &mut self,
        classes: ClassSet,
        packets: u64,
        bytes: u64,
        hash: u64,
        spread: Option<u32>,
        datagram: u32,
    ) {
        if self.datagrams == 0 || self.last_datagram != datagram {
            self.datagrams += 1;
            self.last_datagram = datagram;
        }
        self.counts.add(classes, packets, bytes);
        if let Some(seconds) = spread {
            let at = match self.spread.iter().position(|s| s.seconds == seconds) {
                Some(at) => at,
                None => {
                    self.spread.push(SpreadDelta {
                        seconds,
                        counts: ClassCounts::default(),
                    });
                    self.spread.len() - 1
                }
            };
            self.spread[at].counts.add(classes, packets, bytes);
        }
        self.flows.insert_hash(hash);
    }

    /// The counts that go into this tick's speed: all but the long flows.
    pub(crate) fn immediate(&self) -> ClassCounts<f32> {
        let mut immediate = self.counts;
        for spread in &self.spread {
            for class in 0..immediate.packets.len() {
                immediate.packets[class] -= spread.counts.packets[class];
                immediate.bytes[class] -= spread.counts.bytes[class];
            }
        }
        immediate.to_f32()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct HostDelta {
    pub(crate) key: HostKey,
    pub(crate) direction: Direction,
    pub(crate) delta: DirectionDelta,
}

/// What one worker saw during one tick, for `HostTable::apply`.
#[derive(Clone, Debug, Default)]
pub struct DeltaBatch {
    pub(crate) hosts: Vec<HostDelta>,
    pub(crate) scopes: [DirectionDelta; SCOPE_COUNT],
    pub(crate) records: u64,
}

impl DeltaBatch {
    /// Flow records added to the batch.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Host-directions with traffic in the batch.
    pub fn host_deltas(&self) -> usize {
        self.hosts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }
}

type KeyIndex = HashMap<HostKey, u32, ahash::RandomState>;

/// A worker's private accumulator: no locks, no sharing. Call `add` per record and
/// `take_batch` once per tick.
pub struct LocalAggregator {
    networks: PrefixSet,
    max_spread_seconds: u32,
    /// Position in `hosts` of each host's delta, per direction.
    index: [KeyIndex; 2],
    /// The last host looked up per direction and its position: a flood sends run after run of
    /// packets to the same host, which then skip the hash table.
    last: [Option<(HostKey, u32)>; 2],
    hosts: Vec<HostDelta>,
    scopes: [DirectionDelta; SCOPE_COUNT],
    records: u64,
    /// The datagram the records being added come from; see `begin_datagram`.
    datagram: u32,
    grouped: bool,
}

impl LocalAggregator {
    pub fn new(config: &CounterConfig) -> LocalAggregator {
        LocalAggregator::with_networks(config.networks.clone(), config.max_spread_seconds)
    }

    pub fn with_networks(networks: PrefixSet, max_spread_seconds: u32) -> LocalAggregator {
        LocalAggregator {
            networks,
            max_spread_seconds,
            index: Default::default(),
            last: [None; 2],
            hosts: Vec::new(),
            scopes: Default::default(),
            records: 0,
            datagram: 0,
            grouped: false,
        }
    }

    /// The records added from now until the next call come from one datagram, and weigh as
    /// one piece of evidence. Without a call, each record is evidence of its own (a mirror
    /// frame, a packet of a capture).
    #[inline]
    pub fn begin_datagram(&mut self) {
        self.grouped = true;
        self.datagram = self.datagram.wrapping_add(1);
    }

    /// Counts one record: for its destination as incoming if that is monitored, for its source
    /// as outgoing if that is monitored (both for internal traffic), and in the totals.
    #[inline]
    pub fn add(&mut self, record: &FlowRecord) {
        let src = record.src.to_canonical();
        let dst = record.dst.to_canonical();
        // The unspecified address stands for an end the exporter did not know (a wireless
        // station's far end): never a host.
        let src_monitored = !src.is_unspecified() && self.networks.contains(&src);
        let dst_monitored = !dst.is_unspecified() && self.networks.contains(&dst);
        let scale = record.sampling_rate.max(1) as u64;
        let packets = record.packets.saturating_mul(scale);
        let bytes = record.bytes.saturating_mul(scale);
        let classes = ClassSet::of(record);
        let hash = flow_hash(record);
        let spread = spread_seconds(record.duration_ms, self.max_spread_seconds);
        self.records += 1;
        if !self.grouped {
            self.datagram = self.datagram.wrapping_add(1);
        }
        let datagram = self.datagram;

        let scope = match (src_monitored, dst_monitored) {
            (false, true) => Scope::Incoming,
            (true, false) => Scope::Outgoing,
            (true, true) => Scope::Internal,
            (false, false) => Scope::Other,
        };
        self.scopes[scope as usize].add(classes, packets, bytes, hash, spread, datagram);
        if dst_monitored {
            self.host_delta(HostKey::new(dst), Direction::Incoming)
                .add(classes, packets, bytes, hash, spread, datagram);
        }
        if src_monitored {
            self.host_delta(HostKey::new(src), Direction::Outgoing)
                .add(classes, packets, bytes, hash, spread, datagram);
        }
    }

    #[inline]
    fn host_delta(&mut self, key: HostKey, direction: Direction) -> &mut DirectionDelta {
        let d = direction.index();
        let at = match self.last[d] {
            Some((last, at)) if last == key => at,
            _ => {
                let hosts = &mut self.hosts;
                let at = *self.index[d].entry(key).or_insert_with(|| {
                    hosts.push(HostDelta {
                        key,
                        direction,
                        delta: DirectionDelta::default(),
                    });
                    (hosts.len() - 1) as u32
                });
                self.last[d] = Some((key, at));
                at
            }
        };
        &mut self.hosts[at as usize].delta
    }

    /// Everything added since the last call; the aggregator starts over empty.
    pub fn take_batch(&mut self) -> DeltaBatch {
        for index in &mut self.index {
            index.clear();
        }
        self.last = [None; 2];
        let capacity = self.hosts.len();
        DeltaBatch {
            hosts: std::mem::replace(&mut self.hosts, Vec::with_capacity(capacity)),
            scopes: std::mem::take(&mut self.scopes),
            records: std::mem::take(&mut self.records),
        }
    }

    /// Records added since the last `take_batch`.
    pub fn pending_records(&self) -> u64 {
        self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_packet::{PROTO_TCP, TCP_SYN};
    use floodwatch_test_support::{flow, ip};
    use std::net::IpAddr;

    fn record(src: &str, dst: &str) -> FlowRecord {
        flow(src, dst).ports(1234, 53).packets(2).bytes(200).build()
    }

    fn aggregator() -> LocalAggregator {
        let networks = ["10.0.0.0/8", "2001:db8::/32"]
            .iter()
            .map(|p| p.parse::<crate::Prefix>().unwrap())
            .collect();
        LocalAggregator::new(&CounterConfig::with_networks(networks))
    }

    fn deltas(batch: &DeltaBatch) -> Vec<(IpAddr, Direction, u64)> {
        let mut out: Vec<_> = batch
            .hosts
            .iter()
            .map(|h| (h.key.ip(), h.direction, h.delta.counts.packets[0]))
            .collect();
        out.sort_by_key(|(ip, direction, _)| (*ip, direction.index()));
        out
    }

    fn scope_packets(batch: &DeltaBatch) -> [u64; SCOPE_COUNT] {
        batch.scopes.each_ref().map(|s| s.counts.packets[0])
    }

    #[test]
    fn direction_follows_the_monitored_side() {
        let mut agg = aggregator();
        agg.add(&record("192.0.2.1", "10.0.0.1")); // incoming
        agg.add(&record("10.0.0.2", "192.0.2.1")); // outgoing
        agg.add(&record("10.0.0.3", "10.0.0.4")); // internal: both hosts
        agg.add(&record("192.0.2.1", "198.51.100.1")); // neither
        agg.add(&record("2001:db8::1", "2001:db9::1")); // outgoing IPv6
        agg.add(&record("::ffff:192.0.2.9", "::ffff:10.0.0.1")); // IPv4-mapped is IPv4
        let batch = agg.take_batch();
        assert_eq!(
            deltas(&batch),
            vec![
                (ip("10.0.0.1"), Direction::Incoming, 4),
                (ip("10.0.0.2"), Direction::Outgoing, 2),
                (ip("10.0.0.3"), Direction::Outgoing, 2),
                (ip("10.0.0.4"), Direction::Incoming, 2),
                (ip("2001:db8::1"), Direction::Outgoing, 2),
            ]
        );
        assert_eq!(scope_packets(&batch), [4, 4, 2, 2]);
        assert_eq!(batch.records(), 6);
        let empty = agg.take_batch();
        assert!(empty.is_empty() && empty.hosts.is_empty());
        assert_eq!(scope_packets(&empty), [0; 4]);
    }

    #[test]
    fn the_unspecified_address_is_never_a_host() {
        let networks = ["0.0.0.0/0", "::/0"]
            .iter()
            .map(|p| p.parse::<crate::Prefix>().unwrap())
            .collect();
        let mut agg = LocalAggregator::new(&CounterConfig::with_networks(networks));
        agg.add(&record("10.1.2.3", "0.0.0.0")); // a wireless station's upstream, far end unknown
        agg.add(&record("::", "2001:db8::1"));
        let batch = agg.take_batch();
        assert_eq!(
            deltas(&batch),
            vec![
                (ip("10.1.2.3"), Direction::Outgoing, 2),
                (ip("2001:db8::1"), Direction::Incoming, 2)
            ]
        );
        assert_eq!(scope_packets(&batch), [2, 2, 0, 0]);
    }

    #[test]
    fn runs_to_one_host_and_switches_between_hosts_count_alike() {
        let mut agg = aggregator();
        for dst in [
            "10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.2",
        ] {
            agg.add(&record("192.0.2.1", dst));
        }
        assert_eq!(
            deltas(&agg.take_batch()),
            vec![
                (ip("10.0.0.1"), Direction::Incoming, 6),
                (ip("10.0.0.2"), Direction::Incoming, 6)
            ]
        );
        // The next batch starts empty: the host last counted is counted afresh.
        agg.add(&record("192.0.2.1", "10.0.0.2"));
        assert_eq!(
            deltas(&agg.take_batch()),
            vec![(ip("10.0.0.2"), Direction::Incoming, 2)]
        );
    }

    #[test]
    fn sampling_rate_scales_packets_and_bytes() {
        let mut agg = aggregator();
        agg.add(&FlowRecord {
            sampling_rate: 1000,
            ..record("192.0.2.1", "10.0.0.1")
        });
        agg.add(&FlowRecord {
            sampling_rate: 0,
            ..record("192.0.2.1", "10.0.0.1")
        });
        let batch = agg.take_batch();
        assert_eq!(batch.hosts[0].delta.counts.packets[0], 2002);
        assert_eq!(batch.hosts[0].delta.counts.bytes[0], 200_200);
        assert_eq!(
            batch.scopes[Scope::Incoming as usize].counts.bytes[0],
            200_200
        );
    }

    #[test]
    fn classes_long_flows_and_flows_are_kept_apart() {
        let mut agg = aggregator();
        let syn = FlowRecord {
            protocol: PROTO_TCP,
            tcp_flags: TCP_SYN,
            ..record("192.0.2.1", "10.0.0.1")
        };
        agg.add(&syn);
        agg.add(&FlowRecord {
            duration_ms: 60_000,
            packets: 600,
            bytes: 60_000,
            ..syn.clone()
        });
        agg.add(&FlowRecord {
            fragment: true,
            src_port: 9,
            ..record("192.0.2.1", "10.0.0.1")
        });
        let batch = agg.take_batch();
        let delta = &batch.hosts[0].delta;
        assert_eq!(delta.counts.packets, [604, 602, 602, 2, 0, 2]);
        assert_eq!(delta.spread.len(), 1);
        assert_eq!(delta.spread[0].seconds, 60);
        assert_eq!(delta.spread[0].counts.packets, [600, 600, 600, 0, 0, 0]);
        assert_eq!(delta.immediate().packets, [4.0, 2.0, 2.0, 2.0, 0.0, 2.0]);
        assert_eq!(
            delta.flows.estimate(),
            2.0,
            "the two SYN records are one 5-tuple"
        );
    }
}
