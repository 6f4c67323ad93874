//! The run loop that connects the pure core to real I/O (str0m's canonical shape).
//!
//! 1. Drain `poll_output` until `Idle`: start and cancel requests, store and forget session
//!    records, pass on what was learnt and what a recording's buffer may drop, collect events
//!    ([`drain`]).
//! 2. Only then hand the events to the app (never call app code while the core is borrowed),
//!    and tell the platform the machine's state (the Web Lock follows it).
//! 3. Wait for the first of: a request's answer, the core's timer, an app command.
//! 4. Feed exactly that one input to the core; repeat until the run has an outcome.
//!
//! Before feeding an input it checks whether the page or the computer stopped running since
//! the last one (a gap, see [`GAP_MS`]): the armed timer is overdue by more than that, or the
//! wall clock moved that much further than the timer clock (computers that sleep stop the
//! latter). Lifecycle events say so too ([`Lifecycle`]). A gap is fed first (`handle_wake`).
//!
//! What it does not do: decide anything about the protocol (the core does), or know how
//! requests, timers or events are carried out (an [`Io`] implementation does: `web` in
//! browsers, a scripted one in tests). Dropping a request future must abort the request.

// Nothing here may panic on input (a panic poisons the wasm instance): enforced outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use futures::channel::mpsc::UnboundedReceiver;
use futures::future::poll_fn;
use futures::StreamExt;

use crate::core::{
    Capabilities, Error, Event, Machine, Millis, Output, Request, RequestId, Response, SessionRecord, State,
    TransportError, UnixMillis, WallClock,
};

/// What a platform provides to the loop.
pub trait Io {
    /// A request in flight. Dropping it must abort the request.
    type Fetch: Future<Output = Result<Response, TransportError>> + Unpin;
    /// A timer.
    type Sleep: Future<Output = ()> + Unpin;

    /// The timer clock: monotonic milliseconds (`performance.now()` in browsers).
    fn now(&self) -> Millis;
    /// Today's date (`Date.now()` in browsers), for records and `Retry-After` dates.
    fn today(&self) -> UnixMillis;
    /// Whether the platform believes it is online (`navigator.onLine`).
    fn online(&self) -> bool;
    /// Starts a request.
    fn fetch(&self, request: Request) -> Self::Fetch;
    /// A timer that fires at `at` on the timer clock.
    fn sleep_until(&self, at: Millis) -> Self::Sleep;
    /// Delivers events to the app. Called with no borrow of the core held.
    fn emit(&self, events: Vec<Event>);
    /// The machine's state after a drain (and its events) : a platform lock follows it.
    fn settled(&self, state: State);
    /// Stores a session record (in the background, in order; failures are the Io's to report).
    fn persist(&self, record: SessionRecord);
    /// Deletes a session record (in the background, after any earlier writes).
    fn forget(&self, key: String);
    /// What `endpoint` was found to support, for later uploads to it.
    fn learned(&self, endpoint: String, capabilities: Capabilities);
    /// A recording's bytes before `offset` are on the server: its buffer may drop them.
    fn release(&self, offset: u64);
}

/// What the app can ask while a run is going on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Start or continue.
    Start,
    /// Pause.
    Pause,
    /// End the upload.
    Abort {
        /// Ask the server to delete it.
        terminate: bool,
    },
    /// The platform went online (`true`) or offline (`false`).
    Online(bool),
    /// Whether this run holds the file's lock (`false`: another tab has it).
    Lock(bool),
    /// The page's lifecycle changed.
    Lifecycle(Lifecycle),
    /// A recording has this many bytes buffered.
    Data(u64),
    /// A recording ended at this many bytes.
    End(u64),
}

/// What the page's lifecycle events say. Workers have none of them: there the overdue timer
/// and the clocks notice a gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    /// `resume` after `freeze`: the page was frozen, a gap.
    Resumed,
    /// `pageshow` with `persisted`: the page comes back from the back/forward cache, a gap.
    Restored,
    /// `visibilitychange` to visible: a gap only if the timer or the clocks show one (a tab
    /// switch is not a gap).
    Visible,
    /// `freeze` or `pagehide`: the page may never run again; a pending session write is made now.
    Suspending,
}

/// A timer firing this much later than it was due, or a wall clock moving this much more
/// than the timer clock between two wake-ups, is a gap. Hidden tabs delay timers by about a
/// second (intensive throttling, a minute, applies to timers set from timers, which the
/// happy path does not chain), so this stays clear of throttling.
pub const GAP_MS: u64 = 5_000;

/// The clocks at the last wake-up, to notice a gap at the next.
struct Clocks {
    at: Millis,
    date: UnixMillis,
}

impl Clocks {
    /// Whether the loop did not run for a while before `now`: the timer armed for `armed`
    /// is overdue by more than [`GAP_MS`], or the wall clock outran the timer clock.
    fn gap(&mut self, now: Millis, today: UnixMillis, armed: Option<Millis>) -> bool {
        let late = armed.is_some_and(|at| now.since(at) > GAP_MS);
        let wall = today.0.saturating_sub(self.date.0);
        let jumped = wall.saturating_sub(now.since(self.at)) > GAP_MS;
        *self = Clocks { at: now, date: today };
        late || jumped
    }
}

enum Wake {
    Answer(RequestId, Result<Response, TransportError>),
    Timer,
    Command(Option<Command>),
}

/// Requests in flight, by id.
type InFlight<F> = Vec<(RequestId, F)>;

/// Step 1 and 2: drains `machine` until `Idle`, performing what it asks, then hands the
/// events to the app and the state to the platform. Returns `Idle`'s `wake_at`.
pub fn drain<I: Io, M: Machine + ?Sized>(
    io: &I,
    machine: &mut M,
    in_flight: &mut InFlight<I::Fetch>,
) -> Option<Millis> {
    let mut events = Vec::new();
    let wake_at = loop {
        match machine.poll_output() {
            Output::Send(id, request) => in_flight.push((id, io.fetch(request))),
            // Dropping the future aborts the request.
            Output::Cancel(id) => in_flight.retain(|(current, _)| *current != id),
            Output::Event(event) => events.push(event),
            Output::Persist(record) => io.persist(record),
            Output::Forget(key) => io.forget(key),
            Output::Learned { endpoint, capabilities } => io.learned(endpoint, capabilities),
            Output::Release(offset) => io.release(offset),
            Output::Idle { wake_at } => break wake_at,
        }
    };
    let state = machine.state();
    if !events.is_empty() {
        io.emit(events);
    }
    io.settled(state);
    wake_at
}

/// Applies `first` to `upload`, then runs it until it completes (`Ok(upload url)`), fails
/// or is aborted. A paused upload keeps the run alive, waiting for `Command::Start`.
/// A single upload has at most one request in flight; a parallel one, one per part.
pub async fn run<I: Io, M: Machine + ?Sized>(
    io: &I,
    upload: &mut M,
    commands: &mut UnboundedReceiver<Command>,
    first: Command,
) -> Result<String, Error> {
    let mut in_flight: InFlight<I::Fetch> = Vec::new();
    let mut timer: Option<(Millis, I::Sleep)> = None;
    let mut commands_open = true;
    let now = io.now();
    let mut clocks = Clocks { at: now, date: io.today() };
    upload.handle_wall_clock(WallClock { at: now, date: clocks.date });
    upload.handle_online(io.online(), now);
    apply(upload, first, now);
    loop {
        let wake_at = drain(io, upload, &mut in_flight);
        if let Some(outcome) = upload.outcome() {
            return outcome;
        }
        // 3. Wait.
        match wake_at {
            Some(at) if timer.as_ref().map(|(t, _)| *t) != Some(at) => timer = Some((at, io.sleep_until(at))),
            None => timer = None,
            _ => {}
        }
        let wake = poll_fn(|cx| {
            for (id, fetch) in in_flight.iter_mut() {
                if let Poll::Ready(answer) = Pin::new(fetch).poll(cx) {
                    return Poll::Ready(Wake::Answer(*id, answer));
                }
            }
            if let Some((_, sleep)) = timer.as_mut() {
                if Pin::new(sleep).poll(cx).is_ready() {
                    return Poll::Ready(Wake::Timer);
                }
            }
            if commands_open {
                if let Poll::Ready(command) = commands.poll_next_unpin(cx) {
                    return Poll::Ready(Wake::Command(command));
                }
            }
            Poll::Pending
        })
        .await;
        // 4. Feed one input, after the gap before it if there was one.
        let (now, today) = (io.now(), io.today());
        upload.handle_wall_clock(WallClock { at: now, date: today });
        let told = matches!(wake, Wake::Command(Some(Command::Lifecycle(Lifecycle::Resumed | Lifecycle::Restored))));
        if clocks.gap(now, today, timer.as_ref().map(|(at, _)| *at)) || told {
            upload.handle_wake(now);
            drain(io, upload, &mut in_flight);
        }
        match wake {
            Wake::Answer(id, answer) => {
                in_flight.retain(|(current, _)| *current != id);
                match answer {
                    Ok(response) => upload.handle_response(id, response, now),
                    Err(error) => {
                        // A network error that coincides with going offline is offline, not a retry.
                        if matches!(error, TransportError::Network(_)) {
                            upload.handle_online(io.online(), now);
                        }
                        upload.handle_failure(id, error, now)
                    }
                }
            }
            Wake::Timer => {
                timer = None;
                upload.handle_timeout(now);
            }
            Wake::Command(Some(command)) => apply(upload, command, now),
            Wake::Command(None) => {
                // The app dropped its handle: nobody can resume a pause any more.
                commands_open = false;
                upload.abort(false, now);
            }
        }
    }
}

fn apply<M: Machine + ?Sized>(upload: &mut M, command: Command, now: Millis) {
    match command {
        Command::Start => upload.start(now),
        Command::Pause => upload.pause(now),
        Command::Abort { terminate } => upload.abort(terminate, now),
        Command::Online(online) => upload.handle_online(online, now),
        Command::Lock(held) => upload.handle_lock(held, now),
        Command::Lifecycle(Lifecycle::Suspending) => upload.handle_suspend(now),
        // A gap, if there was one, was fed before the command.
        Command::Lifecycle(_) => {}
        Command::Data(available) => upload.handle_data(available, now),
        Command::End(total) => upload.handle_end(total, now),
    }
}
