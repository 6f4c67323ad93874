//! Core values to plain JavaScript objects (events and errors).
//!
//! Numbers cross as f64 (exact for every size below 2^53 bytes, 8 PiB); no float is ever
//! formatted in Rust. The TypeScript layer turns error objects into `FerryError`.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use crate::core::{Error, Event};

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Reflect::set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

fn num(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// `{ kind, code, status?, message }`
pub fn error_to_js(err: &Error) -> JsValue {
    let obj = Object::new();
    set(&obj, "kind", err.kind.as_str());
    set(&obj, "code", err.code.as_str());
    if let Some(status) = err.status {
        set(&obj, "status", JsValue::from_f64(f64::from(status)));
    }
    set(&obj, "message", err.message.as_str());
    obj.into()
}

/// `{ type: 'state' | 'progress' | 'reconnecting' | 'created' | 'restarted' | 'completed' | 'failed', ... }`
pub fn event_to_js(event: &Event) -> JsValue {
    let obj = Object::new();
    match event {
        Event::State(state) => {
            set(&obj, "type", "state");
            set(&obj, "state", state.as_str());
        }
        Event::Progress { confirmed, total, bytes_per_sec, eta_secs } => {
            set(&obj, "type", "progress");
            set(&obj, "bytesConfirmed", num(*confirmed));
            set(&obj, "bytesTotal", total.map_or(JsValue::NULL, num));
            set(&obj, "bytesPerSecond", num(*bytes_per_sec));
            set(&obj, "etaSeconds", eta_secs.map_or(JsValue::NULL, num));
        }
        Event::Created { url } => {
            set(&obj, "type", "created");
            set(&obj, "url", url.as_str());
        }
        Event::Reconnecting { attempt, delay_ms, reason } => {
            set(&obj, "type", "reconnecting");
            set(&obj, "attempt", JsValue::from_f64(f64::from(*attempt)));
            set(&obj, "retryIn", num(*delay_ms));
            set(&obj, "reason", error_to_js(reason));
        }
        Event::Restarted { reason } => {
            set(&obj, "type", "restarted");
            set(&obj, "reason", error_to_js(reason));
        }
        Event::Completed { url, total } => {
            set(&obj, "type", "completed");
            set(&obj, "url", url.as_str());
            set(&obj, "bytesTotal", num(*total));
        }
        Event::Warning { code, message } => {
            set(&obj, "type", "warning");
            set(&obj, "code", code.as_str());
            set(&obj, "message", message.as_str());
        }
        Event::Failed(error) => {
            set(&obj, "type", "failed");
            set(&obj, "error", error_to_js(error));
        }
    }
    obj.into()
}
