//! The pure TUS 1.0 client state machine (sans-IO).
//!
//! What it does: decides which HTTP request to send next (create, upload a byte range,
//! learn the offset, terminate), parses and validates what the server answers, keeps the
//! server-confirmed offset, throttles progress events and reports typed errors.
//!
//! What it does not do: any I/O. It never touches the network, a clock, randomness, a file's
//! bytes, storage or JavaScript (it says what to store and forget; others store it). Time comes in as [`Millis`] arguments, responses come in
//! through `handle_*` calls, and everything it wants done comes out of
//! [`Upload::poll_output`]. This keeps it testable with plain `cargo test` on a virtual
//! clock, and is why nothing in this module names a platform crate.

pub mod blocks;
pub mod capabilities;
pub mod checksum;
pub mod chunking;
pub mod config;
pub mod date;
pub mod error;
pub mod event;
pub mod header;
pub mod http;
pub mod identity;
pub mod machine;
pub mod metadata;
pub mod parallel;
pub mod progress;
pub mod rate;
pub mod retry;
pub mod session;
pub mod sha1;
pub mod sha256;
pub mod status;
pub mod time;
pub mod upload;
pub mod url;

#[cfg(test)]
mod tests;

pub use capabilities::Capabilities;
pub use config::{Config, SourceInfo};
pub use error::{Error, ErrorKind};
pub use event::{Event, State};
pub use http::{Body, Method, Request, RequestId, Response, TransportError};
pub use machine::Machine;
pub use parallel::Parallel;
pub use retry::RetryPolicy;
pub use session::{PartRecord, SessionRecord};
pub use time::Millis;
pub use upload::{Output, Timer, Upload};
