//! What a driver runs: one upload ([`Upload`]) or several parts of one file uploaded at once
//! ([`Parallel`]), chosen by [`build`]. Both are sans-IO state machines with the same inputs
//! and outputs; the [`Machine`] trait lets the driver run either without knowing which.
//!
//! This module holds the contract (the trait and [`Output`]) and the choice of machine; it
//! holds no protocol rules.

use super::capabilities::Capabilities;
use super::config::Validated;
use super::error::Error;
use super::event::{Event, State};
use super::http::{Request, RequestId, Response, TransportError};
use super::parallel::Parallel;
use super::session::SessionRecord;
use super::time::{Millis, WallClock};
use super::upload::Upload;

/// What the core asks its driver to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Perform this request and report back with `handle_response` or `handle_failure`.
    Send(RequestId, Request),
    /// Abort this request if it is still running; its answer will be ignored anyway.
    Cancel(RequestId),
    /// Tell the app.
    Event(Event),
    /// Store this session record (replacing any with the same key).
    Persist(SessionRecord),
    /// Delete the session record with this key.
    Forget(String),
    /// The server confirmed a recording's bytes before this offset: its buffer may drop them.
    Release(u64),
    /// What the server's OPTIONS answer taught about `endpoint`, for the platform to hand to
    /// later uploads (`Validated::with_capabilities`). Not for the app.
    Learned {
        /// The creation endpoint that answered.
        endpoint: String,
        /// What it supports.
        capabilities: Capabilities,
    },
    /// Nothing more to do; call `handle_timeout` at `wake_at`, if given.
    Idle {
        /// When the machine next needs `handle_timeout`.
        wake_at: Option<Millis>,
    },
}

/// A sans-IO upload state machine.
///
/// **After every call of `start`, `pause`, `abort` or a `handle_*` input, drain
/// [`Machine::poll_output`] until it returns [`Output::Idle`] before the next call.**
/// Outputs are only correct in that order, and `Idle`'s `wake_at` is only current then.
/// Every input takes `now` on the timer clock (monotonic, see time.rs). Spurious
/// `handle_timeout` calls are no-ops, and answers to requests no longer in flight are
/// ignored, so races between commands and answers are harmless.
///
/// (Not `Debug` as a supertrait: a `dyn Machine` vtable would then keep every `Debug`
/// implementation of both machines in the wasm.)
pub trait Machine {
    /// Starts, or continues after a pause or failure; during a retry wait, tries at once.
    fn start(&mut self, now: Millis);
    /// Stops sending; `start` continues from the server's offset.
    fn pause(&mut self, now: Millis);
    /// Ends the upload; with `terminate`, asks the server to delete it.
    fn abort(&mut self, terminate: bool, now: Millis);
    /// The answer to request `id`.
    fn handle_response(&mut self, id: RequestId, res: Response, now: Millis);
    /// Request `id` got no HTTP answer.
    fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis);
    /// A timer may be due (the `wake_at` of the last `Idle`, or any time at all).
    fn handle_timeout(&mut self, now: Millis);
    /// The platform went online or offline.
    fn handle_online(&mut self, online: bool, now: Millis);
    /// The platform was not running, or its network changed, while the requests in flight
    /// were out: the page was frozen, the computer slept, a timer fired far too late. Those
    /// requests are treated as dead: cancelled, and the offset re-learnt with HEAD at once (a
    /// creation follows the creation rules). With nothing in flight, nothing is sent (upload/wake.rs).
    fn handle_wake(&mut self, now: Millis);
    /// The page may never run again (`freeze`, `pagehide`): a coalesced session write that
    /// is still pending is made now.
    fn handle_suspend(&mut self, now: Millis);
    /// Whether this run holds the file's lock. `false` while resting announces
    /// [`State::Locked`] (another tab or worker is uploading the file); `true` ends it.
    fn handle_lock(&mut self, held: bool, now: Millis);
    /// Which date a timer instant is (see [`WallClock`]); until told, both clocks are
    /// assumed to read the same.
    fn handle_wall_clock(&mut self, clock: WallClock);
    /// A recording (a source of unknown length) has `available` bytes buffered so far.
    /// Ignored for files.
    fn handle_data(&mut self, available: u64, now: Millis);
    /// A recording ended: its length is `total`. Ignored for files.
    fn handle_end(&mut self, total: u64, now: Millis);
    /// A recording's buffer holds nothing before `offset` any more: an earlier machine or
    /// page released those bytes. Ignored for files.
    fn handle_released(&mut self, offset: u64);
    /// The next thing to do. Call until it returns [`Output::Idle`].
    #[must_use]
    fn poll_output(&mut self) -> Output;
    /// The state last announced (or held back for announcing, rule 6).
    fn state(&self) -> State;
    /// The end of this run, once every event has been delivered: `Ok(url)` on completion.
    fn outcome(&self) -> Option<Result<String, Error>>;
    /// The file's size (a recording's bytes so far, its length once it ended).
    fn bytes_total(&self) -> u64;
}

/// The machine for a validated config: a parallel upload when asked for (or when the
/// stored session is one), otherwise one stream; continuing `stored` when given. A
/// recording (a source of unknown length) always goes over one stream (it warns if
/// `parallel` asked for more).
#[must_use]
pub fn build(validated: Validated, stored: Option<SessionRecord>, now: Millis) -> Box<dyn Machine> {
    match stored {
        Some(record) if !record.parts.is_empty() => Box::new(Parallel::resume_validated(validated, record, now)),
        Some(record) => Box::new(Upload::resume_validated(validated, record, now)),
        None if validated.config().parallel > 1 && validated.source.size.is_some() => {
            Box::new(Parallel::from_validated(validated, now))
        }
        None => Box::new(Upload::from_validated(validated, now)),
    }
}
