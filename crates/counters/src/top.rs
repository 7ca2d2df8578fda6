//! The n best of many candidates, with a bounded heap instead of a full sort.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// A candidate ranks above another with a larger value, or the same value and a smaller
/// tie-break (so ties come out in address order).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ranked<P> {
    pub(crate) value: f64,
    pub(crate) tiebreak: u128,
    pub(crate) payload: P,
}

impl<P> Ranked<P> {
    fn rank(&self, other: &Self) -> Ordering {
        self.value
            .total_cmp(&other.value)
            .then_with(|| other.tiebreak.cmp(&self.tiebreak))
    }
}

impl<P> PartialEq for Ranked<P> {
    fn eq(&self, other: &Self) -> bool {
        self.rank(other) == Ordering::Equal
    }
}

impl<P> Eq for Ranked<P> {}

impl<P> PartialOrd for Ranked<P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<P> Ord for Ranked<P> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank(other)
    }
}

/// The `n` highest-ranked candidates, best first. O(len · log n).
pub(crate) fn top_n<P>(candidates: impl Iterator<Item = Ranked<P>>, n: usize) -> Vec<Ranked<P>> {
    if n == 0 {
        return Vec::new();
    }
    let mut kept: BinaryHeap<Reverse<Ranked<P>>> = BinaryHeap::with_capacity(n + 1);
    for candidate in candidates {
        if kept.len() < n {
            kept.push(Reverse(candidate));
        } else if let Some(mut worst) = kept.peek_mut() {
            if candidate > worst.0 {
                *worst = Reverse(candidate);
            }
        }
    }
    kept.into_sorted_vec()
        .into_iter()
        .map(|Reverse(ranked)| ranked)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_full_sort() {
        let mut random = floodwatch_test_support::XorShift::new(12345);
        let values: Vec<f64> = (0..10_000)
            .map(|_| random.below(5000) as f64) // many ties
            .collect();
        let candidates = || {
            values.iter().enumerate().map(|(i, &value)| Ranked {
                value,
                tiebreak: i as u128,
                payload: i,
            })
        };
        let mut sorted: Vec<_> = candidates().collect();
        sorted.sort_by(|a, b| b.cmp(a));
        for n in [0, 1, 10, 100, 9_999, 10_000, 20_000] {
            let top: Vec<usize> = top_n(candidates(), n).iter().map(|r| r.payload).collect();
            let expected: Vec<usize> = sorted.iter().take(n).map(|r| r.payload).collect();
            assert_eq!(top, expected, "n = {n}");
        }
    }
}
