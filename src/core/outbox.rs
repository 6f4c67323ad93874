//! What a machine has to say, in order: one outbox for both machines.
//!
//! It holds the output queue, the progress throttle, the last announced state, and rule 6:
//! an event that ends a phase (paused, failed, completed, aborted), and every event after
//! it, waits until pending progress has been delivered, so the last progress always
//! precedes it and nothing overtakes it. Requests, cancellations and storage operations are
//! never held, nor are a recording's releases (holding them would only delay the I/O, never
//! reorder what the app sees).
//!
//! It does not decide what to say or when a phase ends; the machines do.

use std::collections::VecDeque;

use super::capabilities::Capabilities;
use super::event::{Event, State};
use super::http::{Request, RequestId};
use super::machine::Output;
use super::progress::Throttle;
use super::session::SessionRecord;
use super::time::Millis;

/// The queue of outputs, with the rule-6 hold, state de-duplication and the throttle.
#[derive(Debug)]
pub(crate) struct Outbox {
    queue: VecDeque<Output>,
    /// Events waiting for pending progress (rule 6), oldest first.
    held: Vec<Event>,
    /// The last state announced (or held for announcing).
    state: State,
    /// The state before the driver said another tab holds the lock.
    unlocked: Option<State>,
    /// `Locked` was withdrawn without an event: the app still sees it.
    shown_locked: bool,
    throttle: Throttle,
}

impl Outbox {
    pub(crate) fn new(progress_interval_ms: u64) -> Outbox {
        Outbox {
            queue: VecDeque::new(),
            held: Vec::new(),
            state: State::Idle,
            unlocked: None,
            shown_locked: false,
            throttle: Throttle::new(progress_interval_ms),
        }
    }

    /// Perform this request (never held).
    pub(crate) fn send(&mut self, id: RequestId, req: Request) {
        self.queue.push_back(Output::Send(id, req));
    }

    /// Abort this request (never held).
    pub(crate) fn cancel(&mut self, id: RequestId) {
        self.queue.push_back(Output::Cancel(id));
    }

    pub(crate) fn persist(&mut self, record: SessionRecord) {
        self.queue.push_back(Output::Persist(record));
    }

    pub(crate) fn forget(&mut self, key: String) {
        self.queue.push_back(Output::Forget(key));
    }

    /// A recording's bytes before `offset` are confirmed: its buffer may drop them.
    pub(crate) fn release_bytes(&mut self, offset: u64) {
        self.queue.push_back(Output::Release(offset));
    }

    /// What the server's OPTIONS answer taught about `endpoint`.
    pub(crate) fn learned(&mut self, endpoint: String, capabilities: Capabilities) {
        self.queue.push_back(Output::Learned { endpoint, capabilities });
    }

    /// An event that ends nothing: out now, unless something is held (then behind it).
    pub(crate) fn emit(&mut self, ev: Event) {
        if self.held.is_empty() {
            self.queue.push_back(Output::Event(ev));
        } else {
            self.held.push(ev);
        }
    }

    /// An event that ends a phase: held while progress is pending (rule 6).
    pub(crate) fn settle(&mut self, ev: Event) {
        if self.throttle.has_pending() || !self.held.is_empty() {
            self.held.push(ev);
        } else {
            self.queue.push_back(Output::Event(ev));
        }
    }

    /// Announces `state` if it differs from the last one; returns whether it did.
    pub(crate) fn state(&mut self, state: State) -> bool {
        self.unlocked = None;
        if self.state == state && !self.shown_locked {
            return false;
        }
        self.shown_locked = false;
        self.state = state;
        self.emit(Event::State(state));
        true
    }

    /// A state that ends a phase (paused, failed, completed, aborted), held like `settle`.
    pub(crate) fn settle_state(&mut self, state: State) {
        self.unlocked = None;
        if self.state != state || self.shown_locked {
            self.shown_locked = false;
            self.state = state;
            self.settle(Event::State(state));
        }
    }

    /// Takes `state` as already announced (by whoever ran before this machine).
    pub(crate) fn assume(&mut self, state: State) {
        self.state = state;
    }

    /// The last state announced (or held for announcing).
    pub(crate) fn current(&self) -> State {
        self.state
    }

    /// The driver says whether this run holds the file's lock. Not held while the machine
    /// rests (idle, paused, failed): `Locked` is announced. Held again: the resting state
    /// returns without an event (the command that follows announces what comes next, even
    /// the same state); lost again before that, nothing is announced: the app still sees it.
    pub(crate) fn lock(&mut self, held: bool) {
        match (held, self.state) {
            (false, State::Idle | State::Paused | State::Failed) => {
                let before = self.state;
                if self.shown_locked {
                    self.shown_locked = false;
                    self.state = State::Locked;
                } else {
                    self.state(State::Locked);
                }
                self.unlocked = Some(before);
            }
            (true, State::Locked) => {
                if let Some(before) = self.unlocked.take() {
                    self.state = before;
                    self.shown_locked = true;
                }
            }
            _ => {}
        }
    }

    /// Offers a confirmed byte count; `event` builds the progress event if one goes out now.
    /// Anything held goes out after it.
    pub(crate) fn offer(&mut self, confirmed: u64, now: Millis, event: impl FnOnce(u64) -> Event) {
        if let Some(v) = self.throttle.offer(confirmed, now) {
            self.queue.push_back(Output::Event(event(v)));
            self.release();
        }
    }

    /// A progress event for `confirmed` now, whatever the throttle says (a zero-byte upload
    /// that never confirmed anything still reports 100%).
    pub(crate) fn force_progress(&mut self, event: Event) {
        if self.throttle.reported() == 0 && !self.throttle.has_pending() {
            self.queue.push_back(Output::Event(event));
        }
    }

    /// The progress timer: delivers the trailing edge if due, then what it held back.
    pub(crate) fn on_timeout(&mut self, now: Millis, event: impl FnOnce(u64) -> Event) {
        if let Some(v) = self.throttle.poll(now) {
            self.queue.push_back(Output::Event(event(v)));
        }
        self.release();
    }

    /// Starts progress over from zero (the server lost the upload).
    pub(crate) fn reset_progress(&mut self, progress_interval_ms: u64) {
        self.throttle = Throttle::new(progress_interval_ms);
        self.release();
    }

    /// The highest byte count reported.
    pub(crate) fn reported(&self) -> u64 {
        self.throttle.reported()
    }

    /// When the progress timer fires (`Timer::Progress`).
    pub(crate) fn deadline(&self) -> Option<Millis> {
        self.throttle.deadline()
    }

    /// Nothing is held and no progress is pending: every event has been queued.
    pub(crate) fn quiet(&self) -> bool {
        self.held.is_empty() && !self.throttle.has_pending()
    }

    /// The next output, or `Idle { wake_at }` when the queue is empty.
    #[must_use]
    pub(crate) fn pop(&mut self, wake_at: Option<Millis>) -> Output {
        self.queue.pop_front().unwrap_or(Output::Idle { wake_at })
    }

    /// Whether anything is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    fn release(&mut self) {
        if !self.throttle.has_pending() {
            for ev in self.held.drain(..) {
                self.queue.push_back(Output::Event(ev));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::Error;

    fn progress(v: u64) -> Event {
        Event::Progress { confirmed: v, total: Some(100), bytes_per_sec: 0, eta_secs: None }
    }

    fn drain(o: &mut Outbox) -> Vec<Event> {
        let mut out = Vec::new();
        while let Output::Event(e) = o.pop(None) {
            out.push(e);
        }
        out
    }

    #[test]
    fn a_phase_end_and_everything_after_it_wait_for_pending_progress() {
        let mut o = Outbox::new(100);
        o.state(State::Uploading);
        o.offer(10, Millis(0), progress);
        o.offer(20, Millis(10), progress); // pending until 100
        o.settle_state(State::Paused);
        o.state(State::Resuming); // a quick start: must not overtake the pause
        o.emit(Event::Restarted { reason: Error::aborted() });
        assert_eq!(drain(&mut o), [Event::State(State::Uploading), progress(10)]);
        assert!(!o.quiet());
        assert_eq!(o.deadline(), Some(Millis(100)));
        o.on_timeout(Millis(100), progress);
        assert_eq!(
            drain(&mut o),
            [
                progress(20),
                Event::State(State::Paused),
                Event::State(State::Resuming),
                Event::Restarted { reason: Error::aborted() }
            ]
        );
        assert!(o.quiet());
    }

    #[test]
    fn without_pending_progress_nothing_waits() {
        let mut o = Outbox::new(100);
        o.offer(10, Millis(0), progress);
        o.settle(Event::Completed { url: "u".into(), total: 10 });
        assert_eq!(drain(&mut o).len(), 2);
        assert!(o.quiet());
    }

    #[test]
    fn a_progress_that_goes_out_releases_what_was_held() {
        let mut o = Outbox::new(100);
        o.offer(10, Millis(0), progress);
        o.offer(20, Millis(10), progress);
        o.settle_state(State::Failed);
        o.offer(30, Millis(150), progress); // interval over: out at once, then the hold
        assert_eq!(drain(&mut o), [progress(10), progress(30), Event::State(State::Failed)]);
    }

    #[test]
    fn states_are_announced_once_and_requests_are_never_held() {
        let mut o = Outbox::new(100);
        assert!(o.state(State::Creating));
        assert!(!o.state(State::Creating));
        o.offer(10, Millis(0), progress);
        o.offer(20, Millis(10), progress);
        o.settle_state(State::Paused);
        o.cancel(RequestId(7));
        assert_eq!(o.pop(None), Output::Event(Event::State(State::Creating)));
        assert_eq!(o.pop(None), Output::Event(progress(10)));
        assert_eq!(o.pop(None), Output::Cancel(RequestId(7)));
        assert_eq!(o.pop(Some(Millis(100))), Output::Idle { wake_at: Some(Millis(100)) });
        assert_eq!(o.current(), State::Paused);
    }

    #[test]
    fn locked_is_announced_while_resting_and_withdrawn_silently() {
        let mut o = Outbox::new(100);
        o.lock(false);
        assert_eq!(drain(&mut o), [Event::State(State::Locked)]);
        o.lock(true);
        assert_eq!(o.current(), State::Idle);
        assert!(drain(&mut o).is_empty());
        o.state(State::Uploading);
        o.lock(false);
        assert_eq!(o.current(), State::Uploading, "a running upload holds its lock");
    }

    #[test]
    fn a_lock_lost_regained_and_lost_again_is_announced_once() {
        let mut o = Outbox::new(100);
        o.lock(false);
        o.lock(true);
        o.lock(false);
        assert_eq!(drain(&mut o), [Event::State(State::Locked)], "the app still sees locked");
        assert_eq!(o.current(), State::Locked);
        o.lock(true);
        assert!(o.state(State::Idle), "the state before is announced when it comes back: the app saw locked");
        assert_eq!(drain(&mut o), [Event::State(State::Idle)]);
    }
}
