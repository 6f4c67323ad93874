//! Browser adapters: the [`crate::driver::Io`] implementation for windows and workers.
//!
//! What it does: performs requests with the global `fetch` (so it also runs in Workers),
//! aborts them with an `AbortController` when their future is dropped, reads the clock,
//! sets timers with gloo-timers, watches online/offline and the page's lifecycle, keeps session
//! records (IndexedDB), identifies files and notices when one changes on disk, takes Web Locks, and turns core events, errors and
//! session records into plain JS objects and back (wire.rs, the one place that does).
//!
//! What it does not do: protocol decisions (the core) or the exported API (bindings).
//! File bytes are never copied into wasm memory: bodies are `Blob.slice` views, and a
//! recording's bodies are Blobs its TypeScript buffer makes from the stored pieces.

mod discovered;
mod fetch;
mod identity;
mod io;
mod lifecycle;
mod lock;
mod memory;
mod online;
mod recording;
mod snapshot;
mod store;
mod wire;

pub use discovered::known as known_capabilities;
pub use identity::identify;
pub use io::{timer_now, warn, WebIo};
pub use lifecycle::LifecycleWatch;
pub use lock::{acquire, LockGuard, RunLock};
pub use online::{is_online, OnlineWatch};
pub use recording::LiveSource;
pub use store::{Put, Store};
pub use wire::{
    error_to_js, event_to_js, record_from_js, record_to_js, result_to_js, stored_to_js, warning_to_js, Pairs,
};
