//! Where a worker's decoder delivers: flow records into the aggregator (with the exporter's
//! sampling override applied), sFlow counter samples into the agents' interface table.

use std::net::IpAddr;

use ahash::AHashMap;
use floodwatch_counters::LocalAggregator;
use floodwatch_detect::SampleCollector;
use floodwatch_packet::{FlowRecord, InterfaceCounters, PacketHeader, RecordSink};

pub type AgentInterfaces = AHashMap<(IpAddr, u32), InterfaceCounters>;

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
        self.agents.insert((agent, counters.if_index), counters.clone());
    }
}
