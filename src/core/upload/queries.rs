//! What an upload can be asked without changing it: confirmed bytes, throughput, its URL,
//! its timer table; and the clocks every input reads. No transitions live here.

use super::phase::Phase;
use super::{Session, Upload};
use crate::core::event::State;
use crate::core::session::PERSIST_INTERVAL_MS;
use crate::core::time::Millis;
use crate::core::timer::{Timer, Timers};

impl Upload {
    /// Bytes confirmed by the server, as last reported in a progress event.
    #[must_use]
    pub fn bytes_confirmed(&self) -> u64 {
        self.out.reported()
    }

    /// Smoothed throughput of confirmed bytes, 0 until measured.
    #[must_use]
    pub fn bytes_per_sec(&self) -> u64 {
        self.throughput.bytes_per_sec()
    }

    /// The upload URL, once known.
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        match &self.phase {
            Phase::Probing { url, .. }
            | Phase::Patching { url, .. }
            | Phase::Starved { url }
            | Phase::Completed { url } => Some(url),
            Phase::Paused { url } | Phase::Failed { url, .. } => url.as_deref(),
            Phase::Waiting { next, .. } | Phase::Offline { next } => next.url(),
            Phase::Discovering { then, .. } => then.as_deref(),
            Phase::Idle => self.restored.as_deref().or(self.cfg.upload_url.as_deref()),
            Phase::Creating { .. }
            | Phase::Buffering
            | Phase::Terminating { .. }
            | Phase::TerminateAgain { .. }
            | Phase::Aborted => None,
        }
    }

    /// The timer table: each slot and when it fires, if armed.
    #[must_use]
    pub fn timers(&self) -> Timers {
        let retry = match &self.phase {
            Phase::Waiting { until, .. } | Phase::TerminateAgain { at: until, .. } => Some(*until),
            _ => None,
        };
        let persist = match &self.session {
            Some(Session { dirty: true, last_write: Some(t), .. }) => Some(t.plus(PERSIST_INTERVAL_MS)),
            _ => None,
        };
        Timers::default()
            .with(Timer::Progress, self.out.deadline())
            .with(Timer::Stall, self.phase.in_flight().map(|r| r.stall_at))
            .with(Timer::Retry, retry)
            .with(Timer::Persist, persist)
    }

    /// When this upload next needs `handle_timeout`, if at all.
    #[must_use]
    pub fn next_wake(&self) -> Option<Millis> {
        self.timers().next()
    }

    /// Takes over from a parallel upload that falls back to one stream: `state` was announced
    /// already (unless idle), and its requests used ids up to `last_id` (ours come after).
    pub(crate) fn take_over(&mut self, state: State, last_id: u64) {
        if state != State::Idle {
            self.out.assume(state);
        }
        self.next_id = self.next_id.max(last_id);
    }

    /// Where `now` is taken for each input; the timer clock is monotonic.
    pub(super) fn tick(&mut self, now: Millis) {
        self.clock = now;
    }

    /// The date at `now`.
    pub(super) fn date(&self, now: Millis) -> u64 {
        self.wall.date(now).0
    }
}
