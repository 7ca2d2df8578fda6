//! The exponential moving average behind every speed, evaluated lazily.
//!
//! A stored speed `s` stamped at time `t0` is worth `s * exp(-(t - t0) / window)` at time `t`
//! when no traffic came since, so hosts that saw nothing this tick need no work at all. A tick
//! of length `dt` with rate `r` gives `s' = s * exp(-dt / window) + alpha * r` with
//! `alpha = 1 - exp(-dt / window)`, the usual `s += alpha * (r - s)`.

#[derive(Clone, Copy, Debug)]
pub(crate) struct Smoothing {
    window_ms: f64,
}

impl Smoothing {
    pub(crate) fn new(window_ms: u64) -> Smoothing {
        Smoothing {
            window_ms: window_ms.max(1) as f64,
        }
    }

    /// What is left of a speed after `elapsed_ms` without traffic.
    #[inline]
    pub(crate) fn decay(&self, elapsed_ms: u64) -> f64 {
        (-(elapsed_ms as f64) / self.window_ms).exp()
    }

    /// The weight of a new interval of `interval_ms`.
    #[inline]
    pub(crate) fn alpha(&self, interval_ms: u64) -> f64 {
        1.0 - self.decay(interval_ms)
    }
}
