//! How many bytes the next PATCH carries.
//!
//! `Fixed`: the app's chunk size, halved only when the server refuses it (413) or a PATCH
//! of that size stalls. `Auto` (what the JS API uses unless told otherwise): starts at
//! `initial` (1 MiB) so that the first confirmed progress arrives quickly, then aims for
//! PATCHes that take about `TARGET_MS` at the throughput the last one showed, growing at most
//! fourfold and shrinking at most by half per step, within `[min, max]`; halves after failures
//! and stalls. Fetch cannot report upload progress, so the chunk size is also how often the bar
//! moves: a few seconds per PATCH keeps it lively without wasting round trips.
//!
//! Growing fourfold is safe because a PATCH's measured rate can only understate the link (it
//! includes the round trip and the server's work, never bytes still in flight), and it reaches
//! a fast link's size in four steps instead of eight: every PATCH costs a round trip plus the
//! server's per-request work (BENCHMARKS.md, loopback, 1 GiB: tus-js-client in 64 PATCHes of
//! 16 MiB ran at 0.90x its own one-PATCH upload; ferry's default, 8 PATCHes, at 1.03x it).
//!
//! Why these bounds: 256 KiB keeps a PATCH useful on a poor mobile link. 256 MiB is only reached
//! above about 85 MB/s, where it takes at most about 3 s, so what a failed PATCH puts at risk
//! stays a few seconds of sending (servers that drop a broken PATCH lose at most one chunk).
//! Servers that write into S3 multipart uploads buffer to their own part size (at least 5 MiB
//! per S3 part), so client chunks need not match it; set `min` to 5 MiB if yours does not.

/// A PATCH should take about this long.
pub const TARGET_MS: u64 = 3_000;
/// Chunk sizes are multiples of this (except the last chunk of a file).
pub const GRAIN: u64 = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// How PATCH bodies are sized.
pub enum ChunkPolicy {
    /// Always this many bytes (halved only when refused or stalled).
    Fixed(u64),
    /// Adapted to the link: from `initial`, within `min..=max`.
    Auto {
        /// The first PATCH's size.
        initial: u64,
        /// The smallest size.
        min: u64,
        /// The largest size.
        max: u64,
    },
}

impl ChunkPolicy {
    /// The default automatic policy: start at 1 MiB, stay within 256 KiB..256 MiB.
    pub const AUTO: ChunkPolicy = ChunkPolicy::Auto { initial: 1 << 20, min: 256 << 10, max: 256 << 20 };
}

#[derive(Clone, Debug)]
/// The size of the next PATCH body, as the policy and the link say.
pub struct ChunkSizer {
    policy: ChunkPolicy,
    current: u64,
    /// Hard ceiling learnt from the server (413) or from stalls in fixed mode.
    limit: u64,
}

impl ChunkSizer {
    /// Sizes chunks by `policy`.
    pub fn new(policy: ChunkPolicy) -> ChunkSizer {
        let current = match policy {
            ChunkPolicy::Fixed(n) => n,
            ChunkPolicy::Auto { initial, min, max } => initial.clamp(min, max.max(min)),
        };
        ChunkSizer { policy, current, limit: u64::MAX }
    }

    /// Bytes for the next PATCH (before clipping to what is left of the file).
    pub fn next(&self) -> u64 {
        self.current.min(self.limit).max(1)
    }

    /// A PATCH confirmed `bytes` after `elapsed_ms`.
    pub fn on_success(&mut self, bytes: u64, elapsed_ms: u64) {
        let ChunkPolicy::Auto { min, max, .. } = self.policy else { return };
        if bytes < self.current / 2 {
            return; // a short last chunk or partial acceptance says little about the link
        }
        let rate = bytes.saturating_mul(1000) / elapsed_ms.max(1);
        let target = rate.saturating_mul(TARGET_MS) / 1000;
        let next = target.clamp(self.current / 2, self.current.saturating_mul(4)).clamp(min, max.max(min));
        self.current = (next / GRAIN * GRAIN).max(min);
    }

    /// A PATCH failed (network error, 5xx): be more careful.
    pub fn on_failure(&mut self) {
        if let ChunkPolicy::Auto { min, .. } = self.policy {
            self.current = (self.current / 2).max(min);
        }
    }

    /// A PATCH of `sent` bytes got no answer in time.
    pub fn on_stall(&mut self, sent: u64, floor: u64) {
        match self.policy {
            ChunkPolicy::Auto { .. } => self.on_failure(),
            ChunkPolicy::Fixed(_) => self.limit = self.limit.min((sent / 2).max(floor)),
        }
    }

    /// The server refused a body of `sent` bytes (413). Returns false when even the smallest
    /// chunk is refused.
    pub fn on_too_large(&mut self, sent: u64, smallest: u64) -> bool {
        if sent <= smallest {
            return false;
        }
        self.limit = (sent / 2).max(smallest);
        self.current = self.current.min(self.limit);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn auto_grows_towards_a_few_seconds_per_patch_at_most_fourfold() {
        let mut c = ChunkSizer::new(ChunkPolicy::AUTO);
        assert_eq!(c.next(), MIB, "starts small for a quick first progress");
        // A fast link: 1 MiB in 10 ms.
        let mut seen = vec![];
        for _ in 0..8 {
            let n = c.next();
            c.on_success(n, 10);
            seen.push(c.next() / MIB);
        }
        assert_eq!(seen, vec![4, 16, 64, 256, 256, 256, 256, 256]);
    }

    #[test]
    fn auto_settles_where_a_patch_takes_about_the_target_time() {
        let mut c = ChunkSizer::new(ChunkPolicy::AUTO);
        // 2 MiB/s: a 3 s PATCH is 6 MiB.
        for _ in 0..10 {
            let n = c.next();
            c.on_success(n, n * 1000 / (2 * MIB));
        }
        assert_eq!(c.next(), 6 * MIB);
    }

    #[test]
    fn auto_shrinks_on_failure_but_not_below_min() {
        let mut c = ChunkSizer::new(ChunkPolicy::AUTO);
        for _ in 0..10 {
            c.on_failure();
        }
        assert_eq!(c.next(), 256 * 1024);
        // A slow link keeps it small: 256 KiB in 10 s.
        c.on_success(256 * 1024, 10_000);
        assert_eq!(c.next(), 256 * 1024);
    }

    #[test]
    fn fixed_stays_fixed_until_the_server_refuses_or_it_stalls() {
        let mut c = ChunkSizer::new(ChunkPolicy::Fixed(8 * MIB));
        c.on_success(8 * MIB, 1);
        c.on_failure();
        assert_eq!(c.next(), 8 * MIB);
        c.on_stall(8 * MIB, 256 * 1024);
        assert_eq!(c.next(), 4 * MIB);
        assert!(c.on_too_large(4 * MIB, 1024));
        assert_eq!(c.next(), 2 * MIB);
        assert!(!c.on_too_large(1024, 1024));
    }

    #[test]
    fn a_413_caps_auto_growth() {
        let mut c = ChunkSizer::new(ChunkPolicy::AUTO);
        assert!(c.on_too_large(MIB, 1024));
        for _ in 0..5 {
            let n = c.next();
            c.on_success(n, 1);
        }
        assert_eq!(c.next(), MIB / 2);
    }
}
