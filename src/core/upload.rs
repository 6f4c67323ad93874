//! The upload state machine: every transition of one TUS upload lives in this file.
//!
//! Rules (read these before changing anything below):
//! 1. Inputs are `start`, `pause`, `abort`, `handle_response`, `handle_failure`,
//!    `handle_timeout` and `handle_online`; each takes `now`. After any input the caller
//!    drains `poll_output` until `Output::Idle`.
//! 2. At most one request is in flight. Each gets a fresh `RequestId`; an answer to an id
//!    that is not the one in flight is ignored (so pause/abort/stall races are non-events).
//! 3. A HEAD is never sent while a PATCH for the same upload is in flight.
//! 4. The offset moves only on a server answer: a 2xx PATCH response inside
//!    `[chunk start, chunk end]` (less than sent = partial acceptance; we continue from it),
//!    or a 2xx HEAD within `[0, size]`. Completion is taken from the PATCH (or HEAD) answer
//!    itself, never inferred.
//! 5. Progress is the server-confirmed offset, throttled and never decreasing; the only
//!    exception is a `Restarted` event (the server lost the upload), after which it counts
//!    the new upload from zero.
//! 6. Events that end a phase (paused, failed, completed) are delivered after any pending
//!    progress, so the last progress always precedes them.
//! 7. Nothing here panics on server input: every header is parsed strictly and every bad
//!    value becomes a typed `Protocol` error.
//! 8. Only idempotent requests are retried on their own: HEAD, and PATCH after a HEAD has
//!    re-learned the offset. A POST is sent again only where the server cannot have created
//!    an upload (429, 503 with `Retry-After`, the browser offline) or when it carries an
//!    `Idempotency-Key`. A 5xx on HEAD never re-creates; only 404/410 start over, and say so.
//! 9. Failures that may pass wait in `Waiting` (state `reconnecting`) with backoff and
//!    jitter, bounded by a time budget per episode (reset whenever the server confirms new
//!    bytes); while the browser is offline they wait in `Offline` and spend nothing.
//!    Exhausting the budget fails the upload but keeps its URL: `start` continues it.
//!
//! 10. With a session key, the record is written (`Persist`) as soon as the upload URL is
//!     known, then at most every `PERSIST_INTERVAL_MS` while bytes are confirmed, and on
//!     pause and failure; it is deleted (`Forget`) on completion (unless kept) and on abort.
//!     `now` is wall-clock milliseconds here, since records and `Upload-Expires` are dates.
//!
//! Timers form a fixed table (see [`Timer`]): progress throttle, stall deadline of the
//! request in flight, end of a retry wait, coalesced session write. The next wake-up is the
//! table's minimum.
//!
//! Not here yet (seams left open): parallel parts.

use std::collections::VecDeque;

use super::capabilities::Capabilities;
use super::checksum::Algorithm;
use super::chunking::ChunkSizer;
use super::config::{Config, SourceInfo, MIN_CHUNK_SIZE};
use super::date::parse_http_date;
use super::error::{quote, Error, ErrorKind};
use super::event::{Event, State};
use super::header;
use super::http::{Body, Method, Request, RequestId, Response, TransportError};
use super::metadata;
use super::progress::Throttle;
use super::rate::{Goodput, Throughput};
use super::retry::{parse_retry_after, Backoff, Delay, Rng};
use super::session::{SessionRecord, PERSIST_INTERVAL_MS};
use super::status::{classify, Verdict};
use super::time::Millis;
use super::url;

/// The protocol version this client speaks.
pub const TUS_VERSION: &str = "1.0.0";

/// How many times one run may find its upload gone and start over before giving up.
pub const MAX_RESTARTS: u32 = 3;

/// A stalled PATCH halves the chunk size, but not below this.
pub const MIN_STALL_CHUNK: u64 = 256 * 1024;

/// What the core asks its driver to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Perform this request and report back with `handle_response` or `handle_failure`.
    Send(RequestId, Request),
    /// Abort this request if it is still running; its answer will be ignored anyway.
    Cancel(RequestId),
    /// Tell the app.
    Event(Event),
    /// Store this session record (replacing any with the same key).
    Persist(SessionRecord),
    /// Delete the session record with this key.
    Forget(String),
    /// Nothing more to do; call `handle_timeout` at `wake_at`, if given.
    Idle { wake_at: Option<Millis> },
}

/// The timers an upload can have running, one slot each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A throttled progress event is due.
    Progress,
    /// The request in flight has had no answer for too long.
    Stall,
    /// A retry wait is over.
    Retry,
    /// A coalesced session write is due.
    Persist,
}

/// What to do when a wait ends.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Next {
    /// Send the creation POST (again).
    Create,
    /// Learn the offset of this upload with HEAD, then continue.
    Probe(String),
    /// Ask the server what it supports (OPTIONS), then create (`None`) or probe the URL.
    Discover(Option<String>),
}

impl Next {
    fn url(&self) -> Option<&str> {
        match self {
            Next::Create | Next::Discover(None) => None,
            Next::Probe(url) | Next::Discover(Some(url)) => Some(url),
        }
    }
}

/// Where the upload is. Each variant carries only what is valid in it.
#[derive(Clone, Debug)]
enum Phase {
    Idle,
    Discovering { req: RequestId, then: Option<String> },
    Creating { req: RequestId, then_pause: bool },
    Probing { url: String, req: RequestId },
    Patching { url: String, req: RequestId, start: u64, end: u64, sent_at: Millis },
    Waiting { next: Next, until: Millis },
    Offline { next: Next },
    Paused { url: Option<String> },
    Terminating { req: RequestId },
    Completed { url: String },
    Failed { url: Option<String>, error: Error },
    Aborted,
}

/// One TUS upload, driven by inputs and drained by `poll_output`.
#[derive(Debug)]
pub struct Upload {
    cfg: Config,
    size: u64,
    metadata_header: Option<String>,
    phase: Phase,
    /// The server's latest confirmed offset for the current upload URL.
    offset: u64,
    throttle: Throttle,
    next_id: u64,
    state: State,
    out: VecDeque<Output>,
    /// Events held back until pending progress has been delivered (rule 6).
    deferred: Vec<Event>,
    rng: Rng,
    backoff: Backoff,
    /// Whether the browser says it is online (`handle_online`).
    online: bool,
    /// When the request in flight counts as stalled.
    stall_at: Option<Millis>,
    throughput: Throughput,
    /// Decides the size of each PATCH body.
    chunks: ChunkSizer,
    /// Confirmed bytes per second over time, for progress events.
    goodput: Goodput,
    /// The next request must ask the app for fresh credentials.
    refresh_next: bool,
    /// Fresh credentials were already asked for since the last success.
    auth_refreshed: bool,
    /// Times this run found its upload gone and started over.
    restarts: u32,
    source: SourceInfo,
    /// The session record's bookkeeping, when the upload has a session key.
    session: Option<Session>,
    /// An upload URL from a stored session, to try (HEAD) on the first start.
    restored: Option<String>,
    /// The `now` of the latest input.
    clock: Millis,
    /// When the request in flight was sent.
    sent_at: Millis,
    /// Whether the server's capabilities were learnt (OPTIONS), when checksums need them.
    discovered: bool,
    /// The checksum algorithm agreed with the server, if any.
    checksum: Option<Algorithm>,
    /// Network errors that came back at once since the last PATCH or POST succeeded (a HEAD
    /// may well succeed while CORS blocks PATCH).
    fast_failures: u32,
    /// The blocked-request warning was given.
    warned_blocked: bool,
}

/// A network error this soon after sending usually means the request never left the
/// browser (CORS refused it, nothing listens): after `BLOCKED_AFTER` of them in a row, warn.
const FAST_FAILURE_MS: u64 = 1_000;
const BLOCKED_AFTER: u32 = 3;

/// Bookkeeping for the session record.
#[derive(Clone, Debug)]
struct Session {
    key: String,
    created_at: u64,
    expires_at: Option<u64>,
    last_write: Option<Millis>,
    /// Confirmed bytes not yet written.
    dirty: bool,
}

impl Upload {
    /// Validates the options and prepares an upload; nothing is sent until `start`.
    pub fn new(cfg: Config, source: SourceInfo, now: Millis) -> Result<Upload, Error> {
        cfg.validate()?;
        let size = source
            .size
            .ok_or_else(|| Error::usage("unknown_size", "sources of unknown length are not supported yet"))?;
        let pairs = source.creation_metadata(&cfg.metadata);
        for (key, _) in &pairs {
            metadata::validate_key(key)?;
        }
        let metadata_header = metadata::encode(&pairs);
        let throttle = Throttle::new(cfg.progress_interval_ms);
        let session = cfg.session_key.clone().map(|key| Session {
            key,
            created_at: now.0,
            expires_at: None,
            last_write: None,
            dirty: false,
        });
        Ok(Upload {
            source,
            session,
            restored: None,
            clock: now,
            sent_at: now,
            discovered: false,
            checksum: None,
            fast_failures: 0,
            warned_blocked: false,
            rng: Rng::new(cfg.seed),
            chunks: ChunkSizer::new(cfg.chunk_policy()),
            goodput: Goodput::default(),
            cfg,
            size,
            metadata_header,
            phase: Phase::Idle,
            offset: 0,
            throttle,
            next_id: 0,
            state: State::Idle,
            out: VecDeque::new(),
            deferred: Vec::new(),
            backoff: Backoff::default(),
            online: true,
            stall_at: None,
            throughput: Throughput::default(),
            refresh_next: false,
            auth_refreshed: false,
            restarts: 0,
        })
    }

    /// Prepares an upload that continues a stored session: the first `start` asks the
    /// server (HEAD) where the stored upload stands, or starts over, saying why, if the
    /// record has expired or does not describe this file.
    pub fn resume(mut cfg: Config, record: SessionRecord, source: SourceInfo, now: Millis) -> Result<Upload, Error> {
        cfg.session_key = Some(record.key.clone());
        let mut up = Upload::new(cfg, source, now)?;
        if record.size == up.size && url::is_absolute_http(&record.upload_url) {
            if let Some(s) = &mut up.session {
                s.created_at = record.created_at;
                s.expires_at = record.expires_at;
            }
            up.restored = Some(record.upload_url);
        }
        Ok(up)
    }

    // ---- queries -------------------------------------------------------------------

    pub fn state(&self) -> State {
        self.state
    }

    /// Bytes confirmed by the server, as last reported in a progress event.
    pub fn bytes_confirmed(&self) -> u64 {
        self.throttle.reported()
    }

    pub fn bytes_total(&self) -> u64 {
        self.size
    }

    /// Smoothed throughput of confirmed bytes, 0 until measured.
    pub fn bytes_per_sec(&self) -> u64 {
        self.throughput.bytes_per_sec()
    }

    /// The upload URL, once known.
    pub fn url(&self) -> Option<&str> {
        match &self.phase {
            Phase::Probing { url, .. } | Phase::Patching { url, .. } | Phase::Completed { url } => Some(url),
            Phase::Paused { url } | Phase::Failed { url, .. } => url.as_deref(),
            Phase::Waiting { next, .. } | Phase::Offline { next } => next.url(),
            Phase::Discovering { then, .. } => then.as_deref(),
            Phase::Idle => self.restored.as_deref().or(self.cfg.upload_url.as_deref()),
            Phase::Creating { .. } | Phase::Terminating { .. } | Phase::Aborted => None,
        }
    }

    /// The end of this run, once every event has been delivered: `Ok(url)` on completion.
    pub fn outcome(&self) -> Option<Result<String, Error>> {
        if !self.deferred.is_empty() || self.throttle.has_pending() {
            return None;
        }
        match &self.phase {
            Phase::Completed { url } => Some(Ok(url.clone())),
            Phase::Failed { error, .. } => Some(Err(error.clone())),
            Phase::Aborted => Some(Err(Error::aborted())),
            _ => None,
        }
    }

    fn in_flight(&self) -> Option<RequestId> {
        match &self.phase {
            Phase::Discovering { req, .. }
            | Phase::Creating { req, .. }
            | Phase::Probing { req, .. }
            | Phase::Patching { req, .. }
            | Phase::Terminating { req } => Some(*req),
            _ => None,
        }
    }

    /// The timer table: each slot and when it fires, if armed.
    pub fn timers(&self) -> [(Timer, Option<Millis>); 4] {
        let retry = match &self.phase {
            Phase::Waiting { until, .. } => Some(*until),
            _ => None,
        };
        let persist = match &self.session {
            Some(Session { dirty: true, last_write: Some(t), .. }) => Some(t.plus(PERSIST_INTERVAL_MS)),
            _ => None,
        };
        [
            (Timer::Progress, self.throttle.deadline()),
            (Timer::Stall, self.stall_at),
            (Timer::Retry, retry),
            (Timer::Persist, persist),
        ]
    }

    /// When this upload next needs `handle_timeout`, if at all.
    pub fn next_wake(&self) -> Option<Millis> {
        self.next_deadline()
    }

    fn next_deadline(&self) -> Option<Millis> {
        self.timers().iter().filter_map(|(_, at)| *at).min()
    }

    // ---- commands ------------------------------------------------------------------

    /// Starts, or continues after a pause or failure; during a retry wait, tries at once.
    /// A no-op while a request is in flight.
    pub fn start(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        let next = match &mut self.phase {
            Phase::Idle => {
                if let Some(url) = self.restored.take() {
                    if let Some(at) = self.session.as_ref().and_then(|s| s.expires_at).filter(|t| *t <= now.0) {
                        let reason = Error {
                            status: None,
                            message: format!("the stored upload {url} expired at {at} (its Upload-Expires)"),
                            ..Error::expired("HEAD", 410)
                        };
                        return self.restart(reason, now);
                    }
                    Next::Probe(url)
                } else {
                    known(self.cfg.upload_url.clone())
                }
            }
            Phase::Paused { url } | Phase::Failed { url, .. } => {
                let next = known(url.take());
                self.backoff.reset();
                self.restarts = 0;
                self.auth_refreshed = false;
                next
            }
            Phase::Waiting { next, .. } => next.clone(),
            Phase::Offline { next } => {
                // The app knows better than navigator.onLine (which can be wrong): try now.
                self.online = true;
                next.clone()
            }
            Phase::Creating { then_pause, .. } => {
                *then_pause = false;
                self.set_state(State::Creating);
                return;
            }
            _ => return,
        };
        self.go(next, now);
    }

    /// Pauses: aborts the request in flight; `start` continues later from the server's offset.
    /// A creation in flight is allowed to finish so that its upload URL is not lost.
    pub fn pause(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        // Time spent paused is not slow uploading.
        self.goodput.unmark();
        match std::mem::replace(&mut self.phase, Phase::Aborted) {
            Phase::Creating { req, .. } => {
                self.phase = Phase::Creating { req, then_pause: true };
                self.settle_state(State::Paused);
            }
            Phase::Discovering { req, then } => {
                self.cancel(req);
                self.phase = Phase::Paused { url: then };
                self.settle_state(State::Paused);
            }
            Phase::Probing { url, req } | Phase::Patching { url, req, .. } => {
                self.cancel(req);
                self.phase = Phase::Paused { url: Some(url) };
                self.flush_session(now);
                self.settle_state(State::Paused);
            }
            Phase::Waiting { next, .. } | Phase::Offline { next } => {
                self.phase = Phase::Paused { url: next.url().map(str::to_string) };
                self.flush_session(now);
                self.settle_state(State::Paused);
            }
            other => self.phase = other,
        }
    }

    /// Ends the upload. With `terminate`, asks the server to delete it (TUS termination).
    pub fn abort(&mut self, terminate: bool, now: Millis) {
        self.clock = self.clock.max(now);
        if matches!(self.phase, Phase::Completed { .. } | Phase::Aborted | Phase::Terminating { .. }) {
            return;
        }
        if let Some(req) = self.in_flight() {
            self.cancel(req);
        }
        let url = self.url().map(str::to_string);
        match url {
            Some(url) if terminate => {
                let req = self.send(Method::Delete, url, Vec::new(), Body::Empty, now);
                self.phase = Phase::Terminating { req };
            }
            _ => self.finish_abort(),
        }
        self.forget_session();
    }

    // ---- inputs ----------------------------------------------------------------------

    pub fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
        self.clock = self.clock.max(now);
        if self.in_flight() != Some(id) {
            return;
        }
        self.stall_at = None;
        match std::mem::replace(&mut self.phase, Phase::Aborted) {
            Phase::Discovering { then, .. } => self.on_discovered(then, res, now),
            Phase::Creating { then_pause, .. } => self.on_create_answer(res, then_pause, now),
            Phase::Probing { url, .. } => self.on_probe_answer(url, res, now),
            Phase::Patching { url, start, end, sent_at, .. } => {
                self.on_patch_answer(url, start, end, sent_at, res, now)
            }
            Phase::Terminating { .. } => self.finish_abort(),
            other => self.phase = other,
        }
    }

    pub fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis) {
        self.clock = self.clock.max(now);
        if self.in_flight() != Some(id) {
            return;
        }
        self.stall_at = None;
        let cause = match err {
            TransportError::Network(msg) => {
                self.note_fast_failure(now);
                Error::network(msg)
            }
            TransportError::Timeout => Error::new(
                ErrorKind::Network,
                "stalled",
                "the request got no answer within its stall timeout and was abandoned",
            ),
            TransportError::Headers(msg) => {
                let url = self.url().map(str::to_string);
                if matches!(self.phase, Phase::Terminating { .. }) {
                    return self.finish_abort();
                }
                return self.fail(url, Error::usage("headers_failed", format!("the headers callback failed: {msg}")));
            }
        };
        match std::mem::replace(&mut self.phase, Phase::Aborted) {
            Phase::Terminating { .. } => self.finish_abort(),
            Phase::Creating { then_pause, .. } => {
                // The POST's fate is unknown. Send it again only if that cannot make a second
                // upload the server keeps: offline (it never left) or under an Idempotency-Key.
                if then_pause {
                    self.phase = Phase::Paused { url: None };
                } else if !self.online || self.cfg.idempotency_key.is_some() {
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
            Phase::Probing { url, .. } => self.retry_later(Next::Probe(url), cause, Delay::Backoff, now),
            Phase::Discovering { then, .. } => self.retry_later(Next::Discover(then), cause, Delay::Backoff, now),
            Phase::Patching { url, start, end, .. } => {
                // A stall, or a body refused before it was read (some browsers report an early
                // 413 and connection close as a network error): send less next time.
                let refused_early = now.since(self.sent_at) < FAST_FAILURE_MS;
                if cause.code == "stalled" || refused_early {
                    self.chunks.on_stall(end - start, MIN_STALL_CHUNK.max(MIN_CHUNK_SIZE));
                } else {
                    self.chunks.on_failure();
                }
                self.retry_later(Next::Probe(url), cause, Delay::Backoff, now);
            }
            other => self.phase = other,
        }
    }

    /// Delivers timed work: throttled progress, stall deadlines, the end of retry waits.
    /// Spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        for (timer, at) in self.timers() {
            if !matches!(at, Some(t) if t <= now) {
                continue;
            }
            match timer {
                Timer::Progress => {
                    if let Some(v) = self.throttle.poll(now) {
                        let ev = self.progress_event(v);
                        self.out.push_back(Output::Event(ev));
                    }
                }
                Timer::Stall => {
                    self.stall_at = None;
                    if let Some(req) = self.in_flight() {
                        self.out.push_back(Output::Cancel(req));
                        self.handle_failure(req, TransportError::Timeout, now);
                    }
                }
                Timer::Retry => {
                    if let Phase::Waiting { next, .. } = std::mem::replace(&mut self.phase, Phase::Aborted) {
                        self.go(next, now);
                    }
                }
                Timer::Persist => self.flush_session(now),
            }
        }
        self.flush_deferred();
    }

    /// The browser went offline or came back. Offline, retry waits stop spending attempts;
    /// back online, a waiting upload continues at once with a fresh retry budget.
    pub fn handle_online(&mut self, online: bool, now: Millis) {
        self.clock = self.clock.max(now);
        if self.online == online {
            return;
        }
        self.online = online;
        match std::mem::replace(&mut self.phase, Phase::Aborted) {
            Phase::Waiting { next, .. } if !online => self.wait_offline(next),
            Phase::Offline { next } if online => {
                self.backoff.reset();
                self.go(next, now);
            }
            other => self.phase = other,
        }
    }

    /// The next thing to do. Call until it returns `Output::Idle`.
    #[must_use]
    pub fn poll_output(&mut self) -> Output {
        self.out.pop_front().unwrap_or(Output::Idle { wake_at: self.next_deadline() })
    }

    // ---- answers ---------------------------------------------------------------------

    /// The OPTIONS answer: remembered for later uploads when it is one, then applied.
    fn on_discovered(&mut self, then: Option<String>, res: Response, now: Millis) {
        let caps = Capabilities::from_options(&res);
        if let Some(capabilities) = caps {
            self.emit(Event::Discovered { endpoint: self.cfg.endpoint.clone(), capabilities });
        }
        let answer = format!("OPTIONS answered {}", res.status);
        self.apply_capabilities(then, caps, &answer, now);
    }

    /// What the server supports (learnt now or by an earlier upload to this endpoint): the
    /// checksum algorithm, and whether the file fits.
    fn apply_capabilities(&mut self, then: Option<String>, caps: Option<Capabilities>, answer: &str, now: Millis) {
        self.discovered = true;
        if let Some(caps) = caps {
            if let Err(error) = caps.check_size(self.size) {
                return self.fail(then, error);
            }
            self.checksum = caps.checksum;
        }
        if self.checksum.is_none() {
            let message = format!(
                "checksums were requested, but the server ({answer}) offers neither sha256 nor sha1 in \
                 Tus-Checksum-Algorithm (or CORS does not expose it); uploading without them"
            );
            self.emit(Event::Warning { code: "checksum_unsupported", message });
        }
        self.go(known(then), now);
    }

    fn on_create_answer(&mut self, res: Response, then_pause: bool, now: Millis) {
        self.note_expiry(&res);
        let verdict = classify(res.status);
        if verdict == Verdict::Success {
            self.auth_refreshed = false;
            return self.on_created(res, then_pause, now);
        }
        let retry_after = res.header("retry-after").and_then(|v| parse_retry_after(v, now));
        // Answers after which the server certainly holds no new upload, or holds it under our key.
        let delay = match verdict {
            Verdict::Throttled if res.status == 429 || retry_after.is_some() => {
                Some(retry_after.map_or(Delay::Backoff, Delay::After))
            }
            Verdict::Throttled | Verdict::ServerError if self.cfg.idempotency_key.is_some() => Some(Delay::Backoff),
            _ => None,
        };
        if let Some(delay) = delay {
            if then_pause {
                self.phase = Phase::Paused { url: None };
                return;
            }
            return self.retry_later(Next::Create, Error::rejected("POST", res.status, &res.body), delay, now);
        }
        match verdict {
            Verdict::Unauthorized if !self.auth_refreshed => {
                self.auth_refreshed = true;
                self.refresh_next = true;
                self.create(now);
                if then_pause {
                    self.phase = match std::mem::replace(&mut self.phase, Phase::Aborted) {
                        Phase::Creating { req, .. } => Phase::Creating { req, then_pause: true },
                        other => other,
                    };
                }
            }
            Verdict::Unauthorized => self.fail(None, unauthorized("POST", &res)),
            Verdict::TooLarge => self.fail(
                None,
                Error {
                    code: "too_large",
                    ..Error::rejected(
                        "POST",
                        res.status,
                        &format!("the file is larger than the server accepts. {}", res.body),
                    )
                },
            ),
            _ => self.fail(None, Error::rejected("POST", res.status, &res.body)),
        }
    }

    fn on_created(&mut self, res: Response, then_pause: bool, now: Millis) {
        let Some(location) = res.header("location") else {
            return self.fail(None, missing_header("Location", "POST"));
        };
        let Some(url) = url::resolve(&self.cfg.endpoint, location) else {
            return self.fail(
                None,
                Error::protocol(
                    "invalid_location",
                    format!("the server's Location {} is not a usable http(s) URL", quote(location)),
                ),
            );
        };
        self.offset = 0;
        self.backoff.reset();
        self.fast_failures = 0;
        self.goodput.sample(0, now.0);
        self.emit(Event::Created { url: url.clone() });
        self.write_session(&url, now);
        if then_pause {
            self.phase = Phase::Paused { url: Some(url) };
        } else if self.size == 0 {
            self.complete(url, now);
        } else {
            self.patch_next(url, now);
        }
    }

    fn on_probe_answer(&mut self, url: String, res: Response, now: Millis) {
        self.note_expiry(&res);
        let retry_after = res.header("retry-after").and_then(|v| parse_retry_after(v, now));
        let cause = || Error::rejected("HEAD", res.status, &res.body);
        match classify(res.status) {
            Verdict::Success => {
                self.auth_refreshed = false;
                self.on_probed(url, res, now)
            }
            Verdict::Gone => self.restart(Error::expired("HEAD", res.status), now),
            Verdict::Unauthorized if !self.auth_refreshed => {
                self.auth_refreshed = true;
                self.refresh_next = true;
                self.probe(url, now);
            }
            Verdict::Unauthorized => self.fail(Some(url), unauthorized("HEAD", &res)),
            Verdict::Throttled => {
                self.retry_later(Next::Probe(url), cause(), retry_after.map_or(Delay::Backoff, Delay::After), now)
            }
            Verdict::ServerError | Verdict::Locked | Verdict::Conflict => {
                self.retry_later(Next::Probe(url), cause(), Delay::Backoff, now)
            }
            Verdict::TooLarge | Verdict::ChecksumMismatch | Verdict::Fatal => self.fail(Some(url), cause()),
        }
    }

    fn on_probed(&mut self, url: String, res: Response, now: Millis) {
        if let Some(length) = res.header("upload-length") {
            if header::parse_u64(length) != Some(self.size) {
                return self.fail(
                    Some(url),
                    Error::protocol(
                        "upload_length_mismatch",
                        format!(
                            "the server says this upload is {} bytes long, but the file has {} bytes",
                            quote(length),
                            self.size
                        ),
                    ),
                );
            }
        }
        let offset = match self.read_offset(&res, "HEAD", 0, self.size) {
            Ok(o) => o,
            Err(e) => return self.fail(Some(url), e),
        };
        if offset > self.offset {
            self.backoff.reset();
        }
        self.confirm(offset, now);
        self.session_progress(&url, now);
        if offset == self.size {
            self.complete(url, now);
        } else {
            self.patch_next(url, now);
        }
    }

    fn on_patch_answer(&mut self, url: String, start: u64, end: u64, sent_at: Millis, res: Response, now: Millis) {
        self.note_expiry(&res);
        let retry_after = res.header("retry-after").and_then(|v| parse_retry_after(v, now));
        let cause = || Error::rejected("PATCH", res.status, &res.body);
        match classify(res.status) {
            Verdict::Success => {
                self.auth_refreshed = false;
                self.on_patched(url, start, end, sent_at, res, now)
            }
            Verdict::Gone => self.restart(Error::expired("PATCH", res.status), now),
            Verdict::Conflict => self.retry_later(Next::Probe(url), cause(), Delay::ImmediateOnce, now),
            Verdict::Throttled => {
                self.retry_later(Next::Probe(url), cause(), retry_after.map_or(Delay::Backoff, Delay::After), now)
            }
            Verdict::ServerError | Verdict::Locked | Verdict::ChecksumMismatch => {
                self.chunks.on_failure();
                self.retry_later(Next::Probe(url), cause(), Delay::Backoff, now)
            }
            Verdict::Unauthorized if !self.auth_refreshed => {
                self.auth_refreshed = true;
                self.refresh_next = true;
                self.patch_range(url, start, end, now);
            }
            Verdict::Unauthorized => self.fail(Some(url), unauthorized("PATCH", &res)),
            Verdict::TooLarge if self.chunks.on_too_large(end - start, MIN_CHUNK_SIZE) => {
                // The server refused the body's size: the chunk was halved; re-learn the offset.
                self.probe(url, now);
            }
            Verdict::TooLarge => {
                let error = Error { code: "too_large", ..cause() };
                self.fail(Some(url), error)
            }
            Verdict::Fatal => self.fail(Some(url), cause()),
        }
    }

    fn on_patched(&mut self, url: String, start: u64, end: u64, sent_at: Millis, res: Response, now: Millis) {
        let offset = match self.read_offset(&res, "PATCH", start, end) {
            Ok(o) => o,
            Err(e) => return self.fail(Some(url), e),
        };
        if offset == start && end > start {
            // A success that accepted nothing: sending the same bytes again at once could loop.
            let cause = Error::protocol(
                "no_progress",
                format!("the server answered PATCH with {} but accepted none of its bytes", res.status),
            );
            return self.retry_later(Next::Probe(url), cause, Delay::Backoff, now);
        }
        self.fast_failures = 0;
        self.throughput.sample(offset - start, now.since(sent_at));
        self.chunks.on_success(offset - start, now.since(sent_at));
        self.backoff.reset();
        self.confirm(offset, now);
        self.session_progress(&url, now);
        if offset == self.size {
            self.complete(url, now);
        } else {
            self.patch_next(url, now);
        }
    }

    /// Reads `Upload-Offset` and checks it lies in `[lo, hi]`.
    fn read_offset(&self, res: &Response, method: &str, lo: u64, hi: u64) -> Result<u64, Error> {
        let raw = res.header("upload-offset").ok_or_else(|| missing_header("Upload-Offset", method))?;
        let offset = header::parse_u64(raw).ok_or_else(|| {
            Error::protocol(
                "invalid_upload_offset",
                format!("the server's Upload-Offset {} is not a non-negative integer", quote(raw)),
            )
        })?;
        if offset < lo || offset > hi {
            return Err(Error::protocol(
                "offset_out_of_range",
                format!("the server confirmed offset {offset} after {method}, outside the possible range {lo}..={hi}"),
            ));
        }
        Ok(offset)
    }

    fn confirm(&mut self, offset: u64, now: Millis) {
        self.offset = offset;
        self.goodput.sample(offset, now.0);
        if let Some(v) = self.throttle.offer(offset, now) {
            let ev = self.progress_event(v);
            self.out.push_back(Output::Event(ev));
        }
    }

    fn progress_event(&self, confirmed: u64) -> Event {
        Event::Progress {
            confirmed,
            total: self.size,
            bytes_per_sec: self.goodput.bytes_per_sec(),
            eta_secs: if confirmed >= self.size { Some(0) } else { self.goodput.eta_secs(self.size - confirmed) },
        }
    }

    // ---- transitions -------------------------------------------------------------------

    /// Waits for the `online` event (`handle_online`), then does `next`; spends no retries.
    fn wait_offline(&mut self, next: Next) {
        self.phase = Phase::Offline { next };
        self.set_state(State::Offline);
    }

    /// Does `next` now, or waits for the network if the browser is offline.
    fn go(&mut self, next: Next, now: Millis) {
        if !self.online {
            return self.wait_offline(next);
        }
        let next = match next {
            Next::Create if self.needs_discovery() => Next::Discover(None),
            Next::Probe(url) if self.needs_discovery() => Next::Discover(Some(url)),
            other => other,
        };
        match next {
            Next::Create => self.create(now),
            Next::Probe(url) => self.probe(url, now),
            Next::Discover(then) => self.discover(then, now),
        }
    }

    fn needs_discovery(&self) -> bool {
        self.cfg.checksum && !self.discovered
    }

    fn discover(&mut self, then: Option<String>, now: Millis) {
        if let Some(caps) = self.cfg.capabilities {
            return self.apply_capabilities(then, Some(caps), "an earlier OPTIONS to this endpoint", now);
        }
        let endpoint = self.cfg.endpoint.clone();
        let req = self.send(Method::Options, endpoint, Vec::new(), Body::Empty, now);
        let state = if then.is_some() { State::Resuming } else { State::Creating };
        self.phase = Phase::Discovering { req, then };
        self.set_state(state);
    }

    /// A failure that may pass: wait (or go offline), then do `next`; fail when the
    /// episode's budget is spent.
    fn retry_later(&mut self, next: Next, cause: Error, delay: Delay, now: Millis) {
        if !self.online && cause.kind == ErrorKind::Network {
            return self.wait_offline(next);
        }
        match self.backoff.next(&self.cfg.retry, &mut self.rng, delay, now) {
            Some(ms) => {
                let attempt = self.backoff.attempt();
                self.phase = Phase::Waiting { next, until: now.plus(ms) };
                self.emit(Event::Reconnecting { attempt, delay_ms: ms, reason: cause });
                self.set_state(State::Reconnecting);
            }
            None => {
                let attempts = self.backoff.attempt();
                let url = next.url().map(str::to_string);
                let message = format!("gave up after {attempts} attempts within the retry budget: {}", cause.message);
                self.fail(url, Error { code: "retries_exhausted", message, ..cause });
            }
        }
    }

    /// The server no longer knows the upload: start a new one from byte 0 and say why.
    fn restart(&mut self, reason: Error, now: Millis) {
        self.restarts += 1;
        if self.restarts > MAX_RESTARTS {
            let message = format!("{} (the upload was lost {} times in a row)", reason.message, self.restarts);
            return self.fail(None, Error { message, ..reason });
        }
        self.emit(Event::Restarted { reason });
        self.offset = 0;
        self.throttle = Throttle::new(self.cfg.progress_interval_ms);
        self.goodput = Goodput::default();
        self.backoff.reset();
        self.go(Next::Create, now);
    }

    fn create(&mut self, now: Millis) {
        let mut headers = vec![("Upload-Length", self.size.to_string())];
        if self.cfg.part_offset.is_some() {
            headers.push(("Upload-Concat", "partial".to_string()));
        }
        // Parts carry the metadata too: some servers refuse a HEAD on an upload without it.
        if let Some(m) = &self.metadata_header {
            headers.push(("Upload-Metadata", m.clone()));
        }
        if let Some(key) = &self.cfg.idempotency_key {
            headers.push(("Idempotency-Key", key.clone()));
        }
        let endpoint = self.cfg.endpoint.clone();
        let req = self.send(Method::Post, endpoint, headers, Body::Empty, now);
        self.phase = Phase::Creating { req, then_pause: false };
        self.set_state(State::Creating);
    }

    fn probe(&mut self, url: String, now: Millis) {
        let req = self.send(Method::Head, url.clone(), Vec::new(), Body::Empty, now);
        self.phase = Phase::Probing { url, req };
        self.set_state(State::Resuming);
    }

    fn patch_next(&mut self, url: String, now: Millis) {
        if !self.online {
            // The browser went offline while the last request was answered: wait, then re-learn.
            return self.wait_offline(Next::Probe(url));
        }
        let start = self.offset;
        let end = start.saturating_add(self.chunks.next()).min(self.size);
        self.patch_range(url, start, end, now);
    }

    fn patch_range(&mut self, url: String, start: u64, end: u64, now: Millis) {
        let headers =
            vec![("Upload-Offset", start.to_string()), ("Content-Type", "application/offset+octet-stream".to_string())];
        let base = self.cfg.part_offset.unwrap_or(0);
        let body = Body::Source { start: base + start, end: base + end };
        let req = self.send(Method::Patch, url.clone(), headers, body, now);
        self.phase = Phase::Patching { url, req, start, end, sent_at: now };
        self.set_state(State::Uploading);
    }

    fn send(
        &mut self,
        method: Method,
        url: String,
        mut headers: Vec<(&'static str, String)>,
        body: Body,
        now: Millis,
    ) -> RequestId {
        self.next_id += 1;
        self.sent_at = now;
        let id = RequestId(self.next_id);
        headers.insert(0, ("Tus-Resumable", TUS_VERSION.to_string()));
        let body_bytes = match body {
            Body::Source { start, end } => end - start,
            Body::Empty => 0,
        };
        self.stall_at = Some(now.plus(self.throughput.stall_timeout(body_bytes, self.cfg.stall_floor_ms)));
        let refresh_auth = std::mem::take(&mut self.refresh_next);
        let checksum = if method == Method::Patch { self.checksum } else { None };
        self.out.push_back(Output::Send(id, Request { method, url, headers, body, refresh_auth, checksum }));
        id
    }

    fn cancel(&mut self, req: RequestId) {
        self.stall_at = None;
        self.out.push_back(Output::Cancel(req));
    }

    fn complete(&mut self, url: String, now: Millis) {
        // A zero-byte upload never went through `confirm`; make sure 100% is reported.
        if self.size == 0 && self.throttle.reported() == 0 && !self.throttle.has_pending() {
            let ev = self.progress_event(0);
            self.out.push_back(Output::Event(ev));
        }
        if self.cfg.keep_session {
            self.write_session(&url, now);
        } else {
            self.forget_session();
        }
        self.phase = Phase::Completed { url: url.clone() };
        self.settle(Event::Completed { url, total: self.size });
        self.settle_state(State::Completed);
    }

    fn fail(&mut self, url: Option<String>, error: Error) {
        self.stall_at = None;
        if let (Some(u), true) = (&url, self.session.as_ref().is_some_and(|s| s.dirty)) {
            let u = u.clone();
            self.write_session(&u, self.clock);
        }
        self.phase = Phase::Failed { url, error: error.clone() };
        self.settle(Event::Failed(error));
        self.settle_state(State::Failed);
    }

    fn finish_abort(&mut self) {
        self.stall_at = None;
        self.phase = Phase::Aborted;
        self.settle_state(State::Aborted);
    }

    /// Counts network errors that came back at once and warns when they look like CORS.
    fn note_fast_failure(&mut self, now: Millis) {
        if !self.online || now.since(self.sent_at) >= FAST_FAILURE_MS {
            self.fast_failures = 0;
            return;
        }
        self.fast_failures += 1;
        if self.fast_failures < BLOCKED_AFTER || self.warned_blocked {
            return;
        }
        self.warned_blocked = true;
        let method = match self.phase {
            Phase::Creating { .. } => "POST",
            Phase::Patching { .. } => "PATCH",
            Phase::Terminating { .. } => "DELETE",
            _ => "HEAD",
        };
        let message = format!(
            "{method} requests fail at once without an answer while the browser is online: if the TUS server is \
             on another origin, check that its CORS configuration allows the {method} method and every header \
             sent (Access-Control-Allow-Methods, Access-Control-Allow-Headers, e.g. Idempotency-Key)"
        );
        self.emit(Event::Warning { code: "requests_blocked", message });
    }

    // ---- session record ------------------------------------------------------------------

    fn note_expiry(&mut self, res: &Response) {
        if let (Some(s), Some(at)) = (&mut self.session, res.header("upload-expires").and_then(parse_http_date)) {
            s.expires_at = Some(at);
        }
    }

    /// New bytes were confirmed: write now, or once the write interval has passed.
    fn session_progress(&mut self, url: &str, now: Millis) {
        let Some(s) = &mut self.session else { return };
        match s.last_write {
            Some(t) if now.since(t) < PERSIST_INTERVAL_MS => s.dirty = true,
            _ => self.write_session(url, now),
        }
    }

    /// Writes a pending update, if any (the persist timer, pause).
    fn flush_session(&mut self, now: Millis) {
        let dirty = self.session.as_ref().is_some_and(|s| s.dirty);
        if let (true, Some(url)) = (dirty, self.url().map(str::to_string)) {
            self.write_session(&url, now);
        }
    }

    fn write_session(&mut self, url: &str, now: Millis) {
        let Some(s) = &mut self.session else { return };
        s.dirty = false;
        s.last_write = Some(now);
        let record = SessionRecord {
            key: s.key.clone(),
            upload_url: url.to_string(),
            endpoint: self.cfg.endpoint.clone(),
            size: self.size,
            name: self.source.name.clone(),
            mime_type: self.source.mime_type.clone(),
            last_modified: self.source.last_modified,
            metadata: self.cfg.metadata.clone(),
            bytes_confirmed: self.offset,
            chunk_size: self.chunks.next(),
            created_at: s.created_at,
            updated_at: now.0,
            expires_at: s.expires_at,
            parts: Vec::new(),
        };
        self.out.push_back(Output::Persist(record));
    }

    fn forget_session(&mut self) {
        if let Some(s) = &mut self.session {
            s.dirty = false;
            self.out.push_back(Output::Forget(s.key.clone()));
        }
    }

    // ---- event plumbing ------------------------------------------------------------------

    fn set_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.emit(Event::State(state));
        }
    }

    /// A state that ends a phase: delivered after pending progress (rule 6).
    fn settle_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.settle(Event::State(state));
        }
    }

    fn emit(&mut self, ev: Event) {
        if self.deferred.is_empty() {
            self.out.push_back(Output::Event(ev));
        } else {
            self.deferred.push(ev);
        }
    }

    fn settle(&mut self, ev: Event) {
        if self.throttle.has_pending() || !self.deferred.is_empty() {
            self.deferred.push(ev);
        } else {
            self.out.push_back(Output::Event(ev));
        }
    }

    fn flush_deferred(&mut self) {
        if !self.throttle.has_pending() {
            for ev in self.deferred.drain(..) {
                self.out.push_back(Output::Event(ev));
            }
        }
    }
}

/// What to do for a known upload URL (HEAD first) or none (create).
fn known(url: Option<String>) -> Next {
    url.map_or(Next::Create, Next::Probe)
}

/// Fresh credentials were asked for and refused again.
fn unauthorized(method: &str, res: &Response) -> Error {
    let base = Error::rejected(method, res.status, &res.body);
    let message = format!("{}; fresh headers were requested and refused as well", base.message);
    Error { code: "unauthorized", message, ..base }
}

/// A required response header is absent. In browsers the usual cause is CORS: the server
/// sends it but does not list it in `Access-Control-Expose-Headers`.
fn missing_header(name: &str, method: &str) -> Error {
    let code = if name == "Location" { "missing_location" } else { "missing_upload_offset" };
    Error::protocol(
        code,
        format!(
            "the server's answer to {method} has no readable {name} header; if the server sends it, \
             add {name} to Access-Control-Expose-Headers in its CORS configuration"
        ),
    )
}
