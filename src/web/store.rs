//! The session store: IndexedDB through rexie, or memory when IndexedDB cannot be used.
//!
//! One database (`ferry-upload`, version 1) with one object store (`sessions`, keyed by
//! `key`). Every operation is its own transaction with exactly one request, and nothing else
//! is awaited inside it; a change is committed as soon as its request is made (`commit()`
//! where the browser has it), so it lands even if the page is frozen right after. If
//! IndexedDB is missing (some private modes and workers), blocked by another tab's old connection, or fails (quota), the store falls back to a map in
//! memory and says so once with a warning; an upload never fails because of storage. A
//! connection the browser closed under the page ("the database connection is closing": site
//! data cleared, the storage process gone) is opened again once before an error counts.
//! Expired records are deleted when the store opens.
//!
//! Upgrade path: a new schema bumps the database version and adds stores in the builder;
//! records carry their own `v` and are converted when read (wire.rs).

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{join, select, Either};
use futures::FutureExt;
use gloo_timers::future::TimeoutFuture;
use js_sys::Reflect;
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

use super::memory::Memory;
use super::wire::{record_from_js as from_js, record_to_js as to_js, stored_to_js};
use crate::core::{Millis, SessionRecord};

pub const DB_NAME: &str = "ferry-upload";
pub const DB_VERSION: u32 = 1;
const STORE: &str = "sessions";
/// An open that takes longer than this is considered blocked.
const OPEN_TIMEOUT_MS: u32 = 3_000;

enum Backend {
    Idb(Rc<Rexie>),
    Memory,
}

/// What became of a write.
#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    Stored,
    /// Stored, but the browser could not store the file handle with it.
    StoredWithoutHandle,
    /// IndexedDB refused it (the reason); kept in memory for this page only.
    InMemory(String),
}

/// Whether `IDBTransaction.prototype.commit` exists (Chromium 76, Firefox 74, Safari 15).
fn can_commit() -> bool {
    let proto = Reflect::get(&js_sys::global(), &"IDBTransaction".into())
        .and_then(|class| Reflect::get(&class, &"prototype".into()));
    proto.is_ok_and(|p| p.is_object() && Reflect::has(&p, &"commit".into()).unwrap_or(false))
}

/// One request to the `sessions` store.
#[derive(Clone, Copy)]
enum Op<'a> {
    Get(&'a str),
    GetAll,
    Put(&'a JsValue),
    Delete(&'a str),
}

/// Performs `op` in its own transaction, nothing else awaited inside it; answers the record
/// read (`undefined` if none), every record (an array) or `undefined`. One function for every
/// operation, so that the transaction's plumbing is in the wasm once. A change is committed at
/// once: the request and `commit()` go out in the same poll. Left to commit on its own, a
/// transaction ends only after its request's success event has run in the page, which never
/// happens in a page frozen for good (the write made on `freeze` or `pagehide`): the record
/// would be lost with the tab.
async fn request(db: &Rexie, op: Op<'_>) -> Result<JsValue, Failed> {
    let read = matches!(op, Op::Get(_) | Op::GetAll);
    let mode = if read { TransactionMode::ReadOnly } else { TransactionMode::ReadWrite };
    let tx = db.transaction(&[STORE], mode).map_err(Failed::Closed)?;
    let store = tx.store(STORE)?;
    let value = async move {
        Ok::<JsValue, rexie::Error>(match op {
            Op::Get(key) => store.get(JsValue::from_str(key)).await?.unwrap_or(JsValue::UNDEFINED),
            Op::GetAll => store.get_all(None, None).await?.into_iter().collect::<js_sys::Array>().into(),
            Op::Put(value) => store.put(value, None).await.map(|_| JsValue::UNDEFINED)?,
            Op::Delete(key) => store.delete(JsValue::from_str(key)).await.map(|()| JsValue::UNDEFINED)?,
        })
    };
    if !read && can_commit() {
        let (value, committed) = join(value, tx.commit()).await;
        committed?;
        Ok(value?)
    } else {
        let value = value.await?;
        tx.done().await?;
        Ok(value)
    }
}

/// Why a request failed: no transaction could be opened on the connection (the browser may
/// have closed it under the page), or anything after that.
enum Failed {
    Closed(rexie::Error),
    Other(rexie::Error),
}

impl From<rexie::Error> for Failed {
    fn from(e: rexie::Error) -> Failed {
        Failed::Other(e)
    }
}

pub struct Store {
    /// The database's name, to open it again.
    name: String,
    backend: RefCell<Backend>,
    /// Stored objects (as they would be in IndexedDB) when running in memory.
    memory: RefCell<Memory>,
    /// Why the store runs in memory, if it does (reported once to each upload).
    warning: RefCell<Option<String>>,
}

thread_local! {
    static SHARED: RefCell<Option<Rc<Store>>> = const { RefCell::new(None) };
}

/// Opens database `name` at our version, or says why it could not.
async fn connect(name: &str) -> Result<Rexie, String> {
    let build = Rexie::builder(name)
        .version(DB_VERSION)
        .add_object_store(ObjectStore::new(STORE).key_path("key"))
        .build()
        .boxed_local();
    match select(build, TimeoutFuture::new(OPEN_TIMEOUT_MS)).await {
        Either::Left((Ok(db), _)) => Ok(db),
        Either::Left((Err(e), _)) => Err(format!("IndexedDB could not be opened ({})", message(e))),
        Either::Right(_) => Err("IndexedDB did not open in time (blocked by another tab?)".to_string()),
    }
}

/// A short description of a storage error. Only the variant's name: formatting the whole
/// error (Debug) would pull every idb error name into the wasm.
fn message(err: rexie::Error) -> &'static str {
    match err {
        rexie::Error::IdbError(_) => "IndexedDB error",
        _ => "transaction error",
    }
}

impl Store {
    /// The page's (or worker's) store, opened on first use.
    pub async fn shared(now: Millis) -> Rc<Store> {
        if let Some(store) = SHARED.with(|s| s.borrow().clone()) {
            return store;
        }
        let store = Rc::new(Store::open(DB_NAME, now).await);
        SHARED.with(|s| s.borrow_mut().get_or_insert_with(|| Rc::clone(&store)).clone())
    }

    /// Opens database `name`, falling back to memory; deletes expired records.
    pub async fn open(name: &str, now: Millis) -> Store {
        let store = match connect(name).await {
            Ok(db) => Store {
                name: name.to_string(),
                backend: RefCell::new(Backend::Idb(Rc::new(db))),
                memory: Default::default(),
                warning: Default::default(),
            },
            Err(why) => Store::in_memory(why),
        };
        for record in store.list().await {
            if record.is_expired(now) {
                store.delete(&record.key).await;
            }
        }
        store
    }

    pub fn in_memory(why: String) -> Store {
        Store {
            name: String::new(),
            backend: RefCell::new(Backend::Memory),
            memory: Default::default(),
            warning: RefCell::new(Some(why)),
        }
    }

    /// `op` on the database (`None` when running in memory). When no transaction can be
    /// opened (the browser closed the connection under the page), it is tried once more on a
    /// new connection.
    async fn run(&self, op: Op<'_>) -> Option<Result<JsValue, rexie::Error>> {
        let db = self.db()?;
        let e = match request(&db, op).await {
            Ok(value) => return Some(Ok(value)),
            Err(Failed::Other(e)) => return Some(Err(e)),
            Err(Failed::Closed(e)) => e,
        };
        let Ok(fresh) = connect(&self.name).await else { return Some(Err(e)) };
        let fresh = Rc::new(fresh);
        *self.backend.borrow_mut() = Backend::Idb(Rc::clone(&fresh));
        Some(request(&fresh, op).await.map_err(|(Failed::Closed(e) | Failed::Other(e))| e))
    }

    /// Why sessions are kept in memory only, if they are.
    pub fn warning(&self) -> Option<String> {
        self.warning.borrow().clone()
    }

    fn degrade(&self, why: String) {
        *self.backend.borrow_mut() = Backend::Memory;
        self.warning.borrow_mut().get_or_insert(why);
    }

    fn db(&self) -> Option<Rc<Rexie>> {
        match &*self.backend.borrow() {
            Backend::Idb(db) => Some(Rc::clone(db)),
            Backend::Memory => None,
        }
    }

    pub async fn get(&self, key: &str) -> Option<SessionRecord> {
        let memory = || self.memory.borrow().get(key).and_then(from_js);
        // A record whose last write failed lives in memory, newer than any stored copy.
        if let Some(r) = memory() {
            return Some(r);
        }
        match self.run(Op::Get(key)).await? {
            Ok(value) => from_js(&value),
            Err(e) => {
                self.degrade(format!("reading IndexedDB failed ({})", message(e)));
                memory()
            }
        }
    }

    /// Writes `record` with the app's `FileSystemFileHandle`, if any. A handle the browser
    /// cannot store (WebKit, or an object that is not a real handle) is dropped and the
    /// record written without it. A write that still fails (quota, ...) keeps this record in
    /// memory; IndexedDB stays in use for the others.
    pub async fn put(&self, record: &SessionRecord, handle: Option<&JsValue>) -> Put {
        let value = to_js(record);
        if self.db().is_none() {
            self.memory.borrow_mut().insert(record.key.clone(), stored_to_js(record, None, handle));
            return Put::Stored;
        }
        if let Some(h) = handle {
            if let Some(Ok(_)) = self.run(Op::Put(&stored_to_js(record, None, Some(h)))).await {
                self.memory.borrow_mut().remove(&record.key);
                return Put::Stored;
            }
        }
        match self.run(Op::Put(&value)).await.unwrap_or(Ok(JsValue::UNDEFINED)) {
            Ok(_) => {
                self.memory.borrow_mut().remove(&record.key);
                if handle.is_some() {
                    Put::StoredWithoutHandle
                } else {
                    Put::Stored
                }
            }
            Err(e) => {
                self.memory.borrow_mut().insert(record.key.clone(), value);
                Put::InMemory(format!(
                    "writing to IndexedDB failed ({}); this upload's session is kept in memory only",
                    message(e)
                ))
            }
        }
    }

    /// Deletes the record `key` (from memory and from IndexedDB).
    pub async fn delete(&self, key: &str) {
        self.memory.borrow_mut().remove(key);
        if let Some(Err(e)) = self.run(Op::Delete(key)).await {
            self.degrade(format!("deleting from IndexedDB failed ({})", message(e)));
        }
    }

    /// Every readable record, oldest update first.
    pub async fn list(&self) -> Vec<SessionRecord> {
        self.list_stored().await.into_iter().map(|(r, _)| r).collect()
    }

    /// Every readable record with the object as stored (which may hold a `fileHandle`).
    pub async fn list_stored(&self) -> Vec<(SessionRecord, JsValue)> {
        let mut values: Vec<JsValue> = self.memory.borrow().values().cloned().collect();
        match self.run(Op::GetAll).await {
            Some(Ok(stored)) => values.extend(js_sys::Array::from(&stored).iter()),
            Some(Err(e)) => self.degrade(format!("reading IndexedDB failed ({})", message(e))),
            None => {}
        }
        let mut records: Vec<(SessionRecord, JsValue)> = Vec::new();
        // Memory copies come first and win over stored copies of the same key.
        for (r, v) in values.into_iter().filter_map(|v| from_js(&v).map(|r| (r, v))) {
            if !records.iter().any(|(seen, _)| seen.key == r.key) {
                records.push((r, v));
            }
        }
        // Oldest first.
        crate::core::order::sort_by_key(&mut records, |(r, _)| r.updated_at);
        records
    }
}
