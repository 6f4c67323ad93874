//! Reading the server's answers: each one is looked up in the answer table (answer.rs),
//! then applied; successful answers are read here (Location, Upload-Offset, Upload-Length,
//! what OPTIONS taught). Requests that got no answer at all are handled here too.

use super::phase::{InFlight, Next, Phase};
use super::{Upload, MIN_STALL_CHUNK};
use crate::core::answer::{self, Context, Decision, Kind};
use crate::core::capabilities::Capabilities;
use crate::core::config::Config;
use crate::core::config::MIN_CHUNK_SIZE;
use crate::core::error::{quote, Code, Error, ErrorKind};
use crate::core::event::{Event, State};
use crate::core::header;
use crate::core::http::{Response, TransportError};
use crate::core::retry::{parse_retry_after, Delay};
use crate::core::time::{Millis, UnixMillis};
use crate::core::url;

const _: () = assert!(MIN_STALL_CHUNK >= MIN_CHUNK_SIZE);

/// A network error this soon after sending usually means the request never left the
/// browser (CORS refused it, nothing listens): after `BLOCKED_AFTER` of them in a row, warn.
const FAST_FAILURE_MS: u64 = 1_000;
const BLOCKED_AFTER: u32 = 3;

impl Upload {
    /// The request in flight, `req`, got no HTTP answer.
    pub(super) fn on_transport_error(&mut self, req: InFlight, err: TransportError, now: Millis) {
        let (cause, stalled) = match err {
            TransportError::Network(msg) => {
                self.note_fast_failure(req, now);
                (Error::network(msg), false)
            }
            TransportError::Source(msg) => (Error::network(msg), false),
            TransportError::Timeout => (
                Error::new(
                    ErrorKind::Network,
                    Code::Stalled,
                    "the request got no answer within its stall timeout and was abandoned",
                ),
                true,
            ),
            TransportError::Headers(_) | TransportError::Redirect
                if matches!(self.phase, Phase::Terminating { .. }) =>
            {
                return self.finish_abort();
            }
            TransportError::Headers(msg) => {
                let url = self.url().map(str::to_string);
                let error = Error::usage(Code::HeadersFailed, format!("the headers callback failed: {msg}"));
                return self.fail(url, error);
            }
            // Sending again cannot help: the bytes are gone or changed under the page.
            TransportError::Unreadable(msg) => {
                let url = self.url().map(str::to_string);
                let error = if self.length.is_live() {
                    let message = format!("the recording's buffered bytes are gone ({msg})");
                    Error::new(ErrorKind::Storage, Code::SourceFailed, message)
                } else {
                    Error::new(ErrorKind::Storage, Code::FileUnreadable, msg)
                };
                return self.fail(url, error);
            }
            TransportError::Redirect => {
                let url = self.url().map(str::to_string);
                let method = match self.phase {
                    Phase::Discovering { .. } => "OPTIONS",
                    Phase::Creating { .. } => "POST",
                    Phase::Probing { .. } => "HEAD",
                    _ => "PATCH",
                };
                return self.fail(url, answer::redirected(method, None));
            }
        };
        self.on_no_answer(req, cause, stalled, now);
    }

    /// The answer to the request in flight, `req`.
    pub(super) fn on_answer(&mut self, req: InFlight, res: Response, now: Millis) {
        // A connection answered: the quick HEADs after a gap (wake.rs) are over.
        self.wake_probes = 0;
        if !matches!(self.phase, Phase::Patching { .. }) {
            let took = now.since(req.sent_at);
            self.round_trip = Some(self.round_trip.map_or(took, |t| t.min(took)));
        }
        let (kind, url, then_pause) = match &self.phase {
            Phase::Discovering { then, .. } => {
                let then = then.clone();
                return self.on_discovered(then, &res, now);
            }
            Phase::Terminating { .. } if answer::delete_again(res.status) => {
                let retry_after =
                    res.header("retry-after").and_then(|v| parse_retry_after(v, UnixMillis(self.date(now))));
                return self.terminate_later(retry_after, now);
            }
            Phase::Terminating { .. } => return self.finish_abort(),
            Phase::Creating { then_pause, .. } => (Kind::Create, None, *then_pause),
            Phase::Probing { url, .. } | Phase::Patching { url, .. } => {
                let kind = if matches!(self.phase, Phase::Probing { .. }) { Kind::Probe } else { Kind::Patch };
                (kind, Some(url.clone()), false)
            }
            _ => return,
        };
        self.note_expiry(&res);
        let retry_after = res.header("retry-after").and_then(|v| parse_retry_after(v, UnixMillis(self.date(now))));
        let ctx = Context { refreshed: req.refreshed, keyed: self.cfg.idempotency_key.is_some(), retry_after };
        match answer::decide(kind, &res, ctx) {
            Decision::Advance => self.on_success(kind, url, req, res, then_pause, now),
            Decision::Restart => self.restart(Error::expired(kind.method(), res.status), now),
            Decision::Retry { delay, shrink } => {
                if shrink {
                    self.chunks.on_failure();
                }
                if then_pause {
                    // Paused during the POST: nothing was created, nothing to wait for.
                    self.phase = Phase::Paused { url: None };
                    return;
                }
                let cause = Error::rejected(kind.method(), res.status, &res.body);
                self.retry_later(Next::known(url), cause, delay, now);
            }
            Decision::Refresh => self.resend(true, now),
            Decision::Shrink => match (&self.phase, url) {
                (Phase::Patching { start, end, .. }, Some(url))
                    if self.chunks.on_too_large(end - start, MIN_CHUNK_SIZE) =>
                {
                    // The server refused the body's size: the chunk was halved; re-learn the offset.
                    self.probe(url, false, now);
                }
                (_, url) => self.fail(url, answer::error(kind, Code::TooLarge, &res)),
            },
            Decision::Fail(code) => self.fail(url, answer::error(kind, code, &res)),
        }
    }

    /// Sends the request in flight again (with fresh credentials when `refresh`).
    fn resend(&mut self, refresh: bool, now: Millis) {
        match self.phase.clone() {
            Phase::Creating { then_pause, .. } => self.create(refresh, then_pause, now),
            Phase::Probing { url, .. } => self.probe(url, refresh, now),
            Phase::Patching { url, start, end, .. } => self.patch_range(url, start, end, refresh, now),
            _ => {}
        }
    }

    fn on_success(
        &mut self,
        kind: Kind,
        url: Option<String>,
        req: InFlight,
        res: Response,
        then_pause: bool,
        now: Millis,
    ) {
        match (kind, url, self.phase.clone()) {
            (Kind::Create, _, _) => self.on_created(res, then_pause, now),
            (Kind::Probe, Some(url), _) => self.on_probed(url, res, now),
            (Kind::Patch, Some(url), Phase::Patching { start, end, declares, .. }) => {
                if let (true, super::Length::Live(live)) = (declares, &mut self.length) {
                    // The server took the PATCH that carried Upload-Length.
                    live.declared = true;
                }
                self.on_patched(url, start, end, req.sent_at, res, now)
            }
            _ => {}
        }
    }

    /// The request in flight got no answer (`cause`); `stalled`: its deadline passed.
    pub(super) fn on_no_answer(&mut self, req: InFlight, cause: Error, stalled: bool, now: Millis) {
        match self.phase.clone() {
            Phase::Terminating { .. } => self.terminate_later(None, now),
            // Paused during the POST: its fate is unknown; start() creates anew.
            Phase::Creating { then_pause: true, .. } => self.phase = Phase::Paused { url: None },
            Phase::Creating { .. } => {
                // The POST's fate is unknown. Send it again only if that cannot make a second
                // upload the server keeps: failed offline (it never left) or under an
                // Idempotency-Key. A stall is never "never left": it was out for its deadline.
                if (!self.online && !stalled) || self.cfg.idempotency_key.is_some() {
                    self.retry_later(Next::Create, cause, Delay::Backoff, now);
                } else {
                    let message = format!(
                        "{}; the creation may or may not have reached the server, so it was not sent again \
                         (call start() to create the upload anew)",
                        cause.message
                    );
                    self.fail(None, Error { message, ..cause });
                }
            }
            Phase::Probing { url, .. } if stalled && self.wake_probes > 1 => self.probe_again(url, now),
            Phase::Probing { url, .. } => {
                self.wake_probes = 0;
                self.retry_later(Next::Probe(url), cause, Delay::Backoff, now)
            }
            Phase::Discovering { then, .. } => self.retry_later(Next::Discover(then), cause, Delay::Backoff, now),
            Phase::Patching { url, start, end, .. } => {
                // A stall, or a body refused before it was read (some browsers report an early
                // 413 and connection close as a network error): send less next time.
                if stalled || now.since(req.sent_at) < FAST_FAILURE_MS {
                    self.chunks.on_stall(end - start, MIN_STALL_CHUNK);
                } else {
                    self.chunks.on_failure();
                }
                self.retry_later(Next::Probe(url), cause, Delay::Backoff, now);
            }
            _ => {}
        }
    }

    /// The OPTIONS answer (any status): passed on for later uploads when it is one, then applied.
    fn on_discovered(&mut self, then: Option<String>, res: &Response, now: Millis) {
        let caps = Capabilities::from_options(res);
        if let Some(capabilities) = caps {
            self.out.learned(self.cfg.endpoint.clone(), capabilities);
        }
        let answer = format!("OPTIONS answered {}", res.status);
        self.apply_capabilities(then, caps, &answer, now);
    }

    /// What the server supports (learnt now or by an earlier upload to this endpoint): the
    /// checksum algorithm, and whether the file fits.
    pub(super) fn apply_capabilities(
        &mut self,
        then: Option<String>,
        caps: Option<Capabilities>,
        answer: &str,
        now: Millis,
    ) {
        self.discovered = true;
        if let Some(caps) = caps {
            if let Err(error) = caps.check_size(self.length.limit()) {
                return self.fail(then, error);
            }
            self.checksum = caps.checksum;
        }
        self.apply_defer_length(caps.is_some_and(|c| c.defer_length), answer);
        if self.cfg.checksum && self.checksum.is_none() {
            let message = format!(
                "checksums were requested, but the server ({answer}) offers neither sha256 nor sha1 in \
                 Tus-Checksum-Algorithm (or CORS does not expose it); uploading without them"
            );
            self.out.emit(Event::Warning { code: Code::ChecksumUnsupported, message });
        }
        self.go(Next::known(then), now);
    }

    fn on_created(&mut self, res: Response, then_pause: bool, now: Millis) {
        let url = match read_location(&self.cfg, &res, "POST") {
            Ok(url) => url,
            Err(error) => return self.fail(None, error),
        };
        self.offset = 0;
        self.backoff.reset();
        self.fast_failures = 0;
        self.goodput.sample(0, now.0);
        self.out.emit(Event::Created { url: url.clone() });
        self.write_session(&url, now);
        if then_pause {
            self.phase = Phase::Paused { url: Some(url) };
        } else if self.length.complete_at(0) {
            self.complete(url, now);
        } else {
            self.patch_next(url, now);
        }
    }

    fn on_probed(&mut self, url: String, res: Response, now: Millis) {
        if let Some(length) = res.header("upload-length") {
            if header::parse_u64(length) != self.length.total() {
                let known = self
                    .length
                    .total()
                    .map_or_else(|| "is still being recorded".to_string(), |n| format!("has {n} bytes"));
                let message =
                    format!("the server says this upload is {} bytes long, but the source {known}", quote(length));
                return self.fail(Some(url), Error::protocol(Code::UploadLengthMismatch, message));
            }
        }
        // A recording's server knows its length when HEAD shows it (else Upload-Defer-Length).
        let declared = res.header("upload-length").is_some();
        if let super::Length::Live(live) = &mut self.length {
            live.declared = declared;
        }
        let offset = match read_offset(&res, "HEAD", 0, self.length.limit()) {
            Ok(o) => o,
            Err(e) => return self.fail(Some(url), e),
        };
        if offset < self.length.released() {
            // Bytes the buffer let go are lost on the server: as good as losing the upload.
            let reason = Error::new(ErrorKind::Expired, Code::UploadGone, "the server lost bytes it had confirmed");
            return self.restart(reason, now);
        }
        if offset > self.offset {
            self.backoff.reset();
        }
        self.go_on_from(url, offset, now);
    }

    fn on_patched(&mut self, url: String, start: u64, end: u64, sent_at: Millis, res: Response, now: Millis) {
        let offset = match read_offset(&res, "PATCH", start, end) {
            Ok(o) => o,
            Err(e) => return self.fail(Some(url), e),
        };
        if offset == start && end > start {
            // A success that accepted nothing: sending the same bytes again at once could loop.
            let cause = Error::protocol(
                Code::NoProgress,
                format!("the server answered PATCH with {} but accepted none of its bytes", res.status),
            );
            return self.retry_later(Next::Probe(url), cause, Delay::Backoff, now);
        }
        self.fast_failures = 0;
        self.throughput.sample(offset - start, now.since(sent_at));
        self.chunks.on_success(offset - start, now.since(sent_at));
        self.backoff.reset();
        self.go_on_from(url, offset, now);
    }

    /// The server confirmed `offset` of the upload at `url`: record it, then complete or
    /// send the next chunk.
    fn go_on_from(&mut self, url: String, offset: u64, now: Millis) {
        self.confirm(offset, now);
        self.session_progress(&url, now);
        if self.length.complete_at(offset) {
            self.complete(url, now);
        } else {
            self.patch_next(url, now);
        }
    }

    /// The server confirmed `offset`.
    fn confirm(&mut self, offset: u64, now: Millis) {
        self.offset = offset;
        self.release(offset);
        self.goodput.sample(offset, now.0);
        let (size, goodput) = (self.length.total(), &self.goodput);
        self.out.offer(offset, now, |v| crate::core::rate::progress_event(goodput, size, v));
    }

    /// Counts network errors that came back at once and warns when they look like CORS.
    pub(super) fn note_fast_failure(&mut self, req: InFlight, now: Millis) {
        if !self.online || now.since(req.sent_at) >= FAST_FAILURE_MS {
            self.fast_failures = 0;
            return;
        }
        self.fast_failures += 1;
        if self.fast_failures < BLOCKED_AFTER || self.warned_blocked {
            return;
        }
        self.warned_blocked = true;
        let method = self.phase.method();
        let message = format!(
            "{method} requests fail at once without an answer while the browser is online: if the TUS server is \
             on another origin, check that its CORS configuration allows the {method} method and every header \
             sent (Access-Control-Allow-Methods, Access-Control-Allow-Headers, e.g. Idempotency-Key)"
        );
        self.out.emit(Event::Warning { code: Code::RequestsBlocked, message });
    }

    pub(super) fn set_state(&mut self, state: State) {
        self.out.state(state);
    }
}

/// Reads `Upload-Offset` and checks it lies in `[lo, hi]`.
fn read_offset(res: &Response, method: &str, lo: u64, hi: u64) -> Result<u64, Error> {
    let raw = res.header("upload-offset").ok_or_else(|| missing_header("Upload-Offset", method))?;
    let offset = header::parse_u64(raw).ok_or_else(|| {
        Error::protocol(
            Code::InvalidUploadOffset,
            format!("the server's Upload-Offset {} is not a non-negative integer", quote(raw)),
        )
    })?;
    if offset < lo || offset > hi {
        return Err(Error::protocol(
            Code::OffsetOutOfRange,
            format!("the server confirmed offset {offset} after {method}, outside the possible range {lo}..={hi}"),
        ));
    }
    Ok(offset)
}

/// The upload URL a creation answer (`what`: "POST", "the final POST") names in `Location`,
/// resolved against the endpoint. Fails when it is missing, unusable, or on an origin `cfg`
/// does not allow: nothing is ever sent to such a URL, and the app's `headers` function is
/// never asked for it.
pub(crate) fn read_location(cfg: &Config, res: &Response, what: &str) -> Result<String, Error> {
    let location = res.header("location").ok_or_else(|| missing_header("Location", what))?;
    let url = url::resolve(&cfg.endpoint, location).ok_or_else(|| {
        Error::protocol(
            Code::InvalidLocation,
            format!("the server's Location {} is not a usable http(s) URL", quote(location)),
        )
    })?;
    if !cfg.allows(&url) {
        let origin = url::origin(&url).unwrap_or_default();
        let message = format!(
            "the server answered {what} with a Location on {origin}, which is not the endpoint's origin; \
             nothing was sent there (add {origin} to allowedOrigins if that server is yours)"
        );
        return Err(Error::protocol(Code::OriginNotAllowed, message));
    }
    Ok(url)
}

/// A required response header is absent. In browsers the usual cause is CORS: the server
/// sends it but does not list it in `Access-Control-Expose-Headers`.
pub(crate) fn missing_header(name: &str, method: &str) -> Error {
    let code = if name == "Location" { Code::MissingLocation } else { Code::MissingUploadOffset };
    Error::protocol(
        code,
        format!(
            "the server's answer to {method} has no readable {name} header; if the server sends it, \
             add {name} to Access-Control-Expose-Headers in its CORS configuration"
        ),
    )
}
