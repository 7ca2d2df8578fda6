//! Scale-out roles over the core: a sensor keeps what its workers hand the ticker, per host and
//! direction, for the detectors (one buffer per partition, taken every tick); a detector merges
//! the sensors' buffers into its own table, where thresholds, hostgroups and classification run
//! on the merged figures as on its own traffic.

use std::net::IpAddr;

use floodwatch_counters::wire::{
    decode, partition_of, Decoded, PartitionBuffer, PartitionedWriter, WireError,
};
use floodwatch_detect::RecentRecords;

use crate::core::Core;

/// The partition that owns `ip` among `partitions`, as every sensor splits its aggregates.
pub fn aggregates_partition(ip: IpAddr, partitions: u32) -> u32 {
    partition_of(ip, partitions)
}

/// What `Core::take_aggregates` hands over.
pub struct AggregatesTaken {
    pub buffers: Vec<PartitionBuffer>,
    /// The whole traffic's totals (scopes and records), for every detector.
    pub totals: Option<Vec<u8>>,
    /// Worker batches and host entries dropped since start because nobody took the buffers.
    pub dropped_batches: u64,
    pub dropped_hosts: u64,
}

impl Core {
    /// From now on every batch applied is also kept for `take_aggregates`, split over
    /// `partitions`, at most `max_bytes` held.
    pub fn publish_aggregates(&mut self, partitions: u32, max_bytes: usize) {
        match &self.outbox {
            Some(outbox) if outbox.partitions() == partitions.max(1) => {}
            _ => self.outbox = Some(PartitionedWriter::new(partitions, max_bytes)),
        }
    }

    pub fn take_aggregates(&mut self) -> AggregatesTaken {
        match &mut self.outbox {
            Some(outbox) => AggregatesTaken {
                buffers: outbox.take(),
                totals: outbox.take_totals(),
                dropped_batches: outbox.dropped_batches,
                dropped_hosts: outbox.dropped_hosts,
            },
            None => AggregatesTaken {
                buffers: Vec::new(),
                totals: None,
                dropped_batches: 0,
                dropped_hosts: 0,
            },
        }
    }

    /// Applies a sensor's buffer to the table, its sample of records to the last seconds' sample
    /// (what a host's attack record starts from when it is watched); returns the host entries.
    pub fn merge_aggregates(&mut self, bytes: &[u8]) -> Result<usize, WireError> {
        let Decoded {
            batch,
            sample,
            sample_seen,
        } = decode(bytes)?;
        let hosts = batch.host_deltas();
        let recent = RecentRecords {
            records: sample,
            seen: sample_seen,
        };
        self.apply(batch, &[], Vec::new(), recent);
        Ok(hosts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_counters::{CounterConfig, Direction, LocalAggregator, Prefix};
    use floodwatch_detect::{
        FingerprintConfig, Group, Limits, MetricSlot, RecentRecords, Thresholds, WatchList,
    };
    use floodwatch_packet::{FlowRecord, PROTO_TCP, TCP_SYN};
    use floodwatch_test_support::flow;
    use std::net::{IpAddr, Ipv4Addr};

    fn config() -> CounterConfig {
        CounterConfig::with_networks(
            ["10.0.0.0/8".parse::<Prefix>().unwrap()]
                .into_iter()
                .collect(),
        )
    }

    fn core() -> Core {
        let mut core = Core::new(config(), WatchList::new(), FingerprintConfig::default(), 1);
        let limits = Limits::default().with(MetricSlot::TcpSynPps, 1000.0);
        core.set_thresholds(Thresholds::new(Group {
            name: "global".into(),
            incoming: limits,
            outgoing: Limits::default(),
        }));
        core
    }

    /// `count` SYN records of 10 packets to 10.0.0.1, from sources starting at `first`.
    fn syn_flood(first: u32, count: u32) -> floodwatch_counters::DeltaBatch {
        let mut aggregator = LocalAggregator::new(&config());
        for i in first..first + count {
            aggregator.begin_datagram();
            aggregator.add(
                &flow(Ipv4Addr::from(0xc633_6400 + i), "10.0.0.1")
                    .protocol(PROTO_TCP)
                    .ports(40000, 443)
                    .tcp_flags(TCP_SYN)
                    .packets(10)
                    .bytes(400)
                    .build(),
            );
        }
        aggregator.take_batch()
    }

    #[test]
    fn a_detector_bans_on_two_sensors_halves_that_neither_crosses_alone() {
        // Each sensor sees 6 records of 10 SYN packets every 100 ms: 600 pps alone, 1200 together,
        // over a threshold of 1000.
        let mut sensors = [core(), core()];
        for sensor in &mut sensors {
            sensor.publish_aggregates(4, 1 << 20);
        }
        let mut detector = core();
        let mut alone = Vec::new();
        let mut crossed = Vec::new();
        for tick in 1..=30u64 {
            for (n, sensor) in sensors.iter_mut().enumerate() {
                sensor.apply(
                    syn_flood(n as u32 * 1000 + tick as u32 * 3, 6),
                    &[],
                    Vec::new(),
                    RecentRecords::default(),
                );
                sensor.tick(tick * 100);
                alone.extend(sensor.drain_violations());
                for buffer in sensor.take_aggregates().buffers {
                    detector.merge_aggregates(&buffer.bytes).unwrap();
                }
            }
            detector.tick(tick * 100);
            crossed.extend(
                detector
                    .drain_violations()
                    .into_iter()
                    .map(|v| (v.ip, v.direction)),
            );
        }
        assert!(alone.is_empty(), "a half alone crossed: {alone:?}");
        crossed.dedup();
        assert_eq!(
            crossed,
            [("10.0.0.1".parse().unwrap(), Direction::Incoming)]
        );
    }

    #[test]
    fn a_detector_tells_an_attack_by_the_sensors_sample_of_records() {
        let victim: IpAddr = "10.0.0.2".parse().unwrap();
        let reflected: Vec<FlowRecord> = (0..200u32)
            .map(|i| {
                flow(Ipv4Addr::from(0xc000_0200 + i % 40), victim)
                    .ports(123, 30000 + (i % 20) as u16)
                    .packets(20)
                    .bytes(9600)
                    .build()
            })
            .collect();
        let mut sensor = core();
        sensor.publish_aggregates(4, 1 << 20);
        let mut aggregator = LocalAggregator::new(&config());
        reflected.iter().for_each(|r| aggregator.add(r));
        sensor.apply(
            aggregator.take_batch(),
            &[],
            Vec::new(),
            RecentRecords {
                records: reflected.iter().step_by(4).cloned().collect(),
                seen: 200,
            },
        );
        let mut detector = core();
        detector.tick(100);
        for buffer in sensor.take_aggregates().buffers {
            detector.merge_aggregates(&buffer.bytes).unwrap();
        }
        detector.tick(200);
        assert_eq!(
            detector.classify(&victim, Direction::Incoming),
            "udp_flood",
            "by the counters alone, before the host is watched"
        );
        detector.watch(victim);
        assert_eq!(
            detector.classify(&victim, Direction::Incoming),
            "ntp_amplification"
        );
        let samples = detector.samples(&victim).unwrap();
        assert!(samples.estimated);
    }

    #[test]
    fn every_detector_merges_the_totals_of_every_sensor() {
        let mut sensors = [core(), core()];
        let mut detector = core();
        detector.tick(100);
        for (n, sensor) in sensors.iter_mut().enumerate() {
            sensor.publish_aggregates(4, 1 << 20);
            sensor.apply(
                syn_flood(n as u32 * 1000, 6),
                &[],
                Vec::new(),
                RecentRecords::default(),
            );
            // A detector that owns none of the hosts' partitions still gets the totals.
            let taken = sensor.take_aggregates();
            assert!(!taken.buffers.is_empty());
            detector.merge_aggregates(&taken.totals.unwrap()).unwrap();
        }
        detector.tick(200);
        let totals = detector.table.totals();
        assert_eq!(totals.incoming.packets_total, 2 * 6 * 10);
        assert!(detector.table.host(&"10.0.0.1".parse().unwrap()).is_none());
    }

    #[test]
    fn a_core_that_does_not_publish_keeps_nothing() {
        let mut core = core();
        core.apply(syn_flood(0, 5), &[], Vec::new(), RecentRecords::default());
        assert!(core.take_aggregates().buffers.is_empty());
        core.publish_aggregates(2, 1 << 20);
        core.apply(syn_flood(0, 5), &[], Vec::new(), RecentRecords::default());
        let taken = core.take_aggregates();
        assert_eq!(taken.buffers.iter().map(|b| b.hosts).sum::<u32>(), 1);
        assert!(core
            .merge_aggregates(&[9, 9])
            .unwrap_err()
            .to_string()
            .contains("version 9"));
    }
}
