//! `Engine`: one upload, its command channel, and at most one run at a time.
//!
//! `start()` and `abort()` begin a run when none is going (and return its promise) or
//! forward the command to the running one (and return `undefined`); `pause()` only ever
//! forwards. The upload is parked between runs so that a failed upload can be started again
//! from the server's offset.
//!
//! Before its first run an upload is *prepared*: the file identity is computed, and a stored
//! session for it, if any, becomes the upload to continue. Every run holds the Web Lock of
//! that identity, so that two tabs never write the same upload at once.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::options::{self, Parsed};
use crate::core::{Config, Error, ErrorKind, Machine, Millis, Parallel, SessionRecord, SourceInfo, Upload};
use crate::driver::{self, Command};
use crate::web::{
    acquire, error_to_js, identify, known_capabilities, record_to_js, warn, LockGuard, OnlineWatch, Store, WebIo,
};

struct Job {
    upload: Box<dyn Machine>,
    io: WebIo,
    commands: UnboundedReceiver<Command>,
    /// Until the first run: what is needed to look for a stored session.
    pending: Option<Prepare>,
    /// The session key, once known (the lock's name).
    key: Option<String>,
    wait_for_lock: bool,
}

struct Prepare {
    config: Config,
    source: SourceInfo,
    resume: bool,
    fingerprint: Option<String>,
}

#[wasm_bindgen]
pub struct Engine {
    /// The parked job; `None` while a run owns it.
    parked: Rc<RefCell<Option<Job>>>,
    sender: UnboundedSender<Command>,
    /// The Web Lock of the running upload: released while paused (so that the same file
    /// can be started elsewhere), taken again before a paused run continues.
    lock: Rc<RefCell<Option<LockGuard>>>,
    /// The session key, once the first run has computed it.
    key: Rc<RefCell<Option<String>>>,
    on_event: Function,
}

fn now() -> Millis {
    Millis(js_sys::Date::now() as u64)
}

fn emit_state(on_event: &Function, state: &str) {
    let obj = Object::new();
    let _ = Reflect::set(&obj, &"type".into(), &"state".into());
    let _ = Reflect::set(&obj, &"state".into(), &state.into());
    let _ = on_event.call1(&JsValue::NULL, &obj);
}

#[wasm_bindgen]
impl Engine {
    /// Validates `options` and prepares the upload. Throws a plain error object
    /// `{ kind, code, message }` on invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, on_event: Function) -> Result<Engine, JsValue> {
        let Parsed { config, source, file, headers, resume, fingerprint, wait_for_lock, file_handle } =
            options::parse(&options).map_err(|e| error_to_js(&e))?;
        // Validate now, so that bad options throw here rather than at start().
        let upload = machine(config.clone(), None, source.clone()).map_err(|e| error_to_js(&e))?;
        let lock: Rc<RefCell<Option<LockGuard>>> = Rc::default();
        let mut io = WebIo::with_handle(file, headers, on_event.clone(), file_handle);
        io.release_on_pause = Some(Rc::clone(&lock));
        let (sender, commands) = unbounded();
        let pending = Some(Prepare { config, source, resume, fingerprint });
        let job = Job { upload, io, commands, pending, key: None, wait_for_lock };
        Ok(Engine { parked: Rc::new(RefCell::new(Some(job))), sender, lock, key: Rc::default(), on_event })
    }

    /// Starts or resumes. Returns the run's promise if this began a run.
    pub fn start(&self) -> Option<Promise> {
        self.begin_or_forward(Command::Start)
    }

    /// Pauses the running upload (no-op otherwise).
    pub fn pause(&self) {
        if self.parked.borrow().is_none() {
            let _ = self.sender.unbounded_send(Command::Pause);
        }
    }

    /// Aborts, optionally terminating the upload on the server.
    pub fn abort(&self, terminate: bool) -> Option<Promise> {
        self.begin_or_forward(Command::Abort { terminate })
    }

    fn begin_or_forward(&self, command: Command) -> Option<Promise> {
        let Some(mut job) = self.parked.borrow_mut().take() else {
            let key = self.key.borrow().clone();
            match key {
                // A paused run gave its lock back: take it again before continuing.
                Some(key) if command == Command::Start && self.lock.borrow().is_none() => {
                    let (lock, sender, on_event) = (Rc::clone(&self.lock), self.sender.clone(), self.on_event.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        let guard = match acquire(&key, false).await {
                            Ok(Some(guard)) => Some(guard),
                            Ok(None) => {
                                emit_state(&on_event, "locked");
                                acquire(&key, true).await.ok().flatten()
                            }
                            Err(_) => None,
                        };
                        *lock.borrow_mut() = guard;
                        let _ = sender.unbounded_send(Command::Start);
                    });
                }
                _ => {
                    let _ = self.sender.unbounded_send(command);
                }
            }
            return None;
        };
        // Commands sent while no run was going are stale.
        while job.commands.try_recv().is_ok() {}
        let parked = Rc::clone(&self.parked);
        let sender = self.sender.clone();
        let (lock, key) = (Rc::clone(&self.lock), Rc::clone(&self.key));
        Some(future_to_promise(async move {
            let result = run(&mut job, command, sender, &lock).await;
            *key.borrow_mut() = job.key.clone();
            lock.borrow_mut().take();
            let total = job.upload.bytes_total();
            *parked.borrow_mut() = Some(job);
            match result {
                Ok(url) => {
                    let obj = Object::new();
                    let _ = Reflect::set(&obj, &"uploadUrl".into(), &url.into());
                    let _ = Reflect::set(&obj, &"bytesTotal".into(), &JsValue::from_f64(total as f64));
                    Ok(obj.into())
                }
                Err(error) => Err(error_to_js(&error)),
            }
        }))
    }
}

/// One run: prepare (first time), take the lock, drive the upload, release the lock.
async fn run(
    job: &mut Job,
    command: Command,
    sender: UnboundedSender<Command>,
    slot: &RefCell<Option<LockGuard>>,
) -> Result<String, Error> {
    if let Some(prepare) = job.pending.take() {
        if command == Command::Start {
            prepare_session(job, prepare).await;
        } else {
            job.pending = Some(prepare);
        }
    }
    *slot.borrow_mut() = match &job.key {
        Some(key) if command == Command::Start => {
            let lock = match acquire(key, false).await {
                Ok(Some(guard)) => Some(guard),
                Ok(None) if !job.wait_for_lock => {
                    return Err(Error::new(
                        ErrorKind::Locked,
                        "locked",
                        "another tab or worker is uploading this file right now",
                    ))
                }
                Ok(None) => {
                    emit_state(&job.io.on_event, "locked");
                    acquire(key, true).await.ok().flatten()
                }
                // Web Locks refused (e.g. an opaque origin): carry on without coordination.
                Err(_) => None,
            };
            lock
        }
        _ => None,
    };
    // Listens only while the run lives; a run reads navigator.onLine when it starts.
    let _watch = OnlineWatch::new(move |online| {
        let _ = sender.unbounded_send(Command::Online(online));
    });
    driver::run(&job.io, job.upload.as_mut(), &mut job.commands, command).await
}

/// The state machine for these options: a parallel upload when asked for (or when the stored
/// session is one), otherwise a single stream; continuing `stored` when given.
fn machine(mut config: Config, stored: Option<SessionRecord>, source: SourceInfo) -> Result<Box<dyn Machine>, Error> {
    config.capabilities = config.capabilities.or_else(|| known_capabilities(&config.endpoint));
    Ok(match stored {
        Some(record) if !record.parts.is_empty() => Box::new(Parallel::resume(config, record, source, now())?),
        Some(record) => Box::new(Upload::resume(config, record, source, now())?),
        None if config.parallel > 1 => Box::new(Parallel::new(config, source, now())?),
        None => Box::new(Upload::new(config, source, now())?),
    })
}

/// Prepares the first run: computes the session key and, if a stored session matches,
/// continues it. The machine is rebuilt here rather than kept from construction, so that it
/// also knows what uploads started since then learnt about the endpoint.
async fn prepare_session(job: &mut Job, prepare: Prepare) {
    let Prepare { mut config, source, resume, fingerprint } = prepare;
    let mut stored = None;
    let key = if resume { session_key(job, &source, fingerprint).await } else { None };
    if let Some(key) = &key {
        let store = Store::shared(now()).await;
        if let Some(why) = store.warning() {
            warn(
                &job.io.on_event,
                "storage_unavailable",
                &format!("{why}; uploads resume only while this page stays open"),
            );
        }
        config.session_key = Some(key.clone());
        if config.upload_url.is_none() {
            stored = store.get(key).await;
        }
    }
    if let Ok(upload) = machine(config, stored, source) {
        job.upload = upload;
        job.key = key;
    }
}

/// The app's `fingerprint`, else the file's identity; `None` (with a warning) when the file
/// cannot be read.
async fn session_key(job: &Job, source: &SourceInfo, fingerprint: Option<String>) -> Option<String> {
    if fingerprint.is_some() {
        return fingerprint;
    }
    match identify(&job.io.file, &source.name, &source.mime_type, source.last_modified).await {
        Ok(key) => Some(key),
        Err(_) => {
            warn(
                &job.io.on_event,
                "identity_unavailable",
                "the file could not be read to identify it; it will not be resumable after a reload",
            );
            None
        }
    }
}

/// Stored sessions, oldest update first: `[{ key, uploadUrl, endpoint, size, name, type,
/// lastModified, metadata, bytesConfirmed, chunkSize, createdAt, updatedAt, expiresAt,
/// fileHandle? }]`.
#[wasm_bindgen(js_name = listSessions)]
pub async fn list_sessions() -> Array {
    let store = Store::shared(now()).await;
    store
        .list_stored()
        .await
        .into_iter()
        .map(|(record, stored)| {
            let out = record_to_js(&record);
            if let Ok(handle) = Reflect::get(&stored, &"fileHandle".into()) {
                if !handle.is_undefined() {
                    let _ = Reflect::set(&out, &"fileHandle".into(), &handle);
                }
            }
            out
        })
        .collect::<Array>()
}

/// Deletes the stored session `key` (the upload itself stays on the server).
#[wasm_bindgen(js_name = forgetSession)]
pub async fn forget_session(key: String) {
    Store::shared(now()).await.delete(&key).await;
}
