//! The interface counters sFlow agents report, latest per agent and ifIndex, bounded: beyond
//! `MAX_AGENT_INTERFACES` the least recently updated are forgotten, a batch at a time, and
//! counted, so that a spray of agent addresses cannot grow the table.

use std::net::IpAddr;

use floodwatch_packet::InterfaceCounters;

use super::recent_map::RecentMap;

/// Agent interfaces kept.
pub const MAX_AGENT_INTERFACES: usize = 4096;

/// One interface's latest counters, with the agent that reported them.
#[derive(Clone, Debug)]
pub struct AgentInterfaceView {
    pub agent: IpAddr,
    pub counters: InterfaceCounters,
}

pub struct AgentTable {
    /// The counters, stamped with the update that last wrote them.
    interfaces: RecentMap<(IpAddr, u32), InterfaceCounters>,
    updates: u64,
    /// Interfaces forgotten, or never kept, for lack of room.
    pub evictions: u64,
}

impl Default for AgentTable {
    fn default() -> Self {
        AgentTable::new(MAX_AGENT_INTERFACES)
    }
}

impl AgentTable {
    pub fn new(max: usize) -> AgentTable {
        AgentTable {
            interfaces: RecentMap::new(max),
            updates: 0,
            evictions: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.interfaces.len()
    }

    pub fn update(&mut self, agent: IpAddr, counters: InterfaceCounters) {
        self.updates += 1;
        let evictions = &mut self.evictions;
        let key = (agent, counters.if_index);
        *self
            .interfaces
            .entry(key, self.updates, |_, _| *evictions += 1) = counters;
    }

    /// The first `limit` interfaces by agent and ifIndex.
    pub fn list(&self, limit: usize) -> Vec<AgentInterfaceView> {
        self.interfaces
            .sorted(limit)
            .into_iter()
            .map(|((agent, _), counters)| AgentInterfaceView {
                agent,
                counters: counters.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(if_index: u32, in_octets: u64) -> InterfaceCounters {
        InterfaceCounters {
            if_index,
            in_octets,
            ..InterfaceCounters::default()
        }
    }

    #[test]
    fn a_spray_of_agent_interfaces_stays_bounded_and_counted() {
        let mut table = AgentTable::default();
        let agents = 300_000u32 / 10;
        for a in 0..agents {
            for if_index in 0..10 {
                table.update(
                    IpAddr::from([10, (a >> 16) as u8, (a >> 8) as u8, a as u8]),
                    counters(if_index, 1),
                );
            }
        }
        assert!(table.len() <= MAX_AGENT_INTERFACES);
        assert_eq!(table.len() as u64 + table.evictions, 300_000);
        assert_eq!(table.list(usize::MAX).len(), table.len());
    }

    #[test]
    fn an_agent_that_keeps_reporting_is_kept() {
        let mut table = AgentTable::new(64);
        let real: IpAddr = "192.0.2.1".parse().unwrap();
        for round in 0..1000u32 {
            table.update(real, counters(1, round as u64));
            table.update(
                IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + round)),
                counters(1, 0),
            );
        }
        let listed = table.list(usize::MAX);
        assert_eq!(
            listed
                .iter()
                .find(|i| i.agent == real)
                .map(|i| i.counters.in_octets),
            Some(999)
        );
        assert!(listed.len() <= 64);
    }
}
