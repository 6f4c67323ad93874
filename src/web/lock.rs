//! One writer per upload across tabs and workers: a Web Locks lock per file identity.
//!
//! `acquire` asks `navigator.locks` for an exclusive lock named `ferry-upload:<key>`, either
//! only if it is free (`wait = false`) or waiting for it. The lock is held until the returned
//! guard is dropped. Where Web Locks do not exist, every acquire succeeds with an empty
//! guard (nothing to coordinate with). [`RunLock`] is where a run keeps its guard: the
//! engine takes it before sending bytes, and after every drain the driver hands the
//! machine's state to [`RunLock::follow`], which gives the lock back once the machine rests
//! (paused, failed, aborted; completed: at the end of the run); a run that rested and finds
//! the lock taken when it continues is told so through [`RunLock::ask_wait`].
//! [`others_waiting`] says whether another tab waits for it. This module does not decide
//! what to do when busy.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::State;

/// Releases the lock when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard {
    release: Option<Function>,
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockGuard").field("web_locks", &self.release.is_some()).finish()
    }
}

/// The Web Lock of one upload's runs, shared by the engine and the I/O adapter.
#[derive(Clone, Debug, Default)]
pub struct RunLock {
    guard: Rc<RefCell<Option<LockGuard>>>,
    /// A request for the lock is under way.
    waiting: Rc<Cell<bool>>,
    /// Where the running run listens for [`RunLock::ask_wait`].
    listener: Rc<RefCell<Option<oneshot::Sender<()>>>>,
}

impl RunLock {
    /// Whether this run holds the lock.
    pub fn is_held(&self) -> bool {
        self.guard.borrow().is_some()
    }

    /// Marks that a request for the lock is under way; `false` if one already is (a second
    /// `start()` while waiting must not queue a second request).
    pub fn begin_wait(&self) -> bool {
        !self.waiting.replace(true)
    }

    /// The request for the lock has been answered.
    pub fn end_wait(&self) {
        self.waiting.set(false);
    }

    /// Resolves when [`RunLock::ask_wait`] is called: the running run waits for the lock then
    /// (one listener at a time; a new one replaces the last).
    pub fn listen(&self) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        *self.listener.borrow_mut() = Some(tx);
        rx
    }

    /// Asks the running run to wait for the lock (another tab holds it); `false` if no run
    /// listens.
    pub fn ask_wait(&self) -> bool {
        let listener = self.listener.borrow_mut().take();
        listener.is_some_and(|tx| tx.send(()).is_ok())
    }

    /// Keeps `guard` until the machine rests or the run ends.
    pub fn hold(&self, guard: LockGuard) {
        *self.guard.borrow_mut() = Some(guard);
    }

    /// Gives the lock back (another tab may take the file).
    pub fn release(&self) {
        // Drop the guard only after the borrow ends: its release calls into JavaScript.
        let guard = self.guard.borrow_mut().take();
        drop(guard);
    }

    /// The machine's state after a drain: a machine that rests gives the lock back. A
    /// completed one keeps it until its run ends, after its last store write (the engine
    /// releases it then), so that a tab waiting for the file reads what that write left.
    pub fn follow(&self, state: State) {
        if matches!(state, State::Paused | State::Failed | State::Aborted) {
            self.release();
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`, as far as it is used here; each throw comes back as an `Err`.
    type LockManager;
    #[wasm_bindgen(method, catch)]
    fn query(this: &LockManager) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn request(this: &LockManager, name: &str, options: &Object, callback: &JsValue) -> Result<JsValue, JsValue>;
}

fn locks() -> Option<LockManager> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then(|| locks.unchecked_into())
}

fn lock_name(key: &str) -> String {
    format!("ferry-upload:{key}")
}

/// Whether another tab or worker waits for `key`'s lock (asked while this one holds it).
pub async fn others_waiting(key: &str) -> bool {
    let Some(locks) = locks() else { return false };
    let Ok(promise) = locks.query().and_then(|p| p.dyn_into::<Promise>()) else { return false };
    let Ok(state) = wasm_bindgen_futures::JsFuture::from(promise).await else { return false };
    let name = lock_name(key);
    let pending = Reflect::get(&state, &"pending".into()).unwrap_or(JsValue::UNDEFINED);
    js_sys::Array::from(&pending)
        .iter()
        .any(|l| Reflect::get(&l, &"name".into()).ok().and_then(|n| n.as_string()) == Some(name.clone()))
}

/// `Ok(Some(guard))` when held, `Ok(None)` when busy (only with `wait = false`).
pub async fn acquire(key: &str, wait: bool) -> Result<Option<LockGuard>, JsValue> {
    let Some(locks) = locks() else { return Ok(Some(LockGuard { release: None })) };
    let release: Rc<RefCell<Option<Function>>> = Rc::default();
    let slot = Rc::clone(&release);
    let hold = Promise::new(&mut |resolve, _reject| *slot.borrow_mut() = Some(resolve));
    let (tx, rx) = oneshot::channel::<bool>();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let granted = !lock.is_null() && !lock.is_undefined();
        let _ = tx.send(granted);
        if granted {
            hold.into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let options = Object::new();
    Reflect::set(&options, &"ifAvailable".into(), &JsValue::from_bool(!wait))?;
    let _ = locks.request(&lock_name(key), &options, &callback)?;
    let granted = rx.await.unwrap_or(false);
    let release = release.borrow_mut().take();
    Ok(granted.then_some(LockGuard { release }))
}
