//! The run loop that connects the pure core to real I/O (str0m's canonical shape).
//!
//! 1. Drain `poll_output` until `Idle`: start and cancel requests, collect events.
//! 2. Only then hand the events to the app (never call app code while the core is borrowed).
//! 3. Wait for the first of: the request's answer, the core's timer, an app command.
//! 4. Feed exactly that one input to the core; repeat until the run has an outcome.
//!
//! What it does not do: decide anything about the protocol (the core does), or know how
//! requests, timers or events are carried out (an [`Io`] implementation does: `web` in
//! browsers, a scripted one in tests). Dropping a request future must abort the request.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use futures::channel::mpsc::UnboundedReceiver;
use futures::future::poll_fn;
use futures::StreamExt;

use crate::core::{Error, Event, Machine, Millis, Output, Request, RequestId, Response, SessionRecord, TransportError};

/// What a platform provides to the loop.
pub trait Io {
    /// A request in flight. Dropping it must abort the request.
    type Fetch: Future<Output = Result<Response, TransportError>> + Unpin;
    /// A timer.
    type Sleep: Future<Output = ()> + Unpin;

    fn now(&self) -> Millis;
    /// Whether the platform believes it is online (`navigator.onLine`).
    fn online(&self) -> bool;
    fn fetch(&self, request: Request) -> Self::Fetch;
    fn sleep_until(&self, at: Millis) -> Self::Sleep;
    /// Delivers events to the app. Called with no borrow of the core held.
    fn emit(&self, events: Vec<Event>);
    /// Stores a session record (in the background, in order; failures are the Io's to report).
    fn persist(&self, record: SessionRecord);
    /// Deletes a session record (in the background, after any earlier writes).
    fn forget(&self, key: String);
}

/// What the app can ask while a run is going on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Start,
    Pause,
    Abort {
        terminate: bool,
    },
    /// The platform went online (`true`) or offline (`false`).
    Online(bool),
}

enum Wake {
    Answer(RequestId, Result<Response, TransportError>),
    Timer,
    Command(Option<Command>),
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
    let mut in_flight: Vec<(RequestId, I::Fetch)> = Vec::new();
    let mut timer: Option<(Millis, I::Sleep)> = None;
    let mut commands_open = true;
    upload.handle_online(io.online(), io.now());
    apply(upload, first, io.now());
    loop {
        // 1. Drain.
        let mut events = Vec::new();
        let wake_at = loop {
            match upload.poll_output() {
                Output::Send(id, request) => in_flight.push((id, io.fetch(request))),
                // Dropping the future aborts the request.
                Output::Cancel(id) => in_flight.retain(|(current, _)| *current != id),
                Output::Event(event) => events.push(event),
                Output::Persist(record) => io.persist(record),
                Output::Forget(key) => io.forget(key),
                Output::Idle { wake_at } => break wake_at,
            }
        };
        // 2. Tell the app.
        if !events.is_empty() {
            io.emit(events);
        }
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
        // 4. Feed one input.
        let now = io.now();
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
    }
}
