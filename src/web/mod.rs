//! Browser adapters: the [`crate::driver::Io`] implementation for windows and workers.
//!
//! What it does: performs requests with the global `fetch` (so it also runs in Workers),
//! aborts them with an `AbortController` when their future is dropped, reads the clock,
//! sets timers with gloo-timers, watches online/offline, and turns core events and errors into plain JS objects.
//!
//! What it does not do: protocol decisions (the core) or the exported API (bindings).
//! File bytes are never copied into wasm memory: bodies are `Blob.slice` views.

mod convert;
mod fetch;
mod io;
mod online;

pub use convert::{error_to_js, event_to_js};
pub use io::WebIo;
pub use online::{is_online, OnlineWatch};
