//! Reading the options object handed over by the TypeScript layer.
//!
//! Every value is read with serde-wasm-bindgen, one option at a time, so that a wrong type or
//! an out-of-range number becomes a `usage` error naming the option (a numeric option must be
//! a safe non-negative integer). Reading the whole object with one serde derive would cost
//! about the same bytes but could not say which option was wrong. Nothing here panics on any
//! JS value. What the options mean is the core's (`Config`); this file only reads them.

use js_sys::{Function, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use crate::core::{Code, Config, Error, RetryPolicy, SourceInfo};
use crate::web::{LiveSource, Pairs};

pub struct Parsed {
    pub config: Config,
    pub source: SourceInfo,
    pub file: Blob,
    pub headers: Option<Function>,
    /// Look for a stored session and keep one (`resume`, default true).
    pub resume: bool,
    /// The app's own session key (`fingerprint`), instead of the computed file identity.
    pub fingerprint: Option<String>,
    /// Wait for another tab's lock (`onLocked: 'wait'`, the default) or fail at once.
    pub wait_for_lock: bool,
    /// A `FileSystemFileHandle` for the file, stored with the session (`fileHandle`).
    pub file_handle: Option<JsValue>,
    /// A recording's buffer (`recording: { name, type, body, release }`), instead of a file.
    pub recording: Option<LiveSource>,
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn bad(option: &str, expected: &str) -> Error {
    Error::usage(Code::InvalidOption, format!("option `{option}` must be {expected}"))
}

/// The option `key` through serde-wasm-bindgen: `None` when absent (undefined or null), a
/// `usage` error naming it when it has the wrong type (a number must be a safe integer, and
/// non-negative for `u64`).
fn field<T: DeserializeOwned>(obj: &JsValue, key: &str, expected: &str) -> Result<Option<T>, Error> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(v).map(Some).map_err(|_| bad(key, expected))
}

fn opt_bool(obj: &JsValue, key: &str) -> Result<Option<bool>, Error> {
    field(obj, key, "true or false")
}

fn opt_string(obj: &JsValue, key: &str) -> Result<Option<String>, Error> {
    field(obj, key, "a string")
}

/// A non-negative integer number (below 2^53).
fn opt_u64(obj: &JsValue, key: &str) -> Result<Option<u64>, Error> {
    field(obj, key, "a non-negative integer")
}

/// `metadata`: a plain object of string values, in its order.
fn metadata(obj: &JsValue) -> Result<Vec<(String, String)>, Error> {
    Ok(field::<Pairs>(obj, "metadata", "an object of string values")?.map(|p| p.0).unwrap_or_default())
}

/// `allowedOrigins: string[]`: origins besides the endpoint's that requests may go to (the
/// core checks that each is an origin).
fn allowed_origins(obj: &JsValue) -> Result<Vec<String>, Error> {
    let expected = "an array of origins (\"https://host[:port]\")";
    let v = get(obj, "allowedOrigins");
    // A string is iterable too: only an array is a list here.
    if !(v.is_undefined() || v.is_null() || js_sys::Array::is_array(&v)) {
        return Err(bad("allowedOrigins", expected));
    }
    Ok(field(obj, "allowedOrigins", expected)?.unwrap_or_default())
}

/// `retry: { baseDelay?, maxDelay?, budget? }` in milliseconds; `budget` may be `Infinity`.
fn retry(obj: &JsValue, policy: &mut RetryPolicy) -> Result<(), Error> {
    let v = get(obj, "retry");
    if v.is_undefined() || v.is_null() {
        return Ok(());
    }
    if !v.is_object() {
        return Err(bad("retry", "an object { baseDelay, maxDelay, budget }"));
    }
    if let Some(base) = opt_u64(&v, "baseDelay").map_err(|_| bad("retry.baseDelay", "a non-negative integer"))? {
        policy.base_ms = base;
    }
    if let Some(cap) = opt_u64(&v, "maxDelay").map_err(|_| bad("retry.maxDelay", "a non-negative integer"))? {
        policy.cap_ms = cap;
    }
    let budget = get(&v, "budget");
    if budget.as_f64() == Some(f64::INFINITY) {
        policy.budget_ms = u64::MAX;
    } else if let Some(b) =
        opt_u64(&v, "budget").map_err(|_| bad("retry.budget", "a non-negative integer or Infinity"))?
    {
        policy.budget_ms = b;
    }
    Ok(())
}

/// `{ endpoint, file | recording, chunkSize?, metadata?, uploadUrl?, headers?, progressInterval?,
/// retry?, stallTimeout?, idempotencyKey?, resume?, fingerprint?, keepSession?, onLocked?,
/// minChunkSize?, maxChunkSize?, allowedOrigins? }`
pub fn parse(options: &JsValue) -> Result<Parsed, Error> {
    if !options.is_object() {
        return Err(Error::usage(Code::InvalidOption, "options must be an object"));
    }
    let endpoint = opt_string(options, "endpoint")?.ok_or_else(|| bad("endpoint", "the URL of a TUS endpoint"))?;
    let recording = match get(options, "recording") {
        v if v.is_undefined() || v.is_null() => None,
        v => {
            let name = get(&v, "name").as_string().unwrap_or_default();
            let mime = get(&v, "type").as_string().unwrap_or_default();
            let source = LiveSource::from_js(v).ok_or_else(|| bad("recording", "a recording buffer"))?;
            Some((source, SourceInfo::recording(name, mime)))
        }
    };
    let file: Blob = match recording {
        Some(_) => Blob::new().map_err(|_| bad("recording", "a recording buffer"))?,
        None => get(options, "file").dyn_into().map_err(|_| bad("file", "a File or Blob"))?,
    };
    // The core's defaults are the product's ('auto' chunks from 1 MiB).
    let mut config = Config::new(endpoint);
    // `chunkSize`: a number fixes it; 'auto' or nothing adapts it to the link.
    if get(options, "chunkSize").as_string().as_deref() != Some("auto") {
        if let Some(chunk) =
            opt_u64(options, "chunkSize").map_err(|_| bad("chunkSize", "'auto' or a number of bytes"))?
        {
            config = config.fixed_chunks(chunk);
        }
    }
    if let Some(min) = opt_u64(options, "minChunkSize")? {
        config.min_chunk_size = min;
    }
    if let Some(max) = opt_u64(options, "maxChunkSize")? {
        config.max_chunk_size = max;
    }
    if let Some(interval) = opt_u64(options, "progressInterval")? {
        config.progress_interval_ms = interval;
    }
    if let Some(stall) = opt_u64(options, "stallTimeout")? {
        config.stall_floor_ms = Some(stall);
    }
    retry(options, &mut config.retry)?;
    config.idempotency_key = opt_string(options, "idempotencyKey")?;
    // Jitter only needs to differ between clients; Math.random is enough for that.
    config.seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    config.upload_url = opt_string(options, "uploadUrl")?;
    config.metadata = metadata(options)?;
    config.allowed_origins = allowed_origins(options)?;
    let headers = match get(options, "headers") {
        v if v.is_undefined() || v.is_null() => None,
        v => Some(v.dyn_into::<Function>().map_err(|_| bad("headers", "a function"))?),
    };
    let size = opt_u64(&file, "size").ok().flatten().ok_or_else(|| bad("file", "a Blob with a valid size"))?;
    let name = opt_string(&file, "name").ok().flatten().unwrap_or_default();
    // A plain Blob has no lastModified (0); a File's is a date in milliseconds.
    let last_modified = opt_u64(&file, "lastModified").ok().flatten().unwrap_or(0);
    let (recording, source) = match recording {
        Some((live, source)) => (Some(live), source),
        None => (None, SourceInfo { last_modified, ..SourceInfo::file(size, name, file.type_()) }),
    };
    config.keep_session = opt_bool(options, "keepSession")?.unwrap_or(false);
    config.checksum = opt_bool(options, "checksum")?.unwrap_or(false);
    match opt_u64(options, "parallelUploads")? {
        Some(n @ 1..=16) => config.parallel = n as u32,
        None => {}
        Some(_) => return Err(bad("parallelUploads", "an integer from 1 to 16")),
    }
    let resume = opt_bool(options, "resume")?.unwrap_or(true);
    let fingerprint = opt_string(options, "fingerprint")?;
    if fingerprint.as_deref().is_some_and(str::is_empty) {
        return Err(bad("fingerprint", "a non-empty string"));
    }
    let wait_for_lock = match opt_string(options, "onLocked")?.as_deref() {
        None | Some("wait") => true,
        Some("fail") => false,
        Some(_) => return Err(bad("onLocked", "'wait' or 'fail'")),
    };
    let file_handle = match get(options, "fileHandle") {
        v if v.is_undefined() || v.is_null() => None,
        v if get(&v, "getFile").is_function() => Some(v),
        _ => return Err(bad("fileHandle", "a FileSystemFileHandle")),
    };
    Ok(Parsed { config, source, file, headers, resume, fingerprint, wait_for_lock, file_handle, recording })
}
