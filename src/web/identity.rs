//! Reads the bytes the file identity needs (the first and last 64 KiB) and asks the core to
//! combine them. These 128 KiB are the only file bytes ever copied into wasm memory on the
//! way to an upload.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use crate::core::identity::{fingerprint, sample_ranges, FileFacts};

async fn read(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, JsValue> {
    let slice = blob.slice_with_f64_and_f64(start as f64, end as f64)?;
    let buffer = JsFuture::from(slice.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The identity key of `blob` (see core::identity).
pub async fn identify(blob: &Blob, name: &str, mime_type: &str, last_modified: u64) -> Result<String, JsValue> {
    let size = blob.size() as u64;
    let [(h0, h1), (t0, t1)] = sample_ranges(size);
    let head = read(blob, h0, h1).await?;
    let tail = read(blob, t0, t1).await?;
    let facts = FileFacts { name, size, mime_type, last_modified };
    Ok(fingerprint(&facts, &head, &tail))
}
