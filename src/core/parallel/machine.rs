//! [`Parallel`] as a [`Machine`]: each input routed to the stage it concerns (ours, a part's,
//! or the single stream's). The stages' own work lives in join.rs, parts.rs and wake.rs.

use super::{Parallel, Stage};
use crate::core::error::Error;
use crate::core::event::State;
use crate::core::http::{RequestId, Response, TransportError};
use crate::core::machine::{Machine, Output};
use crate::core::time::{Millis, WallClock};
use crate::core::timer::Timer;

impl Machine for Parallel {
    fn start(&mut self, now: Millis) {
        self.clock = now;
        self.paused = false;
        self.rechecked = false;
        match &mut self.stage {
            Stage::Idle { stored } if !stored.is_empty() => {
                let stored = std::mem::take(stored);
                self.make_parts(stored.into_iter().map(|r| (r.start..r.end, Some(r.url))).collect(), now);
                self.stage = Stage::Parts;
                self.each_part(|p| p.up.start(now));
            }
            Stage::Idle { .. } if self.v.cfg.capabilities.is_some() => self.begin(now),
            Stage::Idle { .. } => self.discover(now),
            Stage::Single(up) => up.start(now),
            Stage::Parts | Stage::Failed { .. } if !self.parts.is_empty() && self.parts.iter().all(|p| p.done) => {
                self.join(false, now)
            }
            Stage::Parts | Stage::Failed { .. } if !self.parts.is_empty() => {
                self.stage = Stage::Parts;
                self.backoff.reset();
                self.each_part(|p| p.up.start(now));
            }
            // During a retry wait: try at once. Offline: the app knows better than
            // navigator.onLine (which can be wrong).
            Stage::JoinWaiting { .. } => self.join(false, now),
            Stage::JoinOffline => {
                self.online = true;
                self.join(false, now);
            }
            _ => {}
        }
        self.drain_parts(now);
    }

    fn pause(&mut self, now: Millis) {
        self.clock = now;
        match &mut self.stage {
            Stage::Single(up) => return up.pause(now),
            Stage::Discovering { req } => {
                self.out.cancel(req.id);
                self.stage = Stage::Idle { stored: Vec::new() };
            }
            Stage::Parts => {
                self.each_part(|p| p.up.pause(now));
                self.drain_parts(now);
            }
            Stage::Joining { req } => {
                self.out.cancel(req.id);
                self.stage = Stage::Parts;
            }
            Stage::JoinWaiting { .. } | Stage::JoinOffline => self.stage = Stage::Parts,
            _ => return,
        }
        self.paused = true;
        self.write_session(now);
        self.out.settle_state(State::Paused);
    }

    fn abort(&mut self, terminate: bool, now: Millis) {
        self.clock = now;
        match &mut self.stage {
            Stage::Single(up) => return up.abort(terminate, now),
            Stage::Completed { .. } | Stage::Aborted => return,
            Stage::Discovering { req } | Stage::Joining { req } => self.out.cancel(req.id),
            _ => {}
        }
        self.each_part(|p| p.up.abort(terminate, now));
        self.drain_parts(now);
        self.stage = Stage::Aborted;
        if let Some(key) = self.key() {
            self.out.forget(key);
        }
        self.out.settle_state(State::Aborted);
    }

    fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
        self.clock = now;
        if let Stage::Single(up) = &mut self.stage {
            return up.handle_response(id, res, now);
        }
        if let Some((i, local)) = self.ids.take(id) {
            if let Some(p) = self.parts.get_mut(i) {
                p.up.handle_response(local, res, now);
            }
            return self.drain_parts(now);
        }
        match &self.stage {
            Stage::Discovering { req } if req.id == id => self.on_discovered(&res, now),
            Stage::Joining { req } if req.id == id => {
                let req = *req;
                self.on_joined(req, res, now);
            }
            _ => {}
        }
    }

    fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis) {
        self.clock = now;
        if let Stage::Single(up) = &mut self.stage {
            return up.handle_failure(id, err, now);
        }
        if let Some((i, local)) = self.ids.take(id) {
            if let Some(p) = self.parts.get_mut(i) {
                p.up.handle_failure(local, err, now);
            }
            return self.drain_parts(now);
        }
        match &self.stage {
            // Without an answer, assume no concatenation: one stream always works.
            Stage::Discovering { req } if req.id == id => self.begin(now),
            Stage::Joining { req } if req.id == id => self.on_join_failure(err, now),
            _ => {}
        }
    }

    fn handle_timeout(&mut self, now: Millis) {
        self.clock = now;
        if let Stage::Single(up) = &mut self.stage {
            up.handle_timeout(now);
        }
        let due: Vec<Timer> = self.timers().due(now).collect();
        for timer in due {
            match (timer, &self.stage) {
                (Timer::Progress, _) => self.flush_progress(now),
                (Timer::Stall, Stage::Discovering { req } | Stage::Joining { req }) => {
                    let id = req.id;
                    self.out.cancel(id);
                    self.handle_failure(id, TransportError::Timeout, now);
                }
                (Timer::Retry, Stage::JoinWaiting { .. }) => self.join(false, now),
                (Timer::Parts, _) => {
                    self.each_part(|p| p.up.handle_timeout(now));
                    self.drain_parts(now);
                }
                (Timer::Persist, _) => self.write_session(now),
                _ => {}
            }
        }
        self.flush_progress(now);
    }

    fn handle_online(&mut self, online: bool, now: Millis) {
        self.clock = now;
        let back = online && !self.online;
        self.online = online;
        match &mut self.stage {
            Stage::Single(up) => return up.handle_online(online, now),
            Stage::JoinWaiting { .. } if !online => self.join_offline(),
            Stage::JoinOffline if online => {
                self.backoff.reset();
                self.join(false, now);
            }
            // Our request in flight went out before the network changed (the parts see to theirs).
            Stage::Discovering { .. } | Stage::Joining { .. } if back => self.on_wake(now),
            _ => {}
        }
        self.each_part(|p| p.up.handle_online(online, now));
        self.drain_parts(now);
    }

    fn handle_wake(&mut self, now: Millis) {
        self.clock = now;
        self.on_wake(now);
    }

    fn handle_suspend(&mut self, now: Millis) {
        self.clock = now;
        self.on_suspend(now);
    }

    fn handle_lock(&mut self, held: bool, now: Millis) {
        self.clock = now;
        match &mut self.stage {
            Stage::Single(up) => up.handle_lock(held, now),
            _ => self.out.lock(held),
        }
    }

    fn handle_wall_clock(&mut self, clock: WallClock) {
        self.wall = clock;
        if let Stage::Single(up) = &mut self.stage {
            up.handle_wall_clock(clock);
        }
        self.each_part(|p| p.up.handle_wall_clock(clock));
    }

    // Never a recording (machine::build sends those over one stream): these do not apply.
    fn handle_data(&mut self, _: u64, _: Millis) {}
    fn handle_end(&mut self, _: u64, _: Millis) {}
    fn handle_released(&mut self, _: u64) {}

    fn poll_output(&mut self) -> Output {
        if !self.out.is_empty() {
            return self.out.pop(None);
        }
        if let Stage::Single(up) = &mut self.stage {
            return up.poll_output();
        }
        self.out.pop(self.timers().next())
    }

    fn state(&self) -> State {
        match &self.stage {
            Stage::Single(up) => up.state(),
            _ => self.out.current(),
        }
    }

    fn outcome(&self) -> Option<Result<String, Error>> {
        if !self.out.quiet() {
            return None;
        }
        match &self.stage {
            Stage::Single(up) => up.outcome(),
            Stage::Completed { url } => Some(Ok(url.clone())),
            Stage::Failed { error } => Some(Err(error.clone())),
            // Parts that were told to terminate finish their DELETE first.
            Stage::Aborted if self.parts.iter().all(|p| p.up.outcome().is_some()) => Some(Err(Error::aborted())),
            _ => None,
        }
    }

    fn bytes_total(&self) -> u64 {
        self.v.size
    }
}
