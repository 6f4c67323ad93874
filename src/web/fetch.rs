//! One HTTP request with the global `fetch`, aborted when its future is dropped.
//!
//! Adds the app's headers (from its callback, awaited per request, never stored), sends
//! `Blob.slice(start, end)` as the body of a PATCH, and copies back only the response
//! headers the core reads, plus the body text of error answers (truncated). Redirects are
//! not followed (`redirect: 'manual'`): an opaque redirect comes back as
//! `TransportError::Redirect`. It decides nothing about where requests may go; the core does.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Blob, Headers, RequestCache, RequestInit, RequestRedirect, ResponseType};

use super::snapshot::{unreadable, Snapshot};
use super::wire::header_context_to_js;
use crate::core::checksum::{Algorithm, Digest};
use crate::core::http::RESPONSE_HEADERS;
use crate::core::{Body, Method, Request, Response, TransportError};

/// Longest error body kept (bytes of UTF-16 code units, roughly).
const MAX_ERROR_BODY: u32 = 2048;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, present in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &web_sys::Request) -> Promise;
}

/// Aborts the request when dropped before it finished (the driver drops a request to
/// cancel it).
struct AbortOnDrop {
    controller: AbortController,
    armed: bool,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.controller.abort();
        }
    }
}

/// The text of a thrown JS value, for error messages.
pub fn js_message(value: &JsValue) -> String {
    if let Some(err) = value.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    value.as_string().unwrap_or_else(|| "unknown error".to_string())
}

/// Calls the app's header callback with `{ method, url, refused }` and awaits its answer.
/// `refused` is true when the server refused the previous attempt's credentials (401/403).
async fn app_headers(callback: &Function, request: &Request) -> Result<Vec<(String, String)>, TransportError> {
    let context = header_context_to_js(request.method.as_str(), &request.url, request.refresh_auth);
    let returned = callback.call1(&JsValue::NULL, &context).map_err(|e| TransportError::Headers(js_message(&e)))?;
    let value = if returned.is_instance_of::<Promise>() {
        JsFuture::from(Promise::from(returned)).await.map_err(|e| TransportError::Headers(js_message(&e)))?
    } else {
        returned
    };
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let Some(object) = value.dyn_ref::<Object>() else {
        return Err(TransportError::Headers("it must return an object of header names to strings".into()));
    };
    let mut pairs = Vec::new();
    for entry in Object::entries(object).iter() {
        let name = Reflect::get_u32(&entry, 0).ok().and_then(|v| v.as_string());
        let value = Reflect::get_u32(&entry, 1).ok().and_then(|v| v.as_string());
        match (name, value) {
            (Some(n), Some(v)) => pairs.push((n, v)),
            (Some(n), None) => {
                return Err(TransportError::Headers(format!(
                    "the value of header {} is not a string",
                    crate::core::error::quote(&n)
                )))
            }
            _ => {}
        }
    }
    Ok(pairs)
}

/// Bytes read at a time when checksumming a chunk: memory stays bounded whatever the chunk.
const CHECKSUM_PIECE: u64 = 1024 * 1024;

/// The `Upload-Checksum` value for bytes `start..end` of `file`, read piece by piece.
async fn checksum(file: &Blob, algorithm: Algorithm, start: u64, end: u64) -> Result<String, JsValue> {
    let mut digest = Digest::new(algorithm);
    let mut buffer = Vec::new();
    let mut at = start;
    while at < end {
        let to = (at + CHECKSUM_PIECE).min(end);
        let piece = file.slice_with_f64_and_f64(at as f64, to as f64)?;
        let bytes = js_sys::Uint8Array::new(&JsFuture::from(piece.array_buffer()).await?);
        buffer.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut buffer);
        digest.update(&buffer);
        at = to;
    }
    Ok(digest.header_value())
}

/// Performs `request`; the source bytes come from `file`, checked by `snapshot` first when
/// it is the app's file.
pub async fn perform(
    request: Request,
    file: Blob,
    headers_cb: Option<Function>,
    snapshot: Option<Snapshot>,
) -> Result<Response, TransportError> {
    match (snapshot, request.body) {
        (Some(snapshot), Body::Source { start, end }) => snapshot.check(&file, start, end).await?,
        // Joins parts that may have read the file after the one that ends it was sent.
        (Some(snapshot), Body::Commit) => snapshot.compare(&file).await?,
        _ => {}
    }
    let controller = AbortController::new().map_err(|e| TransportError::Network(js_message(&e)))?;
    let mut guard = AbortOnDrop { controller, armed: true };
    let network = |e: JsValue| TransportError::Network(js_message(&e));

    let headers = Headers::new().map_err(network)?;
    if let Some(cb) = &headers_cb {
        for (name, value) in app_headers(cb, &request).await? {
            headers.set(&name, &value).map_err(|e| TransportError::Headers(js_message(&e)))?;
        }
    }
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(network)?;
    }
    if let (Some(algorithm), Body::Source { start, end }) = (request.checksum, request.body) {
        let value = checksum(&file, algorithm, start, end)
            .await
            .map_err(|e| TransportError::Unreadable(format!("the file could not be read: {}", js_message(&e))))?;
        headers.set("Upload-Checksum", &value).map_err(network)?;
    }

    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_headers(&headers);
    // Only a HEAD could be answered from the HTTP cache (a stale offset). `no-store` on every
    // request would also bypass the browsers' CORS preflight cache: one more round trip each.
    if request.method == Method::Head {
        init.set_cache(RequestCache::NoStore);
    }
    // A redirect is never followed: it would send the body again, and the app's headers, to
    // a URL the app did not name. The core fails the upload with `redirected` instead.
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(&guard.controller.signal()));
    if let Body::Source { start, end } = request.body {
        let slice = file.slice_with_f64_and_f64(start as f64, end as f64).map_err(network)?;
        init.set_body(&slice);
    }
    let js_request = web_sys::Request::new_with_str_and_init(&request.url, &init).map_err(network)?;
    let answer = match JsFuture::from(global_fetch(&js_request)).await {
        Ok(answer) => answer,
        // Chromium's fetch fails as a network error would when the file changed on disk
        // (`ERR_UPLOAD_FILE_CHANGED`); a retry would meet it again for its whole budget.
        Err(e) => return Err(unreadable(&file, request.body).await.unwrap_or_else(|| network(e))),
    };
    let js_response: web_sys::Response = answer.dyn_into().map_err(network)?;
    if js_response.type_() == ResponseType::Opaqueredirect {
        guard.armed = false;
        return Err(TransportError::Redirect);
    }

    let mut response = Response::new(js_response.status());
    let js_headers = js_response.headers();
    for name in RESPONSE_HEADERS {
        if let Ok(Some(value)) = js_headers.get(name) {
            response.headers.push(((*name).to_string(), value));
        }
    }
    if response.status >= 400 {
        if let Ok(promise) = js_response.text() {
            if let Ok(text) = JsFuture::from(promise).await {
                let text = js_sys::JsString::from(text);
                let cut = text.slice(0, MAX_ERROR_BODY.min(text.length()));
                response.body = String::from(cut);
            }
        }
    }
    guard.armed = false;
    Ok(response)
}
