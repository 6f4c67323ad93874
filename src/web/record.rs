//! Session records to and from the plain objects stored in IndexedDB.
//!
//! The stored shape is documented in README ("What is stored"); `v` is the schema version.
//! Reading is strict: a malformed record, or one written by a newer schema, is skipped
//! (treated as absent) rather than trusted. Nothing here touches IndexedDB itself.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::session::SCHEMA_VERSION;
use crate::core::{PartRecord, SessionRecord};

/// Largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

fn num(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn to_js(r: &SessionRecord) -> JsValue {
    let obj = Object::new();
    set(&obj, "v", JsValue::from_f64(f64::from(SCHEMA_VERSION)));
    set(&obj, "key", r.key.as_str());
    set(&obj, "uploadUrl", r.upload_url.as_str());
    set(&obj, "endpoint", r.endpoint.as_str());
    set(&obj, "size", num(r.size));
    set(&obj, "name", r.name.as_str());
    set(&obj, "type", r.mime_type.as_str());
    set(&obj, "lastModified", num(r.last_modified));
    let meta = Object::new();
    for (k, v) in &r.metadata {
        set(&meta, k, v.as_str());
    }
    set(&obj, "metadata", meta);
    set(&obj, "bytesConfirmed", num(r.bytes_confirmed));
    set(&obj, "chunkSize", num(r.chunk_size));
    set(&obj, "createdAt", num(r.created_at));
    set(&obj, "updatedAt", num(r.updated_at));
    set(&obj, "expiresAt", r.expires_at.map_or(JsValue::NULL, num));
    if !r.parts.is_empty() {
        let parts = Array::new();
        for p in &r.parts {
            let part = Object::new();
            set(&part, "url", p.url.as_str());
            set(&part, "start", num(p.start));
            set(&part, "end", num(p.end));
            set(&part, "confirmed", num(p.confirmed));
            parts.push(&part);
        }
        set(&obj, "parts", parts);
    }
    if r.recording {
        set(&obj, "recording", true);
    }
    obj.into()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

fn int(obj: &JsValue, key: &str) -> Option<u64> {
    let n = get(obj, key).as_f64()?;
    ((0.0..=MAX_SAFE).contains(&n) && n.fract() == 0.0).then_some(n as u64)
}

pub fn from_js(value: &JsValue) -> Option<SessionRecord> {
    if !value.is_object() || int(value, "v")? > u64::from(SCHEMA_VERSION) {
        return None;
    }
    let mut metadata = Vec::new();
    let meta = get(value, "metadata");
    if let Some(meta) = meta.dyn_ref::<Object>() {
        for entry in Object::entries(meta).iter() {
            let entry: Array = entry.unchecked_into();
            metadata.push((entry.get(0).as_string()?, entry.get(1).as_string()?));
        }
    }
    let expires = get(value, "expiresAt");
    let expires_at = if expires.is_null() || expires.is_undefined() { None } else { Some(int(value, "expiresAt")?) };
    let mut parts = Vec::new();
    if let Some(list) = get(value, "parts").dyn_ref::<Array>() {
        for p in list.iter() {
            parts.push(PartRecord {
                url: string(&p, "url")?,
                start: int(&p, "start")?,
                end: int(&p, "end")?,
                confirmed: int(&p, "confirmed")?,
            });
        }
    }
    Some(SessionRecord {
        key: string(value, "key")?,
        upload_url: string(value, "uploadUrl")?,
        endpoint: string(value, "endpoint")?,
        size: int(value, "size")?,
        name: string(value, "name")?,
        mime_type: string(value, "type")?,
        last_modified: int(value, "lastModified")?,
        metadata,
        bytes_confirmed: int(value, "bytesConfirmed")?,
        chunk_size: int(value, "chunkSize")?,
        created_at: int(value, "createdAt")?,
        updated_at: int(value, "updatedAt")?,
        expires_at,
        parts,
        recording: get(value, "recording").as_bool().unwrap_or(false),
    })
}
