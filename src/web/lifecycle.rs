//! Page lifecycle awareness: `freeze` and `resume`, `pagehide` and `pageshow`,
//! `visibilitychange`, turned into [`Lifecycle`] inputs for the driver.
//!
//! `LifecycleWatch` listens while it lives and removes its listeners when dropped (like
//! online.rs's watch). In a page: `resume` (the page was frozen) and `pageshow` with
//! `persisted` (back from the back/forward cache) are gaps; `visibilitychange` to visible is
//! passed on for the driver to check its clocks; `freeze` and `pagehide` ask for the session
//! record to be written at once. In a Worker there is no document and no page events: the
//! watch listens to nothing, and the driver's clocks (a timer overdue, the wall clock
//! outrunning the timer clock) and `online` notice gaps there. It decides nothing itself.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

use crate::driver::Lifecycle;

type Listener = Closure<dyn FnMut(JsValue)>;

/// Listens for the page's lifecycle events until dropped.
#[must_use = "the listeners are removed as soon as the watch is dropped"]
pub struct LifecycleWatch {
    listeners: Vec<(EventTarget, &'static str, Listener)>,
}

impl std::fmt::Debug for LifecycleWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LifecycleWatch").field("listeners", &self.listeners.len()).finish()
    }
}

/// Reads `name` of `obj` as a JS value (undefined when absent).
fn get(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

impl LifecycleWatch {
    /// Calls `on_event` for every lifecycle event while the watch lives.
    pub fn new(on_event: impl Fn(Lifecycle) + Clone + 'static) -> LifecycleWatch {
        let mut watch = LifecycleWatch { listeners: Vec::new() };
        let global = js_sys::global();
        let document = get(&global, "document");
        // A Worker has no document: nothing to listen to.
        let (Ok(window), Ok(doc)) = (global.dyn_into::<EventTarget>(), document.clone().dyn_into::<EventTarget>())
        else {
            return watch;
        };
        let on = on_event.clone();
        watch.listen(&doc, "resume", move |_| on(Lifecycle::Resumed));
        let on = on_event.clone();
        watch.listen(&doc, "freeze", move |_| on(Lifecycle::Suspending));
        let on = on_event.clone();
        watch.listen(&doc, "visibilitychange", move |_| {
            if get(&document, "visibilityState").as_string().as_deref() == Some("visible") {
                on(Lifecycle::Visible);
            }
        });
        let on = on_event.clone();
        watch.listen(&window, "pagehide", move |_| on(Lifecycle::Suspending));
        watch.listen(&window, "pageshow", move |event| {
            if get(&event, "persisted").as_bool() == Some(true) {
                on_event(Lifecycle::Restored);
            }
        });
        watch
    }

    fn listen(&mut self, target: &EventTarget, name: &'static str, f: impl FnMut(JsValue) + 'static) {
        let listener: Listener = Closure::new(f);
        if target.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref()).is_ok() {
            self.listeners.push((target.clone(), name, listener));
        }
    }
}

impl Drop for LifecycleWatch {
    fn drop(&mut self) {
        for (target, name, listener) in &self.listeners {
            let _ = target.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}
