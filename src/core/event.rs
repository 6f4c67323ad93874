//! What the core tells the app: state changes, confirmed progress, notable moments.
//!
//! Events are plain data; the driver forwards them to JavaScript after the core's borrow
//! ends. Only server-confirmed byte counts ever appear in `Progress`.

use super::error::{Code, Error};

/// The state an app can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Constructed, not started.
    Idle,
    /// Creating the upload on the server (POST).
    Creating,
    /// Learning the server's offset for a known upload (HEAD).
    Resuming,
    /// Sending bytes (PATCH); for a recording, also waiting for its next piece.
    Uploading,
    /// A recording is kept in the local buffer until it ends, then uploaded as a file (the
    /// server cannot take an upload of unknown length).
    Buffering,
    /// A request failed in a way that may pass; waiting to try again (see `Reconnecting`).
    Reconnecting,
    /// The browser is offline; waiting for the `online` event without spending retries.
    Offline,
    /// Paused by the app; resumable.
    Paused,
    /// Every byte is confirmed by the server.
    Completed,
    /// Stopped by an error; resumable unless the error says otherwise.
    Failed,
    /// Ended by the app.
    Aborted,
    /// Waiting for another tab or worker that is uploading the same file (its Web Lock).
    Locked,
}

impl State {
    /// The lowercase name used in JavaScript.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Creating => "creating",
            State::Resuming => "resuming",
            State::Uploading => "uploading",
            State::Buffering => "buffering",
            State::Reconnecting => "reconnecting",
            State::Offline => "offline",
            State::Paused => "paused",
            State::Completed => "completed",
            State::Failed => "failed",
            State::Aborted => "aborted",
            State::Locked => "locked",
        }
    }
}

/// Something the app hears about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The state changed. Repeated states are not re-announced.
    State(State),
    /// Server-confirmed bytes; never decreasing; throttled. `bytes_per_sec` is the smoothed
    /// rate of confirmed bytes (0 until measured); `eta_secs` the time left at that rate.
    Progress {
        /// Bytes the server confirmed.
        confirmed: u64,
        /// The file's size; `None` while a recording's length is not known.
        total: Option<u64>,
        /// Smoothed rate of confirmed bytes.
        bytes_per_sec: u64,
        /// Seconds left at that rate, when measured.
        eta_secs: Option<u64>,
    },
    /// The server created the upload at `url`.
    Created {
        /// The upload URL.
        url: String,
    },
    /// A request failed and will be tried again in `delay_ms` (attempt `attempt` of this
    /// episode). Followed by `State(Reconnecting)` unless already in it.
    Reconnecting {
        /// Attempt number within this episode.
        attempt: u32,
        /// Wait before the attempt.
        delay_ms: u64,
        /// What failed.
        reason: Error,
    },
    /// A known upload was gone on the server and a new one is being created.
    Restarted {
        /// Why the old upload is gone.
        reason: Error,
    },
    /// Every byte was confirmed. Emitted once, after the final `Progress`.
    Completed {
        /// The upload URL.
        url: String,
        /// The file's size.
        total: u64,
    },
    /// The upload stopped with this error.
    Failed(Error),
    /// Something looks wrong but the upload goes on (e.g. requests that seem blocked by CORS).
    Warning {
        /// Stable, like error codes.
        code: Code,
        /// For humans.
        message: String,
    },
}
