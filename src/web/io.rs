//! `WebIo`: the driver's window onto the browser for one upload.
//!
//! Holds the file, the app's header callback and the app's event sink. Stateless beyond
//! that: every request is independent, every timer is a fresh gloo-timers future.

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use gloo_timers::future::TimeoutFuture;
use js_sys::Function;
use wasm_bindgen::JsValue;
use web_sys::Blob;

use super::convert::event_to_js;
use super::fetch::perform;
use crate::core::{Event, Millis, Request, Response, TransportError};
use crate::driver::Io;

pub struct WebIo {
    pub file: Blob,
    pub headers: Option<Function>,
    pub on_event: Function,
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
        for event in &events {
            // An exception in an app listener must not stop the upload.
            let _ = self.on_event.call1(&JsValue::NULL, &event_to_js(event));
        }
    }
}
