//! Online/offline awareness: `navigator.onLine` and the global `online`/`offline` events.
//!
//! Works in windows and workers alike (both globals are EventTargets with a `navigator`).
//! `OnlineWatch` forwards each change to a callback while it lives and removes its
//! listeners when dropped. It does not decide what being offline means; the core does.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

/// `navigator.onLine`, or `true` where the platform does not say.
pub fn is_online() -> bool {
    let global = js_sys::global();
    Reflect::get(&global, &"navigator".into())
        .ok()
        .and_then(|nav| Reflect::get(&nav, &"onLine".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// Listens for `online` and `offline` on the global object until dropped.
#[must_use = "the listeners are removed as soon as the watch is dropped"]
pub struct OnlineWatch {
    target: Option<EventTarget>,
    online: Closure<dyn FnMut()>,
    offline: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for OnlineWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnlineWatch").finish_non_exhaustive()
    }
}

impl OnlineWatch {
    /// Calls `on_change(online)` on every change while the watch lives.
    pub fn new(on_change: impl Fn(bool) + Clone + 'static) -> OnlineWatch {
        let up = on_change.clone();
        let online = Closure::<dyn FnMut()>::new(move || up(true));
        let offline = Closure::<dyn FnMut()>::new(move || on_change(false));
        let target = js_sys::global().dyn_into::<EventTarget>().ok();
        if let Some(t) = &target {
            let _ = t.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
            let _ = t.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
        }
        OnlineWatch { target, online, offline }
    }
}

impl Drop for OnlineWatch {
    fn drop(&mut self) {
        if let Some(t) = &self.target {
            let _ = t.remove_event_listener_with_callback("online", self.online.as_ref().unchecked_ref());
            let _ = t.remove_event_listener_with_callback("offline", self.offline.as_ref().unchecked_ref());
        }
    }
}
