//! Attack fingerprints: the first packets to or from a watched host, as captured (mirror-port
//! frames, sFlow raw headers, IPFIX packet sections), for the attack's pcap.

use crate::watch::WatchList;
use floodwatch_packet::{FlowRecord, HeaderLink, PacketHeader};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedPacket {
    pub timestamp_ns: u64,
    pub original_len: u32,
    pub link: HeaderLink,
    /// At most the snap length.
    pub data: Vec<u8>,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
}

impl CapturedPacket {
    /// Copies `header` (cut to `snap_len`) of the packet `record` was made from.
    pub fn new(record: &FlowRecord, header: &PacketHeader<'_>, snap_len: usize) -> CapturedPacket {
        let data = &header.data[..header.data.len().min(snap_len)];
        let timestamp_ns = if header.timestamp_ns > 0 {
            header.timestamp_ns
        } else {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        };
        CapturedPacket {
            timestamp_ns,
            original_len: header.original_len.max(header.data.len() as u32),
            link: header.link,
            data: data.to_vec(),
            src: record.src.to_canonical(),
            dst: record.dst.to_canonical(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct FingerprintConfig {
    /// Packets kept per watched host, from its watch on.
    pub packets_per_host: usize,
    /// Bytes kept of each packet.
    pub snap_len: usize,
}

impl Default for FingerprintConfig {
    fn default() -> Self {
        FingerprintConfig {
            packets_per_host: 500,
            snap_len: 1518,
        }
    }
}

/// The ticker's side: per watched host, its first `packets_per_host` packets.
pub struct FingerprintStore {
    list: WatchList,
    config: FingerprintConfig,
    hosts: HashMap<IpAddr, Vec<CapturedPacket>, ahash::RandomState>,
}

impl FingerprintStore {
    pub fn new(list: &WatchList, config: FingerprintConfig) -> FingerprintStore {
        FingerprintStore {
            list: list.clone(),
            config,
            hosts: HashMap::default(),
        }
    }

    pub fn config(&self) -> FingerprintConfig {
        self.config
    }

    pub fn add(&mut self, packets: Vec<CapturedPacket>) {
        if packets.is_empty() {
            return;
        }
        let watched = self.list.snapshot();
        let limit = self.config.packets_per_host;
        for packet in packets {
            let ends = [packet.dst, packet.src];
            for ip in ends.iter().filter(|ip| watched.contains(ip)) {
                let kept = self.hosts.entry(*ip).or_default();
                if kept.len() < limit {
                    kept.push(packet.clone());
                }
            }
        }
    }

    /// The packets kept for `ip`, in arrival order.
    pub fn packets(&self, ip: &IpAddr) -> &[CapturedPacket] {
        self.hosts
            .get(&ip.to_canonical())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn forget(&mut self, ip: &IpAddr) -> bool {
        self.hosts.remove(&ip.to_canonical()).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_test_support::flow;

    /// One 468-byte NTP reply from 192.0.2.1.
    fn record(dst: &str) -> FlowRecord {
        flow("192.0.2.1", dst).ports(123, 4000).bytes(468).build()
    }

    #[test]
    fn keeps_the_first_packets_of_watched_hosts_cut_to_the_snap_length() {
        let list = WatchList::new();
        list.watch("198.51.100.1".parse().unwrap());
        let mut store = FingerprintStore::new(
            &list,
            FingerprintConfig {
                packets_per_host: 3,
                snap_len: 4,
            },
        );
        let frame = [1u8, 2, 3, 4, 5, 6];
        let header = PacketHeader {
            link: HeaderLink::Ethernet,
            data: &frame,
            original_len: 60,
            timestamp_ns: 7,
        };
        let packets: Vec<CapturedPacket> = [
            "198.51.100.1",
            "198.51.100.2",
            "198.51.100.1",
            "198.51.100.1",
            "198.51.100.1",
        ]
        .iter()
        .map(|dst| CapturedPacket::new(&record(dst), &header, store.config().snap_len))
        .collect();
        store.add(packets);
        let kept = store.packets(&"198.51.100.1".parse().unwrap());
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0].data, vec![1, 2, 3, 4]);
        assert_eq!(kept[0].original_len, 60);
        assert_eq!(kept[0].timestamp_ns, 7);
        assert!(store.packets(&"198.51.100.2".parse().unwrap()).is_empty());
        assert!(store.forget(&"198.51.100.1".parse().unwrap()));
    }
}
