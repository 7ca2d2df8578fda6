/// A deterministic pseudo-random sequence (xorshift64*): the same seed gives the same values
/// on every run and platform.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// Panics on 0, the one seed xorshift never leaves.
    pub fn new(seed: u64) -> XorShift {
        assert_ne!(seed, 0, "xorshift needs a non-zero seed");
        XorShift(seed)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// In `0..bound`; panics on a bound of 0.
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_sequence_every_time() {
        let mut random = XorShift::new(1);
        // Pinned: a change to the generator would quietly change every test's data.
        assert_eq!(random.next(), 0x47e4_ce4b_896c_dd1d);
        assert_eq!(XorShift::new(7).bytes(16), XorShift::new(7).bytes(16));
        assert_ne!(XorShift::new(7).bytes(16), XorShift::new(8).bytes(16));
    }

    #[test]
    fn below_stays_below_its_bound() {
        let mut random = XorShift::new(42);
        assert!((0..10_000).all(|_| random.below(7) < 7));
    }

    #[test]
    #[should_panic(expected = "non-zero seed")]
    fn refuses_a_zero_seed() {
        XorShift::new(0);
    }
}
