//! Traffic summed by group of hosts (hostgroups, monitored networks) in one pass over the host
//! table: each host counts in the group of the longest prefix that contains it, so that what
//! operators graph per customer costs one lookup per host and grouping, not one series per host.

use floodwatch_counters::{Direction, DirectionView, HostTable, Prefix, PrefixMap};
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::views::DirectionJson;

/// One way of grouping hosts, as the control plane sends it.
#[derive(Clone, Debug, Deserialize)]
pub struct GroupingSpec {
    /// How many groups there are; `group` values below are indexes into them.
    pub groups: u32,
    pub prefixes: Vec<GroupPrefixSpec>,
    /// The group of the hosts no prefix contains; without one they are left out.
    #[serde(default)]
    pub fallback: Option<u32>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct GroupPrefixSpec {
    pub prefix: String,
    pub group: u32,
}

/// A grouping ready for the pass: prefixes compiled into a longest-match map.
pub struct Grouping {
    prefixes: PrefixMap<u32>,
    groups: usize,
    fallback: Option<u32>,
}

impl Grouping {
    pub fn new(spec: &GroupingSpec) -> Result<Grouping, String> {
        let in_range = |group: u32, what: &str| {
            if group < spec.groups {
                Ok(group)
            } else {
                Err(format!("{what} group {group} is not below the {} groups", spec.groups))
            }
        };
        let mut prefixes = PrefixMap::new();
        for entry in &spec.prefixes {
            let prefix: Prefix = entry.prefix.parse().map_err(|e| format!("'{}' is not a prefix: {e}", entry.prefix))?;
            prefixes.insert(prefix, in_range(entry.group, &entry.prefix)?);
        }
        let fallback = spec.fallback.map(|g| in_range(g, "the fallback")).transpose()?;
        Ok(Grouping { prefixes, groups: spec.groups as usize, fallback })
    }

    fn group_of(&self, ip: &std::net::IpAddr) -> Option<u32> {
        self.prefixes.longest_match(ip).copied().or(self.fallback)
    }
}

/// The sum of one group's hosts, as of the last tick.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupSum {
    pub hosts: u64,
    pub incoming: DirectionView,
    pub outgoing: DirectionView,
}

fn add_into(sum: &mut DirectionView, host: &DirectionView) {
    sum.pps += host.pps;
    sum.bps += host.bps;
    sum.flows += host.flows;
    sum.packets_total += host.packets_total;
    sum.bytes_total += host.bytes_total;
    sum.flows_total += host.flows_total;
    for (s, h) in sum.classes.iter_mut().zip(&host.classes) {
        s.pps += h.pps;
        s.bps += h.bps;
        s.packets_total += h.packets_total;
        s.bytes_total += h.bytes_total;
    }
}

/// Every host's figures added to its group in each grouping; indexed like `groupings`, then
/// by group.
pub fn sum_by_group(table: &HostTable, groupings: &[Grouping]) -> Vec<Vec<GroupSum>> {
    let mut sums: Vec<Vec<GroupSum>> = groupings.iter().map(|g| vec![GroupSum::default(); g.groups]).collect();
    let mut groups: Vec<Option<u32>> = vec![None; groupings.len()];
    table.for_each_host(|host| {
        let ip = host.ip();
        let mut any = false;
        for (slot, grouping) in groups.iter_mut().zip(groupings) {
            *slot = grouping.group_of(&ip);
            any |= slot.is_some();
        }
        if !any {
            return;
        }
        let view = host.view();
        for (found, sums) in groups.iter().zip(sums.iter_mut()) {
            if let Some(group) = found {
                let sum = &mut sums[*group as usize];
                sum.hosts += 1;
                add_into(&mut sum.incoming, view.direction(Direction::Incoming));
                add_into(&mut sum.outgoing, view.direction(Direction::Outgoing));
            }
        }
    });
    sums
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupSumJson {
    pub hosts: u64,
    pub incoming: DirectionJson,
    pub outgoing: DirectionJson,
}

impl From<&GroupSum> for GroupSumJson {
    fn from(sum: &GroupSum) -> Self {
        GroupSumJson { hosts: sum.hosts, incoming: (&sum.incoming).into(), outgoing: (&sum.outgoing).into() }
    }
}

/// `sum_by_group` over the engine's table, from and to the control plane's JSON shapes; the
/// prefixes are compiled before the table is locked.
pub fn breakdown(engine: &Engine, specs: &[GroupingSpec]) -> Result<Vec<Vec<GroupSumJson>>, String> {
    let groupings = specs.iter().map(Grouping::new).collect::<Result<Vec<_>, _>>()?;
    let sums = sum_by_group(&engine.core().table, &groupings);
    Ok(sums.iter().map(|sums| sums.iter().map(GroupSumJson::from).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_counters::{CounterConfig, LocalAggregator, PrefixSet};
    use floodwatch_packet::{FlowRecord, PROTO_UDP};

    fn table_with(records: &[(&str, &str, u64)]) -> HostTable {
        let networks: PrefixSet = ["10.0.0.0/8", "2001:db8::/32"].iter().map(|p| p.parse::<Prefix>().unwrap()).collect();
        let config = CounterConfig::with_networks(networks);
        let mut aggregator = LocalAggregator::new(&config);
        for (src, dst, packets) in records {
            aggregator.add(&FlowRecord {
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                protocol: PROTO_UDP,
                src_port: 1234,
                dst_port: 53,
                tcp_flags: 0,
                fragment: false,
                packets: *packets,
                bytes: packets * 100,
                sampling_rate: 1,
                duration_ms: 0,
            });
        }
        let mut table = HostTable::new(config);
        table.apply(aggregator.take_batch());
        table.tick(1000);
        table
    }

    fn spec(groups: u32, prefixes: &[(&str, u32)], fallback: Option<u32>) -> GroupingSpec {
        GroupingSpec {
            groups,
            prefixes: prefixes.iter().map(|(p, g)| GroupPrefixSpec { prefix: p.to_string(), group: *g }).collect(),
            fallback,
        }
    }

    #[test]
    fn each_host_counts_in_its_longest_prefix_once_per_grouping() {
        let table = table_with(&[
            ("192.0.2.1", "10.1.0.1", 10),
            ("192.0.2.1", "10.1.0.2", 20),
            ("192.0.2.1", "10.2.0.1", 40),
            ("10.2.0.1", "192.0.2.1", 5),
            ("192.0.2.1", "2001:db8::1", 80),
        ]);
        let hostgroups = spec(3, &[("10.1.0.0/16", 1), ("10.1.0.2/32", 2)], Some(0));
        let networks = spec(2, &[("10.0.0.0/8", 0), ("2001:db8::/32", 1)], None);
        let sums = sum_by_group(&table, &[Grouping::new(&hostgroups).unwrap(), Grouping::new(&networks).unwrap()]);
        let packets = |s: &GroupSum| (s.hosts, s.incoming.packets_total, s.outgoing.packets_total);
        assert_eq!(sums[0].iter().map(packets).collect::<Vec<_>>(), vec![(2, 120, 5), (1, 10, 0), (1, 20, 0)]);
        assert_eq!(sums[1].iter().map(packets).collect::<Vec<_>>(), vec![(3, 70, 5), (1, 80, 0)]);
        let udp = floodwatch_counters::Class::Udp;
        assert_eq!(sums[1][0].incoming.class(udp).bytes_total, 7000);
        assert!(sums[1][0].incoming.pps > 0.0);
    }

    #[test]
    fn hosts_outside_every_prefix_are_left_out_without_a_fallback() {
        let table = table_with(&[("192.0.2.1", "10.1.0.1", 10), ("192.0.2.1", "10.9.0.1", 30)]);
        let sums = sum_by_group(&table, &[Grouping::new(&spec(1, &[("10.1.0.0/16", 0)], None)).unwrap()]);
        assert_eq!((sums[0][0].hosts, sums[0][0].incoming.packets_total), (1, 10));
    }

    #[test]
    fn a_group_out_of_range_or_a_bad_prefix_is_refused() {
        assert!(Grouping::new(&spec(1, &[("10.0.0.0/8", 1)], None)).err().unwrap().contains("not below"));
        assert!(Grouping::new(&spec(1, &[("10.0.0.0/33", 0)], None)).err().unwrap().contains("not a prefix"));
        assert!(Grouping::new(&spec(1, &[], Some(4))).is_err());
    }
}
