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

/// A failure, with a stable machine-readable `code` and a human message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// Stable identifier, e.g. `missing_location`. Listed in README.md.
    pub code: &'static str,
    /// The HTTP status, when the server answered with one.
    pub status: Option<u16>,
    pub message: String,
}

/// Longest excerpt of a server's error body kept in a message.
const MAX_SERVER_MESSAGE: usize = 300;

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Error {
        Error { kind, code, status: None, message: message.into() }
    }

    pub fn usage(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, code, message)
    }

    pub fn protocol(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol, code, message)
    }

    pub fn network(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Network, "network_error", message)
    }

    pub fn aborted() -> Error {
        Error::new(ErrorKind::Aborted, "aborted", "the upload was aborted")
    }

    /// The server answered `status` to `method`; `body` is its (possibly empty) message.
    pub fn rejected(method: &str, status: u16, body: &str) -> Error {
        let excerpt = excerpt(body);
        let message = if excerpt.is_empty() {
            format!("the server answered {method} with HTTP {status}")
        } else {
            format!("the server answered {method} with HTTP {status}: {excerpt}")
        };
        Error { kind: ErrorKind::Rejected, code: "http_status", status: Some(status), message }
    }

    /// The server no longer knows the upload.
    pub fn expired(method: &str, status: u16) -> Error {
        Error {
            kind: ErrorKind::Expired,
            code: "upload_gone",
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
    &body[..end]
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Error {}
