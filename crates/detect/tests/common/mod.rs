//! One worker and the ticker on a simulated clock: records go through a LocalAggregator into
//! a HostTable, and through a SampleCollector into a SampleStore.

#![allow(dead_code)]

use floodwatch_counters::{CounterConfig, HostTable, HostView, LocalAggregator, Prefix};
use floodwatch_detect::{SampleCollector, SampleStore, WatchList};
use floodwatch_packet::{FlowRecord, PROTO_TCP, TCP_ACK, TCP_SYN};
pub use floodwatch_test_support::{flow, ip};

pub const START_MS: u64 = 1_700_000_000_000;

pub fn udp(
    src: &str,
    dst: &str,
    src_port: u16,
    dst_port: u16,
    packets: u64,
    bytes: u64,
) -> FlowRecord {
    flow(src, dst)
        .ports(src_port, dst_port)
        .packets(packets)
        .bytes(bytes)
        .build()
}

/// From port 40000 to 80, 60 bytes a packet.
pub fn tcp(src: &str, dst: &str, flags: u8, packets: u64) -> FlowRecord {
    flow(src, dst)
        .protocol(PROTO_TCP)
        .tcp_flags(flags)
        .ports(40000, 80)
        .packets(packets)
        .bytes(packets * 60)
        .build()
}

pub fn syn(src: &str, dst: &str, packets: u64) -> FlowRecord {
    tcp(src, dst, TCP_SYN, packets)
}

pub fn ack(src: &str, dst: &str, packets: u64) -> FlowRecord {
    tcp(src, dst, TCP_ACK, packets)
}

/// A source address out of 198.18.0.0/15, one per `n`.
pub fn spoofed(n: u32) -> String {
    let n = n % (1 << 17);
    format!("198.{}.{}.{}", 18 + (n >> 16), (n >> 8) & 255, n & 255)
}

pub struct Sim {
    pub aggregator: LocalAggregator,
    pub table: HostTable,
    pub watch: WatchList,
    pub collector: SampleCollector,
    pub store: SampleStore,
    pub now_ms: u64,
}

impl Sim {
    /// Monitors 10.0.0.0/8 and 2001:db8::/32.
    pub fn new() -> Sim {
        let networks = ["10.0.0.0/8", "2001:db8::/32"]
            .iter()
            .map(|p| p.parse::<Prefix>().unwrap())
            .collect();
        let config = CounterConfig::with_networks(networks);
        let watch = WatchList::new();
        Sim {
            aggregator: LocalAggregator::new(&config),
            table: HostTable::new(config),
            collector: SampleCollector::new(&watch),
            store: SampleStore::new(&watch),
            watch,
            now_ms: START_MS,
        }
    }

    pub fn add(&mut self, record: &FlowRecord) {
        self.aggregator.add(record);
        self.collector.offer(record);
    }

    /// The records of one flow export datagram: one piece of evidence whatever they claim.
    pub fn datagram<'a>(&mut self, records: impl IntoIterator<Item = &'a FlowRecord>) {
        self.aggregator.begin_datagram();
        self.add_all(records);
    }

    pub fn add_all<'a>(&mut self, records: impl IntoIterator<Item = &'a FlowRecord>) {
        for record in records {
            self.add(record);
        }
    }

    /// Ends the tick: the batch goes to the table, the samples to the store, the table ticks.
    pub fn tick(&mut self) {
        self.table.apply(self.aggregator.take_batch());
        self.store.add(&self.collector.take());
        self.now_ms += self.table.config().tick_ms;
        self.table.tick(self.now_ms);
    }

    pub fn tick_ms(&self) -> u64 {
        self.table.config().tick_ms
    }

    pub fn host(&self, text: &str) -> HostView {
        self.table
            .host(&ip(text))
            .unwrap_or_else(|| panic!("{text} not in the table"))
    }
}
