//! A recording's buffer as the TypeScript layer hands it over (`options.recording`): an
//! object with `body(start, end)`, resolving to a Blob of those bytes made from the buffered
//! pieces, `release(offset)`, saying the server confirmed every byte before `offset`, and
//! `heldFrom()`, the first byte it still holds.
//!
//! What it does: calls those methods and checks what `body` returns. What it does not
//! do: buffer, store or read bytes (the TypeScript buffer does; bytes never enter wasm
//! memory), or decide when to release (the core does, with `Output::Release`).

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::fetch::js_message;
use crate::core::TransportError;

#[wasm_bindgen]
extern "C" {
    /// The buffer's methods as the engine calls them (`EngineRecording` in wire.d.ts); each
    /// throw comes back as an `Err`.
    type Buffer;
    #[wasm_bindgen(method, catch)]
    fn body(this: &Buffer, start: f64, end: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn release(this: &Buffer, offset: f64) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = heldFrom)]
    fn held_from(this: &Buffer) -> Result<f64, JsValue>;
}

/// The TypeScript buffer of one recording.
#[derive(Clone, Debug)]
pub struct LiveSource(JsValue);

fn method(obj: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(obj, &JsValue::from_str(name)).ok()?.dyn_into().ok()
}

impl LiveSource {
    /// `value` when it has `body`, `release` and `heldFrom` methods.
    pub fn from_js(value: JsValue) -> Option<LiveSource> {
        ["body", "release", "heldFrom"].iter().all(|m| method(&value, m).is_some()).then_some(LiveSource(value))
    }

    fn buffer(&self) -> &Buffer {
        self.0.unchecked_ref()
    }

    /// Bytes `start..end` of the recording, as one Blob.
    pub async fn body(&self, start: u64, end: u64) -> Result<Blob, TransportError> {
        // For now: the request is sent again later.
        let unavailable =
            |why: String| TransportError::Source(format!("the recording's buffer could not be read: {why}"));
        let returned = self.buffer().body(start as f64, end as f64).map_err(|e| unavailable(js_message(&e)))?;
        let value = JsFuture::from(Promise::resolve(&returned)).await.map_err(|e| {
            // Bytes the buffer no longer has: asking again cannot help.
            let gone =
                Reflect::get(&e, &"code".into()).ok().and_then(|c| c.as_string()).as_deref() == Some("source_failed");
            if gone {
                TransportError::Unreadable(js_message(&e))
            } else {
                unavailable(js_message(&e))
            }
        })?;
        let blob: Blob = value.dyn_into().map_err(|_| unavailable("body() did not give a Blob".into()))?;
        if blob.size() != (end - start) as f64 {
            return Err(unavailable(format!("it holds {} of the {} bytes asked for", blob.size() as u64, end - start)));
        }
        Ok(blob)
    }

    /// The first byte the buffer holds (0 if it cannot say).
    pub fn held_from(&self) -> u64 {
        self.buffer().held_from().map_or(0, |n| n as u64)
    }

    /// The server confirmed every byte before `offset`.
    pub fn release(&self, offset: u64) {
        let _ = self.buffer().release(offset as f64);
    }
}
