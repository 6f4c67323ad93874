//! Noticing a file that changed on disk while it uploads.
//!
//! Chromium and WebKit refuse to read a picked file that changed since it was picked
//! (`NotReadableError`), but their fetch does not say so: Chromium's fails as a network error
//! would, WebKit's neither sends nor fails (it stalls). So a PATCH of the file first reads the
//! body's first byte, and a PATCH that failed without an answer reads it again
//! ([`unreadable`]): a refusal is `TransportError::Unreadable`, which no retry can mend.
//! Firefox reads the bytes as they are now, so a file rewritten mid-upload would complete as a
//! mix of old and new: before the PATCH that sends the file's last bytes, its first and last
//! 64 KiB (the identity's samples, identity.rs) are compared with what they were before this
//! page's first PATCH of it, and that PATCH is not sent if they differ; so are they before the
//! final POST of a parallel upload, whose other parts may have read the file after the part
//! that ends it was sent. A change that spares both ends goes unseen there. Recordings are not
//! checked: their buffer is ours.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::fetch::js_message;
use super::identity::identify;
use crate::core::{Body, TransportError};

/// The identity samples of one file as first read, shared by its requests.
#[derive(Clone, Debug, Default)]
pub struct Snapshot(Rc<RefCell<Option<String>>>);

fn changed(why: &str) -> TransportError {
    TransportError::Unreadable(format!("the file changed on disk or was removed since it was picked ({why})"))
}

/// `Unreadable` when the first byte of `body` cannot be read from `file`.
pub async fn unreadable(file: &Blob, body: Body) -> Option<TransportError> {
    let Body::Source { start, end } = body else { return None };
    let first = file.slice_with_f64_and_f64(start as f64, (start + 1).min(end) as f64).ok()?;
    let e = JsFuture::from(first.array_buffer()).await.err()?;
    Some(changed(&js_message(&e)))
}

impl Snapshot {
    /// Before a PATCH of `file`'s bytes `start..end`: its first byte must be readable; the
    /// first PATCH takes the snapshot, the one that ends the file compares it.
    pub async fn check(&self, file: &Blob, start: u64, end: u64) -> Result<(), TransportError> {
        if end < file.size() as u64 && self.0.borrow().is_some() {
            return unreadable(file, Body::Source { start, end }).await.map_or(Ok(()), Err);
        }
        self.compare(file).await
    }

    /// `file`'s ends against what they held when first read (read now if never before).
    pub async fn compare(&self, file: &Blob) -> Result<(), TransportError> {
        let now = identify(file, "", "", 0).await.map_err(|e| changed(&js_message(&e)))?;
        let first = self.0.borrow_mut().get_or_insert_with(|| now.clone()).clone();
        if first != now {
            return Err(changed("its first or last bytes are not what they were"));
        }
        Ok(())
    }
}
