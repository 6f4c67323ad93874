//! Time as the core sees it: milliseconds on a clock the caller owns.
//!
//! The core never reads a clock. Drivers pass `now` into every call; tests pass a virtual
//! clock they can move by an hour in one step. The origin is arbitrary (only differences
//! matter), and arithmetic saturates instead of panicking.

/// A point in time, in milliseconds since an origin chosen by the driver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub u64);

impl Millis {
    /// This instant plus `ms` milliseconds (saturating).
    pub fn plus(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, or 0 if `earlier` is later.
    pub fn since(self, earlier: Millis) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}
