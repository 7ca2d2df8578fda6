//! Where a worker's decoder delivers: flow records into the aggregator (with the exporter's
//! sampling override applied), sFlow counter samples into the agents' interface table.

use std::net::IpAddr;

use ahash::AHashMap;
use floodwatch_counters::LocalAggregator;
use floodwatch_detect::SampleCollector;
use floodwatch_packet::{FlowRecord, InterfaceCounters, PacketHeader, RecordSink};

/// The sFlow interface counters a worker heard since its last report, the latest per agent
/// interface. Bounded: when full, a new interface is not kept until the next report (counted).
#[derive(Default)]
pub struct AgentInterfaces {
    interfaces: AHashMap<(IpAddr, u32), InterfaceCounters>,
    /// Updates of new interfaces not kept, since the last report.
    refused: u64,
}

impl AgentInterfaces {
    pub const MAX: usize = 4096;

    pub fn new() -> AgentInterfaces {
        AgentInterfaces::default()
    }

    pub fn insert(&mut self, agent: IpAddr, counters: &InterfaceCounters) {
        let key = (agent, counters.if_index);
        if let Some(kept) = self.interfaces.get_mut(&key) {
            kept.clone_from(counters);
        } else if self.interfaces.len() < AgentInterfaces::MAX {
            self.interfaces.insert(key, counters.clone());
        } else {
            self.refused += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty() && self.refused == 0
    }

    /// What was heard since the last call, and how many updates were refused for lack of room.
    pub fn take(&mut self) -> (Vec<(IpAddr, InterfaceCounters)>, u64) {
        let interfaces = self
            .interfaces
            .drain()
            .map(|((agent, _), c)| (agent, c))
            .collect();
        (interfaces, std::mem::take(&mut self.refused))
    }
}

pub struct CountingSink<'a> {
    pub aggregator: &'a mut LocalAggregator,
    /// Keeps the records of watched hosts for the attack report.
    pub samples: &'a mut SampleCollector,
    pub sampling_override: Option<u32>,
    pub agents: &'a mut AgentInterfaces,
}

impl RecordSink for CountingSink<'_> {
    fn record(&mut self, record: &FlowRecord) {
        match self.sampling_override {
            Some(rate) => {
                let mut record = record.clone();
                record.sampling_rate = rate;
                self.aggregator.add(&record);
                self.samples.offer(&record);
            }
            None => {
                self.aggregator.add(record);
                self.samples.offer(record);
            }
        }
    }

    fn packet(&mut self, record: &FlowRecord, header: &PacketHeader<'_>) {
        match self.sampling_override {
            Some(rate) => {
                let mut record = record.clone();
                record.sampling_rate = rate;
                self.aggregator.add(&record);
                self.samples.offer_packet(&record, header);
            }
            None => {
                self.aggregator.add(record);
                self.samples.offer_packet(record, header);
            }
        }
    }

    fn interface_counters(&mut self, agent: IpAddr, counters: &InterfaceCounters) {
        self.agents.insert(agent, counters);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_holds_at_most_max_interfaces_and_counts_the_rest() {
        let mut agents = AgentInterfaces::new();
        let known: IpAddr = "192.0.2.1".parse().unwrap();
        agents.insert(
            known,
            &InterfaceCounters {
                if_index: 1,
                ..InterfaceCounters::default()
            },
        );
        for i in 0..10_000u32 {
            agents.insert(
                IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i)),
                &InterfaceCounters {
                    if_index: 1,
                    ..InterfaceCounters::default()
                },
            );
        }
        // A known interface is still updated when full.
        agents.insert(
            known,
            &InterfaceCounters {
                if_index: 1,
                in_octets: 5,
                ..InterfaceCounters::default()
            },
        );
        let (interfaces, refused) = agents.take();
        assert_eq!(
            (interfaces.len(), refused),
            (AgentInterfaces::MAX, 10_001 - AgentInterfaces::MAX as u64)
        );
        assert!(interfaces
            .iter()
            .any(|(a, c)| *a == known && c.in_octets == 5));
        assert!(agents.is_empty());
    }
}
