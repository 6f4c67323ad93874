//! The HTTP vocabulary between the core and a driver.
//!
//! Requests are descriptions, not connections: a method, an absolute URL, protocol headers
//! and a body that is at most a byte range of the source (the driver turns it into
//! `file.slice(start, end)`, so file bytes never pass through the core). App headers such as
//! `Authorization` are added by the driver and never seen, stored or logged here.

use super::checksum::Algorithm;

/// Identifies one request. Fresh for every request; answers to ids no longer in flight are
/// ignored, which makes pause/abort races harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// The HTTP methods TUS uses.
pub enum Method {
    /// Creation (and the final concatenation).
    Post,
    /// Bytes.
    Patch,
    /// The offset.
    Head,
    /// Termination.
    Delete,
    /// Discovery.
    Options,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

/// What goes in the request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// Bytes `start..end` of the source.
    Source {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// No body; the request makes final what was read from the source before (a
    /// concatenation's final POST joins parts sent earlier): the driver checks first that the
    /// source has not changed since.
    Commit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// One request for the driver to perform.
pub struct Request {
    /// The method.
    pub method: Method,
    /// An absolute URL.
    pub url: String,
    /// Protocol headers (app headers are added by the driver).
    pub headers: Vec<(&'static str, String)>,
    /// What to send.
    pub body: Body,
    /// The previous attempt of this request was refused (401/403): the driver must ask the
    /// app for fresh credentials (its `headers` callback gets `refused: true`).
    pub refresh_auth: bool,
    /// The driver must add `Upload-Checksum` computed with this algorithm over the body.
    pub checksum: Option<Algorithm>,
}

impl Request {
    /// The value of a header this request carries, if any (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Response headers the core reads. Drivers copy these (and only these) out of a response.
pub const RESPONSE_HEADERS: &[&str] = &[
    "location",
    "upload-offset",
    "upload-length",
    "upload-expires",
    "tus-resumable",
    "tus-version",
    "tus-extension",
    "tus-max-size",
    "retry-after",
    "tus-checksum-algorithm",
];

/// An HTTP answer, as much of it as the core needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Header names in lowercase. Only names from [`RESPONSE_HEADERS`] are consulted.
    pub headers: Vec<(String, String)>,
    /// The body text for error statuses (may be truncated by the driver), else empty.
    pub body: String,
}

impl Response {
    /// An answer with `status`, no headers and no body.
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: String::new() }
    }

    /// Builder used by drivers and tests.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Builder: the body text.
    pub fn with_body(mut self, body: &str) -> Response {
        self.body = body.to_string();
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request that got no HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// Connection refused or reset, DNS failure, CORS rejection: fetch's `TypeError`.
    Network(String),
    /// The driver gave up waiting (stall detection).
    Timeout,
    /// The app's `headers` callback threw or returned something unusable.
    Headers(String),
    /// The answer was a redirect whose status the platform hides (fetch's
    /// `redirect: 'manual'` gives an opaque redirect). It was not followed.
    Redirect,
    /// The request's body could not be read from the file: it changed on disk or is gone
    /// since it was picked, and the browser refuses to read it. Sending again cannot help.
    Unreadable(String),
    /// A recording's buffer could not give the request's body for now (its store failed to
    /// read): the request never left. Sent again like a network error, but never taken for
    /// a request the browser blocked.
    Source(String),
}
