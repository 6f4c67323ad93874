//! The upload state machine: every transition of one TUS upload lives in this file.
//!
//! Rules (read these before changing anything below):
//! 1. Inputs are `start`, `pause`, `abort`, `handle_response`, `handle_failure` and
//!    `handle_timeout`; each takes `now`. After any input the caller drains `poll_output`
//!    until `Output::Idle`.
//! 2. At most one request is in flight. Each gets a fresh `RequestId`; an answer to an id
//!    that is not the one in flight is ignored (so pause/abort races are non-events).
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
//!
//! Not here yet (seams left open): retries and backoff, stall timers, offline waiting,
//! persistence outputs, parallel parts.

use std::collections::VecDeque;

use super::config::{Config, SourceInfo};
use super::error::{Error, ErrorKind};
use super::event::{Event, State};
use super::header;
use super::http::{Body, Method, Request, RequestId, Response, TransportError};
use super::metadata;
use super::progress::Throttle;
use super::time::Millis;
use super::url;

/// The protocol version this client speaks.
pub const TUS_VERSION: &str = "1.0.0";

/// What the core asks its driver to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Perform this request and report back with `handle_response` or `handle_failure`.
    Send(RequestId, Request),
    /// Abort this request if it is still running; its answer will be ignored anyway.
    Cancel(RequestId),
    /// Tell the app.
    Event(Event),
    /// Nothing more to do; call `handle_timeout` at `wake_at`, if given.
    Idle { wake_at: Option<Millis> },
}

/// Where the upload is. Each variant carries only what is valid in it.
#[derive(Clone, Debug)]
enum Phase {
    Idle,
    Creating { req: RequestId, then_pause: bool },
    Probing { url: String, req: RequestId },
    Patching { url: String, req: RequestId, start: u64, end: u64 },
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
}

impl Upload {
    /// Validates the options and prepares an upload; nothing is sent until `start`.
    pub fn new(cfg: Config, source: SourceInfo, _now: Millis) -> Result<Upload, Error> {
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
        Ok(Upload {
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
        })
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

    /// The upload URL, once known.
    pub fn url(&self) -> Option<&str> {
        match &self.phase {
            Phase::Probing { url, .. } | Phase::Patching { url, .. } | Phase::Completed { url } => Some(url),
            Phase::Paused { url } | Phase::Failed { url, .. } => url.as_deref(),
            Phase::Idle => self.cfg.upload_url.as_deref(),
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
            Phase::Creating { req, .. }
            | Phase::Probing { req, .. }
            | Phase::Patching { req, .. }
            | Phase::Terminating { req } => Some(*req),
            _ => None,
        }
    }

    // ---- commands ------------------------------------------------------------------

    /// Starts, or continues after a pause or failure. A no-op while already running.
    pub fn start(&mut self, now: Millis) {
        let known = match &mut self.phase {
            Phase::Idle => self.cfg.upload_url.clone(),
            Phase::Paused { url } => url.clone(),
            Phase::Failed { url, .. } => url.clone(),
            Phase::Creating { then_pause, .. } => {
                *then_pause = false;
                self.set_state(State::Creating);
                return;
            }
            _ => return,
        };
        let _ = now;
        match known {
            Some(url) => self.probe(url),
            None => self.create(),
        }
    }

    /// Pauses: aborts the request in flight; `start` continues later from the server's offset.
    /// A creation in flight is allowed to finish so that its upload URL is not lost.
    pub fn pause(&mut self, _now: Millis) {
        match std::mem::replace(&mut self.phase, Phase::Aborted) {
            Phase::Creating { req, .. } => {
                self.phase = Phase::Creating { req, then_pause: true };
                self.settle_state(State::Paused);
            }
            Phase::Probing { url, req } | Phase::Patching { url, req, .. } => {
                self.out.push_back(Output::Cancel(req));
                self.phase = Phase::Paused { url: Some(url) };
                self.settle_state(State::Paused);
            }
            other => self.phase = other,
        }
    }

    /// Ends the upload. With `terminate`, asks the server to delete it (TUS termination).
    pub fn abort(&mut self, terminate: bool, _now: Millis) {
        if matches!(self.phase, Phase::Completed { .. } | Phase::Aborted | Phase::Terminating { .. }) {
            return;
        }
        if let Some(req) = self.in_flight() {
            self.out.push_back(Output::Cancel(req));
        }
        let url = self.url().map(str::to_string);
        match url {
            Some(url) if terminate => {
                let req = self.send(Method::Delete, url, Vec::new(), Body::Empty);
                self.phase = Phase::Terminating { req };
            }
            _ => self.finish_abort(),
        }
    }

    // ---- inputs ----------------------------------------------------------------------

    pub fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
        if self.in_flight() != Some(id) {
            return;
        }
        match std::mem::replace(&mut self.phase, Phase::Aborted) {
            Phase::Creating { then_pause, .. } => self.on_created(res, then_pause, now),
            Phase::Probing { url, .. } => self.on_probed(url, res, now),
            Phase::Patching { url, start, end, .. } => self.on_patched(url, start, end, res, now),
            Phase::Terminating { .. } => self.finish_abort(),
            other => self.phase = other,
        }
    }

    pub fn handle_failure(&mut self, id: RequestId, err: TransportError, _now: Millis) {
        if self.in_flight() != Some(id) {
            return;
        }
        if matches!(self.phase, Phase::Terminating { .. }) {
            self.finish_abort();
            return;
        }
        let url = self.url().map(str::to_string);
        let error = match err {
            TransportError::Network(msg) => Error::network(msg),
            TransportError::Timeout => {
                Error::new(ErrorKind::Network, "stalled", "the request made no progress and was abandoned")
            }
            TransportError::Headers(msg) => {
                Error::usage("headers_failed", format!("the headers callback failed: {msg}"))
            }
        };
        self.fail(url, error);
    }

    /// Delivers timed work (throttled progress). Spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: Millis) {
        if let Some(v) = self.throttle.poll(now) {
            self.out.push_back(Output::Event(Event::Progress { confirmed: v, total: self.size }));
        }
        if !self.throttle.has_pending() {
            for ev in self.deferred.drain(..) {
                self.out.push_back(Output::Event(ev));
            }
        }
    }

    /// The next thing to do. Call until it returns `Output::Idle`.
    #[must_use]
    pub fn poll_output(&mut self) -> Output {
        self.out.pop_front().unwrap_or(Output::Idle { wake_at: self.throttle.deadline() })
    }

    // ---- transitions -------------------------------------------------------------------

    fn on_created(&mut self, res: Response, then_pause: bool, now: Millis) {
        if !res.is_success() {
            return self.fail(None, Error::rejected("POST", res.status, &res.body));
        }
        let Some(location) = res.header("location") else {
            return self.fail(None, missing_header("Location", "POST"));
        };
        let Some(url) = url::resolve(&self.cfg.endpoint, location) else {
            return self.fail(
                None,
                Error::protocol(
                    "invalid_location",
                    format!("the server's Location {location:?} is not a usable http(s) URL"),
                ),
            );
        };
        self.offset = 0;
        self.emit(Event::Created { url: url.clone() });
        if then_pause {
            self.phase = Phase::Paused { url: Some(url) };
        } else if self.size == 0 {
            self.complete(url, now);
        } else {
            self.patch_next(url);
        }
    }

    fn on_probed(&mut self, url: String, res: Response, now: Millis) {
        if res.status == 404 || res.status == 410 {
            self.emit(Event::Restarted { reason: Error::expired("HEAD", res.status) });
            self.offset = 0;
            self.throttle = Throttle::new(self.cfg.progress_interval_ms);
            return self.create();
        }
        if !res.is_success() {
            return self.fail(Some(url), Error::rejected("HEAD", res.status, &res.body));
        }
        if let Some(length) = res.header("upload-length") {
            if header::parse_u64(length) != Some(self.size) {
                return self.fail(
                    Some(url),
                    Error::protocol(
                        "upload_length_mismatch",
                        format!(
                            "the server says this upload is {length:?} bytes long, but the file has {} bytes",
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
        self.confirm(offset, now);
        if offset == self.size {
            self.complete(url, now);
        } else {
            self.patch_next(url);
        }
    }

    fn on_patched(&mut self, url: String, start: u64, end: u64, res: Response, now: Millis) {
        if !res.is_success() {
            return self.fail(Some(url), Error::rejected("PATCH", res.status, &res.body));
        }
        let offset = match self.read_offset(&res, "PATCH", start, end) {
            Ok(o) => o,
            Err(e) => return self.fail(Some(url), e),
        };
        self.confirm(offset, now);
        if offset == self.size {
            self.complete(url, now);
        } else {
            self.patch_next(url);
        }
    }

    /// Reads `Upload-Offset` and checks it lies in `[lo, hi]`.
    fn read_offset(&self, res: &Response, method: &str, lo: u64, hi: u64) -> Result<u64, Error> {
        let raw = res.header("upload-offset").ok_or_else(|| missing_header("Upload-Offset", method))?;
        let offset = header::parse_u64(raw).ok_or_else(|| {
            Error::protocol(
                "invalid_upload_offset",
                format!("the server's Upload-Offset {raw:?} is not a non-negative integer"),
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
        if let Some(v) = self.throttle.offer(offset, now) {
            self.out.push_back(Output::Event(Event::Progress { confirmed: v, total: self.size }));
        }
    }

    fn create(&mut self) {
        let mut headers = vec![("Upload-Length", self.size.to_string())];
        if let Some(m) = &self.metadata_header {
            headers.push(("Upload-Metadata", m.clone()));
        }
        let endpoint = self.cfg.endpoint.clone();
        let req = self.send(Method::Post, endpoint, headers, Body::Empty);
        self.phase = Phase::Creating { req, then_pause: false };
        self.set_state(State::Creating);
    }

    fn probe(&mut self, url: String) {
        let req = self.send(Method::Head, url.clone(), Vec::new(), Body::Empty);
        self.phase = Phase::Probing { url, req };
        self.set_state(State::Resuming);
    }

    fn patch_next(&mut self, url: String) {
        let start = self.offset;
        let end = start.saturating_add(self.cfg.chunk_size).min(self.size);
        let headers =
            vec![("Upload-Offset", start.to_string()), ("Content-Type", "application/offset+octet-stream".to_string())];
        let req = self.send(Method::Patch, url.clone(), headers, Body::Source { start, end });
        self.phase = Phase::Patching { url, req, start, end };
        self.set_state(State::Uploading);
    }

    fn send(&mut self, method: Method, url: String, mut headers: Vec<(&'static str, String)>, body: Body) -> RequestId {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        headers.insert(0, ("Tus-Resumable", TUS_VERSION.to_string()));
        self.out.push_back(Output::Send(id, Request { method, url, headers, body }));
        id
    }

    fn complete(&mut self, url: String, now: Millis) {
        // A zero-byte upload never went through `confirm`; make sure 100% is reported.
        if self.size == 0 && self.throttle.reported() == 0 && !self.throttle.has_pending() {
            self.out.push_back(Output::Event(Event::Progress { confirmed: 0, total: 0 }));
        }
        let _ = now;
        self.phase = Phase::Completed { url: url.clone() };
        self.settle(Event::Completed { url, total: self.size });
        self.settle_state(State::Completed);
    }

    fn fail(&mut self, url: Option<String>, error: Error) {
        self.phase = Phase::Failed { url, error: error.clone() };
        self.settle(Event::Failed(error));
        self.settle_state(State::Failed);
    }

    fn finish_abort(&mut self) {
        self.phase = Phase::Aborted;
        self.settle_state(State::Aborted);
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
