//! A recording's buffer as the TypeScript layer hands it over (`options.recording`): an
//! object with `body(start, end)`, resolving to a Blob of those bytes made from the buffered
//! pieces, and `release(offset)`, saying the server confirmed every byte before `offset`.
//!
//! What it does: calls those two methods and checks what `body` returns. What it does not
//! do: buffer, store or read bytes (the TypeScript buffer does; bytes never enter wasm
//! memory), or decide when to release (the core does, with `Output::Release`).

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::fetch::js_message;
use crate::core::TransportError;

/// The TypeScript buffer of one recording.
#[derive(Clone, Debug)]
pub struct LiveSource(JsValue);

fn method(obj: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(obj, &JsValue::from_str(name)).ok()?.dyn_into().ok()
}

impl LiveSource {
    /// `value` when it has `body` and `release` methods.
    pub fn from_js(value: JsValue) -> Option<LiveSource> {
        (method(&value, "body").is_some() && method(&value, "release").is_some()).then_some(LiveSource(value))
    }

    /// Bytes `start..end` of the recording, as one Blob.
    pub async fn body(&self, start: u64, end: u64) -> Result<Blob, TransportError> {
        let unreadable =
            |why: String| TransportError::Network(format!("the recording's buffer could not be read: {why}"));
        let body = method(&self.0, "body").ok_or_else(|| unreadable("it has no body()".into()))?;
        let returned = body
            .call2(&self.0, &JsValue::from_f64(start as f64), &JsValue::from_f64(end as f64))
            .map_err(|e| unreadable(js_message(&e)))?;
        let value = JsFuture::from(Promise::resolve(&returned)).await.map_err(|e| unreadable(js_message(&e)))?;
        let blob: Blob = value.dyn_into().map_err(|_| unreadable("body() did not give a Blob".into()))?;
        if blob.size() != (end - start) as f64 {
            return Err(unreadable(format!("it holds {} of the {} bytes asked for", blob.size() as u64, end - start)));
        }
        Ok(blob)
    }

    /// The server confirmed every byte before `offset`.
    pub fn release(&self, offset: u64) {
        if let Some(release) = method(&self.0, "release") {
            let _ = release.call1(&self.0, &JsValue::from_f64(offset as f64));
        }
    }
}
