//! Distinct-flow counting: a HyperLogLog sketch that starts as an exact set of hashes.
//!
//! A host that sees a handful of flows keeps their hashes inline (no allocation); up to
//! `SPARSE_LIMIT` it keeps a small exact set; past that it switches to 2^11 one-byte registers,
//! estimated with Ertl's improved estimator (no bias tables, unbiased across the whole range,
//! standard error about 2.3%). The registers keep a histogram of their values up to date, so
//! an estimate costs tens of operations, not a pass over the registers.

use floodwatch_packet::FlowRecord;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;

mod wire;

const PRECISION: u32 = 11;
const REGISTERS: usize = 1 << PRECISION;
/// Bits of the hash left for the rank once the register index is taken.
const RANK_BITS: u32 = 64 - PRECISION;
/// Register values run from 0 to RANK_BITS + 1.
const HISTOGRAM: usize = RANK_BITS as usize + 2;
const INLINE: usize = 3;
/// The exact set's largest size: 64 hashes of 4 bytes, an eighth of the registers.
const SPARSE_LIMIT: usize = 64;

/// Fixed seeds: every worker must hash a flow the same way for sketches to merge.
static FLOW_HASHER: ahash::RandomState = ahash::RandomState::with_seeds(
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
);

/// The hash of a record's 5-tuple (addresses, protocol, ports).
#[inline]
pub fn flow_hash(record: &FlowRecord) -> u64 {
    let mut hasher = FLOW_HASHER.build_hasher();
    hasher.write_u128(address_bits(record.src));
    hasher.write_u128(address_bits(record.dst));
    hasher.write_u64(
        (record.protocol as u64) << 32 | (record.src_port as u64) << 16 | record.dst_port as u64,
    );
    hasher.finish()
}

#[inline]
fn address_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u32::from(v4) as u128,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// A mergeable estimate of the number of distinct hashes inserted.
#[derive(Clone, Debug, Default)]
pub struct FlowSketch {
    repr: Repr,
}

/// The exact forms hold the top 32 bits of each hash: collisions are negligible below
/// `SPARSE_LIMIT` entries, and they carry the register index and enough of the rank.
#[derive(Clone, Debug)]
enum Repr {
    Inline {
        len: u8,
        hashes: [u32; INLINE],
    },
    // Boxed to keep the sketch, and so every host direction, at 16 bytes.
    #[allow(clippy::box_collection)]
    Sparse(Box<Vec<u32>>),
    Dense(Box<Registers>),
}

#[derive(Clone, Debug)]
struct Registers {
    rank: [u8; REGISTERS],
    /// How many registers hold each rank.
    histogram: [u16; HISTOGRAM],
}

impl Registers {
    fn new() -> Box<Registers> {
        let mut registers = Box::new(Registers {
            rank: [0; REGISTERS],
            histogram: [0; HISTOGRAM],
        });
        registers.reset();
        registers
    }

    fn reset(&mut self) {
        self.rank = [0; REGISTERS];
        self.histogram = [0; HISTOGRAM];
        self.histogram[0] = REGISTERS as u16;
    }

    #[inline]
    fn insert(&mut self, hash: u64) {
        let index = (hash >> RANK_BITS) as usize;
        let rest = hash << PRECISION;
        let rank = if rest == 0 {
            RANK_BITS + 1
        } else {
            rest.leading_zeros() + 1
        } as u8;
        let register = &mut self.rank[index];
        if rank > *register {
            self.histogram[*register as usize] -= 1;
            self.histogram[rank as usize] += 1;
            *register = rank;
        }
    }

    fn merge(&mut self, other: &Registers) {
        for (ours, theirs) in self.rank.iter_mut().zip(other.rank.iter()) {
            *ours = (*ours).max(*theirs);
        }
        self.histogram = [0; HISTOGRAM];
        for &rank in self.rank.iter() {
            self.histogram[rank as usize] += 1;
        }
    }
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Inline {
            len: 0,
            hashes: [0; INLINE],
        }
    }
}

impl FlowSketch {
    pub fn new() -> FlowSketch {
        FlowSketch::default()
    }

    #[inline]
    pub fn insert_hash(&mut self, hash: u64) {
        let short = (hash >> 32) as u32;
        match &mut self.repr {
            Repr::Inline { len, hashes } => {
                let held = &hashes[..*len as usize];
                if held.contains(&short) {
                    return;
                }
                if (*len as usize) < INLINE {
                    hashes[*len as usize] = short;
                    *len += 1;
                } else {
                    let mut set = Vec::with_capacity(2 * INLINE + 2);
                    set.extend_from_slice(hashes);
                    set.push(short);
                    self.repr = Repr::Sparse(Box::new(set));
                }
            }
            Repr::Sparse(set) => {
                if set.contains(&short) {
                    return;
                }
                set.push(short);
                if set.len() > SPARSE_LIMIT {
                    self.densify();
                }
            }
            Repr::Dense(registers) => registers.insert(hash),
        }
    }

    pub fn merge(&mut self, other: &FlowSketch) {
        match &other.repr {
            Repr::Inline { len, hashes } => {
                for &short in &hashes[..*len as usize] {
                    self.insert_hash(widen(short));
                }
            }
            Repr::Sparse(set) => {
                for &short in set.iter() {
                    self.insert_hash(widen(short));
                }
            }
            Repr::Dense(theirs) => {
                if !matches!(self.repr, Repr::Dense(_)) {
                    self.densify();
                }
                if let Repr::Dense(ours) = &mut self.repr {
                    ours.merge(theirs);
                }
            }
        }
    }

    /// The estimated number of distinct hashes inserted; exact while the set is small.
    pub fn estimate(&self) -> f64 {
        match &self.repr {
            Repr::Inline { len, .. } => *len as f64,
            Repr::Sparse(set) => set.len() as f64,
            Repr::Dense(registers) => estimate(&registers.histogram),
        }
    }

    /// Empties the sketch and gives back its memory.
    pub fn clear(&mut self) {
        self.repr = Repr::default();
    }

    /// Empties the sketch but keeps dense registers allocated, for a sketch that will fill
    /// up again soon.
    pub fn reset(&mut self) {
        match &mut self.repr {
            Repr::Dense(registers) => registers.reset(),
            _ => self.clear(),
        }
    }

    pub fn is_dense(&self) -> bool {
        matches!(self.repr, Repr::Dense(_))
    }

    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Inline { len, .. } => *len == 0,
            Repr::Sparse(_) => false,
            Repr::Dense(registers) => registers.histogram[0] as usize == REGISTERS,
        }
    }

    /// Heap bytes held (0 for the inline form).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Inline { .. } => 0,
            Repr::Sparse(set) => std::mem::size_of::<Vec<u32>>() + set.capacity() * 4,
            Repr::Dense(_) => std::mem::size_of::<Registers>(),
        }
    }

    fn densify(&mut self) {
        let mut registers = Registers::new();
        let exact: &[u32] = match &self.repr {
            Repr::Inline { len, hashes } => &hashes[..*len as usize],
            Repr::Sparse(set) => set,
            Repr::Dense(_) => return,
        };
        for &short in exact {
            registers.insert(widen(short));
        }
        self.repr = Repr::Dense(registers);
    }
}

/// A full hash from its top 32 bits. The low bits are ones so the rank stays within what the
/// 32 bits tell (a hash whose rank needed more bits is a 1 in 2^20 event).
fn widen(short: u32) -> u64 {
    (short as u64) << 32 | 0xffff_ffff
}

/// Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (2017), algorithm 6,
/// from the histogram of register values.
fn estimate(histogram: &[u16; HISTOGRAM]) -> f64 {
    let q = RANK_BITS as usize;
    let m = REGISTERS as f64;
    let mut z = m * tau(1.0 - histogram[q + 1] as f64 / m);
    for k in (1..=q).rev() {
        z = 0.5 * (z + histogram[k] as f64);
    }
    z += m * sigma(histogram[0] as f64 / m);
    let alpha_infinity = 0.5 / std::f64::consts::LN_2;
    alpha_infinity * m * m / z
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if z == previous {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if z == previous {
            return z / 3.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_packet::PROTO_UDP;
    use floodwatch_test_support::flow;

    fn hashes(seed: u64, count: u64) -> impl Iterator<Item = u64> {
        (0..count).map(move |i| {
            let record = flow(
                IpAddr::from([10, (seed >> 8) as u8, seed as u8, 1]),
                std::net::Ipv6Addr::from((0x2001_0db8u128 << 96) | i as u128),
            )
            .protocol(PROTO_UDP)
            .ports((i % 50_000) as u16, 53)
            .build();
            flow_hash(&record)
        })
    }

    fn sketch_of(seed: u64, count: u64) -> FlowSketch {
        let mut sketch = FlowSketch::new();
        hashes(seed, count).for_each(|h| sketch.insert_hash(h));
        sketch
    }

    #[test]
    fn small_sets_are_exact_and_repeats_count_once() {
        for count in [0, 1, 2, 3, 4, 10, 33, 64] {
            let mut sketch = sketch_of(1, count);
            hashes(1, count).for_each(|h| sketch.insert_hash(h));
            assert_eq!(sketch.estimate(), count as f64);
        }
        assert_eq!(sketch_of(1, 3).heap_bytes(), 0, "three flows stay inline");
        let just_dense = sketch_of(1, 65).estimate();
        assert!((just_dense - 65.0).abs() <= 2.0, "{just_dense}");
    }

    #[test]
    fn large_sets_within_five_percent() {
        for (seed, count) in [(2, 1_000), (3, 10_000), (4, 100_000), (5, 1_000_000)] {
            let estimate = sketch_of(seed, count).estimate();
            let error = (estimate - count as f64).abs() / count as f64;
            assert!(error < 0.05, "{count} distinct estimated as {estimate:.0}");
        }
    }

    #[test]
    fn merge_is_the_union() {
        let shared = sketch_of(6, 20_000);
        let mut a = shared.clone();
        hashes(7, 30_000).for_each(|h| a.insert_hash(h));
        let mut b = shared;
        hashes(8, 50_000).for_each(|h| b.insert_hash(h));
        a.merge(&b);
        let error = (a.estimate() - 100_000.0).abs() / 100_000.0;
        assert!(
            error < 0.05,
            "union of 100k estimated as {:.0}",
            a.estimate()
        );

        // Small into small stays exact; small into dense and dense into small both work.
        let mut small = sketch_of(9, 10);
        small.merge(&sketch_of(10, 20));
        small.merge(&sketch_of(9, 10));
        assert_eq!(small.estimate(), 30.0);
        small.merge(&sketch_of(11, 5_000));
        assert!(
            (small.estimate() - 5_030.0).abs() < 250.0,
            "{}",
            small.estimate()
        );
        let mut dense = sketch_of(12, 5_000);
        dense.merge(&sketch_of(13, 40));
        assert!(
            (dense.estimate() - 5_040.0).abs() < 250.0,
            "{}",
            dense.estimate()
        );
    }

    #[test]
    fn clear_empties_and_frees() {
        let mut sketch = sketch_of(14, 1_000);
        assert!(sketch.heap_bytes() >= REGISTERS);
        let from_scratch = {
            let mut registers = Registers::new();
            registers.merge(match &sketch.repr {
                Repr::Dense(r) => r,
                _ => unreachable!(),
            });
            registers.histogram
        };
        assert!(matches!(&sketch.repr, Repr::Dense(r) if r.histogram == from_scratch));
        sketch.reset();
        assert!(sketch.is_empty() && sketch.is_dense() && sketch.estimate() == 0.0);
        sketch.insert_hash(1 << 63);
        assert!(!sketch.is_empty());
        sketch.clear();
        assert!(sketch.is_empty());
        assert_eq!(sketch.estimate(), 0.0);
        assert_eq!(sketch.heap_bytes(), 0);
    }

    #[test]
    fn flow_hash_depends_on_every_field_of_the_tuple() {
        let base = flow("10.0.0.1", "10.0.0.2")
            .protocol(6)
            .ports(1000, 80)
            .bytes(60)
            .build();
        let h = flow_hash(&base);
        let variants = [
            FlowRecord {
                src: "10.0.0.3".parse().unwrap(),
                ..base.clone()
            },
            FlowRecord {
                dst: "10.0.0.3".parse().unwrap(),
                ..base.clone()
            },
            FlowRecord {
                protocol: 17,
                ..base.clone()
            },
            FlowRecord {
                src_port: 1001,
                ..base.clone()
            },
            FlowRecord {
                dst_port: 81,
                ..base.clone()
            },
        ];
        for variant in &variants {
            assert_ne!(flow_hash(variant), h);
        }
        let same_flow = FlowRecord {
            packets: 9,
            bytes: 900,
            tcp_flags: 0x12,
            ..base.clone()
        };
        assert_eq!(flow_hash(&same_flow), h);
    }

    #[test]
    fn sketch_is_small() {
        assert!(std::mem::size_of::<FlowSketch>() <= 16);
    }
}
