//! What an upload is told at construction: options from the app and facts about the source.
//!
//! Validation of app input lives here and yields `Usage` errors; nothing here does I/O.
//! `SourceInfo::size` is optional so that sources of unknown length (a recording still being
//! captured) fit later; today an unknown size is refused with a clear error.

use super::capabilities::Capabilities;
use super::chunking::ChunkPolicy;
use super::error::{quote, Error};
use super::metadata;
use super::retry::RetryPolicy;
use super::url;

/// Smallest chunk size accepted (smaller PATCHes waste round trips).
pub const MIN_CHUNK_SIZE: u64 = 1024;
/// Default chunk size: 8 MiB.
pub const DEFAULT_CHUNK_SIZE: u64 = 8 * 1024 * 1024;
/// Default minimum interval between progress events (10 per second).
pub const DEFAULT_PROGRESS_INTERVAL_MS: u64 = 100;
/// Default shortest stall timeout: no request is abandoned sooner than this.
pub const DEFAULT_STALL_FLOOR_MS: u64 = 30_000;
/// Smallest stall floor accepted.
pub const MIN_STALL_FLOOR_MS: u64 = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Absolute http(s) URL of the TUS creation endpoint.
    pub endpoint: String,
    /// Bytes per PATCH (`adaptive_chunks == false`), or the first PATCH's size (`true`).
    pub chunk_size: u64,
    /// Size PATCHes to the measured throughput within `[min_chunk_size, max_chunk_size]`.
    pub adaptive_chunks: bool,
    pub min_chunk_size: u64,
    pub max_chunk_size: u64,
    /// App metadata sent at creation (in addition to `filename` and `filetype`).
    pub metadata: Vec<(String, String)>,
    /// A known upload URL to continue instead of creating a new upload.
    pub upload_url: Option<String>,
    /// Minimum milliseconds between two progress events.
    pub progress_interval_ms: u64,
    /// Backoff and budget for retries.
    pub retry: RetryPolicy,
    /// No request is declared stalled sooner than this (see rate.rs for the deadline).
    pub stall_floor_ms: u64,
    /// Seed for retry jitter, supplied by the driver (tests fix it).
    pub seed: u64,
    /// Sent as `Idempotency-Key` on every creation attempt of this upload. When set, a
    /// creation whose outcome is unknown (network error, 5xx, stall) is retried with the same
    /// key; when not, such a creation fails instead of risking a second upload.
    pub idempotency_key: Option<String>,
    /// Key of this upload's session record; `None` keeps nothing (no `Persist` outputs).
    pub session_key: Option<String>,
    /// Keep the session record after completion (by default it is forgotten).
    pub keep_session: bool,
    /// Send `Upload-Checksum` with every PATCH when the server offers sha256 or sha1
    /// (learnt with one OPTIONS request before the first upload request).
    pub checksum: bool,
    /// This upload is one part of a parallel upload: bytes `part_offset..` of the source,
    /// created with `Upload-Concat: partial`.
    pub part_offset: Option<u64>,
    /// Upload over this many connections at once (concatenation extension); 1 = one stream.
    pub parallel: u32,
    /// What an earlier OPTIONS to this endpoint taught (see capabilities.rs); when known, no
    /// OPTIONS is sent.
    pub capabilities: Option<Capabilities>,
}

impl Config {
    pub fn new(endpoint: impl Into<String>) -> Config {
        Config {
            endpoint: endpoint.into(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            adaptive_chunks: false,
            min_chunk_size: 256 * 1024,
            max_chunk_size: 256 * 1024 * 1024,
            metadata: Vec::new(),
            upload_url: None,
            progress_interval_ms: DEFAULT_PROGRESS_INTERVAL_MS,
            retry: RetryPolicy::default(),
            stall_floor_ms: DEFAULT_STALL_FLOOR_MS,
            seed: 0,
            idempotency_key: None,
            session_key: None,
            keep_session: false,
            checksum: false,
            part_offset: None,
            parallel: 1,
            capabilities: None,
        }
    }

    pub fn chunk_policy(&self) -> ChunkPolicy {
        if self.adaptive_chunks {
            ChunkPolicy::Auto { initial: self.chunk_size, min: self.min_chunk_size, max: self.max_chunk_size }
        } else {
            ChunkPolicy::Fixed(self.chunk_size)
        }
    }

    pub fn validate(&self) -> Result<(), Error> {
        if !url::is_absolute_http(&self.endpoint) {
            return Err(Error::usage(
                "invalid_endpoint",
                format!("endpoint {} is not an absolute http(s) URL", quote(&self.endpoint)),
            ));
        }
        if let Some(u) = &self.upload_url {
            if !url::is_absolute_http(u) {
                return Err(Error::usage(
                    "invalid_upload_url",
                    format!("uploadUrl {} is not an absolute http(s) URL", quote(u)),
                ));
            }
        }
        if self.chunk_size < MIN_CHUNK_SIZE {
            return Err(Error::usage(
                "invalid_chunk_size",
                format!("chunkSize must be at least {MIN_CHUNK_SIZE} bytes, got {}", self.chunk_size),
            ));
        }
        if self.adaptive_chunks && (self.min_chunk_size < MIN_CHUNK_SIZE || self.max_chunk_size < self.min_chunk_size) {
            return Err(Error::usage(
                "invalid_chunk_size",
                format!(
                    "minChunkSize ({}) must be at least {MIN_CHUNK_SIZE} and maxChunkSize ({}) at least minChunkSize",
                    self.min_chunk_size, self.max_chunk_size
                ),
            ));
        }
        for (key, _) in &self.metadata {
            metadata::validate_key(key)?;
        }
        if self.retry.cap_ms < self.retry.base_ms {
            return Err(Error::usage(
                "invalid_retry",
                format!(
                    "retry.maxDelay ({}) must not be below retry.baseDelay ({})",
                    self.retry.cap_ms, self.retry.base_ms
                ),
            ));
        }
        if self.stall_floor_ms < MIN_STALL_FLOOR_MS {
            return Err(Error::usage(
                "invalid_stall_timeout",
                format!("stallTimeout must be at least {MIN_STALL_FLOOR_MS} ms, got {}", self.stall_floor_ms),
            ));
        }
        if let Some(key) = &self.idempotency_key {
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::usage("invalid_option", "idempotencyKey must be printable ASCII without spaces"));
            }
        }
        Ok(())
    }
}

/// Facts about the bytes being uploaded. The core never sees the bytes themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInfo {
    /// Total size in bytes, if known.
    pub size: Option<u64>,
    /// File name, sent as `filename` metadata when non-empty.
    pub name: String,
    /// MIME type, sent as `filetype` metadata (`application/octet-stream` when empty).
    pub mime_type: String,
    /// `File.lastModified` (0 when unknown); stored with the session.
    pub last_modified: u64,
}

impl SourceInfo {
    pub fn file(size: u64, name: impl Into<String>, mime_type: impl Into<String>) -> SourceInfo {
        SourceInfo { size: Some(size), name: name.into(), mime_type: mime_type.into(), last_modified: 0 }
    }

    /// Metadata pairs for creation: filename and filetype unless the app set its own.
    pub fn creation_metadata(&self, app: &[(String, String)]) -> Vec<(String, String)> {
        let mut pairs = Vec::with_capacity(app.len() + 2);
        let has = |k: &str| app.iter().any(|(key, _)| key == k);
        if !has("filename") && !self.name.is_empty() {
            pairs.push(("filename".to_string(), self.name.clone()));
        }
        if !has("filetype") {
            let t = if self.mime_type.is_empty() { "application/octet-stream" } else { &self.mime_type };
            pairs.push(("filetype".to_string(), t.to_string()));
        }
        pairs.extend(app.iter().cloned());
        pairs
    }
}
