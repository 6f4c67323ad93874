//! Where an upload is: [`Phase`], whose variants carry only what is valid in them, with the
//! request in flight ([`InFlight`]) on every phase that has one, and what a wait leads to
//! ([`Next`]). Data only: the transitions are in transitions.rs.

use crate::core::error::Error;
use crate::core::http::{Request, RequestId};
use crate::core::time::Millis;
use crate::core::upload::TUS_VERSION;

/// The request in flight and what belongs to it alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub(crate) id: RequestId,
    pub(crate) sent_at: Millis,
    /// When it counts as stalled (`Timer::Stall`).
    pub(crate) stall_at: Millis,
    /// It was sent with fresh credentials (after a 401/403).
    pub(crate) refreshed: bool,
}

impl InFlight {
    /// Gives `req` the next id of `next_id` and its protocol header; what belongs to it
    /// (sent now, stalled after `stall_ms`) comes back with it.
    pub(crate) fn open(next_id: &mut u64, mut req: Request, now: Millis, stall_ms: u64) -> (InFlight, Request) {
        *next_id += 1;
        req.headers.insert(0, ("Tus-Resumable", TUS_VERSION.to_string()));
        let flight = InFlight {
            id: RequestId(*next_id),
            sent_at: now,
            stall_at: now.plus(stall_ms),
            refreshed: req.refresh_auth,
        };
        (flight, req)
    }
}

/// What to do when a wait ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send the creation POST (again).
    Create,
    /// Learn the offset of this upload with HEAD, then continue.
    Probe(String),
    /// Ask the server what it supports (OPTIONS), then create (`None`) or probe the URL.
    Discover(Option<String>),
}

impl Next {
    pub(crate) fn url(&self) -> Option<&str> {
        match self {
            Next::Create | Next::Discover(None) => None,
            Next::Probe(url) | Next::Discover(Some(url)) => Some(url),
        }
    }

    /// What to do for a known upload URL (HEAD first) or none (create).
    pub(crate) fn known(url: Option<String>) -> Next {
        url.map_or(Next::Create, Next::Probe)
    }
}

/// Where the upload is.
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    Idle,
    Discovering {
        req: InFlight,
        then: Option<String>,
    },
    /// `then_pause`: paused while the POST is in flight (it is let finish, so that its upload
    /// URL is not lost).
    Creating {
        req: InFlight,
        then_pause: bool,
    },
    Probing {
        req: InFlight,
        url: String,
    },
    /// `declares`: the PATCH carries `Upload-Length` (a recording's last bytes, live.rs).
    Patching {
        req: InFlight,
        url: String,
        start: u64,
        end: u64,
        declares: bool,
    },
    /// A recording's buffered bytes are all confirmed: waiting for more (or its end).
    Starved {
        url: String,
    },
    /// A recording waits for its end before it is created (the server cannot defer lengths).
    Buffering,
    Waiting {
        next: Next,
        until: Millis,
    },
    Offline {
        next: Next,
    },
    Paused {
        url: Option<String>,
    },
    /// The DELETE of an abort with `terminate`, in flight; `retries` sent before it.
    Terminating {
        req: InFlight,
        url: String,
        retries: u32,
    },
    /// That DELETE was refused for now or got no answer: sent again at `at` (answers.rs).
    TerminateAgain {
        url: String,
        retries: u32,
        at: Millis,
    },
    Completed {
        url: String,
    },
    Failed {
        url: Option<String>,
        error: Error,
    },
    Aborted,
}

impl Phase {
    /// The request in flight, if any.
    pub(crate) fn in_flight(&self) -> Option<InFlight> {
        match self {
            Phase::Discovering { req, .. }
            | Phase::Creating { req, .. }
            | Phase::Probing { req, .. }
            | Phase::Patching { req, .. }
            | Phase::Terminating { req, .. } => Some(*req),
            _ => None,
        }
    }

    /// The method of the request in flight, as messages name it.
    pub(crate) fn method(&self) -> &'static str {
        match self {
            Phase::Discovering { .. } => "OPTIONS",
            Phase::Creating { .. } => "POST",
            Phase::Patching { .. } => "PATCH",
            Phase::Terminating { .. } | Phase::TerminateAgain { .. } => "DELETE",
            _ => "HEAD",
        }
    }
}
