//! Progress throttling: server-confirmed bytes, at most one event per interval, never
//! decreasing, with leading and trailing edges.
//!
//! The first value after a quiet interval goes out at once (leading edge); values arriving
//! faster are coalesced and the latest is delivered when the interval ends (trailing edge),
//! so the final 100% is always delivered, exactly once. A value at or below what was already
//! reported is dropped: a server that forgets bytes does not move the bar backwards.
//! This module holds no clock; callers pass `now`.

use super::time::Millis;

#[derive(Clone, Debug)]
/// At most one progress value per interval, never decreasing.
pub struct Throttle {
    interval: u64,
    last_emit: Option<Millis>,
    reported: u64,
    pending: Option<u64>,
}

impl Throttle {
    /// A throttle letting one value through per `interval_ms`.
    pub fn new(interval_ms: u64) -> Throttle {
        Throttle { interval: interval_ms, last_emit: None, reported: 0, pending: None }
    }

    /// The highest value reported so far.
    pub fn reported(&self) -> u64 {
        self.reported
    }

    /// Offers a confirmed value; returns the value to emit now, if any.
    pub fn offer(&mut self, value: u64, now: Millis) -> Option<u64> {
        if value <= self.reported && self.pending.is_none_or(|p| value <= p) {
            return None;
        }
        let best = self.pending.map_or(value, |p| p.max(value));
        match self.last_emit {
            Some(t) if now.since(t) < self.interval => {
                self.pending = Some(best);
                None
            }
            _ => self.emit(best, now),
        }
    }

    /// When a pending value is due, if any.
    pub fn deadline(&self) -> Option<Millis> {
        match (self.pending, self.last_emit) {
            (Some(_), Some(t)) => Some(t.plus(self.interval)),
            (Some(_), None) => Some(Millis(0)),
            _ => None,
        }
    }

    /// Delivers a pending value whose time has come.
    pub fn poll(&mut self, now: Millis) -> Option<u64> {
        let due = self.deadline()?;
        if now >= due {
            let value = self.pending?;
            self.emit(value, now)
        } else {
            None
        }
    }

    /// A value waits for the interval to end.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    fn emit(&mut self, value: u64, now: Millis) -> Option<u64> {
        self.pending = None;
        if value <= self.reported && self.last_emit.is_some() {
            return None;
        }
        self.reported = value;
        self.last_emit = Some(now);
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_edge_then_trailing_edge() {
        let mut t = Throttle::new(100);
        assert_eq!(t.offer(10, Millis(0)), Some(10));
        assert_eq!(t.offer(20, Millis(30)), None);
        assert_eq!(t.offer(30, Millis(60)), None);
        assert_eq!(t.deadline(), Some(Millis(100)));
        assert_eq!(t.poll(Millis(99)), None);
        assert_eq!(t.poll(Millis(100)), Some(30));
        assert_eq!(t.deadline(), None);
        assert_eq!(t.offer(40, Millis(250)), Some(40));
    }

    #[test]
    fn never_decreases() {
        let mut t = Throttle::new(100);
        assert_eq!(t.offer(50, Millis(0)), Some(50));
        assert_eq!(t.offer(40, Millis(500)), None);
        assert_eq!(t.offer(50, Millis(600)), None);
        assert!(!t.has_pending());
        assert_eq!(t.offer(60, Millis(700)), Some(60));
        assert_eq!(t.reported(), 60);
    }

    #[test]
    fn at_most_one_event_per_interval_under_a_flood() {
        let mut t = Throttle::new(100);
        let mut emitted = Vec::new();
        for ms in 0..1000u64 {
            if let Some(v) = t.offer(ms + 1, Millis(ms)) {
                emitted.push((ms, v));
            }
            if let Some(v) = t.poll(Millis(ms)) {
                emitted.push((ms, v));
            }
        }
        assert!(emitted.len() <= 11, "emitted {} events in one second", emitted.len());
        for pair in emitted.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= 100, "events too close: {pair:?}");
            assert!(pair[1].1 > pair[0].1);
        }
    }
}
