//! `Engine`: one upload, its command channel, and at most one run at a time.
//!
//! `start()` and `abort()` begin a run when none is going (and return its promise) or
//! forward the command to the running one (and return `undefined`); `pause()` only ever
//! forwards. The upload is parked between runs so that a failed upload can be started again
//! from the server's offset.
//!
//! Before its first run an upload is *prepared*: the file identity is computed, and a stored
//! session for it, if any, becomes the upload to continue. Every run holds the Web Lock of
//! that identity, so that two tabs never write the same upload at once; a run that has to
//! wait for it (at its start, or when it continues after resting) builds its machine again
//! from the store once the lock comes, since the tab that held it may have created, continued
//! or completed the upload meanwhile.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::future::{select, Either};
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::options::{self, Parsed};
use crate::core::{self, Code, Error, ErrorKind, Machine, Validated};
use crate::driver::{self, Command};
use crate::web::{
    acquire, error_to_js, identify, known_capabilities, result_to_js, stored_to_js, timer_now, warn, LifecycleWatch,
    OnlineWatch, RunLock, Store, WebIo,
};

struct Job {
    /// Built on the first run (it needs the stored session, found then).
    upload: Option<Box<dyn Machine>>,
    io: WebIo,
    commands: UnboundedReceiver<Command>,
    /// Until the first started run: what is needed to look for a stored session.
    pending: Option<Prepare>,
    /// The checked options.
    validated: Validated,
    /// The session key, once known (the lock's name); shared with the engine.
    key: Rc<RefCell<Option<String>>>,
    wait_for_lock: bool,
    /// What a recording delivered so far, for every machine built for it.
    delivered: Rc<Cell<Delivered>>,
}

/// The latest `data()` and `end()` of a recording. A machine told them twice ignores the
/// second telling, so any machine, kept or built again, is told them before it runs.
#[derive(Clone, Copy, Default)]
struct Delivered {
    available: u64,
    total: Option<u64>,
}

struct Prepare {
    resume: bool,
    fingerprint: Option<String>,
}

/// One upload for the TypeScript layer.
#[wasm_bindgen]
pub struct Engine {
    /// The parked job; `None` while a run owns it.
    parked: Rc<RefCell<Option<Job>>>,
    sender: UnboundedSender<Command>,
    /// The Web Lock of the running upload: given back while it rests (so that the same file
    /// can be started elsewhere), taken again before a paused run continues.
    lock: RunLock,
    /// The session key, once the first run has computed it.
    key: Rc<RefCell<Option<String>>>,
    delivered: Rc<Cell<Delivered>>,
}

#[wasm_bindgen]
impl Engine {
    /// Validates `options` and prepares the upload. Throws a plain error object
    /// `{ kind, code, message }` on invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "EngineOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(event: EngineEvent) => void")] on_event: Function,
    ) -> Result<Engine, JsValue> {
        let Parsed { config, source, file, headers, resume, fingerprint, wait_for_lock, file_handle, recording } =
            options::parse(&options).map_err(|e| error_to_js(&e))?;
        // Checked once, now, so that bad options throw here rather than at start().
        let validated = config.validate(&source).map_err(|e| error_to_js(&e))?;
        let lock = RunLock::default();
        let io =
            WebIo::with_handle(file, headers, on_event, file_handle).with_lock(lock.clone()).with_recording(recording);
        let (sender, commands) = unbounded();
        let pending = Some(Prepare { resume, fingerprint });
        let (delivered, key) = (Rc::<Cell<Delivered>>::default(), Rc::<RefCell<Option<String>>>::default());
        let job = Job {
            upload: None,
            io,
            commands,
            pending,
            validated,
            key: key.clone(),
            wait_for_lock,
            delivered: delivered.clone(),
        };
        Ok(Engine { parked: Rc::new(RefCell::new(Some(job))), sender, lock, key, delivered })
    }

    /// Starts or resumes. Returns the run's promise if this began a run.
    #[wasm_bindgen(unchecked_return_type = "Promise<EngineResult> | undefined")]
    pub fn start(&self) -> Option<Promise> {
        self.begin_or_forward(Command::Start)
    }

    /// A recording has `available` bytes buffered (durably); kept until a run takes it.
    pub fn data(&self, available: f64) {
        let available = available.max(0.0) as u64;
        let mut delivered = self.delivered.get();
        delivered.available = delivered.available.max(available);
        self.delivered.set(delivered);
        let _ = self.sender.unbounded_send(Command::Data(available));
    }

    /// A recording ended at `total` bytes.
    pub fn end(&self, total: f64) {
        let total = total.max(0.0) as u64;
        let mut delivered = self.delivered.get();
        delivered.total = delivered.total.or(Some(total));
        self.delivered.set(delivered);
        let _ = self.sender.unbounded_send(Command::End(total));
    }

    /// Pauses the running upload (no-op otherwise).
    pub fn pause(&self) {
        if self.parked.borrow().is_none() {
            let _ = self.sender.unbounded_send(Command::Pause);
        }
    }

    /// Aborts, optionally terminating the upload on the server.
    #[wasm_bindgen(unchecked_return_type = "Promise<EngineResult> | undefined")]
    pub fn abort(&self, terminate: bool) -> Option<Promise> {
        self.begin_or_forward(Command::Abort { terminate })
    }

    fn begin_or_forward(&self, command: Command) -> Option<Promise> {
        let Some(mut job) = self.parked.borrow_mut().take() else {
            let key = self.key.borrow().clone();
            match key {
                // A resting run gave its lock back: take it again before continuing, or, if
                // another tab took it meanwhile, have the run wait for it (run(), below).
                Some(key) if command == Command::Start && !self.lock.is_held() => {
                    let (lock, sender) = (self.lock.clone(), self.sender.clone());
                    if !lock.begin_wait() {
                        return None;
                    }
                    wasm_bindgen_futures::spawn_local(async move {
                        match acquire(&key, false).await {
                            Ok(Some(guard)) => lock.hold(guard),
                            Ok(None) => {
                                let _ = sender.unbounded_send(Command::Lock(false));
                                if lock.ask_wait() {
                                    return;
                                }
                            }
                            // Web Locks refused (e.g. an opaque origin): carry on without coordination.
                            Err(_) => {}
                        }
                        lock.end_wait();
                        let _ = sender.unbounded_send(Command::Start);
                    });
                }
                _ => {
                    let _ = self.sender.unbounded_send(command);
                }
            }
            return None;
        };
        // Commands sent while no run was going are stale (what a recording delivered is told
        // to the machine again from `delivered`).
        while job.commands.try_recv().is_ok() {}
        let parked = Rc::clone(&self.parked);
        let sender = self.sender.clone();
        let lock = self.lock.clone();
        Some(future_to_promise(async move {
            let result = run(&mut job, command, sender, &lock).await;
            let total = job.upload.as_ref().map_or(0, |u| u.bytes_total());
            let flushed = job.io.flushed();
            *parked.borrow_mut() = Some(job);
            // The app hears of the end only once the session record is written (or deleted),
            // and the lock goes only then (a tab waiting for it reads what was left).
            flushed.await;
            lock.release();
            match result {
                Ok(url) => Ok(result_to_js(&url, total)),
                Err(error) => Err(error_to_js(&error)),
            }
        }))
    }
}

/// One run: build the machine (the first time), take the lock, drive the upload.
async fn run(
    job: &mut Job,
    command: Command,
    sender: UnboundedSender<Command>,
    lock: &RunLock,
) -> Result<String, Error> {
    // A machine built from the store in this run, which has sent nothing yet.
    let mut fresh = false;
    if job.upload.is_none() || (command == Command::Start && job.pending.is_some()) {
        let machine = match job.pending.take() {
            Some(prepare) if command == Command::Start => {
                fresh = true;
                prepare_session(job, prepare).await
            }
            pending => {
                job.pending = pending;
                core::build(job.validated.clone().with_capabilities(known(&job.validated)), None, timer_now())
            }
        };
        job.upload = Some(machine);
    }
    // What a recording delivered while no run was going (a resting machine says nothing).
    if let Some(upload) = job.upload.as_mut() {
        replay(upload.as_mut(), job.delivered.get(), &job.io);
    }
    let key = job.key.borrow().clone();
    let mut waiting = false;
    let mut first = match &key {
        Some(key) if command == Command::Start && !lock.is_held() => match acquire(key, false).await {
            Ok(Some(guard)) => {
                lock.hold(guard);
                Command::Start
            }
            Ok(None) if !job.wait_for_lock => {
                return Err(Error::new(
                    ErrorKind::Locked,
                    Code::Locked,
                    "another tab or worker is uploading this file right now",
                ))
            }
            // The session read before the wait may be stale by its end (below).
            Ok(None) => {
                waiting = true;
                Command::Lock(false)
            }
            // Web Locks refused (e.g. an opaque origin): carry on without coordination.
            Err(_) => Command::Start,
        },
        _ => command,
    };
    // Listens only while the run lives; a run reads navigator.onLine when it starts.
    let to_driver = sender.clone();
    let _watch = OnlineWatch::new(move |online| {
        let _ = to_driver.unbounded_send(Command::Online(online));
    });
    let _lifecycle = LifecycleWatch::new(move |event| {
        let _ = sender.unbounded_send(Command::Lifecycle(event));
    });
    let Some(key) = key else {
        // No session key (`resume: false` without a fingerprint): no lock to wait for.
        let Some(upload) = job.upload.as_mut() else { return Err(not_prepared()) };
        return driver::run(&job.io, upload.as_mut(), &mut job.commands, first).await;
    };
    // The machine shows `locked` (and takes a pause or an abort) while the lock is waited for:
    // from the start (`waiting`), or once a run that rested finds another tab holding it when
    // it continues (`RunLock::ask_wait`). The tab that held it may have created, continued or
    // completed the upload meanwhile (it leaves the record for a tab that waits): the machine
    // is built again from the store before it sends anything. A machine kept from an earlier
    // run (which may have failed before it created its upload) waits as one built now would.
    if waiting && !fresh {
        job.upload = Some(rebuilt(job, &key).await);
    }
    loop {
        let Some(upload) = job.upload.as_mut() else { return Err(not_prepared()) };
        let driving = Box::pin(driver::run(&job.io, upload.as_mut(), &mut job.commands, first));
        let asked = lock.listen();
        let lock_comes = Box::pin(async {
            if !waiting && asked.await.is_err() {
                // The listener was replaced: no run asks this one to wait.
                futures::future::pending::<()>().await;
            }
            acquire(&key, true).await
        });
        let granted = match select(driving, lock_comes).await {
            Either::Left((result, _)) => return result,
            Either::Right((granted, driving)) => {
                drop(driving);
                granted
            }
        };
        lock.end_wait();
        if let Ok(Some(guard)) = granted {
            lock.hold(guard);
        }
        let paused = job.upload.as_ref().is_some_and(|u| u.state() == core::State::Paused);
        job.upload = Some(rebuilt(job, &key).await);
        first = if paused { Command::Lock(true) } else { Command::Start };
        waiting = false;
    }
}

fn not_prepared() -> Error {
    Error::new(ErrorKind::Usage, Code::Internal, "the upload was not prepared")
}

/// The machine for session `key` built again from the store, told what the recording
/// delivered so far.
async fn rebuilt(job: &Job, key: &str) -> Box<dyn Machine> {
    let mut machine = build_from_store(job, key, None).await;
    replay(machine.as_mut(), job.delivered.get(), &job.io);
    machine
}

/// Tells `upload` what a recording delivered so far and where its buffer begins (for a
/// file: nothing).
fn replay(upload: &mut dyn Machine, delivered: Delivered, io: &WebIo) {
    upload.handle_released(io.held_from());
    if delivered.available > 0 {
        upload.handle_data(delivered.available, timer_now());
    }
    if let Some(total) = delivered.total {
        upload.handle_end(total, timer_now());
    }
}

/// What uploads started since this one was configured learnt about its endpoint.
fn known(v: &Validated) -> Option<core::Capabilities> {
    known_capabilities(&v.config().endpoint)
}

/// Prepares the first started run: computes the session key and, if a stored session
/// matches, continues it. Built now rather than at construction, so that the machine also
/// knows what uploads started since then learnt about the endpoint.
async fn prepare_session(job: &mut Job, prepare: Prepare) -> Box<dyn Machine> {
    let Prepare { resume, fingerprint } = prepare;
    let file_key = if resume { session_key(job, fingerprint).await } else { None };
    // A session belongs to its destination: the same file sent elsewhere is another session.
    let key = file_key.as_deref().map(|k| core::scoped_key(k, &job.validated.config().endpoint));
    job.key.replace(key.clone());
    match (key, file_key) {
        (Some(key), Some(file_key)) => build_from_store(job, &key, Some(&file_key)).await,
        _ => core::build(job.validated.clone().with_capabilities(known(&job.validated)), None, timer_now()),
    }
}

/// The machine for session `key`, continuing its stored record if there is one (with
/// `file_key`, the first time: also one stored under the file's key alone, moved to `key`).
async fn build_from_store(job: &Job, key: &str, file_key: Option<&str>) -> Box<dyn Machine> {
    let store = Store::shared(crate::core::Millis(js_sys::Date::now() as u64)).await;
    if let (Some(why), Some(_)) = (store.warning(), file_key) {
        warn(
            job.io.on_event(),
            Code::StorageUnavailable,
            &format!("{why}; uploads resume only while this page stays open"),
        );
    }
    let mut stored = None;
    if job.validated.config().upload_url.is_none() {
        stored = match (store.get(key).await, file_key) {
            (Some(record), _) => Some(record),
            (None, Some(file_key)) => adopt_unscoped(&store, file_key, key, &job.validated).await,
            (None, None) => None,
        };
    }
    let validated =
        job.validated.clone().with_capabilities(known(&job.validated)).with_session_key(Some(key.to_string()));
    // The core continues `stored` only if it belongs to this endpoint (SessionRecord::belongs_to).
    core::build(validated, stored, timer_now())
}

/// A record stored before sessions were scoped to their endpoint (keyed by the file alone):
/// moved to its scoped key when it was made for this endpoint, else left alone.
async fn adopt_unscoped(store: &Store, file_key: &str, key: &str, v: &Validated) -> Option<core::SessionRecord> {
    let mut record = store.get(file_key).await?;
    if !record.belongs_to(v.config()) {
        return None;
    }
    record.key = key.to_string();
    store.put(&record, None).await;
    store.delete(file_key).await;
    Some(record)
}

/// The app's `fingerprint`, else the file's identity; `None` (with a warning) when the file
/// cannot be read.
async fn session_key(job: &Job, fingerprint: Option<String>) -> Option<String> {
    if fingerprint.is_some() {
        return fingerprint;
    }
    let source = &job.validated.source;
    match identify(job.io.file(), &source.name, &source.mime_type, source.last_modified).await {
        Ok(key) => Some(key),
        Err(_) => {
            warn(
                job.io.on_event(),
                Code::IdentityUnavailable,
                "the file could not be read to identify it; it will not be resumable after a reload",
            );
            None
        }
    }
}

/// Stored sessions, oldest update first: `[{ key, fingerprint, uploadUrl, endpoint, size, name, type,
/// lastModified, metadata, bytesConfirmed, chunkSize, createdAt, updatedAt, expiresAt,
/// fileHandle? }]`.
#[wasm_bindgen(js_name = listSessions, unchecked_return_type = "ListedSession[]")]
pub async fn list_sessions() -> Array {
    let store = Store::shared(crate::core::Millis(js_sys::Date::now() as u64)).await;
    store
        .list_stored()
        .await
        .into_iter()
        .map(|(record, stored)| {
            let handle = Reflect::get(&stored, &"fileHandle".into()).ok().filter(|h| !h.is_undefined());
            stored_to_js(&record, Some(core::file_key(&record.key)), handle.as_ref())
        })
        .collect::<Array>()
}

/// Deletes the stored session `key` (the upload itself stays on the server).
#[wasm_bindgen(js_name = forgetSession)]
pub async fn forget_session(key: String) {
    Store::shared(crate::core::Millis(js_sys::Date::now() as u64)).await.delete(&key).await;
}
