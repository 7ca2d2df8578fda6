//! The compact key of a host: its address as 128 bits, IPv4 as IPv4-mapped IPv6.

use std::net::{IpAddr, Ipv6Addr};

/// IPv4 addresses are stored as `::ffff:a.b.c.d`, so an IPv4-mapped IPv6 address and the IPv4
/// address it maps are the same host. Two u64 rather than a u128 keep the alignment at 8, which
/// keeps hash-table slots small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct HostKey {
    hi: u64,
    lo: u64,
}

impl HostKey {
    #[inline]
    pub(crate) fn new(ip: IpAddr) -> HostKey {
        let bits = match ip {
            IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
            IpAddr::V6(v6) => u128::from(v6),
        };
        HostKey {
            hi: (bits >> 64) as u64,
            lo: bits as u64,
        }
    }

    pub(crate) fn ip(self) -> IpAddr {
        let v6 = Ipv6Addr::from(((self.hi as u128) << 64) | self.lo as u128);
        v6.to_canonical()
    }

    #[inline]
    pub(crate) fn bits(self) -> u128 {
        ((self.hi as u128) << 64) | self.lo as u128
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_merges_mapped_addresses() {
        for text in [
            "10.1.2.3",
            "2001:db8::1",
            "::",
            "0.0.0.0",
            "255.255.255.255",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(HostKey::new(ip).ip(), ip);
        }
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        let v4: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(HostKey::new(mapped), HostKey::new(v4));
        assert_eq!(HostKey::new(mapped).ip(), v4);
    }
}
