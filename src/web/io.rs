//! `WebIo`: the driver's window onto the browser for one upload.
//!
//! Holds the file, the app's header callback and the app's event sink, and a queue of
//! session-store writes that one background task performs in order (coalescing a burst of
//! writes for the same key into the last one). Requests are independent; every timer is a
//! fresh gloo-timers future.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::future::LocalBoxFuture;
use futures::{FutureExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::Blob;

use super::convert::event_to_js;
use super::discovered;
use super::fetch::perform;
use super::lock::LockGuard;
use super::store::{Put, Store};
use crate::core::{Event, Millis, Request, Response, SessionRecord, State, TransportError};
use crate::driver::Io;

/// A change to the session store.
pub enum Write {
    Put(SessionRecord),
    Delete(String),
}

impl Write {
    fn key(&self) -> &str {
        match self {
            Write::Put(r) => &r.key,
            Write::Delete(k) => k,
        }
    }
}

pub struct WebIo {
    pub file: Blob,
    pub headers: Option<Function>,
    pub on_event: Function,
    writes: UnboundedSender<Write>,
    /// Where the run keeps its Web Lock; emptied (released) when the upload pauses.
    pub release_on_pause: Option<Rc<RefCell<Option<LockGuard>>>>,
}

/// Calls the app's event sink with `{ type: 'warning', code, message }`.
pub fn warn(on_event: &Function, code: &str, message: &str) {
    let obj = Object::new();
    let _ = Reflect::set(&obj, &"type".into(), &"warning".into());
    let _ = Reflect::set(&obj, &"code".into(), &code.into());
    let _ = Reflect::set(&obj, &"message".into(), &message.into());
    let _ = on_event.call1(&JsValue::NULL, &obj);
}

impl WebIo {
    pub fn new(file: Blob, headers: Option<Function>, on_event: Function) -> WebIo {
        WebIo::with_handle(file, headers, on_event, None)
    }

    /// `handle`: the app's `FileSystemFileHandle` for `file`, stored with the session so that
    /// the file can be reopened after a browser restart without picking it again.
    pub fn with_handle(file: Blob, headers: Option<Function>, on_event: Function, handle: Option<JsValue>) -> WebIo {
        let (writes, queue) = unbounded();
        wasm_bindgen_futures::spawn_local(write_loop(queue, on_event.clone(), handle));
        WebIo { file, headers, on_event, writes, release_on_pause: None }
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
        for (i, write) in batch.iter().enumerate() {
            if batch.iter().skip(i + 1).any(|later| later.key() == write.key()) {
                continue;
            }
            match write {
                Write::Put(record) => match store.put(record, handle.as_ref()).await {
                    Put::Stored => {}
                    Put::StoredWithoutHandle if !warned_handle => {
                        warned_handle = true;
                        let why = "this browser cannot store the file handle with the session; \
                                   after a restart the user picks the file again to continue";
                        warn(&on_event, "file_handle_unstorable", why);
                    }
                    Put::StoredWithoutHandle => {}
                    Put::InMemory(why) => {
                        if !warned {
                            warn(&on_event, "storage_unavailable", &why);
                            warned = true;
                        }
                    }
                },
                Write::Delete(key) => store.delete(key).await,
            }
        }
    }
}

impl Io for WebIo {
    type Fetch = LocalBoxFuture<'static, Result<Response, TransportError>>;
    type Sleep = TimeoutFuture;

    fn now(&self) -> Millis {
        Millis(js_sys::Date::now() as u64)
    }

    fn online(&self) -> bool {
        super::online::is_online()
    }

    fn fetch(&self, request: Request) -> Self::Fetch {
        perform(request, self.file.clone(), self.headers.clone()).boxed_local()
    }

    fn sleep_until(&self, at: Millis) -> Self::Sleep {
        let ms = at.since(self.now()).min(u64::from(u32::MAX));
        TimeoutFuture::new(ms as u32)
    }

    fn emit(&self, events: Vec<Event>) {
        if let Some(slot) = &self.release_on_pause {
            if events.contains(&Event::State(State::Paused)) {
                slot.borrow_mut().take();
            }
        }
        for event in &events {
            if let Event::Discovered { endpoint, capabilities } = event {
                discovered::remember(endpoint, *capabilities);
                continue;
            }
            // An exception in an app listener must not stop the upload.
            let _ = self.on_event.call1(&JsValue::NULL, &event_to_js(event));
        }
    }

    fn persist(&self, record: SessionRecord) {
        let _ = self.writes.unbounded_send(Write::Put(record));
    }

    fn forget(&self, key: String) {
        let _ = self.writes.unbounded_send(Write::Delete(key));
    }
}
