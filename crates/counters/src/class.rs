//! Traffic classes and the per-class counter arrays.

use floodwatch_packet::{FlowRecord, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};
use std::ops::{AddAssign, SubAssign};

/// A traffic class counted per direction. A packet counts in `Total` and in every other class
/// it belongs to (a fragmented TCP SYN counts in Total, Tcp, TcpSyn and Fragment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Total,
    Tcp,
    /// TCP with the SYN flag set.
    TcpSyn,
    Udp,
    /// ICMP and ICMPv6.
    Icmp,
    Fragment,
}

pub const CLASS_COUNT: usize = 6;

impl Class {
    pub const ALL: [Class; CLASS_COUNT] = [
        Class::Total,
        Class::Tcp,
        Class::TcpSyn,
        Class::Udp,
        Class::Icmp,
        Class::Fragment,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Total => "total",
            Class::Tcp => "tcp",
            Class::TcpSyn => "tcp_syn",
            Class::Udp => "udp",
            Class::Icmp => "icmp",
            Class::Fragment => "fragment",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The classes one record belongs to, as a bit set indexed by `Class::index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClassSet(u8);

impl ClassSet {
    pub(crate) fn of(record: &FlowRecord) -> ClassSet {
        let mut bits = 1 << Class::Total as u8;
        match record.protocol {
            PROTO_TCP => {
                bits |= 1 << Class::Tcp as u8;
                if record.is_syn() {
                    bits |= 1 << Class::TcpSyn as u8;
                }
            }
            PROTO_UDP => bits |= 1 << Class::Udp as u8,
            PROTO_ICMP | PROTO_ICMPV6 => bits |= 1 << Class::Icmp as u8,
            _ => {}
        }
        if record.fragment {
            bits |= 1 << Class::Fragment as u8;
        }
        ClassSet(bits)
    }

    #[inline]
    fn bit(self, class: usize) -> u64 {
        ((self.0 >> class) & 1) as u64
    }
}

/// Packets and bytes per class: totals (u64) or speeds and tick deltas (f32).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ClassCounts<T> {
    pub(crate) packets: [T; CLASS_COUNT],
    pub(crate) bytes: [T; CLASS_COUNT],
}

impl ClassCounts<u64> {
    #[inline]
    pub(crate) fn add(&mut self, classes: ClassSet, packets: u64, bytes: u64) {
        for class in 0..CLASS_COUNT {
            let bit = classes.bit(class);
            self.packets[class] = self.packets[class].wrapping_add(packets * bit);
            self.bytes[class] = self.bytes[class].wrapping_add(bytes * bit);
        }
    }

    pub(crate) fn to_f32(self) -> ClassCounts<f32> {
        ClassCounts {
            packets: self.packets.map(|v| v as f32),
            bytes: self.bytes.map(|v| v as f32),
        }
    }
}

impl ClassCounts<f32> {
    pub(crate) fn scaled(&self, factor: f32) -> ClassCounts<f32> {
        ClassCounts {
            packets: self.packets.map(|v| v * factor),
            bytes: self.bytes.map(|v| v * factor),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.packets.iter().chain(&self.bytes).all(|&v| v == 0.0)
    }
}

impl<T: AddAssign + Copy> AddAssign<&ClassCounts<T>> for ClassCounts<T> {
    fn add_assign(&mut self, other: &ClassCounts<T>) {
        for class in 0..CLASS_COUNT {
            self.packets[class] += other.packets[class];
            self.bytes[class] += other.bytes[class];
        }
    }
}

impl<T: SubAssign + Copy> SubAssign<&ClassCounts<T>> for ClassCounts<T> {
    fn sub_assign(&mut self, other: &ClassCounts<T>) {
        for class in 0..CLASS_COUNT {
            self.packets[class] -= other.packets[class];
            self.bytes[class] -= other.bytes[class];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_packet::{TCP_ACK, TCP_SYN};
    use floodwatch_test_support::flow;

    fn record(protocol: u8, tcp_flags: u8, fragment: bool) -> FlowRecord {
        flow("10.0.0.1", "10.0.0.2")
            .protocol(protocol)
            .ports(1, 2)
            .tcp_flags(tcp_flags)
            .fragment(fragment)
            .build()
    }

    fn classes_of(record: &FlowRecord) -> Vec<Class> {
        let set = ClassSet::of(record);
        Class::ALL
            .into_iter()
            .filter(|c| set.bit(c.index()) == 1)
            .collect()
    }

    #[test]
    fn every_packet_counts_in_total_and_its_classes() {
        use Class::*;
        assert_eq!(classes_of(&record(PROTO_TCP, TCP_ACK, false)), [Total, Tcp]);
        assert_eq!(
            classes_of(&record(PROTO_TCP, TCP_SYN | TCP_ACK, false)),
            [Total, Tcp, TcpSyn]
        );
        assert_eq!(
            classes_of(&record(PROTO_UDP, 0, true)),
            [Total, Udp, Fragment]
        );
        assert_eq!(classes_of(&record(PROTO_ICMP, 0, false)), [Total, Icmp]);
        assert_eq!(classes_of(&record(PROTO_ICMPV6, 0, false)), [Total, Icmp]);
        assert_eq!(classes_of(&record(47, 0, false)), [Total]);
        // SYN bits on a non-TCP protocol mean nothing.
        assert_eq!(classes_of(&record(PROTO_UDP, TCP_SYN, false)), [Total, Udp]);
    }

    #[test]
    fn counts_add_per_class() {
        let mut counts = ClassCounts::<u64>::default();
        counts.add(ClassSet::of(&record(PROTO_TCP, TCP_SYN, false)), 3, 180);
        counts.add(ClassSet::of(&record(PROTO_UDP, 0, false)), 2, 1000);
        assert_eq!(counts.packets, [5, 3, 3, 2, 0, 0]);
        assert_eq!(counts.bytes, [1180, 180, 180, 1000, 0, 0]);
    }
}
