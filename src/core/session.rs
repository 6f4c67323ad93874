//! What survives a closed tab: the session record of one upload.
//!
//! The core decides *when* a record is written (`Output::Persist`) or deleted
//! (`Output::Forget`) and what it holds; the web adapter stores it (IndexedDB) and finds it
//! again by the file's identity (identity.rs). A record never holds request headers or
//! tokens: only what is needed to find the upload again and show it in a list.

use super::config::Config;
use super::time::Millis;
use super::url;

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
    /// The file's size; for a recording, the bytes recorded when the record was written
    /// (its length, once the recording ended).
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
    /// The upload is a recording (a source whose length was not known at creation): it is
    /// continued from its local buffer, not from a file. Stored only when true; records
    /// written before recordings existed read as `false`.
    pub recording: bool,
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

/// The store key of a file's session for one endpoint: a session belongs to its
/// destination, so the same file sent to two endpoints has two sessions. `file_key` is the
/// file's identity (identity.rs) or the app's `fingerprint`; the endpoint is compared
/// normalised (url.rs). Records written before sessions were scoped are keyed by
/// `file_key` alone; [`SessionRecord::belongs_to`] still checks their `endpoint`.
#[must_use]
pub fn scoped_key(file_key: &str, endpoint: &str) -> String {
    let endpoint = url::normalize(endpoint).unwrap_or_else(|| endpoint.to_string());
    format!("{file_key} {endpoint}")
}

/// The file's key inside a store key: what [`scoped_key`] was given (a key written before
/// sessions were scoped is all file key).
#[must_use]
pub fn file_key(store_key: &str) -> &str {
    store_key.split_once(' ').map_or(store_key, |(file, _)| file)
}

impl SessionRecord {
    /// Whether this record may be continued by an upload configured as `cfg`: it was made for
    /// the same endpoint (normalised), and every URL it holds is on an origin `cfg` allows.
    /// A record that does not belong is never used: the upload starts anew.
    #[must_use]
    pub fn belongs_to(&self, cfg: &Config) -> bool {
        let same = match (url::normalize(&self.endpoint), url::normalize(&cfg.endpoint)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        let urls_allowed = (self.upload_url.is_empty() || cfg.allows(&self.upload_url))
            && self.parts.iter().all(|p| cfg.allows(&p.url));
        same && urls_allowed
    }

    /// Whether the server has said the upload is gone by `now`.
    pub fn is_expired(&self, now: Millis) -> bool {
        self.expires_at.is_some_and(|t| t <= now.0)
    }
}
