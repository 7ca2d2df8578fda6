//! pcapng interface clocks: timestamps count ticks of a resolution the interface declares
//! (`if_tsresol`), from an epoch it may shift by whole seconds (`if_tsoffset`).

const NANOS_PER_SECOND: u64 = 1_000_000_000;
/// The resolution of an interface that does not declare one: microseconds.
pub(crate) const DEFAULT_TSRESOL: u8 = 6;
const BINARY_RESOLUTION: u8 = 0x80;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InterfaceClock {
    resolution: Resolution,
    offset_seconds: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    /// Decimal resolutions down to the nanosecond.
    NanosPerTick(u64),
    /// Finer than a nanosecond, or a power of two. Too fine a resolution to count in a u128
    /// saturates, which turns every timestamp into 0.
    TicksPerSecond(u128),
}

impl InterfaceClock {
    /// `tsresol` as the option encodes it: the exponent of 10, or with the top bit set of 2,
    /// of a tick's fraction of a second.
    pub fn new(tsresol: u8, offset_seconds: i64) -> InterfaceClock {
        let exponent = u32::from(tsresol & !BINARY_RESOLUTION);
        let resolution = if tsresol & BINARY_RESOLUTION != 0 {
            Resolution::TicksPerSecond(1u128.checked_shl(exponent).unwrap_or(u128::MAX))
        } else if exponent <= 9 {
            Resolution::NanosPerTick(10u64.pow(9 - exponent))
        } else {
            Resolution::TicksPerSecond(10u128.checked_pow(exponent).unwrap_or(u128::MAX))
        };
        InterfaceClock {
            resolution,
            offset_seconds,
        }
    }

    /// Nanoseconds since the Unix epoch, saturating at both ends of a u64.
    pub fn to_ns(self, ticks: u64) -> u64 {
        let since_offset = match self.resolution {
            Resolution::NanosPerTick(nanos) => ticks.saturating_mul(nanos),
            Resolution::TicksPerSecond(per_second) => {
                let nanos = u128::from(ticks) * u128::from(NANOS_PER_SECOND) / per_second;
                u64::try_from(nanos).unwrap_or(u64::MAX)
            }
        };
        if self.offset_seconds == 0 {
            return since_offset;
        }
        let shifted = i128::from(since_offset)
            + i128::from(self.offset_seconds) * i128::from(NANOS_PER_SECOND);
        shifted.clamp(0, i128::from(u64::MAX)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::{InterfaceClock, DEFAULT_TSRESOL};

    #[test]
    fn decimal_resolutions() {
        assert_eq!(
            InterfaceClock::new(DEFAULT_TSRESOL, 0).to_ns(1_500_000),
            1_500_000_000
        );
        assert_eq!(InterfaceClock::new(9, 0).to_ns(123), 123);
        assert_eq!(InterfaceClock::new(0, 0).to_ns(2), 2_000_000_000);
        assert_eq!(InterfaceClock::new(12, 0).to_ns(5_000_000), 5_000);
        assert_eq!(InterfaceClock::new(127, 0).to_ns(u64::MAX), 0);
    }

    #[test]
    fn binary_resolutions() {
        assert_eq!(
            InterfaceClock::new(0x80 | 10, 0).to_ns(1024 * 3),
            3_000_000_000
        );
        assert_eq!(
            InterfaceClock::new(0x80 | 30, 0).to_ns(1 << 29),
            500_000_000
        );
        assert_eq!(InterfaceClock::new(0x80, 0).to_ns(u64::MAX), u64::MAX);
        assert_eq!(InterfaceClock::new(0xff, 0).to_ns(u64::MAX), 0);
    }

    #[test]
    fn offsets_shift_and_saturate() {
        assert_eq!(InterfaceClock::new(9, 10).to_ns(5), 10_000_000_005);
        assert_eq!(InterfaceClock::new(9, -10).to_ns(5), 0);
        assert_eq!(InterfaceClock::new(9, i64::MAX).to_ns(5), u64::MAX);
    }
}
