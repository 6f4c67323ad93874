//! What an HTTP status means for a TUS client: the status matrix as data.
//!
//! `classify` maps a status to a [`Verdict`]; answer.rs decides what each verdict does for
//! the request that got it (the same 404 restarts a PATCH but is fatal for a POST). Nothing
//! here looks at headers or bodies.

/// The meaning of a status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx.
    Success,
    /// 404, 410: the upload (or the endpoint) does not exist.
    Gone,
    /// 409: the offset we sent is not the server's; a HEAD tells the truth.
    Conflict,
    /// 423: someone else holds the upload for now.
    Locked,
    /// 429, 503: the server asks us to come back later (`Retry-After` may say when).
    Throttled,
    /// 408, 500, 502, 504 and other 5xx: a server or gateway trouble that may pass.
    ServerError,
    /// 401, 403: the credentials were refused; fresh ones may help.
    Unauthorized,
    /// 413: the request body was too large.
    TooLarge,
    /// 460 (TUS checksum mismatch; 417 from some servers): the chunk arrived damaged.
    ChecksumMismatch,
    /// 3xx, or fetch's opaque redirect: the request was redirected. ferry follows no
    /// redirect (it would re-send a body, and headers, somewhere the app did not name).
    Redirect,
    /// Any other status: retrying would not change the answer.
    Fatal,
}

/// The meaning of `status`.
pub fn classify(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Success,
        404 | 410 => Verdict::Gone,
        409 => Verdict::Conflict,
        423 => Verdict::Locked,
        429 | 503 => Verdict::Throttled,
        401 | 403 => Verdict::Unauthorized,
        413 => Verdict::TooLarge,
        417 | 460 => Verdict::ChecksumMismatch,
        408 | 500..=599 => Verdict::ServerError,
        300..=399 => Verdict::Redirect,
        _ => Verdict::Fatal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_one_meaning() {
        let rows = [
            (200, Verdict::Success),
            (201, Verdict::Success),
            (204, Verdict::Success),
            (400, Verdict::Fatal),
            (401, Verdict::Unauthorized),
            (403, Verdict::Unauthorized),
            (404, Verdict::Gone),
            (408, Verdict::ServerError),
            (409, Verdict::Conflict),
            (410, Verdict::Gone),
            (412, Verdict::Fatal),
            (413, Verdict::TooLarge),
            (415, Verdict::Fatal),
            (417, Verdict::ChecksumMismatch),
            (423, Verdict::Locked),
            (429, Verdict::Throttled),
            (460, Verdict::ChecksumMismatch),
            (500, Verdict::ServerError),
            (502, Verdict::ServerError),
            (503, Verdict::Throttled),
            (504, Verdict::ServerError),
            (599, Verdict::ServerError),
            (302, Verdict::Redirect),
            (307, Verdict::Redirect),
            (308, Verdict::Redirect),
            (300, Verdict::Redirect),
            (399, Verdict::Redirect),
            (400, Verdict::Fatal),
            (0, Verdict::Fatal),
        ];
        for (status, verdict) in rows {
            assert_eq!(classify(status), verdict, "status {status}");
        }
    }
}
