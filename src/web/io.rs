//! `WebIo`: the driver's window onto the browser for one upload.
//!
//! Holds the file (and what its ends held, snapshot.rs), the app's header callback and the
//! app's event sink, and a queue of session-store writes that one background task performs in
//! order (coalescing a burst of writes for the same key into the last one). Requests are
//! independent; every timer is a fresh gloo-timers future. The timer clock is
//! `performance.now()`, dates are `Date.now()`. The run's Web Lock follows the machine's state
//! after each drain ([`RunLock::follow`]); capabilities learnt go to the page's memory
//! (discovered.rs), never to the app.

use std::collections::VecDeque;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use futures::{FutureExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use super::discovered;
use super::fetch::perform;
use super::lock::{others_waiting, RunLock};
use super::recording::LiveSource;
use super::snapshot::Snapshot;
use super::store::{Put, Store};
use super::wire::{event_to_js, warning_to_js};
use crate::core::{
    Body, Capabilities, Code, Event, Millis, Request, Response, SessionRecord, State, TransportError, UnixMillis,
};
use crate::driver::Io;

/// A change to the session store.
#[derive(Debug)]
pub enum Write {
    Put(SessionRecord),
    Delete(String),
    /// Answered once every write queued before it is done.
    Flush(oneshot::Sender<()>),
}

impl Write {
    /// The session key written; `None` for a flush.
    fn key(&self) -> Option<&str> {
        match self {
            Write::Put(r) => Some(&r.key),
            Write::Delete(k) => Some(k),
            Write::Flush(_) => None,
        }
    }
}

/// The browser side of one upload: its file, the app's callbacks, its store writes and lock.
#[derive(Debug)]
pub struct WebIo {
    file: Blob,
    headers: Option<Function>,
    on_event: Function,
    writes: UnboundedSender<Write>,
    /// The run's Web Lock; given back when the machine rests.
    lock: RunLock,
    /// A recording's buffer, which makes the PATCH bodies (then `file` is empty).
    recording: Option<LiveSource>,
    /// What the file's ends held at the first PATCH, to notice a change before the last.
    snapshot: Snapshot,
}

/// Calls the app's event sink with `{ type: 'warning', code, message }`.
pub fn warn(on_event: &Function, code: Code, message: &str) {
    let _ = on_event.call1(&JsValue::NULL, &warning_to_js(code, message));
}

/// `performance.now()`, the monotonic timer clock (windows and workers alike); `Date.now()`
/// where a platform lacks it.
fn performance_now() -> f64 {
    let global = js_sys::global();
    let now = Reflect::get(&global, &"performance".into()).ok().and_then(|perf| {
        let now: Function = Reflect::get(&perf, &"now".into()).ok()?.dyn_into().ok()?;
        now.call0(&perf).ok()?.as_f64()
    });
    now.unwrap_or_else(js_sys::Date::now)
}

/// The timer clock as the core takes it.
pub fn timer_now() -> Millis {
    Millis(performance_now().max(0.0) as u64)
}

impl WebIo {
    /// The adapter for `file`, calling `headers` for every request and `on_event` for events.
    pub fn new(file: Blob, headers: Option<Function>, on_event: Function) -> WebIo {
        WebIo::with_handle(file, headers, on_event, None)
    }

    /// `handle`: the app's `FileSystemFileHandle` for `file`, stored with the session so that
    /// the file can be reopened after a browser restart without picking it again.
    pub fn with_handle(file: Blob, headers: Option<Function>, on_event: Function, handle: Option<JsValue>) -> WebIo {
        let (writes, queue) = unbounded();
        wasm_bindgen_futures::spawn_local(write_loop(queue, on_event.clone(), handle));
        WebIo {
            file,
            headers,
            on_event,
            writes,
            lock: RunLock::default(),
            recording: None,
            snapshot: Snapshot::default(),
        }
    }

    /// Shares `lock` with whoever takes it (the engine).
    #[must_use]
    pub fn with_lock(mut self, lock: RunLock) -> WebIo {
        self.lock = lock;
        self
    }

    /// Where a recording's buffer begins: the bytes before it are gone (0 for a file).
    pub fn held_from(&self) -> u64 {
        self.recording.as_ref().map_or(0, LiveSource::held_from)
    }

    /// Uploads the recording `source` instead of the file.
    #[must_use]
    pub fn with_recording(mut self, source: Option<LiveSource>) -> WebIo {
        self.recording = source;
        self
    }

    /// The file being uploaded.
    pub fn file(&self) -> &Blob {
        &self.file
    }

    /// The app's event sink.
    pub fn on_event(&self) -> &Function {
        &self.on_event
    }

    /// A future that resolves once every session write queued so far is done (at once if the
    /// writer is gone), so that a finished run is not reported before its record is stored or
    /// deleted. The flush is queued now; the future borrows nothing.
    pub fn flushed(&self) -> impl std::future::Future<Output = ()> + 'static {
        let (done, wait) = oneshot::channel();
        let queued = self.writes.unbounded_send(Write::Flush(done)).is_ok();
        async move {
            if queued {
                let _ = wait.await;
            }
        }
    }
}

/// Performs store writes in order; a burst for one key collapses into its last write.
async fn write_loop(mut queue: UnboundedReceiver<Write>, on_event: Function, handle: Option<JsValue>) {
    let mut warned = false;
    let mut warned_handle = false;
    while let Some(first) = queue.next().await {
        let mut batch = VecDeque::from([first]);
        while let Ok(more) = queue.try_recv() {
            batch.push_back(more);
        }
        let store = Store::shared(Millis(js_sys::Date::now() as u64)).await;
        let mut flushes = Vec::new();
        for (i, write) in batch.iter().enumerate() {
            if write.key().is_some() && batch.iter().skip(i + 1).any(|later| later.key() == write.key()) {
                continue;
            }
            match write {
                Write::Flush(_) => {}
                Write::Put(record) => match store.put(record, handle.as_ref()).await {
                    Put::Stored => {}
                    Put::StoredWithoutHandle if !warned_handle => {
                        warned_handle = true;
                        let why = "this browser cannot store the file handle with the session; \
                                   after a restart the user picks the file again to continue";
                        warn(&on_event, Code::FileHandleUnstorable, why);
                    }
                    Put::StoredWithoutHandle => {}
                    Put::InMemory(why) => {
                        if !warned {
                            warn(&on_event, Code::StorageUnavailable, &why);
                            warned = true;
                        }
                    }
                },
                // A tab waiting for this upload's lock continues from the record (its HEAD
                // says whether the upload completed or an abort deleted it); the last one to
                // finish deletes it.
                Write::Delete(key) if others_waiting(key).await => {}
                Write::Delete(key) => store.delete(key).await,
            }
        }
        // A flush waits for every write of its batch (the writes before it included).
        for write in batch {
            if let Write::Flush(done) = write {
                flushes.push(done);
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

impl Io for WebIo {
    type Fetch = LocalBoxFuture<'static, Result<Response, TransportError>>;
    type Sleep = TimeoutFuture;

    fn now(&self) -> Millis {
        timer_now()
    }

    fn today(&self) -> UnixMillis {
        UnixMillis(js_sys::Date::now().max(0.0) as u64)
    }

    fn online(&self) -> bool {
        super::online::is_online()
    }

    fn fetch(&self, request: Request) -> Self::Fetch {
        let headers = self.headers.clone();
        match (&self.recording, request.body) {
            // A recording's body is one Blob of exactly the bytes asked for.
            (Some(source), Body::Source { start, end }) => {
                let source = source.clone();
                async move {
                    let blob = source.body(start, end).await?;
                    let request = Request { body: Body::Source { start: 0, end: end - start }, ..request };
                    perform(request, blob, headers, None).await
                }
                .boxed_local()
            }
            _ => perform(request, self.file.clone(), headers, Some(self.snapshot.clone())).boxed_local(),
        }
    }

    fn sleep_until(&self, at: Millis) -> Self::Sleep {
        let ms = at.since(self.now()).min(u64::from(u32::MAX));
        TimeoutFuture::new(ms as u32)
    }

    fn emit(&self, events: Vec<Event>) {
        for event in &events {
            // An exception in an app listener must not stop the upload.
            let _ = self.on_event.call1(&JsValue::NULL, &event_to_js(event));
        }
    }

    fn settled(&self, state: State) {
        self.lock.follow(state);
    }

    fn learned(&self, endpoint: String, capabilities: Capabilities) {
        discovered::remember(&endpoint, capabilities);
    }

    fn persist(&self, record: SessionRecord) {
        let _ = self.writes.unbounded_send(Write::Put(record));
    }

    fn forget(&self, key: String) {
        let _ = self.writes.unbounded_send(Write::Delete(key));
    }

    fn release(&self, offset: u64) {
        if let Some(source) = &self.recording {
            source.release(offset);
        }
    }
}
