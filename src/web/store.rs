//! The session store: IndexedDB through rexie, or memory when IndexedDB cannot be used.
//!
//! One database (`ferry-upload`, version 1) with one object store (`sessions`, keyed by
//! `key`). Every operation is its own transaction with exactly one request, and nothing else
//! is awaited inside it. If IndexedDB is missing (some private modes and workers), blocked
//! by another tab's old connection, or fails (quota), the store falls back to a map in
//! memory and says so once with a warning; an upload never fails because of storage.
//! Expired records are deleted when the store opens.
//!
//! Upgrade path: a new schema bumps the database version and adds stores in the builder;
//! records carry their own `v` and are converted when read (record.rs).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::future::{select, Either};
use futures::FutureExt;
use gloo_timers::future::TimeoutFuture;
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

use super::record::{from_js, to_js};
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

pub struct Store {
    backend: RefCell<Backend>,
    /// Stored objects (as they would be in IndexedDB) when running in memory.
    memory: RefCell<BTreeMap<String, JsValue>>,
    /// Why the store runs in memory, if it does (reported once to each upload).
    warning: RefCell<Option<String>>,
}

thread_local! {
    static SHARED: RefCell<Option<Rc<Store>>> = const { RefCell::new(None) };
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
        let build = Rexie::builder(name)
            .version(DB_VERSION)
            .add_object_store(ObjectStore::new(STORE).key_path("key"))
            .build()
            .boxed_local();
        let opened = match select(build, TimeoutFuture::new(OPEN_TIMEOUT_MS)).await {
            Either::Left((Ok(db), _)) => Ok(db),
            Either::Left((Err(e), _)) => Err(format!("IndexedDB could not be opened ({})", message(e))),
            Either::Right(_) => Err("IndexedDB did not open in time (blocked by another tab?)".to_string()),
        };
        let store = match opened {
            Ok(db) => Store {
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
        Store { backend: RefCell::new(Backend::Memory), memory: Default::default(), warning: RefCell::new(Some(why)) }
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
        let Some(db) = self.db() else { return memory() };
        let result = async {
            let tx = db.transaction(&[STORE], TransactionMode::ReadOnly)?;
            let value = tx.store(STORE)?.get(JsValue::from_str(key)).await?;
            tx.done().await?;
            Ok::<_, rexie::Error>(value)
        }
        .await;
        match result {
            Ok(value) => value.as_ref().and_then(from_js),
            Err(e) => {
                self.degrade(format!("reading IndexedDB failed ({})", message(e)));
                memory()
            }
        }
    }

    /// Writes `record` (with the app's `FileSystemFileHandle`, if any, which IndexedDB can
    /// store); on failure (quota, ...) keeps it in memory and returns the reason.
    pub async fn put(&self, record: &SessionRecord, handle: Option<&JsValue>) -> Result<(), String> {
        let value = to_js(record);
        if let Some(h) = handle {
            let _ = js_sys::Reflect::set(&value, &"fileHandle".into(), h);
        }
        let Some(db) = self.db() else {
            self.memory.borrow_mut().insert(record.key.clone(), value);
            return Ok(());
        };
        let result = async {
            let tx = db.transaction(&[STORE], TransactionMode::ReadWrite)?;
            tx.store(STORE)?.put(&value, None).await?;
            tx.done().await?;
            Ok::<_, rexie::Error>(())
        }
        .await;
        result.map_err(|e| {
            let why = format!("writing to IndexedDB failed ({}); sessions are kept in memory only", message(e));
            self.degrade(why.clone());
            self.memory.borrow_mut().insert(record.key.clone(), value);
            why
        })
    }

    pub async fn delete(&self, key: &str) {
        self.memory.borrow_mut().remove(key);
        let Some(db) = self.db() else { return };
        let result = async {
            let tx = db.transaction(&[STORE], TransactionMode::ReadWrite)?;
            tx.store(STORE)?.delete(JsValue::from_str(key)).await?;
            tx.done().await?;
            Ok::<_, rexie::Error>(())
        }
        .await;
        if let Err(e) = result {
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
        if let Some(db) = self.db() {
            let result = async {
                let tx = db.transaction(&[STORE], TransactionMode::ReadOnly)?;
                let values = tx.store(STORE)?.get_all(None, None).await?;
                tx.done().await?;
                Ok::<_, rexie::Error>(values)
            }
            .await;
            match result {
                Ok(stored) => values.extend(stored),
                Err(e) => self.degrade(format!("reading IndexedDB failed ({})", message(e))),
            }
        }
        let mut records: Vec<(SessionRecord, JsValue)> =
            values.into_iter().filter_map(|v| from_js(&v).map(|r| (r, v))).collect();
        records.sort_by_key(|(r, _)| r.updated_at);
        records
    }
}
