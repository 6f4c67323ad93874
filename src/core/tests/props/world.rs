//! Plays the steps of a run (script.rs) against a machine built by `core::build`, as its
//! driver would: every input drains the machine to `Idle`, requests go to the fake server
//! (server.rs) when a step answers them, and every output passes the checks (checks.rs).
//!
//! It also checks what only the driver sees: a stale answer or a timeout before any deadline
//! changes nothing, a drain ends, a due timer does not stay due, and the run ends (`settle`:
//! a good server and a patient clock bring it to rest within a bounded number of steps).
//! It decides nothing about what is right for the protocol beyond that.

use super::checks::Checks;
use super::script::{Failure, Reply, Step};
use super::server::Server;
use crate::core::event::State;
use crate::core::http::{Request, RequestId, Response, TransportError};
use crate::core::machine::{Machine, Output};
use crate::core::time::Millis;

/// Outputs one input may produce before the drain counts as endless.
const MAX_OUTPUTS: usize = 10_000;
/// Inputs `settle` may spend before the run counts as endless.
const MAX_SETTLE_STEPS: usize = 20_000;
/// Timeouts at one instant that leave a timer due, before it counts as a spin.
const MAX_SAME_INSTANT: u32 = 5;

pub struct World {
    pub m: Box<dyn Machine>,
    pub server: Server,
    pub checks: Checks,
    now: Millis,
    online: bool,
    locked: bool,
    wake_at: Option<Millis>,
    flight: Vec<(RequestId, Request)>,
    /// Requests answered or cancelled (the latest few), for stale answers.
    gone: Vec<(RequestId, Request)>,
    /// Timeouts in a row at `now` that left a timer due.
    same_instant: u32,
}

impl World {
    pub fn new(m: Box<dyn Machine>, server: Server, checks: Checks) -> World {
        World {
            m,
            server,
            checks,
            now: Millis(0),
            online: true,
            locked: false,
            wake_at: None,
            flight: Vec::new(),
            gone: Vec::new(),
            same_instant: 0,
        }
    }

    /// Plays one step.
    pub fn play(&mut self, step: &Step) {
        match step {
            Step::Answer { pick, reply } => {
                if self.flight.is_empty() {
                    return;
                }
                let (id, req) = self.flight.remove(pick % self.flight.len());
                self.answer(id, req, reply);
            }
            Step::Fail { pick, how } => {
                if self.flight.is_empty() {
                    return;
                }
                let (id, req) = self.flight.remove(pick % self.flight.len());
                self.checks.on_failure(id, &req, self.online);
                let err = match how {
                    Failure::Network => TransportError::Network("connection reset".into()),
                    Failure::Headers => TransportError::Headers("the headers callback threw".into()),
                    Failure::Redirect => TransportError::Redirect,
                    Failure::Unreadable => TransportError::Unreadable("NotReadableError".into()),
                };
                self.m.handle_failure(id, err, self.now);
                self.gone.push((id, req));
                self.drain();
            }
            Step::Stale { pick, reply } => self.stale(*pick, reply),
            Step::Advance(ms) => {
                self.now = self.now.plus(*ms);
                if self.wake_at.is_some_and(|t| t <= self.now) {
                    self.timeout();
                }
            }
            Step::Fire => {
                if let Some(t) = self.wake_at {
                    self.now = self.now.max(t);
                    self.timeout();
                }
            }
            Step::Spurious => self.spurious(),
            Step::Online(online) => {
                self.online = *online;
                self.m.handle_online(*online, self.now);
                self.drain();
            }
            Step::Wake(ms) => {
                self.now = self.now.plus(*ms);
                self.m.handle_wake(self.now);
                self.drain();
            }
            Step::Suspend => {
                self.m.handle_suspend(self.now);
                self.drain();
            }
            Step::Start => {
                self.checks.on_start(&self.flight);
                self.m.start(self.now);
                self.drain();
            }
            Step::Pause => {
                self.m.pause(self.now);
                self.drain();
            }
            Step::Abort { terminate } => {
                self.m.abort(*terminate, self.now);
                self.drain();
            }
            Step::Lock(held) => {
                self.locked = !*held;
                self.m.handle_lock(*held, self.now);
                self.drain();
            }
        }
    }

    fn answer(&mut self, id: RequestId, req: Request, reply: &Reply) {
        let res = self.server.answer(&req, reply);
        self.checks.on_answer(id, &req, &res, self.now);
        self.m.handle_response(id, res, self.now);
        self.gone.push((id, req));
        self.drain();
    }

    /// An answer to a request no longer in flight: nothing may come of it.
    fn stale(&mut self, pick: usize, reply: &Reply) {
        if self.gone.is_empty() {
            return;
        }
        let (id, req) = self.gone.get(pick % self.gone.len()).cloned().expect("picked inside the list");
        // A late 404 says nothing about the upload now (a lost part that was complete would
        // leave the join nothing to do but fail, which is a fact of servers, not a fault).
        let res = match reply {
            Reply::Lost { gone } => Response::new(if *gone { 410 } else { 404 }),
            _ => self.server.answer(&req, reply),
        };
        self.m.handle_response(id, res, self.now);
        let out = self.m.poll_output();
        assert_eq!(
            out,
            Output::Idle { wake_at: self.wake_at },
            "a stale answer to {:?} {} changed something",
            req.method,
            req.url
        );
    }

    /// A timeout before any deadline: nothing may come of it.
    fn spurious(&mut self) {
        if self.wake_at.is_some_and(|t| t <= self.now) {
            return;
        }
        self.m.handle_timeout(self.now);
        let out = self.m.poll_output();
        assert_eq!(out, Output::Idle { wake_at: self.wake_at }, "a timeout before any deadline changed something");
    }

    fn timeout(&mut self) {
        self.m.handle_timeout(self.now);
        let sent = self.drain();
        if self.wake_at.is_some_and(|t| t <= self.now) && !sent {
            self.same_instant += 1;
            assert!(self.same_instant < MAX_SAME_INSTANT, "a timer stays due at {:?}: the driver would spin", self.now);
        } else {
            self.same_instant = 0;
        }
    }

    /// Drains the machine to `Idle`, checking every output; returns whether it sent anything.
    fn drain(&mut self) -> bool {
        let mut sent = false;
        for _ in 0..MAX_OUTPUTS {
            match self.m.poll_output() {
                Output::Send(id, req) => {
                    self.checks.on_send(id, &req, &self.flight);
                    self.flight.push((id, req));
                    sent = true;
                }
                Output::Cancel(id) => {
                    if let Some(at) = self.flight.iter().position(|(i, _)| *i == id) {
                        let gone = self.flight.remove(at);
                        self.gone.push(gone);
                    }
                }
                Output::Event(ev) => self.checks.on_event(&ev),
                Output::Persist(record) => self.checks.on_persist(&record),
                Output::Forget(_) | Output::Learned { .. } => {}
                // Only recordings release buffered bytes; these sources are files.
                Output::Release(offset) => panic!("a file upload released {offset} buffered bytes"),
                Output::Idle { wake_at } => {
                    // Every request in flight has a stall deadline, so something is scheduled.
                    assert!(
                        wake_at.is_some() || self.flight.is_empty(),
                        "requests in flight with no deadline: {:?}",
                        self.flight
                    );
                    self.wake_at = wake_at;
                    if self.gone.len() > 32 {
                        self.gone.drain(..16);
                    }
                    return sent;
                }
            }
        }
        panic!("one input produced more than {MAX_OUTPUTS} outputs");
    }

    /// Brings the run to rest: back online, the lock held, every request answered well,
    /// every timer let fire, and `start` (up to `starts` times) while the machine rests.
    /// Fails unless it ends with nothing in flight and nothing scheduled.
    pub fn settle(&mut self, mut starts: u32) {
        if !self.online {
            self.play(&Step::Online(true));
        }
        if self.locked {
            self.play(&Step::Lock(true));
        }
        for _ in 0..MAX_SETTLE_STEPS {
            if !self.flight.is_empty() {
                let (id, req) = self.flight.remove(0);
                self.answer(id, req, &Reply::Good);
            } else if self.wake_at.is_some() {
                self.play(&Step::Fire);
            } else if starts > 0 && matches!(self.m.state(), State::Idle | State::Paused | State::Failed) {
                starts -= 1;
                self.play(&Step::Start);
            } else {
                self.checks.on_outcome(self.m.outcome().as_ref());
                return;
            }
        }
        panic!(
            "the run did not end within {MAX_SETTLE_STEPS} steps: {:?}, {:?} in flight",
            self.m.state(),
            self.flight
        );
    }

    pub fn state(&self) -> State {
        self.m.state()
    }
}
