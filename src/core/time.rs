//! Time as the core sees it: two clocks the caller owns, kept apart by their types.
//!
//! [`Millis`] is the timer clock: monotonic milliseconds from an origin the driver chooses
//! (`performance.now()` in browsers); only differences matter. [`UnixMillis`] is the
//! calendar: milliseconds since 1970, for what is compared with dates (session records,
//! `Upload-Expires`, `Retry-After` dates). A [`WallClock`] ties the two together: the driver
//! says once (or whenever it likes) which date a timer instant is, and the core derives the
//! date of any later instant from it.
//!
//! The core never reads a clock. Arithmetic saturates instead of panicking.

/// A point on the timer clock, in milliseconds since an origin chosen by the driver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub u64);

impl Millis {
    /// This instant plus `ms` milliseconds (saturating).
    #[must_use]
    pub fn plus(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, or 0 if `earlier` is later.
    #[must_use]
    pub fn since(self, earlier: Millis) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// A date: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixMillis(pub u64);

/// Which date a timer instant is: `at` on the timer clock was `date` on the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallClock {
    /// The timer instant of the reading.
    pub at: Millis,
    /// The date at that instant.
    pub date: UnixMillis,
}

impl WallClock {
    /// A clock whose timer origin is the Unix epoch (both clocks read the same number), as
    /// assumed until the driver says otherwise.
    #[must_use]
    pub fn same(now: Millis) -> WallClock {
        WallClock { at: now, date: UnixMillis(now.0) }
    }

    /// The date at timer instant `now` (never before the reading's date).
    #[must_use]
    pub fn date(&self, now: Millis) -> UnixMillis {
        UnixMillis(self.date.0.saturating_add(now.since(self.at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_timer_clock_from_the_last_reading() {
        let clock = WallClock { at: Millis(5_000), date: UnixMillis(1_700_000_000_000) };
        assert_eq!(clock.date(Millis(5_000)), UnixMillis(1_700_000_000_000));
        assert_eq!(clock.date(Millis(7_500)), UnixMillis(1_700_000_002_500));
        assert_eq!(clock.date(Millis(0)), UnixMillis(1_700_000_000_000), "never before the reading");
        assert_eq!(WallClock::same(Millis(42)).date(Millis(50)), UnixMillis(50));
    }
}
