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

#[cfg(test)]
mod tests {
    use super::*;

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
