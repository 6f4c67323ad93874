//! The pure TUS 1.0 client state machine (sans-IO).
//!
//! What it does: decides which HTTP request to send next (create, upload a byte range,
//! learn the offset, terminate), parses and validates what the server answers, keeps the
//! server-confirmed offset, throttles progress events and reports typed errors.
//!
//! What it does not do: any I/O. It never touches the network, a clock, randomness, a file's
//! bytes, storage or JavaScript (it says what to store and forget; others store it). Time
//! comes in as [`Millis`] arguments (and dates as a [`WallClock`] reading), responses come
//! in through `handle_*` calls, and everything it wants done comes out of
//! [`Machine::poll_output`]. This keeps it testable with plain `cargo test` on a virtual
//! clock, and is why nothing in this module names a platform crate.
//!
//! Map: [`machine`] (the contract and the choice of machine), [`upload`] (one upload),
//! [`parallel`] (parts of one file, composed here in the core), [`outbox`] (event order,
//! rule 6), [`answer`] (every status rule, as a table), [`timer`] (named timer slots),
//! [`config`] (options, checked once). The rest are parsers and policies.

// Nothing here may panic on input (a panic poisons the wasm instance): enforced outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]
#![deny(missing_docs, missing_debug_implementations)]

pub mod answer;
pub mod capabilities;
pub mod chunking;
pub mod config;
pub mod date;
pub mod error;
pub mod event;
pub mod hash;
pub mod header;
pub mod http;
pub mod machine;
pub mod metadata;
pub mod order;
pub(crate) mod outbox;
pub mod parallel;
pub mod progress;
pub mod rate;
pub mod retry;
pub mod session;
pub mod status;
pub mod time;
pub mod timer;
pub mod upload;
pub mod url;

// The hashing modules keep their old paths (`core::sha256`, `core::checksum`, ...).
pub use hash::{blocks, checksum, identity, sha1, sha256};

#[cfg(test)]
mod tests;

pub use capabilities::Capabilities;
pub use config::{Config, SourceInfo, Validated};
pub use error::{Code, Error, ErrorKind};
pub use event::{Event, State};
pub use http::{Body, Method, Request, RequestId, Response, TransportError};
pub use machine::{build, Machine, Output};
pub use parallel::Parallel;
pub use retry::RetryPolicy;
pub use session::{file_key, scoped_key, PartRecord, SessionRecord};
pub use time::{Millis, UnixMillis, WallClock};
pub use timer::{Timer, Timers};
pub use upload::Upload;
