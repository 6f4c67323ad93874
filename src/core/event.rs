//! What the core tells the app: state changes, confirmed progress, notable moments.
//!
//! Events are plain data; the driver forwards them to JavaScript after the core's borrow
//! ends. Only server-confirmed byte counts ever appear in `Progress`.

use super::capabilities::Capabilities;
use super::error::Error;

/// The state an app can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Constructed, not started.
    Idle,
    /// Creating the upload on the server (POST).
    Creating,
    /// Learning the server's offset for a known upload (HEAD).
    Resuming,
    /// Sending bytes (PATCH).
    Uploading,
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
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Creating => "creating",
            State::Resuming => "resuming",
            State::Uploading => "uploading",
            State::Reconnecting => "reconnecting",
            State::Offline => "offline",
            State::Paused => "paused",
            State::Completed => "completed",
            State::Failed => "failed",
            State::Aborted => "aborted",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The state changed. Repeated states are not re-announced.
    State(State),
    /// Server-confirmed bytes; never decreasing; throttled. `bytes_per_sec` is the smoothed
    /// rate of confirmed bytes (0 until measured); `eta_secs` the time left at that rate.
    Progress { confirmed: u64, total: u64, bytes_per_sec: u64, eta_secs: Option<u64> },
    /// The server created the upload at `url`.
    Created { url: String },
    /// A request failed and will be tried again in `delay_ms` (attempt `attempt` of this
    /// episode). Followed by `State(Reconnecting)` unless already in it.
    Reconnecting { attempt: u32, delay_ms: u64, reason: Error },
    /// A known upload was gone on the server and a new one is being created.
    Restarted { reason: Error },
    /// Every byte was confirmed. Emitted once, after the final `Progress`.
    Completed { url: String, total: u64 },
    /// The upload stopped with this error.
    Failed(Error),
    /// Something looks wrong but the upload goes on (e.g. requests that seem blocked by CORS).
    Warning { code: &'static str, message: String },
    /// The server's OPTIONS answer for `endpoint`, for the platform to hand to later uploads
    /// (`Config::capabilities`). Not an app event: adapters keep it and do not forward it.
    Discovered { endpoint: String, capabilities: Capabilities },
}
