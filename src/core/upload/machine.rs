//! [`Upload`] as a [`Machine`]: each input brings the clock forward (`tick`) and goes to the
//! transition it concerns (transitions.rs, answers.rs, live.rs, wake.rs); outputs come from
//! the one outbox.

use super::phase::Phase;
use super::{Length, Upload};
use crate::core::error::Error;
use crate::core::event::State;
use crate::core::http::{RequestId, Response, TransportError};
use crate::core::machine::{Machine, Output};
use crate::core::rate::progress_event;
use crate::core::time::{Millis, WallClock};
use crate::core::timer::Timer;

impl Machine for Upload {
    /// Starts, or continues after a pause or failure; during a retry wait, tries at once.
    /// A no-op while a request is in flight.
    fn start(&mut self, now: Millis) {
        self.tick(now);
        self.on_start(now);
    }

    /// Pauses: aborts the request in flight; `start` continues later from the server's offset.
    /// A creation in flight is allowed to finish so that its upload URL is not lost.
    fn pause(&mut self, now: Millis) {
        self.tick(now);
        self.on_pause(now);
    }

    /// Ends the upload. With `terminate`, asks the server to delete it (TUS termination).
    fn abort(&mut self, terminate: bool, now: Millis) {
        self.tick(now);
        if matches!(
            self.phase,
            Phase::Completed { .. } | Phase::Aborted | Phase::Terminating { .. } | Phase::TerminateAgain { .. }
        ) {
            return;
        }
        if let Some(req) = self.phase.in_flight() {
            self.out.cancel(req.id);
        }
        match self.url().map(str::to_string) {
            Some(url) if terminate => {
                self.backoff.reset();
                self.terminate(url, 0, now);
            }
            _ => self.finish_abort(),
        }
        self.forget_session();
    }

    /// The answer to the request in flight (any other id is ignored): looked up in the
    /// answer table, then applied.
    fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
        self.tick(now);
        let Some(req) = self.phase.in_flight().filter(|r| r.id == id) else { return };
        self.on_answer(req, res, now);
    }

    /// The request in flight got no HTTP answer (any other id is ignored).
    fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis) {
        self.tick(now);
        let Some(req) = self.phase.in_flight().filter(|r| r.id == id) else { return };
        self.on_transport_error(req, err, now);
    }

    /// Delivers timed work: throttled progress, stall deadlines, the end of retry waits.
    /// Spurious calls are harmless.
    fn handle_timeout(&mut self, now: Millis) {
        self.tick(now);
        let due: Vec<Timer> = self.timers().due(now).collect();
        for timer in due {
            match timer {
                Timer::Progress => {
                    let (size, goodput) = (self.length.total(), &self.goodput);
                    self.out.on_timeout(now, |v| progress_event(goodput, size, v));
                }
                Timer::Stall => {
                    if let Some(req) = self.phase.in_flight().filter(|r| r.stall_at <= now) {
                        self.out.cancel(req.id);
                        self.handle_failure(req.id, TransportError::Timeout, now);
                    }
                }
                Timer::Retry => match &self.phase {
                    Phase::Waiting { next, until } if *until <= now => {
                        let next = next.clone();
                        self.go(next, now);
                    }
                    Phase::TerminateAgain { url, retries, at } if *at <= now => {
                        let (url, retries) = (url.clone(), *retries);
                        self.terminate(url, retries, now);
                    }
                    _ => {}
                },
                Timer::Persist => self.flush_session(now),
                Timer::Parts => {}
            }
        }
        // Whatever the timers above let through, released once progress is out.
        let (size, goodput) = (self.length.total(), &self.goodput);
        self.out.on_timeout(now, |v| progress_event(goodput, size, v));
    }

    /// The browser went offline or came back. Offline, retry waits stop spending attempts;
    /// back online, a waiting upload continues at once with a fresh retry budget, and a
    /// request still in flight is treated as dead (wake.rs).
    fn handle_online(&mut self, online: bool, now: Millis) {
        self.tick(now);
        if self.online == online {
            return;
        }
        self.online = online;
        match &self.phase {
            Phase::Waiting { next, .. } if !online => {
                let next = next.clone();
                self.wait_offline(next);
            }
            Phase::Offline { next } if online => {
                let next = next.clone();
                self.backoff.reset();
                self.go(next, now);
            }
            // A request still in flight went out before the network changed: a gap (wake.rs).
            _ if online => self.on_wake(now),
            _ => {}
        }
    }

    fn handle_wake(&mut self, now: Millis) {
        self.tick(now);
        self.on_wake(now);
    }

    fn handle_suspend(&mut self, now: Millis) {
        self.tick(now);
        self.flush_session(now);
    }

    fn handle_lock(&mut self, held: bool, now: Millis) {
        self.tick(now);
        self.out.lock(held);
    }

    fn handle_wall_clock(&mut self, clock: WallClock) {
        self.wall = clock;
    }

    /// A recording has `available` bytes buffered (ignored for files): sent as soon as the
    /// previous PATCH is done (live.rs).
    fn handle_data(&mut self, available: u64, now: Millis) {
        self.tick(now);
        self.on_data(available, now);
    }

    /// A recording ended at `total` bytes (ignored for files, and after the first end).
    fn handle_end(&mut self, total: u64, now: Millis) {
        self.tick(now);
        self.on_end(total, now);
    }

    /// A recording's buffer begins at `offset` (ignored for files).
    fn handle_released(&mut self, offset: u64) {
        if let Length::Live(live) = &mut self.length {
            live.released = live.released.max(offset);
        }
    }

    /// The next thing to do. Call until it returns `Output::Idle`.
    fn poll_output(&mut self) -> Output {
        let wake_at = if self.out.is_empty() { self.next_wake() } else { None };
        self.out.pop(wake_at)
    }

    fn state(&self) -> State {
        self.out.current()
    }

    /// The end of this run, once every event has been delivered: `Ok(url)` on completion.
    fn outcome(&self) -> Option<Result<String, Error>> {
        if !self.out.quiet() {
            return None;
        }
        match &self.phase {
            Phase::Completed { url } => Some(Ok(url.clone())),
            Phase::Failed { error, .. } => Some(Err(error.clone())),
            Phase::Aborted => Some(Err(Error::aborted())),
            _ => None,
        }
    }

    fn bytes_total(&self) -> u64 {
        self.length.total().unwrap_or(self.length.limit())
    }
}
