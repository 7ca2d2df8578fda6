//! Traffic summed by group of hosts (hostgroups, monitored networks) in one pass over the host
//! table: each host counts in the group of the longest prefix that contains it, so that what
//! operators graph per customer costs one lookup per host and grouping, not one series per host.
//! The same pass ranks the busiest hosts, so that a push reads the table once.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::IpAddr;
use std::sync::Mutex;

use floodwatch_counters::{Direction, DirectionView, HostTable, HostView, Prefix, PrefixMap};

use crate::core::Core;

/// One way of grouping hosts, as the control plane sends it.
#[derive(Clone, Debug)]
pub struct GroupingSpec {
    /// How many groups there are; `group` values below are indexes into them.
    pub groups: u32,
    pub prefixes: Vec<GroupPrefixSpec>,
    /// The group of the hosts no prefix contains; without one they are left out.
    pub fallback: Option<u32>,
}

#[derive(Clone, Debug)]
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
                Err(format!(
                    "{what} group {group} is not below the {} groups",
                    spec.groups
                ))
            }
        };
        let mut prefixes = PrefixMap::new();
        for entry in &spec.prefixes {
            let prefix: Prefix = entry
                .prefix
                .parse()
                .map_err(|e| format!("'{}' is not a prefix: {e}", entry.prefix))?;
            prefixes.insert(prefix, in_range(entry.group, &entry.prefix)?);
        }
        let fallback = spec
            .fallback
            .map(|g| in_range(g, "the fallback"))
            .transpose()?;
        Ok(Grouping {
            prefixes,
            groups: spec.groups as usize,
            fallback,
        })
    }

    fn group_of(&self, ip: &IpAddr) -> Option<u32> {
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
    if host.packets_total == 0 && host.flows == 0.0 {
        return;
    }
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

/// What one pass over the table gives: the sums per group of each grouping (indexed like the
/// groupings, then by group), and the busiest hosts by pps and bit/s in each direction.
pub struct Breakdown {
    pub groups: Vec<Vec<GroupSum>>,
    /// `top[direction][0]` by pps, `[1]` by bit/s; best first, hosts at zero left out.
    pub top: [[Vec<HostView>; 2]; 2],
}

/// A host ranked by one speed: larger first, then the lower address.
struct Ranked(f64, Reverse<IpAddr>);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

/// The `n` best seen so far, the worst on top of the heap.
struct Best {
    n: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl Best {
    fn new(n: usize) -> Best {
        Best {
            n,
            heap: BinaryHeap::with_capacity(n + 1),
        }
    }

    fn offer(&mut self, value: f64, ip: IpAddr) {
        if self.n == 0 || value <= 0.0 {
            return;
        }
        let candidate = Ranked(value, Reverse(ip));
        if self.heap.len() < self.n {
            self.heap.push(Reverse(candidate));
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if candidate > worst.0 {
                *worst = Reverse(candidate);
            }
        }
    }

    fn hosts(self, table: &HostTable) -> Vec<HostView> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .filter_map(|Reverse(Ranked(_, Reverse(ip)))| table.host(&ip))
            .collect()
    }
}

/// One pass over every host: its figures added to its group in each grouping, and ranked for
/// the top `top` hosts by pps and by bit/s in each direction.
pub fn breakdown_pass(table: &HostTable, groupings: &[Grouping], top: usize) -> Breakdown {
    let mut sums: Vec<Vec<GroupSum>> = groupings
        .iter()
        .map(|g| vec![GroupSum::default(); g.groups])
        .collect();
    let mut groups: Vec<Option<u32>> = vec![None; groupings.len()];
    let mut best: [[Best; 2]; 2] = std::array::from_fn(|_| std::array::from_fn(|_| Best::new(top)));
    table.for_each_host(|host| {
        let ip = host.ip();
        let mut any = false;
        for (slot, grouping) in groups.iter_mut().zip(groupings) {
            *slot = grouping.group_of(&ip);
            any |= slot.is_some();
        }
        if !any && top == 0 {
            return;
        }
        let view = host.view();
        for (direction, best) in Direction::BOTH.into_iter().zip(best.iter_mut()) {
            let figures = view.direction(direction);
            best[0].offer(figures.pps, ip);
            best[1].offer(figures.bps, ip);
        }
        for (found, sums) in groups.iter().zip(sums.iter_mut()) {
            if let Some(group) = found {
                let sum = &mut sums[*group as usize];
                sum.hosts += 1;
                add_into(&mut sum.incoming, &view.incoming);
                add_into(&mut sum.outgoing, &view.outgoing);
            }
        }
    });
    let top = best.map(|by_metric| by_metric.map(|best| best.hosts(table)));
    Breakdown { groups: sums, top }
}

/// Every host's figures added to its group in each grouping; indexed like `groupings`, then
/// by group.
pub fn sum_by_group(table: &HostTable, groupings: &[Grouping]) -> Vec<Vec<GroupSum>> {
    breakdown_pass(table, groupings, 0).groups
}

/// `breakdown_pass` over a core's table (`Engine::core_handle`): the lock is held for the pass
/// alone, the groupings compiled before.
pub fn breakdown(core: &Mutex<Core>, groupings: &[Grouping], top: usize) -> Breakdown {
    let core = core.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    breakdown_pass(&core.table, groupings, top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_counters::{CounterConfig, LocalAggregator, PrefixSet};
    use floodwatch_test_support::flow;

    fn table_with(records: &[(&str, &str, u64)]) -> HostTable {
        let networks: PrefixSet = ["10.0.0.0/8", "2001:db8::/32"]
            .iter()
            .map(|p| p.parse::<Prefix>().unwrap())
            .collect();
        let config = CounterConfig::with_networks(networks);
        let mut aggregator = LocalAggregator::new(&config);
        for (src, dst, packets) in records {
            aggregator.add(
                &flow(*src, *dst)
                    .ports(1234, 53)
                    .packets(*packets)
                    .bytes(packets * 100)
                    .build(),
            );
        }
        let mut table = HostTable::new(config);
        table.apply(aggregator.take_batch());
        table.tick(1000);
        table
    }

    fn spec(groups: u32, prefixes: &[(&str, u32)], fallback: Option<u32>) -> GroupingSpec {
        GroupingSpec {
            groups,
            prefixes: prefixes
                .iter()
                .map(|(p, g)| GroupPrefixSpec {
                    prefix: p.to_string(),
                    group: *g,
                })
                .collect(),
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
        let sums = sum_by_group(
            &table,
            &[
                Grouping::new(&hostgroups).unwrap(),
                Grouping::new(&networks).unwrap(),
            ],
        );
        let packets = |s: &GroupSum| (s.hosts, s.incoming.packets_total, s.outgoing.packets_total);
        assert_eq!(
            sums[0].iter().map(packets).collect::<Vec<_>>(),
            vec![(2, 120, 5), (1, 10, 0), (1, 20, 0)]
        );
        assert_eq!(
            sums[1].iter().map(packets).collect::<Vec<_>>(),
            vec![(3, 70, 5), (1, 80, 0)]
        );
        let udp = floodwatch_counters::Class::Udp;
        assert_eq!(sums[1][0].incoming.class(udp).bytes_total, 7000);
        assert!(sums[1][0].incoming.pps > 0.0);
    }

    #[test]
    fn the_same_pass_ranks_the_busiest_hosts_in_each_direction_as_the_table_does() {
        let table = table_with(&[
            ("192.0.2.1", "10.1.0.1", 10),
            ("192.0.2.1", "10.1.0.2", 30),
            ("192.0.2.1", "10.1.0.3", 20),
            ("10.1.0.3", "192.0.2.1", 5),
        ]);
        let pass = breakdown_pass(&table, &[], 2);
        let ips = |hosts: &[HostView]| hosts.iter().map(|h| h.ip.to_string()).collect::<Vec<_>>();
        assert_eq!(ips(&pass.top[0][0]), ["10.1.0.2", "10.1.0.3"]);
        assert_eq!(ips(&pass.top[0][1]), ["10.1.0.2", "10.1.0.3"]);
        assert_eq!(ips(&pass.top[1][0]), ["10.1.0.3"]);
        for (direction, d) in Direction::BOTH.into_iter().zip(0..) {
            for (metric, m) in [
                (floodwatch_counters::Metric::Pps, 0),
                (floodwatch_counters::Metric::Bps, 1),
            ] {
                assert_eq!(pass.top[d][m], table.top(direction, metric, 2));
            }
        }
        assert!(breakdown_pass(&table, &[], 0)
            .top
            .iter()
            .flatten()
            .all(Vec::is_empty));
    }

    #[test]
    fn hosts_outside_every_prefix_are_left_out_without_a_fallback() {
        let table = table_with(&[("192.0.2.1", "10.1.0.1", 10), ("192.0.2.1", "10.9.0.1", 30)]);
        let sums = sum_by_group(
            &table,
            &[Grouping::new(&spec(1, &[("10.1.0.0/16", 0)], None)).unwrap()],
        );
        assert_eq!(
            (sums[0][0].hosts, sums[0][0].incoming.packets_total),
            (1, 10)
        );
    }

    #[test]
    fn a_group_out_of_range_or_a_bad_prefix_is_refused() {
        assert!(Grouping::new(&spec(1, &[("10.0.0.0/8", 1)], None))
            .err()
            .unwrap()
            .contains("not below"));
        assert!(Grouping::new(&spec(1, &[("10.0.0.0/33", 0)], None))
            .err()
            .unwrap()
            .contains("not a prefix"));
        assert!(Grouping::new(&spec(1, &[], Some(4))).is_err());
    }
}
