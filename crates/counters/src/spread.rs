//! Spreading long flow records over the seconds they span, for the speed figures.

use crate::class::ClassCounts;

/// Over how many seconds a record of `duration_ms` is spread, or None to count it at once.
#[inline]
pub(crate) fn spread_seconds(duration_ms: u32, max_spread_seconds: u32) -> Option<u32> {
    if duration_ms <= 1000 || max_spread_seconds <= 1 {
        return None;
    }
    Some(duration_ms.div_ceil(1000).min(max_spread_seconds))
}

/// The part of a speed still owed by long flows: a rate per second, and when parts of it stop.
/// Ends are whole seconds, so a host holds at most `max_spread_seconds + 1` of them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Spread {
    rate: ClassCounts<f32>,
    ends: Vec<SpreadEnd>,
}

#[derive(Clone, Debug)]
struct SpreadEnd {
    end_ms: u64,
    rate: ClassCounts<f32>,
}

impl Spread {
    pub(crate) fn heap_bytes(&self) -> usize {
        std::mem::size_of::<Spread>() + self.ends.capacity() * std::mem::size_of::<SpreadEnd>()
    }

    /// Spreads `counts` evenly from `start_ms` over `seconds`, the end rounded up to a second.
    pub(crate) fn add(&mut self, start_ms: u64, seconds: u32, counts: &ClassCounts<f32>) {
        let end_ms = (start_ms + seconds as u64 * 1000).div_ceil(1000) * 1000;
        let rate = counts.scaled(1000.0 / (end_ms - start_ms) as f32);
        self.rate += &rate;
        match self.ends.binary_search_by_key(&end_ms, |end| end.end_ms) {
            Ok(i) => self.ends[i].rate += &rate,
            Err(i) => self.ends.insert(i, SpreadEnd { end_ms, rate }),
        }
    }

    /// What the tick ending at `now_ms`, `interval_ms` long, owes; drops the parts that ended
    /// before it.
    pub(crate) fn take_tick(&mut self, now_ms: u64, interval_ms: u64) -> ClassCounts<f32> {
        let ended = self
            .ends
            .iter()
            .take_while(|end| end.end_ms < now_ms)
            .count();
        for end in self.ends.drain(..ended) {
            self.rate -= &end.rate;
        }
        if self.ends.is_empty() {
            self.rate = ClassCounts::default();
        }
        self.rate.scaled(interval_ms as f32 / 1000.0)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub(crate) fn shift(&mut self, offset_ms: u64) {
        for end in &mut self.ends {
            end.end_ms += offset_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_records_are_not_spread() {
        assert_eq!(spread_seconds(0, 60), None);
        assert_eq!(spread_seconds(1000, 60), None);
        assert_eq!(spread_seconds(1001, 60), Some(2));
        assert_eq!(spread_seconds(59_500, 60), Some(60));
        assert_eq!(spread_seconds(300_000, 60), Some(60));
        assert_eq!(spread_seconds(300_000, 0), None);
    }

    #[test]
    fn a_spread_delivers_its_counts_and_ends() {
        let mut counts = ClassCounts::<f32>::default();
        counts.packets[0] = 6000.0;
        let mut spread = Spread::default();
        spread.add(10_000, 60, &counts);
        spread.add(10_000, 60, &counts);
        spread.add(10_000, 2, &counts);
        assert_eq!(spread.ends.len(), 2, "same end second merges");
        let mut delivered = 0.0;
        let mut now = 10_000;
        while !spread.is_empty() {
            now += 100;
            delivered += spread.take_tick(now, 100).packets[0];
        }
        assert!((delivered - 18_000.0).abs() < 1.0, "{delivered}");
        assert_eq!(now, 70_100);
        assert_eq!(spread.take_tick(now + 100, 100).packets[0], 0.0);
    }
}
