//! How long a reader lets frames gather on its RX ring between drains.
//!
//! The kernel wakes an AF_XDP reader blocked in poll(2) for every frame, so a reader that
//! blocks whenever the ring is empty pays a wake-up per few frames. Instead it sleeps for a
//! while after each drain and takes what gathered in one go, as AF_PACKET's block timeout does:
//! long enough that wake-ups are rare, short enough that the ring, at the rate the last sleep
//! showed, fills only to a quarter before the next drain.

use std::time::Duration;

/// The shortest sleep: below this the wake-up costs more than the frames it serves wait.
pub const MIN_WAIT: Duration = Duration::from_micros(50);
/// What the reader sleeps first after a lull, to learn the rate before sleeping longer.
pub const PROBE_WAIT: Duration = Duration::from_micros(200);

#[derive(Clone, Debug)]
pub struct Pacer {
    max_wait: Duration,
    /// Frames a sleep should gather at most: a quarter of the ring leaves room for the rate to
    /// quadruple before frames are dropped.
    target: u32,
    wait: Duration,
}

impl Pacer {
    pub fn new(ring_size: u32, max_wait: Duration) -> Pacer {
        let max_wait = max_wait.max(MIN_WAIT);
        Pacer {
            max_wait,
            target: (ring_size / 4).max(1),
            wait: max_wait,
        }
    }

    /// How long to sleep before the next drain.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// The ring held `ready` frames after a sleep of `waited`: sets the next sleep to gather
    /// `target` frames at that rate. It shrinks at once (frames are at risk) and at most
    /// doubles (one quiet sleep says little about the next).
    pub fn observe(&mut self, ready: u32, waited: Duration) {
        let next = if ready == 0 {
            self.max_wait
        } else {
            waited.mul_f64(f64::from(self.target) / f64::from(ready))
        };
        self.wait = next.min(self.wait * 2).clamp(MIN_WAIT, self.max_wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn quiet_ring_sleeps_the_longest() {
        let mut pacer = Pacer::new(8192, 10 * MS);
        assert_eq!(pacer.wait(), 10 * MS);
        pacer.observe(0, 10 * MS);
        assert_eq!(pacer.wait(), 10 * MS);
        pacer.observe(100, 10 * MS);
        assert_eq!(pacer.wait(), 10 * MS);
    }

    #[test]
    fn a_fast_rate_shortens_the_sleep_at_once() {
        let mut pacer = Pacer::new(8192, 10 * MS);
        // 4 Mpps: 40 000 frames in 10 ms; a quarter ring (2048) takes 512 µs.
        pacer.observe(40_000, 10 * MS);
        assert_eq!(pacer.wait(), Duration::from_micros(512));
    }

    #[test]
    fn the_sleep_grows_back_by_doubling() {
        let mut pacer = Pacer::new(8192, 10 * MS);
        pacer.observe(40_000, 10 * MS);
        let short = pacer.wait();
        pacer.observe(1, short);
        assert_eq!(pacer.wait(), short * 2);
        for _ in 0..10 {
            let waited = pacer.wait();
            pacer.observe(0, waited);
        }
        assert_eq!(pacer.wait(), 10 * MS);
    }

    #[test]
    fn the_sleep_stays_within_its_bounds() {
        let mut pacer = Pacer::new(64, 10 * MS);
        pacer.observe(u32::MAX, 10 * MS);
        assert_eq!(pacer.wait(), MIN_WAIT);
        let mut pacer = Pacer::new(8192, Duration::ZERO);
        assert_eq!(pacer.wait(), MIN_WAIT);
        pacer.observe(0, MIN_WAIT);
        assert_eq!(pacer.wait(), MIN_WAIT);
    }

    #[test]
    fn a_steady_rate_settles_where_a_quarter_ring_gathers() {
        // 1 Mpps on a ring of 8192: 2048 frames take 2.048 ms.
        let mut pacer = Pacer::new(8192, 10 * MS);
        for _ in 0..20 {
            let waited = pacer.wait();
            let ready = (waited.as_secs_f64() * 1e6) as u32;
            pacer.observe(ready, waited);
        }
        let settled = pacer.wait().as_secs_f64() * 1e3;
        assert!((settled - 2.048).abs() < 0.01, "{settled} ms");
    }
}
