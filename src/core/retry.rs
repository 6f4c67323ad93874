//! Retry timing: exponential backoff with full jitter, a per-chunk time budget, and
//! `Retry-After`.
//!
//! Pure arithmetic on `Millis` and a seeded generator: the driver supplies the seed, tests
//! supply a fixed one. This module decides *when* to try again, never *what* to send;
//! answer.rs and the machines decide that.

use super::date::parse_http_date;
use super::header;
use super::time::{Millis, UnixMillis};

/// How patiently an upload retries. One "episode" is the run of failures since the server
/// last confirmed new bytes; the budget bounds an episode, not the whole upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first delay; doubles with each attempt.
    pub base_ms: u64,
    /// Largest delay between two attempts.
    pub cap_ms: u64,
    /// Longest time one episode may last before the upload fails (it stays resumable).
    pub budget_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy { base_ms: 500, cap_ms: 30_000, budget_ms: 10 * 60 * 1000 }
    }
}

/// Longest `Retry-After` honoured (a server asking for more is capped to this).
pub const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// splitmix64: small, fast, good enough for jitter, and deterministic from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..=max`.
    pub fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(n) => self.next_u64() % n,
            None => self.next_u64(),
        }
    }
}

/// How long to wait before the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// Exponential backoff with full jitter.
    Backoff,
    /// Try again at once the first time (e.g. a 409 that a HEAD will explain), back off after.
    ImmediateOnce,
    /// The server said how long (`Retry-After`), in milliseconds.
    After(u64),
}

/// The failures of the current episode.
#[derive(Clone, Debug, Default)]
pub struct Backoff {
    attempt: u32,
    since: Option<Millis>,
}

impl Backoff {
    /// Attempts made in this episode so far.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The server confirmed progress (or the app restarted us): a new episode begins.
    pub fn reset(&mut self) {
        *self = Backoff::default();
    }

    /// Registers a failure at `now` and returns the delay before the next attempt, or `None`
    /// when that attempt would fall outside the episode's budget.
    pub fn next(&mut self, policy: &RetryPolicy, rng: &mut Rng, delay: Delay, now: Millis) -> Option<u64> {
        let since = *self.since.get_or_insert(now);
        let wait = match delay {
            Delay::After(ms) => ms.min(MAX_RETRY_AFTER_MS),
            Delay::ImmediateOnce if self.attempt == 0 => 0,
            Delay::Backoff | Delay::ImmediateOnce => {
                let ceiling = policy.base_ms.saturating_mul(1u64 << self.attempt.min(32)).min(policy.cap_ms);
                rng.up_to(ceiling)
            }
        };
        self.attempt = self.attempt.saturating_add(1);
        let elapsed = now.since(since).saturating_add(wait);
        (elapsed <= policy.budget_ms).then_some(wait)
    }
}

/// Parses `Retry-After` (delta-seconds, or an HTTP date compared with the date `today`)
/// into milliseconds to wait. Garbage yields `None`, and plain backoff applies.
#[must_use]
pub fn parse_retry_after(value: &str, today: UnixMillis) -> Option<u64> {
    let ms = match header::parse_u64(value.trim()) {
        Some(seconds) => seconds.saturating_mul(1000),
        None => parse_http_date(value)?.saturating_sub(today.0),
    };
    Some(ms.min(MAX_RETRY_AFTER_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_within_the_jitter_ceiling_and_stop_at_the_budget() {
        let policy = RetryPolicy { base_ms: 100, cap_ms: 1_000, budget_ms: 5_000 };
        let mut rng = Rng::new(7);
        let mut b = Backoff::default();
        let mut now = Millis(0);
        let mut ceilings = Vec::new();
        while let Some(d) = b.next(&policy, &mut rng, Delay::Backoff, now) {
            let ceiling = (100u64 << (b.attempt() - 1)).min(1_000);
            assert!(d <= ceiling, "delay {d} above ceiling {ceiling}");
            ceilings.push(ceiling);
            now = now.plus(d);
        }
        assert_eq!(&ceilings[..5], &[100, 200, 400, 800, 1_000]);
        assert!(now.0 <= 5_000);
        assert!(b.attempt() as usize == ceilings.len() + 1);
    }

    #[test]
    fn jitter_is_spread_and_reproducible_from_the_seed() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..200).map(|_| rng.up_to(1_000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        let values = draw(3);
        assert!(values.iter().any(|&v| v < 250) && values.iter().any(|&v| v > 750));
        assert!(values.iter().all(|&v| v <= 1_000));
    }

    #[test]
    fn reset_starts_a_new_episode() {
        let policy = RetryPolicy { base_ms: 100, cap_ms: 100, budget_ms: 1_000 };
        let mut rng = Rng::new(1);
        let mut b = Backoff::default();
        assert!(b.next(&policy, &mut rng, Delay::Backoff, Millis(0)).is_some());
        assert_eq!(b.next(&policy, &mut rng, Delay::Backoff, Millis(2_000)), None);
        b.reset();
        assert!(b.next(&policy, &mut rng, Delay::Backoff, Millis(2_000)).is_some());
        assert_eq!(b.attempt(), 1);
    }

    #[test]
    fn immediate_once_then_backoff() {
        let policy = RetryPolicy::default();
        let mut rng = Rng::new(1);
        let mut b = Backoff::default();
        assert_eq!(b.next(&policy, &mut rng, Delay::ImmediateOnce, Millis(0)), Some(0));
        let mut nonzero = false;
        for _ in 0..5 {
            nonzero |= b.next(&policy, &mut rng, Delay::ImmediateOnce, Millis(0)).unwrap() > 0;
        }
        assert!(nonzero);
    }

    #[test]
    fn retry_after_is_strict_and_capped() {
        let now = UnixMillis(1_445_412_470_000); // 10 s before 2015-10-21T07:28:00Z
        assert_eq!(parse_retry_after("3", now), Some(3_000));
        assert_eq!(parse_retry_after(" 0 ", now), Some(0));
        assert_eq!(parse_retry_after("999999999999", now), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(10_000));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", UnixMillis(now.0 + 60_000)),
            Some(0),
            "a past date"
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("tomorrow", now), None);
        let mut b = Backoff::default();
        let d = b.next(&RetryPolicy::default(), &mut Rng::new(0), Delay::After(4_000), Millis(0));
        assert_eq!(d, Some(4_000));
    }
}
