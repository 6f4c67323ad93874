//! What survives a closed tab: the session record of one upload.
//!
//! The core decides *when* a record is written (`Output::Persist`) or deleted
//! (`Output::Forget`) and what it holds; the web adapter stores it (IndexedDB) and finds it
//! again by the file's identity (identity.rs). A record never holds request headers or
//! tokens: only what is needed to find the upload again and show it in a list.

use super::time::Millis;

/// Version of the record layout. Readers accept every version up to this one.
pub const SCHEMA_VERSION: u32 = 1;

/// At most one write per this many milliseconds while bytes are being confirmed.
pub const PERSIST_INTERVAL_MS: u64 = 500;

#[derive(Clone, Debug, PartialEq, Eq)]
/// What is stored of one upload between page loads.
pub struct SessionRecord {
    /// The file identity (or the app's `fingerprint`).
    pub key: String,
    /// The upload's URL (empty for a parallel upload not yet joined).
    pub upload_url: String,
    /// The creation endpoint.
    pub endpoint: String,
    /// The file's size.
    pub size: u64,
    /// The file's name.
    pub name: String,
    /// The file's type.
    pub mime_type: String,
    /// `File.lastModified`, milliseconds since the epoch (0 for a plain Blob).
    pub last_modified: u64,
    /// The app's metadata (not `filename`/`filetype`, which come from the file).
    pub metadata: Vec<(String, String)>,
    /// The last offset a server answer confirmed.
    pub bytes_confirmed: u64,
    /// The chunk size last used (adaptive chunks resume from it).
    pub chunk_size: u64,
    /// Wall-clock milliseconds (the driver's `now`).
    pub created_at: u64,
    /// Date of the last write.
    pub updated_at: u64,
    /// The server's `Upload-Expires`, in wall-clock milliseconds, when it sent one.
    pub expires_at: Option<u64>,
    /// For a parallel upload: its partial uploads (then `upload_url` is empty until the
    /// final upload exists).
    pub parts: Vec<PartRecord>,
}

/// One partial upload of a parallel upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartRecord {
    /// The part's upload URL.
    pub url: String,
    /// Bytes `start..end` of the file.
    pub start: u64,
    /// One past its last byte.
    pub end: u64,
    /// Bytes of it the server confirmed.
    pub confirmed: u64,
}

impl SessionRecord {
    /// Whether the server has said the upload is gone by `now`.
    pub fn is_expired(&self, now: Millis) -> bool {
        self.expires_at.is_some_and(|t| t <= now.0)
    }
}
