//! IP prefixes and longest-prefix match.
//!
//! A `PrefixMap` keeps, per address family, the address space cut into disjoint ranges, each
//! labelled with the most specific prefix covering it; a lookup is one binary search over the
//! range starts. Inserting is O(ranges), which is fine for configuration-sized lists.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address and a prefix length, host bits zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefix {
    pub addr: IpAddr,
    pub len: u8,
}

/// Why a prefix did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixParseError {
    input: String,
    reason: String,
}

impl fmt::Display for PrefixParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid prefix {:?}: {}", self.input, self.reason)
    }
}

impl std::error::Error for PrefixParseError {}

impl Prefix {
    /// Checks the length and the host bits.
    pub fn new(addr: IpAddr, len: u8) -> Result<Prefix, PrefixParseError> {
        let input = format!("{addr}/{len}");
        let max = max_len(addr);
        if len > max {
            return Err(PrefixParseError {
                input,
                reason: format!(
                    "length {len} is out of range, at most {max} for {}",
                    family(addr)
                ),
            });
        }
        let prefix = Prefix { addr, len };
        let network = prefix.network();
        if network != addr {
            return Err(PrefixParseError {
                input,
                reason: format!("host bits are set (the network is {network}/{len})"),
            });
        }
        Ok(prefix)
    }

    /// The prefix that covers exactly one address.
    pub fn host(addr: IpAddr) -> Prefix {
        Prefix {
            addr,
            len: max_len(addr),
        }
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(*ip) & mask_u32(self.len) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(*ip) & mask_u128(self.len) == u128::from(net)
            }
            _ => false,
        }
    }

    fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => Ipv4Addr::from(u32::from(a) & mask_u32(self.len)).into(),
            IpAddr::V6(a) => Ipv6Addr::from(u128::from(a) & mask_u128(self.len)).into(),
        }
    }
}

fn max_len(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn family(addr: IpAddr) -> &'static str {
    if addr.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

fn mask_u32(len: u8) -> u32 {
    !u32::MAX.checked_shr(len as u32).unwrap_or(0)
}

fn mask_u128(len: u8) -> u128 {
    !u128::MAX.checked_shr(len as u32).unwrap_or(0)
}

impl FromStr for Prefix {
    type Err = PrefixParseError;

    /// `10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128.
    fn from_str(text: &str) -> Result<Prefix, PrefixParseError> {
        let text = text.trim();
        let error = |reason: String| PrefixParseError {
            input: text.to_string(),
            reason,
        };
        let (addr_text, len_text) = match text.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| error(format!("{addr_text:?} is not an IPv4 or IPv6 address")))?;
        let len = match len_text {
            None => max_len(addr),
            Some(len) => len.parse::<u8>().map_err(|_| {
                error(format!(
                    "length {len:?} is not a number from 0 to {} for {}",
                    max_len(addr),
                    family(addr)
                ))
            })?,
        };
        Prefix::new(addr, len).map_err(|e| error(e.reason))
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

const NO_ENTRY: u32 = u32::MAX;

/// The address space of one family cut into disjoint ranges `[starts[i], starts[i+1])`, each
/// labelled with the entry of its most specific prefix, or NO_ENTRY.
#[derive(Clone, Debug)]
struct RangeTable<K> {
    starts: Vec<K>,
    entries: Vec<u32>,
}

trait RangeKey: Copy + Ord {
    const ZERO: Self;
    const MAX: Self;
    fn successor(self) -> Self;
}

impl RangeKey for u32 {
    const ZERO: u32 = 0;
    const MAX: u32 = u32::MAX;
    fn successor(self) -> u32 {
        self + 1
    }
}

impl RangeKey for u128 {
    const ZERO: u128 = 0;
    const MAX: u128 = u128::MAX;
    fn successor(self) -> u128 {
        self + 1
    }
}

impl<K: RangeKey> RangeTable<K> {
    fn new() -> Self {
        RangeTable {
            starts: vec![K::ZERO],
            entries: vec![NO_ENTRY],
        }
    }

    #[inline]
    fn range_of(&self, key: K) -> usize {
        self.starts.partition_point(|&start| start <= key) - 1
    }

    #[inline]
    fn find(&self, key: K) -> u32 {
        self.entries[self.range_of(key)]
    }

    /// Makes `key` the start of a range; returns that range's index.
    fn split_at(&mut self, key: K) -> usize {
        let i = self.range_of(key);
        if self.starts[i] == key {
            return i;
        }
        self.starts.insert(i + 1, key);
        self.entries.insert(i + 1, self.entries[i]);
        i + 1
    }

    fn merge_with_previous(&mut self, i: usize) {
        if i > 0 && i < self.starts.len() && self.entries[i] == self.entries[i - 1] {
            self.starts.remove(i);
            self.entries.remove(i);
        }
    }

    /// Labels `[first, last]` with `entry` wherever no longer prefix already holds it. Prefixes
    /// nest, so every range inside holds either a shorter prefix covering all of it or a longer
    /// one inside it.
    fn insert(&mut self, first: K, last: K, entry: u32, is_longer: impl Fn(u32) -> bool) {
        let lo = self.split_at(first);
        let hi = if last == K::MAX {
            self.starts.len()
        } else {
            self.split_at(last.successor())
        };
        for slot in &mut self.entries[lo..hi] {
            if *slot == NO_ENTRY || !is_longer(*slot) {
                *slot = entry;
            }
        }
        self.merge_with_previous(hi);
        self.merge_with_previous(lo);
    }
}

/// Values keyed by IP prefix, looked up by longest match. IPv4 and IPv6 are separate spaces.
#[derive(Clone, Debug)]
pub struct PrefixMap<T> {
    entries: Vec<(Prefix, T)>,
    by_prefix: HashMap<Prefix, u32>,
    v4: RangeTable<u32>,
    v6: RangeTable<u128>,
}

/// A set of prefixes (the monitored networks, a whitelist).
pub type PrefixSet = PrefixMap<()>;

impl<T> Default for PrefixMap<T> {
    fn default() -> Self {
        PrefixMap::new()
    }
}

impl<T> PrefixMap<T> {
    pub fn new() -> Self {
        PrefixMap {
            entries: Vec::new(),
            by_prefix: HashMap::new(),
            v4: RangeTable::new(),
            v6: RangeTable::new(),
        }
    }

    /// Adds or replaces the value of `prefix`; returns the value it replaced.
    pub fn insert(&mut self, prefix: Prefix, value: T) -> Option<T> {
        let prefix = Prefix {
            addr: prefix.network(),
            len: prefix.len,
        };
        if let Some(&entry) = self.by_prefix.get(&prefix) {
            return Some(std::mem::replace(
                &mut self.entries[entry as usize].1,
                value,
            ));
        }
        let entry = u32::try_from(self.entries.len()).expect("fewer than 2^32 prefixes");
        self.entries.push((prefix, value));
        self.by_prefix.insert(prefix, entry);
        let entries = &self.entries;
        let is_longer = |other: u32| entries[other as usize].0.len > prefix.len;
        match prefix.addr {
            IpAddr::V4(a) => {
                let first = u32::from(a);
                self.v4
                    .insert(first, first | !mask_u32(prefix.len), entry, is_longer);
            }
            IpAddr::V6(a) => {
                let first = u128::from(a);
                self.v6
                    .insert(first, first | !mask_u128(prefix.len), entry, is_longer);
            }
        }
        None
    }

    #[inline]
    fn entry_for(&self, ip: &IpAddr) -> Option<&(Prefix, T)> {
        let entry = match ip {
            IpAddr::V4(a) => self.v4.find(u32::from(*a)),
            IpAddr::V6(a) => self.v6.find(u128::from(*a)),
        };
        self.entries.get(entry as usize)
    }

    /// The value of the longest prefix containing `ip`.
    #[inline]
    pub fn longest_match(&self, ip: &IpAddr) -> Option<&T> {
        self.entry_for(ip).map(|(_, value)| value)
    }

    /// The longest prefix containing `ip`, with its value.
    pub fn longest_match_prefix(&self, ip: &IpAddr) -> Option<(Prefix, &T)> {
        self.entry_for(ip).map(|(prefix, value)| (*prefix, value))
    }

    /// Whether some prefix contains `ip`.
    #[inline]
    pub fn contains(&self, ip: &IpAddr) -> bool {
        self.entry_for(ip).is_some()
    }

    /// The value of exactly this prefix.
    pub fn get(&self, prefix: &Prefix) -> Option<&T> {
        let entry = *self.by_prefix.get(prefix)?;
        Some(&self.entries[entry as usize].1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The prefixes in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (Prefix, &T)> {
        self.entries.iter().map(|(prefix, value)| (*prefix, value))
    }
}

impl<T> FromIterator<(Prefix, T)> for PrefixMap<T> {
    fn from_iter<I: IntoIterator<Item = (Prefix, T)>>(iter: I) -> Self {
        let mut map = PrefixMap::new();
        for (prefix, value) in iter {
            map.insert(prefix, value);
        }
        map
    }
}

impl FromIterator<Prefix> for PrefixSet {
    fn from_iter<I: IntoIterator<Item = Prefix>>(iter: I) -> Self {
        iter.into_iter().map(|prefix| (prefix, ())).collect()
    }
}

impl PrefixSet {
    /// Every IPv4 and IPv6 address: `0.0.0.0/0` and `::/0`.
    pub fn everything() -> PrefixSet {
        ["0.0.0.0/0", "::/0"]
            .iter()
            .map(|p| p.parse::<Prefix>().unwrap())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_test_support::{ip, XorShift};

    fn p(text: &str) -> Prefix {
        text.parse().unwrap()
    }

    fn map(prefixes: &[&str]) -> PrefixMap<String> {
        prefixes
            .iter()
            .map(|text| (p(text), text.to_string()))
            .collect()
    }

    fn lookup<'a>(map: &'a PrefixMap<String>, addr: &str) -> Option<&'a str> {
        map.longest_match(&ip(addr)).map(String::as_str)
    }

    #[test]
    fn parses_and_displays() {
        assert_eq!(
            p("10.0.0.0/8"),
            Prefix {
                addr: ip("10.0.0.0"),
                len: 8
            }
        );
        assert_eq!(
            p("2001:db8::/32"),
            Prefix {
                addr: ip("2001:db8::"),
                len: 32
            }
        );
        assert_eq!(
            p("192.0.2.1"),
            Prefix {
                addr: ip("192.0.2.1"),
                len: 32
            }
        );
        assert_eq!(
            p("2001:db8::1"),
            Prefix {
                addr: ip("2001:db8::1"),
                len: 128
            }
        );
        assert_eq!(p(" 0.0.0.0/0 ").to_string(), "0.0.0.0/0");
        assert_eq!(p("::/0").to_string(), "::/0");
        assert_eq!(p("2001:db8:0:0::/64").to_string(), "2001:db8::/64");
    }

    #[test]
    fn rejects_bad_prefixes_with_a_clear_message() {
        let error = |text: &str| text.parse::<Prefix>().unwrap_err().to_string();
        assert_eq!(
            error("10.0.0.1/8"),
            "invalid prefix \"10.0.0.1/8\": host bits are set (the network is 10.0.0.0/8)"
        );
        assert_eq!(
            error("10.0.0.0/33"),
            "invalid prefix \"10.0.0.0/33\": length 33 is out of range, at most 32 for IPv4"
        );
        assert_eq!(
            error("::/129"),
            "invalid prefix \"::/129\": length 129 is out of range, at most 128 for IPv6"
        );
        assert!(error("10.0.0.0/x").contains("length \"x\" is not a number from 0 to 32 for IPv4"));
        assert!(error("10.0.0.0/-1").contains("is not a number"));
        assert!(error("10.0.0/8").contains("\"10.0.0\" is not an IPv4 or IPv6 address"));
        assert!(error("").contains("is not an IPv4 or IPv6 address"));
        assert!(
            error("2001:db8::1/32").contains("host bits are set (the network is 2001:db8::/32)")
        );
    }

    #[test]
    fn longest_match_ipv4_with_overlaps() {
        let m = map(&[
            "10.0.0.0/8",
            "10.1.0.0/16",
            "10.1.2.0/24",
            "10.1.2.3/32",
            "192.168.0.0/16",
        ]);
        assert_eq!(lookup(&m, "10.200.0.1"), Some("10.0.0.0/8"));
        assert_eq!(lookup(&m, "10.1.200.1"), Some("10.1.0.0/16"));
        assert_eq!(lookup(&m, "10.1.2.4"), Some("10.1.2.0/24"));
        assert_eq!(lookup(&m, "10.1.2.3"), Some("10.1.2.3/32"));
        assert_eq!(lookup(&m, "10.1.2.255"), Some("10.1.2.0/24"));
        assert_eq!(lookup(&m, "10.1.3.0"), Some("10.1.0.0/16"));
        assert_eq!(lookup(&m, "10.255.255.255"), Some("10.0.0.0/8"));
        assert_eq!(lookup(&m, "11.0.0.0"), None);
        assert_eq!(lookup(&m, "9.255.255.255"), None);
        assert_eq!(lookup(&m, "192.168.255.255"), Some("192.168.0.0/16"));
        assert_eq!(lookup(&m, "2001:db8::1"), None, "IPv6 is a separate space");
        assert_eq!(
            m.longest_match_prefix(&ip("10.1.9.9")).unwrap().0,
            p("10.1.0.0/16")
        );
    }

    #[test]
    fn insertion_order_does_not_matter() {
        let m = map(&[
            "10.1.2.3/32",
            "10.1.2.0/24",
            "10.1.0.0/16",
            "10.0.0.0/8",
            "0.0.0.0/0",
        ]);
        assert_eq!(lookup(&m, "10.1.2.3"), Some("10.1.2.3/32"));
        assert_eq!(lookup(&m, "10.1.2.4"), Some("10.1.2.0/24"));
        assert_eq!(lookup(&m, "10.1.3.4"), Some("10.1.0.0/16"));
        assert_eq!(lookup(&m, "10.2.3.4"), Some("10.0.0.0/8"));
        assert_eq!(lookup(&m, "8.8.8.8"), Some("0.0.0.0/0"));
        assert_eq!(lookup(&m, "255.255.255.255"), Some("0.0.0.0/0"));
        assert_eq!(lookup(&m, "::1"), None);
    }

    #[test]
    fn longest_match_ipv6_and_extremes() {
        let m = map(&[
            "::/0",
            "2001:db8::/32",
            "2001:db8:1::/48",
            "2001:db8:1::1/128",
            "ffff::/16",
        ]);
        assert_eq!(lookup(&m, "2001:db8:1::1"), Some("2001:db8:1::1/128"));
        assert_eq!(lookup(&m, "2001:db8:1::2"), Some("2001:db8:1::/48"));
        assert_eq!(lookup(&m, "2001:db8:2::1"), Some("2001:db8::/32"));
        assert_eq!(lookup(&m, "2001:db9::"), Some("::/0"));
        assert_eq!(lookup(&m, "::"), Some("::/0"));
        assert_eq!(
            lookup(&m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            Some("ffff::/16")
        );
        assert_eq!(lookup(&m, "10.0.0.1"), None);
        let hosts = map(&[
            "0.0.0.0/32",
            "255.255.255.255/32",
            "::/128",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
        ]);
        assert_eq!(lookup(&hosts, "0.0.0.0"), Some("0.0.0.0/32"));
        assert_eq!(lookup(&hosts, "0.0.0.1"), None);
        assert_eq!(
            lookup(&hosts, "255.255.255.255"),
            Some("255.255.255.255/32")
        );
        assert_eq!(lookup(&hosts, "255.255.255.254"), None);
        assert_eq!(lookup(&hosts, "::"), Some("::/128"));
        assert_eq!(lookup(&hosts, "::1"), None);
        assert_eq!(
            lookup(&hosts, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")
        );
    }

    #[test]
    fn insert_replaces_and_set_contains() {
        let mut m = PrefixMap::new();
        assert!(m.is_empty());
        assert_eq!(m.insert(p("10.0.0.0/8"), 1), None);
        assert_eq!(m.insert(p("10.0.0.0/8"), 2), Some(1));
        assert_eq!(m.len(), 1);
        assert_eq!(m.longest_match(&ip("10.9.9.9")), Some(&2));
        assert_eq!(m.get(&p("10.0.0.0/8")), Some(&2));
        let set: PrefixSet = [p("192.0.2.0/24"), p("2001:db8::/32")]
            .into_iter()
            .collect();
        assert!(set.contains(&ip("192.0.2.77")));
        assert!(!set.contains(&ip("192.0.3.1")));
        assert!(set.contains(&ip("2001:db8:ffff::1")));
        assert!(!set.contains(&ip("2001:db9::1")));
        let everything = PrefixSet::everything();
        assert!(everything.contains(&ip("1.2.3.4")) && everything.contains(&ip("::1")));
        let cloned = set.clone();
        assert_eq!(cloned.len(), 2);
    }

    /// Random prefixes against a linear scan for the longest containing prefix.
    #[test]
    fn agrees_with_a_linear_scan() {
        let mut random = XorShift::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move || random.next();
        let mut prefixes = Vec::new();
        for _ in 0..300 {
            let len = (next() % 33) as u8;
            let addr = Ipv4Addr::from((next() as u32 & 0x0f0f_ffff) & mask_u32(len));
            prefixes.push(Prefix::new(addr.into(), len).unwrap());
            let len6 = (next() % 129) as u8;
            let bits = ((next() as u128) << 64 | next() as u128)
                & (0x2001_0db8_ffff_u128 << 80 | u128::MAX >> 48);
            prefixes
                .push(Prefix::new(Ipv6Addr::from(bits & mask_u128(len6)).into(), len6).unwrap());
        }
        let m: PrefixMap<Prefix> = prefixes.iter().map(|p| (*p, *p)).collect();
        for _ in 0..20_000 {
            let probe: IpAddr = if next() % 2 == 0 {
                Ipv4Addr::from(next() as u32 & 0x0f0f_ffff).into()
            } else {
                let bits = ((next() as u128) << 64 | next() as u128)
                    & (0x2001_0db8_ffff_u128 << 80 | u128::MAX >> 48);
                Ipv6Addr::from(bits).into()
            };
            let expected = prefixes
                .iter()
                .filter(|p| p.contains(&probe))
                .max_by_key(|p| p.len);
            assert_eq!(m.longest_match(&probe), expected, "{probe}");
        }
    }
}
