//! The timers a machine can have running: a closed set of named slots, one deadline each.
//!
//! Both machines derive their table from their state whenever asked (so it cannot go
//! stale) and wake at its minimum. Every request either machine sends has a deadline in the
//! `Stall` slot. This module holds no clock and fires nothing; machines do.

use super::time::Millis;

/// One timer slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A throttled progress event is due.
    Progress,
    /// The request in flight has had no answer for too long.
    Stall,
    /// A retry wait is over.
    Retry,
    /// A coalesced session write is due.
    Persist,
    /// A timer of one of the parts of a parallel upload.
    Parts,
}

impl Timer {
    /// Every slot, in the order `Timers` holds them (and fires them).
    pub const ALL: [Timer; 5] = [Timer::Progress, Timer::Stall, Timer::Retry, Timer::Persist, Timer::Parts];

    fn slot(self) -> usize {
        match self {
            Timer::Progress => 0,
            Timer::Stall => 1,
            Timer::Retry => 2,
            Timer::Persist => 3,
            Timer::Parts => 4,
        }
    }
}

/// A machine's timer table: when each slot fires, if armed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timers([Option<Millis>; 5]);

impl Timers {
    /// The table with `timer` armed at `at` (or disarmed with `None`).
    #[must_use]
    pub fn with(mut self, timer: Timer, at: Option<Millis>) -> Timers {
        if let Some(slot) = self.0.get_mut(timer.slot()) {
            *slot = at;
        }
        self
    }

    /// When `timer` fires, if armed.
    #[must_use]
    pub fn get(&self, timer: Timer) -> Option<Millis> {
        self.0.get(timer.slot()).copied().flatten()
    }

    /// The earliest deadline: when the machine next needs `handle_timeout`.
    #[must_use]
    pub fn next(&self) -> Option<Millis> {
        self.0.iter().flatten().min().copied()
    }

    /// The slots due at `now`, in table order.
    pub fn due(&self, now: Millis) -> impl Iterator<Item = Timer> + '_ {
        Timer::ALL.into_iter().filter(move |t| self.get(*t).is_some_and(|at| at <= now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_wake_is_the_earliest_armed_slot() {
        let t = Timers::default().with(Timer::Retry, Some(Millis(500))).with(Timer::Stall, Some(Millis(300)));
        assert_eq!(t.next(), Some(Millis(300)));
        assert_eq!(t.get(Timer::Progress), None);
        assert_eq!(t.due(Millis(400)).collect::<Vec<_>>(), [Timer::Stall]);
        assert_eq!(t.due(Millis(500)).collect::<Vec<_>>(), [Timer::Stall, Timer::Retry]);
        assert_eq!(t.with(Timer::Stall, None).next(), Some(Millis(500)));
        assert_eq!(Timers::default().next(), None);
    }
}
