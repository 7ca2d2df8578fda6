//! The cluster's wire form of delta batches. A sensor's workers' batches are split by the
//! partition that owns each host and written compactly; a detector reads them back into a
//! `DeltaBatch` and applies it to its own table exactly as it applies a worker's batch, so the
//! merge of several sensors is the merge of several workers: counts add up, flow sketches are
//! unioned, evidence (datagrams) adds up. The totals (scopes and records count) are written to
//! a buffer of their own, which every detector merges, whatever partitions it owns.
//!
//! A buffer is `VERSION` then entries. An entry starts with a tag byte:
//! - host: bit 0 outgoing, bit 1 IPv6 (16 address bytes, else 4), then the direction's delta;
//! - `SCOPE` | scope index (0..4) in bits 4..6: one scope of the totals, then its delta;
//! - `RECORDS`: the records count (LEB128);
//! - `SAMPLE`: a sample of the tick's flow records, for a detector to tell who attacked and how:
//!   the records offered (LEB128), the count, then each record (flags: bit 0 IPv6, bit 1
//!   fragment; addresses; protocol; ports and TCP flags; packets, bytes, sampling rate and
//!   duration as LEB128). A record goes to the partitions of both its addresses.
//!
//! A delta is: datagrams, 6 packet counts, 6 byte counts, the number of spread parts and each
//! (seconds, 6 packet counts, 6 byte counts), all LEB128; then the flow sketch.

use crate::aggregator::{DeltaBatch, DirectionDelta, HostDelta, SpreadDelta, SCOPE_COUNT};
use crate::class::{ClassCounts, CLASS_COUNT};
use crate::config::Direction;
use crate::key::HostKey;
use crate::sketch::FlowSketch;
use floodwatch_packet::FlowRecord;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const VERSION: u8 = 1;
const OUTGOING: u8 = 0x01;
const IPV6: u8 = 0x02;
const SCOPE: u8 = 0x80;
const RECORDS: u8 = 0x40;
const SAMPLE: u8 = 0x20;

/// Why a buffer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

/// The partition that owns `ip` among `partitions`: the same on every sensor and version.
pub fn partition_of(ip: IpAddr, partitions: u32) -> u32 {
    let bits = HostKey::new(ip.to_canonical()).bits();
    let mut x = (bits as u64) ^ ((bits >> 64) as u64).rotate_left(17);
    // splitmix64's finalizer
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x % partitions.max(1) as u64) as u32
}

/// One partition's buffer as `PartitionedWriter::take` hands it over.
#[derive(Debug)]
pub struct PartitionBuffer {
    pub partition: u32,
    pub bytes: Vec<u8>,
    /// Host-direction entries in it.
    pub hosts: u32,
}

/// Batches written into one buffer per partition, until taken. Bounded: past `max_bytes` the
/// batches are dropped and counted.
pub struct PartitionedWriter {
    buffers: Vec<Vec<u8>>,
    totals: Vec<u8>,
    hosts: Vec<u32>,
    bytes: usize,
    max_bytes: usize,
    pub dropped_batches: u64,
    pub dropped_hosts: u64,
}

impl PartitionedWriter {
    pub fn new(partitions: u32, max_bytes: usize) -> PartitionedWriter {
        let partitions = partitions.max(1) as usize;
        PartitionedWriter {
            buffers: vec![Vec::new(); partitions],
            totals: Vec::new(),
            hosts: vec![0; partitions],
            bytes: 0,
            max_bytes,
            dropped_batches: 0,
            dropped_hosts: 0,
        }
    }

    pub fn partitions(&self) -> u32 {
        self.buffers.len() as u32
    }

    /// Bytes held, not yet taken.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Adds a worker's batch: each host to its partition's buffer, the totals to their own.
    pub fn add(&mut self, batch: &DeltaBatch) {
        if self.bytes >= self.max_bytes {
            self.dropped_batches += 1;
            self.dropped_hosts += batch.hosts.len() as u64;
            return;
        }
        let partitions = self.buffers.len() as u32;
        for host in &batch.hosts {
            let ip = host.key.ip();
            let at = partition_of(ip, partitions) as usize;
            let out = &mut self.buffers[at];
            let before = out.len();
            if out.is_empty() {
                out.push(VERSION);
            }
            let direction = if host.direction == Direction::Outgoing {
                OUTGOING
            } else {
                0
            };
            match ip {
                IpAddr::V4(v4) => {
                    out.push(direction);
                    out.extend_from_slice(&v4.octets());
                }
                IpAddr::V6(v6) => {
                    out.push(direction | IPV6);
                    out.extend_from_slice(&v6.octets());
                }
            }
            write_delta(out, &host.delta);
            self.hosts[at] += 1;
            self.bytes += out.len() - before;
        }
        let out = &mut self.totals;
        let before = out.len();
        for (index, scope) in batch.scopes.iter().enumerate() {
            if scope.counts.packets[0] == 0 && scope.flows.is_empty() {
                continue;
            }
            if out.is_empty() {
                out.push(VERSION);
            }
            out.push(SCOPE | ((index as u8) << 4));
            write_delta(out, scope);
        }
        if batch.records > 0 {
            if out.is_empty() {
                out.push(VERSION);
            }
            out.push(RECORDS);
            put_varint(out, batch.records);
        }
        self.bytes += out.len() - before;
    }

    /// Adds a sample of flow records (`seen` records offered, of which `records` is a uniform
    /// sample): each to the partitions of its source and destination, with `seen` split in
    /// proportion so that a record stands for as many there as here.
    pub fn add_sample(&mut self, records: &[FlowRecord], seen: u64) {
        if records.is_empty() || self.bytes >= self.max_bytes {
            return;
        }
        let partitions = self.buffers.len() as u32;
        let mut per_partition: Vec<Vec<&FlowRecord>> = vec![Vec::new(); partitions as usize];
        for record in records {
            let (src, dst) = (
                partition_of(record.src, partitions),
                partition_of(record.dst, partitions),
            );
            per_partition[dst as usize].push(record);
            if src != dst {
                per_partition[src as usize].push(record);
            }
        }
        for (at, kept) in per_partition.into_iter().enumerate() {
            if kept.is_empty() {
                continue;
            }
            let out = &mut self.buffers[at];
            let before = out.len();
            if out.is_empty() {
                out.push(VERSION);
            }
            out.push(SAMPLE);
            put_varint(
                out,
                (seen as u128 * kept.len() as u128).div_ceil(records.len() as u128) as u64,
            );
            put_varint(out, kept.len() as u64);
            for record in kept {
                write_record(out, record);
            }
            self.bytes += out.len() - before;
        }
    }

    /// The totals since the last call, when there are any.
    pub fn take_totals(&mut self) -> Option<Vec<u8>> {
        if self.totals.is_empty() {
            return None;
        }
        self.bytes -= self.totals.len().min(self.bytes);
        let capacity = self.totals.len();
        Some(std::mem::replace(
            &mut self.totals,
            Vec::with_capacity(capacity),
        ))
    }

    /// The partitions' buffers with something in them; they start over empty (the totals are
    /// taken with `take_totals`).
    pub fn take(&mut self) -> Vec<PartitionBuffer> {
        self.bytes = self.totals.len();
        let mut taken = Vec::new();
        for (partition, (buffer, hosts)) in self.buffers.iter_mut().zip(&mut self.hosts).enumerate()
        {
            if buffer.is_empty() {
                continue;
            }
            let capacity = buffer.len();
            taken.push(PartitionBuffer {
                partition: partition as u32,
                bytes: std::mem::replace(buffer, Vec::with_capacity(capacity)),
                hosts: std::mem::take(hosts),
            });
        }
        taken
    }
}

fn write_record(out: &mut Vec<u8>, record: &FlowRecord) {
    let (src, dst) = (record.src.to_canonical(), record.dst.to_canonical());
    let v6 = src.is_ipv6() || dst.is_ipv6();
    out.push(u8::from(v6) | (u8::from(record.fragment) << 1));
    for ip in [src, dst] {
        match ip {
            IpAddr::V4(v4) if !v6 => out.extend_from_slice(&v4.octets()),
            IpAddr::V4(v4) => out.extend_from_slice(&v4.to_ipv6_mapped().octets()),
            IpAddr::V6(v6) => out.extend_from_slice(&v6.octets()),
        }
    }
    out.push(record.protocol);
    out.extend_from_slice(&record.src_port.to_be_bytes());
    out.extend_from_slice(&record.dst_port.to_be_bytes());
    out.push(record.tcp_flags);
    put_varint(out, record.packets);
    put_varint(out, record.bytes);
    put_varint(out, record.sampling_rate as u64);
    put_varint(out, record.duration_ms as u64);
}

fn write_counts(out: &mut Vec<u8>, counts: &ClassCounts<u64>) {
    for &value in counts.packets.iter().chain(&counts.bytes) {
        put_varint(out, value);
    }
}

fn write_delta(out: &mut Vec<u8>, delta: &DirectionDelta) {
    put_varint(out, delta.datagrams as u64);
    write_counts(out, &delta.counts);
    put_varint(out, delta.spread.len() as u64);
    for spread in &delta.spread {
        put_varint(out, spread.seconds as u64);
        write_counts(out, &spread.counts);
    }
    delta.flows.write_wire(out);
}

/// A buffer read back: the counters' batch, and the sample of flow records.
#[derive(Debug, Default)]
pub struct Decoded {
    pub batch: DeltaBatch,
    pub sample: Vec<FlowRecord>,
    /// Records offered, of which `sample` is a uniform sample.
    pub sample_seen: u64,
}

/// Reads a buffer written by `PartitionedWriter` back into a batch for `HostTable::apply` and
/// its sample of records.
pub fn decode(bytes: &[u8]) -> Result<Decoded, WireError> {
    let mut reader = Reader { bytes, at: 0 };
    let version = reader.byte()?;
    if version != VERSION {
        return Err(WireError(format!("aggregates of wire version {version}; this floodwatch reads version {VERSION}: run the same floodwatch version on sensors and detectors")));
    }
    let mut decoded = Decoded::default();
    let batch = &mut decoded.batch;
    while reader.at < bytes.len() {
        let tag = reader.byte()?;
        if tag == RECORDS {
            batch.records += reader.varint()?;
        } else if tag == SAMPLE {
            decoded.sample_seen += reader.varint()?;
            let count = reader.varint()?;
            // No sender keeps more than a few hundred records a tick.
            if count > 1 << 16 {
                return Err(reader.error("sample size"));
            }
            for _ in 0..count {
                decoded.sample.push(reader.record()?);
            }
        } else if tag & SCOPE != 0 {
            let index = ((tag >> 4) & 0x07) as usize;
            if index >= SCOPE_COUNT {
                return Err(reader.error("scope index"));
            }
            let delta = reader.delta()?;
            batch.scopes[index] = delta;
        } else {
            if tag & !(OUTGOING | IPV6) != 0 {
                return Err(reader.error("entry tag"));
            }
            let ip = if tag & IPV6 != 0 {
                let octets: [u8; 16] = reader
                    .take(16)?
                    .try_into()
                    .map_err(|_| reader.error("address"))?;
                IpAddr::V6(Ipv6Addr::from(octets)).to_canonical()
            } else {
                let octets: [u8; 4] = reader
                    .take(4)?
                    .try_into()
                    .map_err(|_| reader.error("address"))?;
                IpAddr::V4(Ipv4Addr::from(octets))
            };
            let direction = if tag & OUTGOING != 0 {
                Direction::Outgoing
            } else {
                Direction::Incoming
            };
            let delta = reader.delta()?;
            batch.hosts.push(HostDelta {
                key: HostKey::new(ip),
                direction,
                delta,
            });
        }
    }
    Ok(decoded)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, what: &str) -> WireError {
        WireError(format!(
            "aggregates malformed at byte {} of {}: bad {what}",
            self.at,
            self.bytes.len()
        ))
    }

    fn byte(&mut self) -> Result<u8, WireError> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.error("length (truncated)"))?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], WireError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.error("length (truncated)"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let (value, used) =
            get_varint(&self.bytes[self.at..]).ok_or_else(|| self.error("number"))?;
        self.at += used;
        Ok(value)
    }

    fn address(&mut self, v6: bool) -> Result<IpAddr, WireError> {
        Ok(if v6 {
            let octets: [u8; 16] = self
                .take(16)?
                .try_into()
                .map_err(|_| self.error("address"))?;
            IpAddr::V6(Ipv6Addr::from(octets)).to_canonical()
        } else {
            let octets: [u8; 4] = self
                .take(4)?
                .try_into()
                .map_err(|_| self.error("address"))?;
            IpAddr::V4(Ipv4Addr::from(octets))
        })
    }

    fn record(&mut self) -> Result<FlowRecord, WireError> {
        let flags = self.byte()?;
        if flags & !0x03 != 0 {
            return Err(self.error("record flags"));
        }
        let v6 = flags & 1 != 0;
        let src = self.address(v6)?;
        let dst = self.address(v6)?;
        let fixed = self.take(6)?;
        let (protocol, src_port, dst_port, tcp_flags) = (
            fixed[0],
            u16::from_be_bytes([fixed[1], fixed[2]]),
            u16::from_be_bytes([fixed[3], fixed[4]]),
            fixed[5],
        );
        Ok(FlowRecord {
            input_interface: 0,
            output_interface: 0,
            src,
            dst,
            protocol,
            src_port,
            dst_port,
            tcp_flags,
            fragment: flags & 2 != 0,
            packets: self.varint()?,
            bytes: self.varint()?,
            sampling_rate: u32::try_from(self.varint()?)
                .map_err(|_| self.error("sampling rate"))?,
            duration_ms: u32::try_from(self.varint()?).map_err(|_| self.error("duration"))?,
        })
    }

    fn counts(&mut self) -> Result<ClassCounts<u64>, WireError> {
        let mut counts = ClassCounts::<u64>::default();
        for class in 0..CLASS_COUNT {
            counts.packets[class] = self.varint()?;
        }
        for class in 0..CLASS_COUNT {
            counts.bytes[class] = self.varint()?;
        }
        Ok(counts)
    }

    fn delta(&mut self) -> Result<DirectionDelta, WireError> {
        let mut delta = DirectionDelta::default();
        delta.datagrams =
            u32::try_from(self.varint()?).map_err(|_| self.error("datagram count"))?;
        delta.counts = self.counts()?;
        let spreads = self.varint()?;
        // A part per distinct length of long flows: no sender has more than max_spread_seconds.
        if spreads > 4096 {
            return Err(self.error("spread count"));
        }
        for _ in 0..spreads {
            let seconds =
                u32::try_from(self.varint()?).map_err(|_| self.error("spread seconds"))?;
            let counts = self.counts()?;
            // The long flows' part is within the whole: immediate() subtracts it.
            if (0..CLASS_COUNT).any(|c| {
                counts.packets[c] > delta.counts.packets[c]
                    || counts.bytes[c] > delta.counts.bytes[c]
            }) {
                return Err(self.error("spread counts (over the delta's)"));
            }
            delta.spread.push(SpreadDelta { seconds, counts });
        }
        let (flows, used) = FlowSketch::read_wire(&self.bytes[self.at..])
            .ok_or_else(|| self.error("flow sketch"))?;
        self.at += used;
        delta.flows = flows;
        Ok(delta)
    }
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A LEB128 number at the start of `input` and the bytes it took.
pub(crate) fn get_varint(input: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in input.iter().enumerate().take(10) {
        value |= ((byte & 0x7f) as u64) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CounterConfig, HostTable, LocalAggregator, Prefix};
    use floodwatch_packet::{PROTO_TCP, PROTO_UDP, TCP_SYN};
    use floodwatch_test_support::flow;

    fn config() -> CounterConfig {
        let networks = ["10.0.0.0/8", "2001:db8::/32"]
            .iter()
            .map(|p| p.parse::<Prefix>().unwrap())
            .collect();
        CounterConfig::with_networks(networks)
    }

    /// A SYN flood from many sources on 10.0.0.1, some UDP to an IPv6 host, a long flow, and
    /// outgoing traffic.
    fn records() -> Vec<FlowRecord> {
        let mut records = Vec::new();
        for i in 0..3000u32 {
            let packets = 1 + (i % 3) as u64;
            records.push(
                flow(Ipv4Addr::from(0xc000_0200 + i), "10.0.0.1")
                    .protocol(PROTO_TCP)
                    .ports((1024 + i % 50000) as u16, 80)
                    .tcp_flags(TCP_SYN)
                    .packets(packets)
                    .bytes(60 * packets)
                    .sampling_rate(if i % 2 == 0 { 1 } else { 10 })
                    .build(),
            );
        }
        for i in 0..40u32 {
            records.push(
                flow("2001:db9::7", "2001:db8::1")
                    .protocol(PROTO_UDP)
                    .ports(53, (2000 + i) as u16)
                    .fragment(i % 4 == 0)
                    .packets(5)
                    .bytes(5000)
                    .duration_ms(if i == 0 { 30_000 } else { 0 })
                    .build(),
            );
            records.push(FlowRecord {
                src: "10.0.0.9".parse().unwrap(),
                dst: "198.51.100.1".parse().unwrap(),
                ..records[records.len() - 1].clone()
            });
        }
        records
    }

    fn table_fed(batches: impl IntoIterator<Item = DeltaBatch>) -> HostTable {
        let mut table = HostTable::new(config());
        table.tick(1000);
        for batch in batches {
            table.apply(batch);
        }
        table.tick(2000);
        table
    }

    fn aggregate(records: &[FlowRecord]) -> DeltaBatch {
        let mut aggregator = LocalAggregator::new(&config());
        for (i, record) in records.iter().enumerate() {
            if i % 10 == 0 {
                aggregator.begin_datagram();
            }
            aggregator.add(record);
        }
        aggregator.take_batch()
    }

    fn through_wire(batch: &DeltaBatch, partitions: u32) -> Vec<DeltaBatch> {
        let mut writer = PartitionedWriter::new(partitions, usize::MAX);
        writer.add(batch);
        writer
            .take()
            .into_iter()
            .map(|buffer| buffer.bytes)
            .chain(writer.take_totals())
            .map(|bytes| decode(&bytes).unwrap().batch)
            .collect()
    }

    const HOSTS: [&str; 3] = ["10.0.0.1", "2001:db8::1", "10.0.0.9"];

    fn assert_same(a: &HostTable, b: &HostTable) {
        for ip in HOSTS {
            let ip: IpAddr = ip.parse().unwrap();
            let (a, b) = (a.host(&ip).unwrap(), b.host(&ip).unwrap());
            for (a, b) in [(&a.incoming, &b.incoming), (&a.outgoing, &b.outgoing)] {
                assert_eq!(a.packets_total, b.packets_total, "{ip}");
                assert_eq!(a.bytes_total, b.bytes_total, "{ip}");
                assert_eq!(a.classes, b.classes, "{ip}");
                assert!(
                    (a.flows - b.flows).abs() <= 1e-9 * a.flows.max(1.0),
                    "{ip} flows {} vs {}",
                    a.flows,
                    b.flows
                );
            }
        }
        assert_eq!(a.totals(), b.totals());
    }

    #[test]
    fn a_batch_read_back_counts_as_the_batch() {
        let records = records();
        let direct = table_fed([aggregate(&records)]);
        let wired = table_fed(through_wire(&aggregate(&records), 1));
        assert_same(&direct, &wired);
        let host = wired.host(&"10.0.0.1".parse().unwrap()).unwrap();
        assert!(
            host.incoming.flows > 1000.0,
            "the dense sketch crossed: {}",
            host.incoming.flows
        );
    }

    #[test]
    fn two_halves_merged_count_as_the_whole() {
        let records = records();
        let (even, odd): (Vec<_>, Vec<_>) = records
            .iter()
            .cloned()
            .enumerate()
            .partition(|(i, _)| i % 2 == 0);
        let half = |part: Vec<(usize, FlowRecord)>| {
            aggregate(&part.into_iter().map(|(_, r)| r).collect::<Vec<_>>())
        };
        let whole = table_fed([aggregate(&records)]);
        let mut merged = through_wire(&half(even), 4);
        merged.extend(through_wire(&half(odd), 4));
        let merged = table_fed(merged);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let (a, b) = (whole.host(&ip).unwrap(), merged.host(&ip).unwrap());
        assert_eq!(a.incoming.packets_total, b.incoming.packets_total);
        assert_eq!(a.incoming.classes, b.incoming.classes);
        // Flows: the union of two sketches is within the sketch's error of the whole's.
        assert!(
            (a.incoming.flows - b.incoming.flows).abs() < 0.05 * a.incoming.flows,
            "{} vs {}",
            a.incoming.flows,
            b.incoming.flows
        );
        assert_eq!(
            whole.totals().incoming.packets_total,
            merged.totals().incoming.packets_total
        );
    }

    #[test]
    fn a_sample_of_records_goes_to_the_partitions_of_both_its_addresses() {
        let records = records();
        let sample: Vec<FlowRecord> = records.iter().step_by(100).cloned().collect();
        let mut writer = PartitionedWriter::new(4, usize::MAX);
        writer.add_sample(&sample, records.len() as u64);
        let mut seen = 0;
        let mut read = Vec::new();
        for buffer in writer.take() {
            let decoded = decode(&buffer.bytes).unwrap();
            for record in &decoded.sample {
                assert!([partition_of(record.src, 4), partition_of(record.dst, 4)]
                    .contains(&buffer.partition));
            }
            // Each record stands for as many records in its partition as in the whole sample.
            let weight = decoded.sample_seen as f64 / decoded.sample.len() as f64;
            assert!(
                (weight - records.len() as f64 / sample.len() as f64).abs() < 1.0,
                "{weight}"
            );
            seen += decoded.sample_seen;
            read.extend(decoded.sample);
        }
        assert!(seen >= records.len() as u64);
        for record in &sample {
            assert!(read.contains(record), "{record:?} read back as it was");
        }
    }

    #[test]
    fn hosts_go_to_their_partition_on_every_sensor() {
        let mut writer = PartitionedWriter::new(8, usize::MAX);
        writer.add(&aggregate(&records()));
        for buffer in writer.take() {
            let batch = decode(&buffer.bytes).unwrap().batch;
            for host in batch.hosts {
                assert_eq!(partition_of(host.key.ip(), 8), buffer.partition);
            }
            assert!(batch
                .scopes
                .iter()
                .all(|scope| scope.counts.packets[0] == 0));
            assert_eq!(batch.records, 0);
        }
        // The totals go apart, for every detector, whatever partitions it owns.
        let totals = decode(&writer.take_totals().unwrap()).unwrap().batch;
        assert!(totals.hosts.is_empty());
        assert!(totals.scopes[0].counts.packets[0] > 0);
        assert_eq!(totals.records, records().len() as u64);
        assert!(writer.take_totals().is_none());
        let spread: std::collections::HashSet<u32> = (0..1000u32)
            .map(|i| partition_of(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)), 8))
            .collect();
        assert_eq!(spread.len(), 8);
        assert_eq!(
            partition_of("::ffff:10.0.0.1".parse().unwrap(), 8),
            partition_of("10.0.0.1".parse().unwrap(), 8)
        );
    }

    #[test]
    fn malformed_buffers_are_refused_not_trusted() {
        let mut writer = PartitionedWriter::new(1, usize::MAX);
        writer.add(&aggregate(&records()));
        let bytes = writer.take().remove(0).bytes;
        for cut in [2, 3, 7, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for cut in 0..bytes.len() {
            let _ = decode(&bytes[..cut]);
        }
        let mut wrong_version = bytes.clone();
        wrong_version[0] = 9;
        assert!(decode(&wrong_version).unwrap_err().0.contains("version 9"));
        assert!(decode(&[VERSION, 0x33]).is_err());
    }

    #[test]
    fn a_full_writer_drops_and_counts() {
        let mut writer = PartitionedWriter::new(2, 10);
        let batch = aggregate(&records());
        writer.add(&batch);
        writer.add(&batch);
        assert_eq!(writer.dropped_batches, 1);
        assert_eq!(writer.dropped_hosts, 3);
        assert!(!writer.take().is_empty());
        assert!(writer.take_totals().is_some());
        writer.add(&batch);
        assert_eq!(writer.dropped_batches, 1, "taking frees the room");
    }

    /// The cost model's figures (README, Scale-out): bytes and time per host entry written and
    /// read back, for hosts of a few flows a tick and for a flooded host.
    /// `cargo test --release -p floodwatch-counters wire::tests::measure -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn measure() {
        use std::time::Instant;
        for flows_per_host in [1u32, 4, 16, 64] {
            let hosts = 100_000u32;
            let mut aggregator = LocalAggregator::new(&config());
            for h in 0..hosts {
                for f in 0..flows_per_host {
                    aggregator.add(
                        &flow(
                            Ipv4Addr::from(0xc000_0200 + f),
                            Ipv4Addr::from(0x0a00_0000 + h),
                        )
                        .protocol(PROTO_TCP)
                        .ports(40000, 443)
                        .tcp_flags(0x18)
                        .packets(10)
                        .bytes(8000)
                        .sampling_rate(1000)
                        .build(),
                    );
                }
            }
            let batch = aggregator.take_batch();
            let mut writer = PartitionedWriter::new(16, usize::MAX);
            let started = Instant::now();
            writer.add(&batch);
            let buffers = writer.take();
            let encode = started.elapsed();
            let bytes: usize = buffers.iter().map(|b| b.bytes.len()).sum();
            let mut table = HostTable::new(config());
            table.tick(100);
            let mut merge = Vec::new();
            // First the hosts are new to the table, then they are in it (a detector's steady state).
            for round in 0..2u64 {
                let started = Instant::now();
                for buffer in &buffers {
                    table.apply(decode(&buffer.bytes).unwrap().batch);
                }
                merge.push(started.elapsed().as_nanos() as f64 / hosts as f64);
                table.tick(200 + 100 * round);
            }
            println!(
                "{flows_per_host} flows a host: {:.1} bytes a host entry, encode {:.0} ns, decode and merge {:.0} ns a host entry new to the table, {:.0} ns known",
                bytes as f64 / hosts as f64,
                encode.as_nanos() as f64 / hosts as f64,
                merge[0],
                merge[1]
            );
        }
        let mut writer = PartitionedWriter::new(1, usize::MAX);
        writer.add(&aggregate(&records()));
        let flooded = writer.take().remove(0).bytes.len();
        println!(
            "a SYN flood of 3000 flows a tick on one host, and 2 small hosts: {flooded} bytes"
        );
    }
}
