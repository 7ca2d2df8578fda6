//! The ticker's side of the attack samples: per watched host, the last records and running
//! aggregates since its watch started.

use crate::collector::RecentRecords;
use crate::protocol::{has_ports, protocol_name};
use crate::samples::{
    AddressCount, AttackSamples, DirectionSamples, PortCount, ProtocolCount, Traffic,
};
use crate::top_k::SpaceSaving;
use crate::watch::WatchList;
use floodwatch_counters::Direction;
use floodwatch_packet::{FlowRecord, PROTO_UDP};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

#[derive(Clone, Debug)]
pub struct SampleStoreConfig {
    /// The most recent records kept per host.
    pub records_per_host: usize,
    /// Counters of each top-K summary (remote addresses, source ports, destination ports).
    pub summary_capacity: usize,
    /// Entries of each top list in a summary.
    pub top_entries: usize,
}

impl Default for SampleStoreConfig {
    fn default() -> Self {
        SampleStoreConfig {
            records_per_host: 500,
            summary_capacity: 64,
            top_entries: 20,
        }
    }
}

/// Port keys sort by protocol, then port.
type PortKey = (u8, u16);

#[derive(Clone, Debug)]
struct DirectionAggregate {
    records: u64,
    traffic: Traffic,
    /// Few protocols show up: a short list beats a 256-entry array per host.
    protocols: Vec<(u8, Traffic)>,
    tcp_syn: Traffic,
    fragments: Traffic,
    udp_with_ports: Traffic,
    remote_addresses: SpaceSaving<IpAddr>,
    source_ports: SpaceSaving<PortKey>,
    destination_ports: SpaceSaving<PortKey>,
}

impl DirectionAggregate {
    fn new(capacity: usize) -> Self {
        DirectionAggregate {
            records: 0,
            traffic: Traffic::default(),
            protocols: Vec::new(),
            tcp_syn: Traffic::default(),
            fragments: Traffic::default(),
            udp_with_ports: Traffic::default(),
            remote_addresses: SpaceSaving::new(capacity),
            source_ports: SpaceSaving::new(capacity),
            destination_ports: SpaceSaving::new(capacity),
        }
    }

    fn add(&mut self, record: &FlowRecord, remote: IpAddr) {
        let scale = record.sampling_rate.max(1) as u64;
        let packets = record.packets.saturating_mul(scale);
        let bytes = record.bytes.saturating_mul(scale);
        self.records += 1;
        self.traffic.add(packets, bytes);
        match self
            .protocols
            .iter_mut()
            .find(|(p, _)| *p == record.protocol)
        {
            Some((_, traffic)) => traffic.add(packets, bytes),
            None => self
                .protocols
                .push((record.protocol, Traffic { packets, bytes })),
        }
        if record.is_syn() {
            self.tcp_syn.add(packets, bytes);
        }
        if record.fragment {
            self.fragments.add(packets, bytes);
        }
        self.remote_addresses.add(remote, packets, bytes);
        let ported = has_ports(record.protocol) && (record.src_port, record.dst_port) != (0, 0);
        if ported {
            if record.protocol == PROTO_UDP {
                self.udp_with_ports.add(packets, bytes);
            }
            self.source_ports
                .add((record.protocol, record.src_port), packets, bytes);
            self.destination_ports
                .add((record.protocol, record.dst_port), packets, bytes);
        }
    }

    fn summary(&self, top: usize) -> DirectionSamples {
        let mut protocols: Vec<ProtocolCount> = self
            .protocols
            .iter()
            .map(|&(protocol, traffic)| ProtocolCount {
                protocol,
                name: protocol_name(protocol),
                packets: traffic.packets,
                bytes: traffic.bytes,
            })
            .collect();
        protocols.sort_by(|a, b| b.packets.cmp(&a.packets).then(a.protocol.cmp(&b.protocol)));
        let ports = |summary: &SpaceSaving<PortKey>| -> Vec<PortCount> {
            summary
                .top(top)
                .into_iter()
                .map(|c| PortCount {
                    protocol: c.key.0,
                    port: c.key.1,
                    packets: c.guaranteed().0,
                    bytes: c.guaranteed().1,
                })
                .collect()
        };
        DirectionSamples {
            records: self.records,
            traffic: self.traffic,
            protocols,
            tcp_syn: self.tcp_syn,
            fragments: self.fragments,
            udp_with_ports: self.udp_with_ports,
            remote_addresses: self
                .remote_addresses
                .top(top)
                .into_iter()
                .map(|c| AddressCount {
                    address: c.key,
                    packets: c.guaranteed().0,
                    bytes: c.guaranteed().1,
                })
                .collect(),
            source_ports: ports(&self.source_ports),
            destination_ports: ports(&self.destination_ports),
        }
    }
}

#[derive(Clone, Debug)]
struct HostSamples {
    records: u64,
    estimated: bool,
    recent: VecDeque<FlowRecord>,
    incoming: DirectionAggregate,
    outgoing: DirectionAggregate,
}

impl HostSamples {
    fn new(config: &SampleStoreConfig) -> Self {
        HostSamples {
            records: 0,
            estimated: false,
            recent: VecDeque::with_capacity(config.records_per_host.min(64)),
            incoming: DirectionAggregate::new(config.summary_capacity),
            outgoing: DirectionAggregate::new(config.summary_capacity),
        }
    }

    fn add(&mut self, record: &FlowRecord, direction: Direction, ring_capacity: usize) {
        match direction {
            Direction::Incoming => self.incoming.add(record, record.src.to_canonical()),
            Direction::Outgoing => self.outgoing.add(record, record.dst.to_canonical()),
        }
        self.records += 1;
        if ring_capacity == 0 {
            return;
        }
        if self.recent.len() == ring_capacity {
            self.recent.pop_front();
        }
        self.recent.push_back(record.clone());
    }
}

/// The samples of every watched host. Owned by the ticker: `add` what the collectors took.
pub struct SampleStore {
    list: WatchList,
    config: SampleStoreConfig,
    hosts: HashMap<IpAddr, HostSamples, ahash::RandomState>,
}

impl SampleStore {
    pub fn new(list: &WatchList) -> SampleStore {
        SampleStore::with_config(list, SampleStoreConfig::default())
    }

    pub fn with_config(list: &WatchList, config: SampleStoreConfig) -> SampleStore {
        SampleStore {
            list: list.clone(),
            config,
            hosts: HashMap::default(),
        }
    }

    /// Files each record under its watched ends: the destination's incoming, the source's
    /// outgoing. A host keeps its samples after `unwatch` until `forget`.
    pub fn add(&mut self, records: &[FlowRecord]) {
        if records.is_empty() {
            return;
        }
        let watched = self.list.snapshot();
        for record in records {
            let dst = record.dst.to_canonical();
            let src = record.src.to_canonical();
            for (ip, direction) in [(dst, Direction::Incoming), (src, Direction::Outgoing)] {
                if !self.hosts.contains_key(&ip) {
                    if !watched.contains(&ip) {
                        continue;
                    }
                    self.hosts.insert(ip, HostSamples::new(&self.config));
                }
                let host = self.hosts.get_mut(&ip).expect("inserted above");
                host.add(record, direction, self.config.records_per_host);
            }
        }
    }

    /// Starts `ip`'s samples, when it has none yet, from the sample of the traffic seen before
    /// its watch (`RecentRecords` of the last ticks): each record weighs as the records it was
    /// drawn from, and the summary says it is estimated.
    pub fn seed<'a>(&mut self, ip: &IpAddr, recent: impl IntoIterator<Item = &'a RecentRecords>) {
        let ip = ip.to_canonical();
        if self.hosts.contains_key(&ip) {
            return;
        }
        let mut host = HostSamples::new(&self.config);
        for batch in recent {
            let weight = batch.weight().round().max(1.0) as u32;
            for record in &batch.records {
                let direction = if record.dst.to_canonical() == ip {
                    Direction::Incoming
                } else if record.src.to_canonical() == ip {
                    Direction::Outgoing
                } else {
                    continue;
                };
                let weighted = FlowRecord {
                    sampling_rate: record.sampling_rate.max(1).saturating_mul(weight),
                    ..record.clone()
                };
                host.add(&weighted, direction, self.config.records_per_host);
                host.estimated = true;
            }
        }
        if host.records > 0 {
            self.hosts.insert(ip, host);
        }
    }

    /// Counts and top lists of `ip`'s samples; `None` if it has none.
    pub fn summary(&self, ip: &IpAddr) -> Option<AttackSamples> {
        let host = self.hosts.get(&ip.to_canonical())?;
        Some(AttackSamples {
            ip: ip.to_canonical(),
            records: host.records,
            records_held: host.recent.len(),
            estimated: host.estimated,
            incoming: host.incoming.summary(self.config.top_entries),
            outgoing: host.outgoing.summary(self.config.top_entries),
        })
    }

    /// The most recent records of `ip`, oldest first.
    pub fn records(&self, ip: &IpAddr) -> Vec<FlowRecord> {
        self.hosts
            .get(&ip.to_canonical())
            .map(|host| host.recent.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Drops `ip`'s samples; returns whether it had any.
    pub fn forget(&mut self, ip: &IpAddr) -> bool {
        self.hosts.remove(&ip.to_canonical()).is_some()
    }

    /// The hosts with samples.
    pub fn hosts(&self) -> Vec<IpAddr> {
        let mut hosts: Vec<IpAddr> = self.hosts.keys().copied().collect();
        hosts.sort();
        hosts
    }

    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_packet::{PROTO_ICMP, PROTO_TCP, TCP_SYN};
    use floodwatch_test_support::{flow, ip};

    /// One packet of 100 bytes; a SYN when TCP.
    fn record(src: &str, dst: &str, protocol: u8, src_port: u16, dst_port: u16) -> FlowRecord {
        flow(src, dst)
            .protocol(protocol)
            .ports(src_port, dst_port)
            .tcp_flags(if protocol == PROTO_TCP { TCP_SYN } else { 0 })
            .build()
    }

    fn store(records_per_host: usize) -> (WatchList, SampleStore) {
        let list = WatchList::new();
        let store = SampleStore::with_config(
            &list,
            SampleStoreConfig {
                records_per_host,
                summary_capacity: 4,
                top_entries: 3,
            },
        );
        (list, store)
    }

    #[test]
    fn a_host_watched_after_its_burst_starts_from_the_weighted_sample() {
        let (list, mut store) = store(10);
        let recent = RecentRecords {
            records: vec![
                record("192.0.2.1", "10.0.0.1", PROTO_TCP, 40000, 80),
                record("192.0.2.2", "10.0.0.1", PROTO_TCP, 40001, 80),
                record("192.0.2.3", "10.0.0.9", PROTO_TCP, 40002, 80),
                record("10.0.0.1", "192.0.2.4", PROTO_TCP, 80, 40003),
            ],
            seen: 400,
        };
        list.watch(ip("10.0.0.1"));
        store.seed(&ip("10.0.0.1"), [&recent]);
        let summary = store.summary(&ip("10.0.0.1")).unwrap();
        assert!(summary.estimated);
        assert_eq!(
            summary.incoming.traffic.packets, 200,
            "2 records standing for 100 each"
        );
        assert_eq!(summary.incoming.remote_addresses.len(), 2);
        assert_eq!(summary.outgoing.traffic.packets, 100);
        store.seed(&ip("10.0.0.1"), [&recent]);
        assert_eq!(
            store
                .summary(&ip("10.0.0.1"))
                .unwrap()
                .incoming
                .traffic
                .packets,
            200,
            "seeded once"
        );
        store.seed(&ip("10.0.0.7"), [&recent]);
        assert!(
            store.summary(&ip("10.0.0.7")).is_none(),
            "nothing seen of it"
        );
    }

    #[test]
    fn files_records_under_watched_ends_by_direction() {
        let (list, mut store) = store(10);
        list.watch(ip("10.0.0.1"));
        store.add(&[
            record("192.0.2.1", "10.0.0.1", PROTO_UDP, 123, 4444),
            record("10.0.0.1", "192.0.2.9", PROTO_TCP, 80, 5555),
            record("192.0.2.1", "10.0.0.2", PROTO_UDP, 123, 4444),
        ]);
        assert_eq!(store.hosts(), [ip("10.0.0.1")]);
        let samples = store.summary(&ip("10.0.0.1")).unwrap();
        assert_eq!((samples.records, samples.records_held), (2, 2));
        assert_eq!(samples.incoming.records, 1);
        assert_eq!(
            samples.incoming.remote_addresses[0].address,
            ip("192.0.2.1")
        );
        assert_eq!(samples.incoming.source_ports[0].port, 123);
        assert_eq!(samples.incoming.udp_with_ports.packets, 1);
        assert_eq!(samples.outgoing.records, 1);
        assert_eq!(
            samples.outgoing.remote_addresses[0].address,
            ip("192.0.2.9")
        );
        assert_eq!(samples.outgoing.tcp_syn.packets, 1);
        assert_eq!(samples.outgoing.protocols[0].name, "tcp");
        assert!(store.summary(&ip("10.0.0.2")).is_none());
        assert!(store.summary(&ip("::ffff:10.0.0.1")).is_some());
    }

    #[test]
    fn sampling_rate_scales_the_aggregates() {
        let (list, mut store) = store(10);
        list.watch(ip("10.0.0.1"));
        let mut sampled = record("192.0.2.1", "10.0.0.1", PROTO_ICMP, 0, 0);
        sampled.sampling_rate = 1000;
        sampled.fragment = true;
        store.add(&[sampled]);
        let samples = store.summary(&ip("10.0.0.1")).unwrap();
        let expected = Traffic {
            packets: 1000,
            bytes: 100_000,
        };
        assert_eq!(samples.incoming.traffic, expected);
        assert_eq!(samples.incoming.fragments, expected);
        assert_eq!(samples.incoming.protocol(PROTO_ICMP), expected);
        assert_eq!(samples.incoming.remote_addresses[0].packets, 1000);
        assert!(
            samples.incoming.source_ports.is_empty(),
            "ICMP has no ports"
        );
    }

    #[test]
    fn ring_and_summaries_are_bounded() {
        let (list, mut store) = store(5);
        list.watch(ip("10.0.0.1"));
        let records: Vec<FlowRecord> = (0..100u16)
            .map(|i| {
                record(
                    &format!("192.0.2.{}", i % 250),
                    "10.0.0.1",
                    PROTO_UDP,
                    1000 + i,
                    i,
                )
            })
            .collect();
        store.add(&records);
        let kept = store.records(&ip("10.0.0.1"));
        assert_eq!(kept, records[95..], "the last five, oldest first");
        let samples = store.summary(&ip("10.0.0.1")).unwrap();
        assert_eq!(samples.records, 100);
        assert_eq!(samples.records_held, 5);
        assert_eq!(samples.incoming.traffic.packets, 100);
        assert_eq!(samples.incoming.remote_addresses.len(), 3);
        assert_eq!(samples.incoming.source_ports.len(), 3);
        assert_eq!(samples.incoming.destination_ports.len(), 3);
    }

    #[test]
    fn keeps_samples_after_unwatch_until_forget() {
        let (list, mut store) = store(5);
        list.watch(ip("10.0.0.1"));
        store.add(&[record("192.0.2.1", "10.0.0.1", PROTO_UDP, 53, 1)]);
        list.unwatch(&ip("10.0.0.1"));
        store.add(&[record("192.0.2.1", "10.0.0.1", PROTO_UDP, 53, 1)]);
        assert_eq!(store.summary(&ip("10.0.0.1")).unwrap().records, 2);
        assert!(store.forget(&ip("10.0.0.1")));
        assert!(!store.forget(&ip("10.0.0.1")));
        assert!(store.is_empty());
        assert!(store.records(&ip("10.0.0.1")).is_empty());
        store.add(&[record("192.0.2.1", "10.0.0.1", PROTO_UDP, 53, 1)]);
        assert!(store.is_empty(), "no longer watched: not taken again");
    }

    #[test]
    fn summary_serializes_in_snake_case() {
        let (list, mut store) = store(5);
        list.watch(ip("10.0.0.1"));
        store.add(&[record("192.0.2.1", "10.0.0.1", PROTO_UDP, 123, 1)]);
        let json = serde_json::to_value(store.summary(&ip("10.0.0.1")).unwrap()).unwrap();
        assert_eq!(json["ip"], "10.0.0.1");
        assert_eq!(json["records_held"], 1);
        assert_eq!(json["incoming"]["udp_with_ports"]["packets"], 1);
        assert_eq!(json["incoming"]["source_ports"][0]["port"], 123);
        assert_eq!(
            json["incoming"]["remote_addresses"][0]["address"],
            "192.0.2.1"
        );
        assert_eq!(json["incoming"]["protocols"][0]["name"], "udp");
    }
}
