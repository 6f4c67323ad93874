//! What crosses to JavaScript as data, in one place: events, errors, run results and session
//! records, through serde derives and `serde_wasm_bindgen`.
//!
//! The shapes here are the wire: what the TypeScript layer reads (`js/src/engine.ts` mirrors
//! them as a discriminated union) and what IndexedDB stores (README, "What is stored").
//! Numbers cross as JS numbers (exact below 2^53); no float is ever formatted in Rust.
//! `None` crosses as `null`, maps as plain objects.
//!
//! Reading a record is strict: a record that is malformed (a wrong type, a negative or
//! fractional number, a missing field) or written by a newer schema is `None`, skipped
//! rather than trusted. Nothing here panics on any JS value. It does not read the app's
//! options (bindings/options.rs) or touch IndexedDB itself (store.rs).

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_wasm_bindgen::Serializer as JsSerializer;
use wasm_bindgen::prelude::*;

use crate::core::session::SCHEMA_VERSION;
use crate::core::{Code, Error, Event, PartRecord, SessionRecord};

/// The TypeScript declarations of these shapes (wire.d.ts), pasted into the generated
/// `ferry_upload.d.ts`.
#[wasm_bindgen(typescript_custom_section)]
const WIRE_TS: &str = include_str!("wire.d.ts");

/// `None` as `null`, maps as plain objects: the shapes JS code and IndexedDB expect.
const SERIALIZER: JsSerializer = JsSerializer::new().serialize_missing_as_null(true).serialize_maps_as_objects(true);

/// `value` as a JS value. Our shapes always serialize (strings, integers below 2^53, objects);
/// `undefined` otherwise.
fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value.serialize(&SERIALIZER).unwrap_or(JsValue::UNDEFINED)
}

/// `{ kind, code, status?, message }`
#[derive(Serialize)]
struct WireError<'a> {
    kind: &'static str,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    message: &'a str,
}

impl<'a> From<&'a Error> for WireError<'a> {
    fn from(e: &'a Error) -> Self {
        WireError { kind: e.kind.as_str(), code: e.code.as_str(), status: e.status, message: &e.message }
    }
}

/// An engine event, `{ type, ... }`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
enum WireEvent<'a> {
    State { state: &'static str },
    Progress { bytes_confirmed: u64, bytes_total: Option<u64>, bytes_per_second: u64, eta_seconds: Option<u64> },
    Created { url: &'a str },
    Reconnecting { attempt: u32, retry_in: u64, reason: WireError<'a> },
    Restarted { reason: WireError<'a> },
    Completed { url: &'a str, bytes_total: u64 },
    Warning { code: &'static str, message: &'a str },
    Failed { error: WireError<'a> },
}

impl<'a> From<&'a Event> for WireEvent<'a> {
    fn from(event: &'a Event) -> Self {
        match event {
            Event::State(state) => WireEvent::State { state: state.as_str() },
            Event::Progress { confirmed, total, bytes_per_sec, eta_secs } => WireEvent::Progress {
                bytes_confirmed: *confirmed,
                bytes_total: *total,
                bytes_per_second: *bytes_per_sec,
                eta_seconds: *eta_secs,
            },
            Event::Created { url } => WireEvent::Created { url },
            Event::Reconnecting { attempt, delay_ms, reason } => {
                WireEvent::Reconnecting { attempt: *attempt, retry_in: *delay_ms, reason: reason.into() }
            }
            Event::Restarted { reason } => WireEvent::Restarted { reason: reason.into() },
            Event::Completed { url, total } => WireEvent::Completed { url, bytes_total: *total },
            Event::Warning { code, message } => WireEvent::Warning { code: code.as_str(), message },
            Event::Failed(error) => WireEvent::Failed { error: error.into() },
        }
    }
}

/// `{ kind, code, status?, message }`: what the engine throws and rejects with.
pub fn error_to_js(err: &Error) -> JsValue {
    to_js(&WireError::from(err))
}

/// The engine event for `event`.
pub fn event_to_js(event: &Event) -> JsValue {
    to_js(&WireEvent::from(event))
}

/// `{ type: 'warning', code, message }`
pub fn warning_to_js(code: Code, message: &str) -> JsValue {
    to_js(&WireEvent::Warning { code: code.as_str(), message })
}

/// What the app's `headers` function is called with: `{ method, url, refused }`.
pub fn header_context_to_js(method: &'static str, url: &str, refused: bool) -> JsValue {
    #[derive(Serialize)]
    struct HeaderContext<'a> {
        method: &'static str,
        url: &'a str,
        refused: bool,
    }
    to_js(&HeaderContext { method, url, refused })
}

/// What a finished run resolves with: `{ uploadUrl, bytesTotal }`.
pub fn result_to_js(upload_url: &str, bytes_total: u64) -> JsValue {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct RunResult<'a> {
        upload_url: &'a str,
        bytes_total: u64,
    }
    to_js(&RunResult { upload_url, bytes_total })
}

/// A session record as stored: README's "What is stored"; `v` is the schema version.
/// Written from borrowed fields ([`RecordOut`]), read into owned ones; the two lists are the
/// same, in the same order (the round-trip test in tests/browser/sessions.rs holds them so).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRecord {
    v: u32,
    key: String,
    upload_url: String,
    endpoint: String,
    size: u64,
    name: String,
    #[serde(rename = "type")]
    mime_type: String,
    last_modified: u64,
    #[serde(deserialize_with = "pairs_in")]
    metadata: Vec<(String, String)>,
    bytes_confirmed: u64,
    chunk_size: u64,
    created_at: u64,
    updated_at: u64,
    expires_at: Option<u64>,
    #[serde(default)]
    parts: Vec<StoredPart>,
    /// A recording's session: `true`, or absent.
    #[serde(default)]
    recording: bool,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// [`StoredRecord`] as written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordOut<'a> {
    v: u32,
    key: &'a str,
    upload_url: &'a str,
    endpoint: &'a str,
    size: u64,
    name: &'a str,
    #[serde(rename = "type")]
    mime_type: &'a str,
    last_modified: u64,
    #[serde(serialize_with = "pairs_out")]
    metadata: &'a [(String, String)],
    bytes_confirmed: u64,
    chunk_size: u64,
    created_at: u64,
    updated_at: u64,
    expires_at: Option<u64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty", serialize_with = "parts_out")]
    parts: &'a [PartRecord],
    #[serde(skip_serializing_if = "is_false")]
    recording: bool,
    /// Listed sessions only: the file's key within `key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    /// The app's `FileSystemFileHandle`, stored as it is (a structured clone).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "handle_out")]
    file_handle: Option<&'a JsValue>,
}

/// The file handle, as the same JS object.
fn handle_out<S: Serializer>(handle: &Option<&JsValue>, s: S) -> Result<S::Ok, S::Error> {
    match handle {
        Some(h) => serde_wasm_bindgen::preserve::serialize(*h, s),
        None => s.serialize_none(),
    }
}

/// One partial upload of a parallel upload: `{ url, start, end, confirmed }`.
#[derive(Deserialize)]
struct StoredPart {
    url: String,
    start: u64,
    end: u64,
    confirmed: u64,
}

/// Parts as written: [`StoredPart`]'s fields, borrowed.
fn parts_out<S: Serializer>(parts: &[PartRecord], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Part<'a> {
        url: &'a str,
        start: u64,
        end: u64,
        confirmed: u64,
    }
    s.collect_seq(parts.iter().map(|p| Part { url: &p.url, start: p.start, end: p.end, confirmed: p.confirmed }))
}

/// Metadata pairs as a plain object, in their order.
fn pairs_out<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// A plain object of string values, in its order (no map type: a page holds a few pairs).
fn pairs_in<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of string values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::new();
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            Ok(pairs)
        }
    }
    d.deserialize_map(Pairs)
}

/// A plain object of string values (or a `Map` of strings), in its order: `metadata`.
#[derive(Debug, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        pairs_in(d).map(Pairs)
    }
}

/// The stored object for `r`.
pub fn record_to_js(r: &SessionRecord) -> JsValue {
    stored_to_js(r, None, None)
}

/// The object for `r` with the app's file handle, if any (what is stored), and its
/// fingerprint (what `listSessions()` adds).
pub fn stored_to_js(r: &SessionRecord, fingerprint: Option<&str>, file_handle: Option<&JsValue>) -> JsValue {
    to_js(&RecordOut {
        v: SCHEMA_VERSION,
        key: &r.key,
        upload_url: &r.upload_url,
        endpoint: &r.endpoint,
        size: r.size,
        name: &r.name,
        mime_type: &r.mime_type,
        last_modified: r.last_modified,
        metadata: &r.metadata,
        bytes_confirmed: r.bytes_confirmed,
        chunk_size: r.chunk_size,
        created_at: r.created_at,
        updated_at: r.updated_at,
        expires_at: r.expires_at,
        parts: &r.parts,
        recording: r.recording,
        fingerprint,
        file_handle,
    })
}

/// The record in a stored object; `None` if it is malformed or from a newer schema.
pub fn record_from_js(value: &JsValue) -> Option<SessionRecord> {
    let s: StoredRecord = serde_wasm_bindgen::from_value(value.clone()).ok()?;
    if s.v > SCHEMA_VERSION {
        return None;
    }
    let parts = s
        .parts
        .into_iter()
        .map(|p| PartRecord { url: p.url, start: p.start, end: p.end, confirmed: p.confirmed })
        .collect();
    Some(SessionRecord {
        key: s.key,
        upload_url: s.upload_url,
        endpoint: s.endpoint,
        size: s.size,
        name: s.name,
        mime_type: s.mime_type,
        last_modified: s.last_modified,
        metadata: s.metadata,
        bytes_confirmed: s.bytes_confirmed,
        chunk_size: s.chunk_size,
        created_at: s.created_at,
        updated_at: s.updated_at,
        expires_at: s.expires_at,
        parts,
        recording: s.recording,
    })
}
