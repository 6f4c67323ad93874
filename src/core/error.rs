//! Typed errors with stable codes.
//!
//! Every failure says who is at fault ([`ErrorKind`]) and carries a stable, documented
//! `code` that apps can switch on. Messages are for humans and may change; codes may not.
//! This module only describes errors; turning them into JavaScript `Error` objects happens
//! once, in the TypeScript layer.

use std::fmt;

/// Who or what caused a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The app passed invalid options (bad endpoint, metadata key, chunk size...).
    Usage,
    /// The server broke the TUS protocol (missing or malformed header, impossible offset).
    Protocol,
    /// The server refused the request with an HTTP status (see `status`).
    Rejected,
    /// The request never got an HTTP answer (connection refused, reset, DNS, CORS).
    Network,
    /// Local persistence failed.
    Storage,
    /// The app aborted the upload.
    Aborted,
    /// The server no longer knows the upload (404/410 or past its expiry).
    Expired,
    /// Another tab or worker owns this upload.
    Locked,
}

impl ErrorKind {
    /// The lowercase name used in JavaScript (`err.kind`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Network => "network",
            ErrorKind::Storage => "storage",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Expired => "expired",
            ErrorKind::Locked => "locked",
        }
    }
}

/// Every error and warning code, a closed list. The strings (`as_str`) are stable: apps
/// switch on them, README.md lists them, and the TypeScript union is generated from
/// [`Code::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// An option has the wrong type or is out of range; the message names it.
    InvalidOption,
    /// `endpoint` is not an absolute http(s) URL.
    InvalidEndpoint,
    /// `uploadUrl` is not an absolute http(s) URL.
    InvalidUploadUrl,
    /// A chunk size option is below the minimum or inconsistent.
    InvalidChunkSize,
    /// A metadata key is empty or holds spaces or commas.
    InvalidMetadataKey,
    /// `retry.maxDelay` is below `retry.baseDelay`.
    InvalidRetry,
    /// `stallTimeout` is below its minimum.
    InvalidStallTimeout,
    /// The source's length is not known (no longer raised since recordings are uploads).
    UnknownSize,
    /// The engine could not start, or an unexpected value crossed the boundary.
    Internal,
    /// The app's `headers` function threw or returned something unusable.
    HeadersFailed,
    /// The creation answer has no readable `Location` (often CORS).
    MissingLocation,
    /// An answer has no readable `Upload-Offset` (often CORS).
    MissingUploadOffset,
    /// The server's `Location` is not a usable http(s) URL.
    InvalidLocation,
    /// The server's `Upload-Offset` is not a non-negative integer.
    InvalidUploadOffset,
    /// The server confirmed an impossible offset.
    OffsetOutOfRange,
    /// The server's `Upload-Length` is not the file's size.
    UploadLengthMismatch,
    /// A successful PATCH accepted none of its bytes.
    NoProgress,
    /// The server refused a request with an HTTP status.
    HttpStatus,
    /// Credentials were refused twice, even fresh ones.
    Unauthorized,
    /// The file (or a chunk) is larger than the server accepts.
    TooLarge,
    /// A request got no HTTP answer.
    NetworkError,
    /// The server named an upload URL on an origin the app did not allow (`allowedOrigins`).
    OriginNotAllowed,
    /// The server answered with a redirect; ferry never follows one.
    Redirected,
    /// The server lost every upload it created, again and again.
    RestartsExhausted,
    /// A request got no answer within its stall deadline.
    Stalled,
    /// The retry budget of one episode was spent.
    RetriesExhausted,
    /// The server no longer knows the upload.
    UploadGone,
    /// The app aborted the upload.
    Aborted,
    /// Another tab or worker is uploading this file.
    Locked,
    /// Warning: requests fail at once while online (often CORS).
    RequestsBlocked,
    /// Warning: the server cannot join parts; one connection is used.
    ParallelUnsupported,
    /// Warning: checksums were asked for, the server offers none.
    ChecksumUnsupported,
    /// Warning: the server cannot create an upload of unknown length; a recording is
    /// buffered and uploaded as a file once it ends.
    DeferredLengthUnsupported,
    /// A recording's source failed (the recorder stopped with an error, the stream errored,
    /// or it was already recording before the upload could listen).
    SourceFailed,
    /// The file changed on disk or is gone since it was picked: the browser refuses to read
    /// it, so the user has to pick it again.
    FileUnreadable,
    /// Warning: sessions are kept in memory only.
    StorageUnavailable,
    /// Warning: the file could not be read to identify it.
    IdentityUnavailable,
    /// Warning: the file handle cannot be stored with the session.
    FileHandleUnstorable,
}

impl Code {
    /// Every code, in a fixed order.
    pub const ALL: &'static [Code] = &[
        Code::InvalidOption,
        Code::InvalidEndpoint,
        Code::InvalidUploadUrl,
        Code::InvalidChunkSize,
        Code::InvalidMetadataKey,
        Code::InvalidRetry,
        Code::InvalidStallTimeout,
        Code::UnknownSize,
        Code::Internal,
        Code::HeadersFailed,
        Code::MissingLocation,
        Code::MissingUploadOffset,
        Code::InvalidLocation,
        Code::InvalidUploadOffset,
        Code::OffsetOutOfRange,
        Code::UploadLengthMismatch,
        Code::NoProgress,
        Code::HttpStatus,
        Code::Unauthorized,
        Code::TooLarge,
        Code::NetworkError,
        Code::OriginNotAllowed,
        Code::Redirected,
        Code::RestartsExhausted,
        Code::Stalled,
        Code::RetriesExhausted,
        Code::UploadGone,
        Code::Aborted,
        Code::Locked,
        Code::RequestsBlocked,
        Code::ParallelUnsupported,
        Code::ChecksumUnsupported,
        Code::DeferredLengthUnsupported,
        Code::SourceFailed,
        Code::FileUnreadable,
        Code::StorageUnavailable,
        Code::IdentityUnavailable,
        Code::FileHandleUnstorable,
    ];

    /// The stable snake_case name used in JavaScript (`err.code`, `warning.code`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidOption => "invalid_option",
            Code::InvalidEndpoint => "invalid_endpoint",
            Code::InvalidUploadUrl => "invalid_upload_url",
            Code::InvalidChunkSize => "invalid_chunk_size",
            Code::InvalidMetadataKey => "invalid_metadata_key",
            Code::InvalidRetry => "invalid_retry",
            Code::InvalidStallTimeout => "invalid_stall_timeout",
            Code::UnknownSize => "unknown_size",
            Code::Internal => "internal",
            Code::HeadersFailed => "headers_failed",
            Code::MissingLocation => "missing_location",
            Code::MissingUploadOffset => "missing_upload_offset",
            Code::InvalidLocation => "invalid_location",
            Code::InvalidUploadOffset => "invalid_upload_offset",
            Code::OffsetOutOfRange => "offset_out_of_range",
            Code::UploadLengthMismatch => "upload_length_mismatch",
            Code::NoProgress => "no_progress",
            Code::HttpStatus => "http_status",
            Code::Unauthorized => "unauthorized",
            Code::TooLarge => "too_large",
            Code::NetworkError => "network_error",
            Code::OriginNotAllowed => "origin_not_allowed",
            Code::Redirected => "redirected",
            Code::RestartsExhausted => "restarts_exhausted",
            Code::Stalled => "stalled",
            Code::RetriesExhausted => "retries_exhausted",
            Code::UploadGone => "upload_gone",
            Code::Aborted => "aborted",
            Code::Locked => "locked",
            Code::RequestsBlocked => "requests_blocked",
            Code::ParallelUnsupported => "parallel_unsupported",
            Code::ChecksumUnsupported => "checksum_unsupported",
            Code::DeferredLengthUnsupported => "deferred_length_unsupported",
            Code::SourceFailed => "source_failed",
            Code::FileUnreadable => "file_unreadable",
            Code::StorageUnavailable => "storage_unavailable",
            Code::IdentityUnavailable => "identity_unavailable",
            Code::FileHandleUnstorable => "file_handle_unstorable",
        }
    }

    /// The code named `name`, if it is one.
    #[must_use]
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

/// A failure, with a stable machine-readable `code` and a human message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Who or what is at fault.
    pub kind: ErrorKind,
    /// Stable identifier, e.g. `missing_location`. Listed in README.md.
    pub code: Code,
    /// The HTTP status, when the server answered with one.
    pub status: Option<u16>,
    /// For humans; may change between versions.
    pub message: String,
}

/// Longest excerpt of a server's error body kept in a message.
const MAX_SERVER_MESSAGE: usize = 300;

impl Error {
    /// An error of `kind` with `code`.
    pub fn new(kind: ErrorKind, code: Code, message: impl Into<String>) -> Error {
        Error { kind, code, status: None, message: message.into() }
    }

    /// The app passed invalid options.
    pub fn usage(code: Code, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, code, message)
    }

    /// The server broke the protocol.
    pub fn protocol(code: Code, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol, code, message)
    }

    /// A request got no HTTP answer.
    pub fn network(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Network, Code::NetworkError, message)
    }

    /// The app aborted the upload.
    pub fn aborted() -> Error {
        Error::new(ErrorKind::Aborted, Code::Aborted, "the upload was aborted")
    }

    /// The server answered `status` to `method`; `body` is its (possibly empty) message.
    pub fn rejected(method: &str, status: u16, body: &str) -> Error {
        let excerpt = excerpt(body);
        let message = if excerpt.is_empty() {
            format!("the server answered {method} with HTTP {status}")
        } else {
            format!("the server answered {method} with HTTP {status}: {excerpt}")
        };
        Error { kind: ErrorKind::Rejected, code: Code::HttpStatus, status: Some(status), message }
    }

    /// The server no longer knows the upload.
    pub fn expired(method: &str, status: u16) -> Error {
        Error {
            kind: ErrorKind::Expired,
            code: Code::UploadGone,
            status: Some(status),
            message: format!("the server answered {method} with HTTP {status}: the upload no longer exists"),
        }
    }
}

/// `value` in double quotes for a message: at most 100 characters, control characters shown
/// as `?`. (Cheaper than `{:?}`, which pulls Unicode escaping tables into the wasm.)
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(100) + 2);
    out.push('"');
    for (i, c) in value.chars().enumerate() {
        if i == 100 {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { '?' } else { c });
    }
    out.push('"');
    out
}

/// The first line-ish part of a server body, trimmed and cut on a char boundary.
fn excerpt(body: &str) -> &str {
    let body = body.trim();
    if body.len() <= MAX_SERVER_MESSAGE {
        return body;
    }
    let mut end = MAX_SERVER_MESSAGE;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body.get(..end).unwrap_or_default()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_parse_back() {
        for (i, code) in Code::ALL.iter().enumerate() {
            let s = code.as_str();
            assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{s}");
            assert_eq!(Code::parse(s), Some(*code));
            assert!(Code::ALL.iter().skip(i + 1).all(|other| other.as_str() != s), "{s} twice");
        }
        assert_eq!(Code::parse("nonsense"), None);
    }

    #[test]
    fn long_server_messages_are_cut_on_a_char_boundary() {
        let body = "é".repeat(400);
        let e = Error::rejected("PATCH", 500, &body);
        assert!(e.message.len() < 400 + 60, "{}", e.message.len());
        assert!(e.message.ends_with('é'));
    }
}
