//! What an upload is told at construction: options from the app and facts about the source.
//!
//! Validation of app input lives here and yields `Usage` errors, once: [`Config::validate`]
//! turns a config and its source into a [`Validated`] one that the machines are built from
//! without failing. The product's defaults live in [`Config::new`] (chunk sizes adapt to the
//! link from 1 MiB), so core tests run what users get. Nothing here does I/O.
//! `SourceInfo::size` is `None` for a source of unknown length (a recording still being
//! captured), whose bytes and end come later as inputs (upload/live.rs).

use super::capabilities::Capabilities;
use super::chunking::ChunkPolicy;
use super::error::{quote, Code, Error};
use super::metadata;
use super::retry::RetryPolicy;
use super::url;

/// Smallest chunk size accepted (smaller PATCHes waste round trips).
pub const MIN_CHUNK_SIZE: u64 = 1024;
/// Default chunk size: 1 MiB, the first PATCH of 'auto' chunks (which adapt from there).
pub const DEFAULT_CHUNK_SIZE: u64 = 1024 * 1024;
/// Default smallest 'auto' chunk.
pub const DEFAULT_MIN_CHUNK_SIZE: u64 = 256 * 1024;
/// Default largest 'auto' chunk.
pub const DEFAULT_MAX_CHUNK_SIZE: u64 = 256 * 1024 * 1024;
/// Default minimum interval between progress events (10 per second).
pub const DEFAULT_PROGRESS_INTERVAL_MS: u64 = 100;
/// Shortest stall deadline once the link's throughput is measured: a dead connection (a
/// NAT mapping that died, a half-open socket) is found within this much time.
pub const DEFAULT_STALL_FLOOR_MS: u64 = 10_000;
/// Shortest stall deadline before anything was measured (the first requests: a slow link
/// must not be mistaken for a dead one).
pub const FIRST_STALL_FLOOR_MS: u64 = 30_000;
/// Smallest stall floor accepted.
pub const MIN_STALL_FLOOR_MS: u64 = 100;

/// Options of one upload, as the app gave them (see [`Config::validate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Absolute http(s) URL of the TUS creation endpoint.
    pub endpoint: String,
    /// Bytes per PATCH (`adaptive_chunks == false`), or the first PATCH's size (`true`).
    pub chunk_size: u64,
    /// Size PATCHes to the measured throughput within `[min_chunk_size, max_chunk_size]`.
    pub adaptive_chunks: bool,
    /// Smallest PATCH body of adaptive chunks.
    pub min_chunk_size: u64,
    /// Largest PATCH body of adaptive chunks.
    pub max_chunk_size: u64,
    /// App metadata sent at creation (in addition to `filename` and `filetype`).
    pub metadata: Vec<(String, String)>,
    /// A known upload URL to continue instead of creating a new upload.
    pub upload_url: Option<String>,
    /// Minimum milliseconds between two progress events.
    pub progress_interval_ms: u64,
    /// Backoff and budget for retries.
    pub retry: RetryPolicy,
    /// The app's `stallTimeout`: no request is declared stalled sooner than this. `None`:
    /// [`FIRST_STALL_FLOOR_MS`] until the throughput is measured, then
    /// [`DEFAULT_STALL_FLOOR_MS`] (see rate.rs for the deadline).
    pub stall_floor_ms: Option<u64>,
    /// Origins besides the endpoint's (and `upload_url`'s) that requests may go to, as
    /// `scheme://host[:port]` (normalised by [`Config::validate`]). A `Location` anywhere
    /// else fails the upload with `origin_not_allowed`; nothing is sent there.
    pub allowed_origins: Vec<String>,
    /// Seed for retry jitter, supplied by the driver (tests fix it).
    pub seed: u64,
    /// Sent as `Idempotency-Key` on every creation attempt of this upload. When set, a
    /// creation whose outcome is unknown (network error, 5xx, stall) is retried with the same
    /// key; when not, such a creation fails instead of risking a second upload. After the
    /// server lost the upload (404/410), the new one goes under `{key}-{n}` (the n-th loss).
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
    /// The product's defaults for `endpoint`: chunks adapt to the link from 1 MiB, progress
    /// at most 10 times a second, the default retry policy, one connection.
    #[must_use]
    pub fn new(endpoint: impl Into<String>) -> Config {
        Config {
            endpoint: endpoint.into(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            adaptive_chunks: true,
            min_chunk_size: DEFAULT_MIN_CHUNK_SIZE,
            max_chunk_size: DEFAULT_MAX_CHUNK_SIZE,
            metadata: Vec::new(),
            upload_url: None,
            progress_interval_ms: DEFAULT_PROGRESS_INTERVAL_MS,
            retry: RetryPolicy::default(),
            stall_floor_ms: None,
            allowed_origins: Vec::new(),
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

    /// Sends every PATCH with `bytes` (no adapting to the link).
    #[must_use]
    pub fn fixed_chunks(mut self, bytes: u64) -> Config {
        self.adaptive_chunks = false;
        self.chunk_size = bytes;
        self
    }

    /// How PATCH bodies are sized; an adaptive start outside `[min, max]` is clamped into it.
    #[must_use]
    pub fn chunk_policy(&self) -> ChunkPolicy {
        if self.adaptive_chunks {
            let (min, max) = (self.min_chunk_size, self.max_chunk_size.max(self.min_chunk_size));
            ChunkPolicy::Auto { initial: self.chunk_size.clamp(min, max), min, max }
        } else {
            ChunkPolicy::Fixed(self.chunk_size)
        }
    }

    /// Checks every option against `source`, once. The result builds machines that cannot
    /// fail ([`crate::core::machine::build`], `Upload::from_validated`).
    pub fn validate(mut self, source: &SourceInfo) -> Result<Validated, Error> {
        self.check()?;
        self.allowed_origins = self.allowed_origins.iter().filter_map(|o| url::origin(o)).collect();
        // A recording's length comes later (`Machine::handle_end`).
        let size = source.size.unwrap_or(0);
        let pairs = source.creation_metadata(&self.metadata);
        for (key, _) in &pairs {
            metadata::validate_key(key)?;
        }
        let metadata_header = metadata::encode(&pairs);
        Ok(Validated { cfg: self, source: source.clone(), size, metadata_header })
    }

    fn check(&self) -> Result<(), Error> {
        if !url::is_absolute_http(&self.endpoint) {
            return Err(Error::usage(
                Code::InvalidEndpoint,
                format!("endpoint {} is not an absolute http(s) URL", quote(&self.endpoint)),
            ));
        }
        if let Some(u) = &self.upload_url {
            if !url::is_absolute_http(u) {
                return Err(Error::usage(
                    Code::InvalidUploadUrl,
                    format!("uploadUrl {} is not an absolute http(s) URL", quote(u)),
                ));
            }
        }
        if self.chunk_size < MIN_CHUNK_SIZE {
            return Err(Error::usage(
                Code::InvalidChunkSize,
                format!("chunkSize must be at least {MIN_CHUNK_SIZE} bytes, got {}", self.chunk_size),
            ));
        }
        if self.adaptive_chunks && (self.min_chunk_size < MIN_CHUNK_SIZE || self.max_chunk_size < self.min_chunk_size) {
            return Err(Error::usage(
                Code::InvalidChunkSize,
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
                Code::InvalidRetry,
                format!(
                    "retry.maxDelay ({}) must not be below retry.baseDelay ({})",
                    self.retry.cap_ms, self.retry.base_ms
                ),
            ));
        }
        if let Some(floor) = self.stall_floor_ms.filter(|&ms| ms < MIN_STALL_FLOOR_MS) {
            return Err(Error::usage(
                Code::InvalidStallTimeout,
                format!("stallTimeout must be at least {MIN_STALL_FLOOR_MS} ms, got {floor}"),
            ));
        }
        for allowed in &self.allowed_origins {
            let origin = url::origin(allowed);
            let bare = allowed.trim_end_matches('/');
            if origin.is_none() || bare.matches('/').count() != 2 {
                return Err(Error::usage(
                    Code::InvalidOption,
                    format!("allowedOrigins: {} is not an origin like \"https://host[:port]\"", quote(allowed)),
                ));
            }
        }
        if let Some(key) = &self.idempotency_key {
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::usage(Code::InvalidOption, "idempotencyKey must be printable ASCII without spaces"));
            }
        }
        Ok(())
    }
}

impl Config {
    /// Whether a request may go to `url`: the endpoint's origin, `upload_url`'s (the app
    /// named it) or one of `allowed_origins`.
    #[must_use]
    pub fn allows(&self, target: &str) -> bool {
        let Some(origin) = url::origin(target) else { return false };
        url::origin(&self.endpoint).as_ref() == Some(&origin)
            || self.upload_url.as_deref().and_then(url::origin).as_ref() == Some(&origin)
            || self.allowed_origins.contains(&origin)
    }

    /// The stall floor for a request, given whether the link's throughput is measured yet.
    #[must_use]
    pub fn stall_floor(&self, measured: bool) -> u64 {
        match self.stall_floor_ms {
            Some(ms) => ms,
            None if measured => DEFAULT_STALL_FLOOR_MS,
            None => FIRST_STALL_FLOOR_MS,
        }
    }
}

/// A config checked against its source: what machines are built from, without failing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validated {
    pub(crate) cfg: Config,
    pub(crate) source: SourceInfo,
    /// The source's size; 0 for a recording (`source.size` is `None`).
    pub(crate) size: u64,
    /// `Upload-Metadata` for creation (the file's name and type, then the app's pairs).
    pub(crate) metadata_header: Option<String>,
}

impl Validated {
    /// The checked options.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The source's size in bytes.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Keeps the session record under `key` (`None`: keep nothing). Keys need no checking.
    #[must_use]
    pub fn with_session_key(mut self, key: Option<String>) -> Validated {
        self.cfg.session_key = key;
        self
    }

    /// What an earlier OPTIONS to this endpoint taught, when known.
    #[must_use]
    pub fn with_capabilities(mut self, capabilities: Option<crate::core::Capabilities>) -> Validated {
        if capabilities.is_some() {
            self.cfg.capabilities = capabilities;
        }
        self
    }

    /// The config of one part of a parallel upload: bytes `start..end` of the same file,
    /// at `url` when known. Smaller numbers of a checked config need no new check.
    pub(crate) fn part(&self, start: u64, end: u64, url: Option<String>, seed: u64) -> Validated {
        let mut cfg = self.cfg.clone();
        cfg.parallel = 1;
        cfg.part_offset = Some(start);
        cfg.session_key = None;
        cfg.upload_url = url;
        cfg.progress_interval_ms = 0;
        cfg.seed = seed;
        // Each creation has a key of its own: one key on two POSTs would make them one upload.
        cfg.idempotency_key = self.cfg.idempotency_key.as_ref().map(|key| format!("{key}-part-{start}"));
        let source = SourceInfo { size: Some(end.saturating_sub(start)), ..self.source.clone() };
        Validated { cfg, source, size: end.saturating_sub(start), metadata_header: self.metadata_header.clone() }
    }

    /// This config run over one connection (parallel uploads the server cannot join).
    pub(crate) fn single(&self) -> Validated {
        let mut v = self.clone();
        v.cfg.parallel = 1;
        v
    }
}

/// Facts about the bytes being uploaded. The core never sees the bytes themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInfo {
    /// Total size in bytes; `None` for a recording, whose length comes later.
    pub size: Option<u64>,
    /// File name, sent as `filename` metadata when non-empty.
    pub name: String,
    /// MIME type, sent as `filetype` metadata (`application/octet-stream` when empty).
    pub mime_type: String,
    /// `File.lastModified` (0 when unknown); stored with the session.
    pub last_modified: u64,
}

impl SourceInfo {
    /// A recording of unknown length (see upload/live.rs).
    #[must_use]
    pub fn recording(name: impl Into<String>, mime_type: impl Into<String>) -> SourceInfo {
        SourceInfo { size: None, name: name.into(), mime_type: mime_type.into(), last_modified: 0 }
    }

    /// A file of `size` bytes.
    #[must_use]
    pub fn file(size: u64, name: impl Into<String>, mime_type: impl Into<String>) -> SourceInfo {
        SourceInfo { size: Some(size), name: name.into(), mime_type: mime_type.into(), last_modified: 0 }
    }

    /// Metadata pairs for creation: filename and filetype unless the app set its own. A
    /// source without a name is sent as `blob` (as `FormData` names one) or `recording`:
    /// some servers (tuspyserver) refuse HEAD for an upload created without a filename.
    #[must_use]
    pub fn creation_metadata(&self, app: &[(String, String)]) -> Vec<(String, String)> {
        let mut pairs = Vec::with_capacity(app.len() + 2);
        let has = |k: &str| app.iter().any(|(key, _)| key == k);
        if !has("filename") {
            let name = match (self.name.as_str(), self.size) {
                ("", Some(_)) => "blob",
                ("", None) => "recording",
                (name, _) => name,
            };
            pairs.push(("filename".to_string(), name.to_string()));
        }
        if !has("filetype") {
            let t = if self.mime_type.is_empty() { "application/octet-stream" } else { &self.mime_type };
            pairs.push(("filetype".to_string(), t.to_string()));
        }
        pairs.extend(app.iter().cloned());
        pairs
    }
}
