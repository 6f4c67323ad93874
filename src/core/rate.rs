//! Measured throughput and the stall timeout derived from it.
//!
//! fetch cannot report upload progress, so a stalled PATCH looks exactly like a slow one
//! until its answer is late. The deadline for a request is therefore derived from what the
//! link has shown it can do: a few times the expected duration of the body at the measured
//! rate (or at a pessimistic assumed rate before any measurement), never below a floor.
//! Integers only: bytes per second as u64 (no floats in the wasm).

/// Rate assumed before anything was measured: 256 KiB/s (a poor mobile uplink).
pub const ASSUMED_RATE: u64 = 256 * 1024;
/// A request may take this many times its expected duration before it counts as stalled.
pub const STALL_FACTOR: u64 = 4;

/// Exponentially smoothed bytes per second of confirmed PATCH bodies.
#[derive(Clone, Debug, Default)]
pub struct Throughput {
    bytes_per_sec: u64,
}

impl Throughput {
    /// Bytes per second, 0 until the first sample.
    pub fn bytes_per_sec(&self) -> u64 {
        self.bytes_per_sec
    }

    /// Records that `bytes` were confirmed `elapsed_ms` after their request was sent.
    pub fn sample(&mut self, bytes: u64, elapsed_ms: u64) {
        if bytes == 0 {
            return;
        }
        let rate = bytes.saturating_mul(1000) / elapsed_ms.max(1);
        self.bytes_per_sec = if self.bytes_per_sec == 0 {
            rate
        } else {
            // New samples weigh 1/4: smooth enough not to jump, quick enough to follow the link.
            (self.bytes_per_sec / 4).saturating_mul(3).saturating_add(rate / 4)
        };
    }

    /// How long a request carrying `body_bytes` may go unanswered before it is abandoned.
    pub fn stall_timeout(&self, body_bytes: u64, floor_ms: u64) -> u64 {
        let rate = if self.bytes_per_sec == 0 { ASSUMED_RATE } else { self.bytes_per_sec };
        let expected_ms = body_bytes.saturating_mul(1000) / rate.max(1);
        expected_ms.saturating_mul(STALL_FACTOR).max(floor_ms)
    }
}

/// Time constant of the goodput average: samples older than a few of these fade out.
pub const GOODPUT_TAU_MS: u64 = 5_000;

/// Confirmed bytes per second over wall-clock time (pauses excluded, retry waits included):
/// what the progress bar shows as speed and uses for the remaining time. A time-weighted
/// moving average, so that many quick chunks and a few slow ones weigh by the time they took.
#[derive(Clone, Debug, Default)]
pub struct Goodput {
    last: Option<(u64, u64)>,
    bytes_per_sec: u64,
}

impl Goodput {
    /// The smoothed rate, 0 until measured.
    pub fn bytes_per_sec(&self) -> u64 {
        self.bytes_per_sec
    }

    /// Starts measuring from `offset` at `now_ms`.
    pub fn mark(&mut self, offset: u64, now_ms: u64) {
        self.last = Some((now_ms, offset));
    }

    /// Forgets the reference point (the upload was paused); the next sample only re-marks.
    pub fn unmark(&mut self) {
        self.last = None;
    }

    /// The confirmed offset is `offset` at `now_ms`.
    pub fn sample(&mut self, offset: u64, now_ms: u64) {
        let Some((t0, o0)) = self.last else { return self.mark(offset, now_ms) };
        if offset <= o0 {
            return;
        }
        let dt = now_ms.saturating_sub(t0).max(1);
        let rate = (offset - o0).saturating_mul(1000) / dt;
        self.bytes_per_sec = if self.bytes_per_sec == 0 {
            rate
        } else {
            let w = dt.min(GOODPUT_TAU_MS);
            (self.bytes_per_sec.saturating_mul(GOODPUT_TAU_MS - w).saturating_add(rate.saturating_mul(w)))
                / GOODPUT_TAU_MS
        };
        self.last = Some((now_ms, offset));
    }

    /// Seconds until `remaining` bytes are confirmed at the current rate (rounded up).
    pub fn eta_secs(&self, remaining: u64) -> Option<u64> {
        (self.bytes_per_sec > 0).then(|| remaining.div_ceil(self.bytes_per_sec))
    }
}

/// A progress event for `confirmed` of `total` bytes (unknown for a recording that goes on),
/// with `goodput`'s rate and time left.
pub(crate) fn progress_event(goodput: &Goodput, total: Option<u64>, confirmed: u64) -> super::event::Event {
    let eta_secs = match total {
        Some(total) if confirmed >= total => Some(0),
        Some(total) => goodput.eta_secs(total - confirmed),
        None => None,
    };
    super::event::Event::Progress { confirmed, total, bytes_per_sec: goodput.bytes_per_sec(), eta_secs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goodput_is_smoothed_by_time_and_gives_an_eta() {
        let mut g = Goodput::default();
        g.mark(0, 0);
        assert_eq!(g.eta_secs(100), None);
        g.sample(1_000_000, 1_000); // 1 MB/s
        assert_eq!(g.bytes_per_sec(), 1_000_000);
        assert_eq!(g.eta_secs(2_500_000), Some(3));
        // A burst of fast, short samples moves it only as much as their time weighs.
        g.sample(1_100_000, 1_010); // 10 MB/s for 10 ms
        assert!(g.bytes_per_sec() < 1_100_000, "{}", g.bytes_per_sec());
        // Sustained change wins within a few time constants.
        for i in 1..=20u64 {
            g.sample(1_100_000 + i * 500_000, 1_010 + i * 1_000);
        }
        let r = g.bytes_per_sec();
        assert!((490_000..=520_000).contains(&r), "{r}");
        // Offsets that do not advance change nothing.
        g.sample(5, 99_999);
        assert_eq!(g.bytes_per_sec(), r);
    }

    #[test]
    fn the_floor_applies_to_small_and_empty_bodies() {
        let t = Throughput::default();
        assert_eq!(t.stall_timeout(0, 30_000), 30_000);
        assert_eq!(t.stall_timeout(1024, 30_000), 30_000);
    }

    #[test]
    fn unmeasured_links_are_given_a_pessimistic_rate() {
        let t = Throughput::default();
        // 8 MiB at 256 KiB/s is 32 s; four times that is 128 s.
        assert_eq!(t.stall_timeout(8 * 1024 * 1024, 30_000), 128_000);
    }

    #[test]
    fn measured_rate_shortens_the_deadline_and_smooths_samples() {
        let mut t = Throughput::default();
        t.sample(8 * 1024 * 1024, 1_000); // 8 MiB/s
        assert_eq!(t.bytes_per_sec(), 8 * 1024 * 1024);
        assert_eq!(t.stall_timeout(8 * 1024 * 1024, 10_000), 10_000);
        t.sample(8 * 1024 * 1024, 8_000); // one slow chunk at 1 MiB/s
        let r = t.bytes_per_sec();
        assert!(r < 8 * 1024 * 1024 && r > 5 * 1024 * 1024, "one sample must not dominate: {r}");
        t.sample(0, 0);
        assert_eq!(t.bytes_per_sec(), r);
    }
}
