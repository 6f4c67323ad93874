//! Browser adapters: the [`crate::driver::Io`] implementation for windows and workers.
//!
//! What it does: performs requests with the global `fetch` (so it also runs in Workers),
//! aborts them with an `AbortController` when their future is dropped, reads the clock,
//! sets timers with gloo-timers, watches online/offline and the page's lifecycle, keeps session records (IndexedDB), identifies files, takes Web Locks, and turns core events and errors into plain JS objects.
//!
//! What it does not do: protocol decisions (the core) or the exported API (bindings).
//! File bytes are never copied into wasm memory: bodies are `Blob.slice` views, and a
//! recording's bodies are Blobs its TypeScript buffer makes from the stored pieces.

mod convert;
mod discovered;
mod fetch;
mod identity;
mod io;
mod lifecycle;
mod lock;
mod memory;
mod online;
mod record;
mod recording;
mod store;

pub use convert::{error_to_js, event_to_js};
pub use discovered::known as known_capabilities;
pub use identity::identify;
pub use io::{timer_now, warn, WebIo};
pub use lifecycle::LifecycleWatch;
pub use lock::{acquire, LockGuard, RunLock};
pub use online::{is_online, OnlineWatch};
pub use record::{from_js as record_from_js, to_js as record_to_js};
pub use recording::LiveSource;
pub use store::{Put, Store};
