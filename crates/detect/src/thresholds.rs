//! Thresholds compiled for the engine: per group and direction, one optional limit per slot.

use crate::metric::{MetricSlot, SLOT_COUNT};
use floodwatch_counters::{Direction, Prefix, PrefixMap};
use std::net::IpAddr;

/// One direction's limits, in each slot's unit (Mbit/s for bandwidth); `None` is off.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Limits {
    values: [Option<f64>; SLOT_COUNT],
}

impl Limits {
    pub fn get(&self, slot: MetricSlot) -> Option<f64> {
        self.values[slot.index()]
    }

    pub fn set(&mut self, slot: MetricSlot, limit: Option<f64>) {
        self.values[slot.index()] = limit;
    }

    pub fn with(mut self, slot: MetricSlot, limit: f64) -> Limits {
        self.set(slot, Some(limit));
        self
    }

    pub fn is_off(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }

    /// The limits switched on, in slot order.
    pub fn enabled(&self) -> impl Iterator<Item = (MetricSlot, f64)> + '_ {
        MetricSlot::ALL
            .into_iter()
            .zip(&self.values)
            .filter_map(|(slot, limit)| limit.map(|limit| (slot, limit)))
    }
}

/// The global thresholds (group 0) or a hostgroup's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub name: String,
    pub incoming: Limits,
    pub outgoing: Limits,
}

impl Group {
    pub fn limits(&self, direction: Direction) -> &Limits {
        match direction {
            Direction::Incoming => &self.incoming,
            Direction::Outgoing => &self.outgoing,
        }
    }
}

/// Every group's limits and the prefixes that pick a host's group. A host in no hostgroup
/// prefix gets group 0, the global thresholds.
#[derive(Clone, Debug)]
pub struct Thresholds {
    groups: Vec<Group>,
    hostgroups: PrefixMap<u16>,
}

impl Default for Thresholds {
    /// One global group with every limit off.
    fn default() -> Thresholds {
        Thresholds::new(Group {
            name: "global".to_string(),
            ..Group::default()
        })
    }
}

impl Thresholds {
    pub fn new(global: Group) -> Thresholds {
        Thresholds {
            groups: vec![global],
            hostgroups: PrefixMap::new(),
        }
    }

    /// Adds a group; returns its index. Fails past `u16::MAX` groups.
    pub fn add_group(&mut self, group: Group) -> Result<u16, String> {
        let index = u16::try_from(self.groups.len())
            .map_err(|_| format!("at most {} groups", u16::MAX as usize + 1))?;
        self.groups.push(group);
        Ok(index)
    }

    /// Sends the hosts of `prefix` to `group`; returns the group it had, if any.
    pub fn add_hostgroup_prefix(
        &mut self,
        prefix: Prefix,
        group: u16,
    ) -> Result<Option<u16>, String> {
        if group as usize >= self.groups.len() {
            return Err(format!(
                "{group} is not a group (there are {})",
                self.groups.len()
            ));
        }
        Ok(self.hostgroups.insert(prefix, group))
    }

    /// The group of `ip` by longest prefix match, and its name.
    #[inline]
    pub fn group_of(&self, ip: &IpAddr) -> (u16, &str) {
        let group = self.group_index(ip);
        (group, &self.groups[group as usize].name)
    }

    #[inline]
    pub(crate) fn group_index(&self, ip: &IpAddr) -> u16 {
        if self.hostgroups.is_empty() {
            return 0;
        }
        self.hostgroups
            .longest_match(&ip.to_canonical())
            .copied()
            .unwrap_or(0)
    }

    pub fn group(&self, group: u16) -> Option<&Group> {
        self.groups.get(group as usize)
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn hostgroup_prefixes(&self) -> usize {
        self.hostgroups.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_list_what_is_switched_on() {
        let limits = Limits::default()
            .with(MetricSlot::Pps, 100.0)
            .with(MetricSlot::FragmentsMbps, 2.0);
        assert!(!limits.is_off());
        assert!(Limits::default().is_off());
        assert_eq!(
            limits.enabled().collect::<Vec<_>>(),
            [(MetricSlot::Pps, 100.0), (MetricSlot::FragmentsMbps, 2.0)]
        );
        assert_eq!(limits.get(MetricSlot::Mbps), None);
    }

    #[test]
    fn hostgroup_prefixes_need_an_existing_group() {
        let mut thresholds = Thresholds::default();
        let prefix = "10.0.0.0/8".parse().unwrap();
        assert!(thresholds.add_hostgroup_prefix(prefix, 1).is_err());
        let customers = thresholds
            .add_group(Group {
                name: "customers".into(),
                ..Group::default()
            })
            .unwrap();
        assert_eq!(thresholds.add_hostgroup_prefix(prefix, customers), Ok(None));
        let ip = "10.1.2.3".parse().unwrap();
        assert_eq!(thresholds.group_of(&ip), (1, "customers"));
        let mapped = "::ffff:10.1.2.3".parse().unwrap();
        assert_eq!(thresholds.group_of(&mapped), (1, "customers"));
        assert_eq!(
            thresholds.group_of(&"11.0.0.1".parse().unwrap()),
            (0, "global")
        );
    }
}
