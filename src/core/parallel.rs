//! Parallel uploads: one file sent as several partial uploads over separate connections, then
//! joined by a final upload (tus concatenation extension).
//!
//! Rules:
//! 1. One OPTIONS learns whether the server has `concatenation` (none when an earlier upload
//!    to the endpoint learnt it: `Config::capabilities`). Without it the upload runs as one
//!    ordinary [`Upload`] stream; a file too small for every part gets fewer parts, or one
//!    stream below two parts' worth.
//! 2. Each part is an ordinary [`Upload`] of bytes `start..end` of the file, created with
//!    `Upload-Concat: partial` and the file's metadata (some servers refuse a HEAD without); every retry, stall and offline rule of upload.rs applies to it
//!    unchanged. This module only composes: it renumbers the parts' requests, sums their
//!    confirmed bytes into one throttled progress, merges their states, and persists one
//!    session record that holds every part's URL and offset.
//! 3. When every part is complete, one POST with `Upload-Concat: final;<urls>` and the
//!    file's metadata creates the upload the app gets; it is retried like a creation with an
//!    unknown outcome (the parts stay on the server until it succeeds).
//! 4. A part that fails fatally pauses the others and fails the whole; `start` continues all.
//!
//! It does no I/O, like everything in the core.

use std::collections::VecDeque;

use super::capabilities::Capabilities;
use super::config::{Config, SourceInfo};
use super::error::Error;
use super::event::{Event, State};
use super::http::{Body, Method, Request, RequestId, Response, TransportError};
use super::metadata;
use super::progress::Throttle;
use super::rate::Goodput;
use super::retry::{Backoff, Delay, Rng};
use super::session::{PartRecord, SessionRecord, PERSIST_INTERVAL_MS};
use super::time::Millis;
use super::upload::{Output, Upload, TUS_VERSION};
use super::url;

/// Parts are never smaller than this: below it, one stream does as well.
pub const MIN_PART: u64 = 5 * 1024 * 1024;
/// Parts start at multiples of this.
const PART_GRAIN: u64 = 64 * 1024;

struct Part {
    start: u64,
    end: u64,
    up: Upload,
    url: Option<String>,
    confirmed: u64,
    state: State,
    done: bool,
}

enum Stage {
    /// Not started. `stored` holds the parts of a stored session to continue.
    Idle {
        stored: Vec<PartRecord>,
    },
    Discovering {
        req: RequestId,
    },
    /// The server cannot concatenate (or the file is small): one ordinary upload.
    Single(Box<Upload>),
    Parts,
    /// All parts are complete; creating the final upload (`req`), or waiting to retry it.
    Joining {
        req: Option<RequestId>,
        retry_at: Option<Millis>,
    },
    Completed {
        url: String,
    },
    Failed {
        error: Error,
    },
    Aborted,
}

pub struct Parallel {
    cfg: Config,
    source: SourceInfo,
    size: u64,
    stage: Stage,
    parts: Vec<Part>,
    /// Our request id -> (part index, the part's own id).
    ids: Vec<(RequestId, usize, RequestId)>,
    next_id: u64,
    out: VecDeque<Output>,
    throttle: Throttle,
    goodput: Goodput,
    state: State,
    paused: bool,
    rng: Rng,
    backoff: Backoff,
    online: bool,
    created_at: u64,
    last_write: Option<Millis>,
    dirty: bool,
    clock: Millis,
    /// Events that end a stage, held until pending progress is out.
    settled: Vec<Event>,
}

impl Parallel {
    /// Validates like [`Upload::new`]; `cfg.parallel` is the number of connections.
    pub fn new(cfg: Config, source: SourceInfo, now: Millis) -> Result<Parallel, Error> {
        // Validation (and the size check) is exactly the single upload's.
        let probe = Upload::new(cfg.clone(), source.clone(), now)?;
        let size = probe.bytes_total();
        Ok(Parallel {
            rng: Rng::new(cfg.seed ^ 0x5bd1_e995),
            throttle: Throttle::new(cfg.progress_interval_ms),
            cfg,
            source,
            size,
            stage: Stage::Idle { stored: Vec::new() },
            parts: Vec::new(),
            ids: Vec::new(),
            next_id: 0,
            out: VecDeque::new(),
            goodput: Goodput::default(),
            state: State::Idle,
            paused: false,
            backoff: Backoff::default(),
            online: true,
            created_at: now.0,
            last_write: None,
            dirty: false,
            clock: now,
            settled: Vec::new(),
        })
    }

    /// Continues the parts of a stored parallel session (each is asked with HEAD).
    pub fn resume(cfg: Config, record: SessionRecord, source: SourceInfo, now: Millis) -> Result<Parallel, Error> {
        let mut p = Parallel::new(cfg, source, now)?;
        let fits = record.size == p.size
            && !record.parts.is_empty()
            && record.parts.iter().all(|r| r.start < r.end && r.end <= p.size && url::is_absolute_http(&r.url));
        if fits {
            p.created_at = record.created_at;
            p.stage = Stage::Idle { stored: record.parts };
        }
        Ok(p)
    }

    pub fn bytes_total(&self) -> u64 {
        self.size
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn outcome(&self) -> Option<Result<String, Error>> {
        if self.throttle.has_pending() {
            return None;
        }
        match &self.stage {
            Stage::Single(up) => up.outcome(),
            Stage::Completed { url } => Some(Ok(url.clone())),
            Stage::Failed { error } => Some(Err(error.clone())),
            // Parts that were told to terminate finish their DELETE first.
            Stage::Aborted if self.parts.iter().all(|p| p.up.outcome().is_some()) => Some(Err(Error::aborted())),
            _ => None,
        }
    }

    // ---- commands ----------------------------------------------------------------------

    pub fn start(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        self.paused = false;
        match std::mem::replace(&mut self.stage, Stage::Aborted) {
            Stage::Idle { stored } if !stored.is_empty() => {
                self.stage = Stage::Parts;
                self.make_parts(stored.iter().map(|r| (r.start, r.end, Some(r.url.clone()))).collect(), now);
                self.each_part(|p| p.up.start(now));
            }
            Stage::Idle { .. } if self.cfg.capabilities.is_some() => self.begin(now),
            Stage::Idle { .. } => {
                let endpoint = self.cfg.endpoint.clone();
                let req = self.send(Method::Options, endpoint, Vec::new());
                self.stage = Stage::Discovering { req };
                self.set_state(State::Creating);
            }
            Stage::Single(mut up) => {
                up.start(now);
                self.stage = Stage::Single(up);
            }
            Stage::Parts | Stage::Failed { .. } if !self.parts.is_empty() && self.parts.iter().all(|p| p.done) => {
                self.join()
            }
            Stage::Parts | Stage::Failed { .. } if !self.parts.is_empty() => {
                self.stage = Stage::Parts;
                self.backoff.reset();
                self.each_part(|p| p.up.start(now));
            }
            Stage::Joining { req: None, .. } => self.join(),
            other => self.stage = other,
        }
        self.drain_parts(now);
    }

    pub fn pause(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        match &mut self.stage {
            Stage::Single(up) => up.pause(now),
            Stage::Parts => {
                self.paused = true;
                self.each_part(|p| p.up.pause(now));
                self.drain_parts(now);
                self.write_session(now);
                self.settle_state(State::Paused);
            }
            _ => {}
        }
    }

    pub fn abort(&mut self, terminate: bool, now: Millis) {
        self.clock = self.clock.max(now);
        if let Stage::Single(up) = &mut self.stage {
            return up.abort(terminate, now);
        }
        if matches!(self.stage, Stage::Completed { .. } | Stage::Aborted) {
            return;
        }
        if let Stage::Discovering { req } | Stage::Joining { req: Some(req), .. } = self.stage {
            self.out.push_back(Output::Cancel(req));
        }
        self.each_part(|p| p.up.abort(terminate, now));
        self.drain_parts(now);
        self.stage = Stage::Aborted;
        if let Some(key) = self.key() {
            self.out.push_back(Output::Forget(key));
        }
        self.settle_state(State::Aborted);
    }

    // ---- inputs ------------------------------------------------------------------------

    pub fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
        self.clock = self.clock.max(now);
        if let Stage::Single(up) = &mut self.stage {
            return up.handle_response(id, res, now);
        }
        if let Some((i, local)) = self.take_part_id(id) {
            self.parts[i].up.handle_response(local, res, now);
            return self.drain_parts(now);
        }
        match self.stage {
            Stage::Discovering { req } if req == id => {
                // Parts and the single-stream fallback inherit what was learnt: no more OPTIONS.
                self.cfg.capabilities = Capabilities::from_options(&res);
                if let Some(capabilities) = self.cfg.capabilities {
                    self.emit(Event::Discovered { endpoint: self.cfg.endpoint.clone(), capabilities });
                }
                self.begin(now);
            }
            Stage::Joining { req: Some(req), .. } if req == id => self.on_joined(res, now),
            _ => {}
        }
    }

    pub fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis) {
        self.clock = self.clock.max(now);
        if let Stage::Single(up) = &mut self.stage {
            return up.handle_failure(id, err, now);
        }
        if let Some((i, local)) = self.take_part_id(id) {
            self.parts[i].up.handle_failure(local, err, now);
            return self.drain_parts(now);
        }
        match self.stage {
            // Without an answer, assume no concatenation: one stream always works.
            Stage::Discovering { req } if req == id => self.begin(now),
            Stage::Joining { req: Some(req), .. } if req == id => {
                let cause = match err {
                    TransportError::Headers(msg) => {
                        return self.fail(Error::usage("headers_failed", format!("the headers callback failed: {msg}")))
                    }
                    TransportError::Network(msg) => Error::network(msg),
                    TransportError::Timeout => Error::network("the final upload got no answer in time"),
                };
                self.retry_join(cause, now);
            }
            _ => {}
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        match &mut self.stage {
            Stage::Single(up) => return up.handle_timeout(now),
            Stage::Joining { req: None, retry_at: Some(t) } if *t <= now => self.join(),
            _ => {}
        }
        self.each_part(|p| p.up.handle_timeout(now));
        self.drain_parts(now);
        if self.dirty && self.last_write.is_some_and(|t| now.since(t) >= PERSIST_INTERVAL_MS) {
            self.write_session(now);
        }
        if let Some(v) = self.throttle.poll(now) {
            self.progress(v);
        }
        self.flush_settled();
    }

    pub fn handle_online(&mut self, online: bool, now: Millis) {
        self.clock = self.clock.max(now);
        self.online = online;
        if let Stage::Single(up) = &mut self.stage {
            return up.handle_online(online, now);
        }
        self.each_part(|p| p.up.handle_online(online, now));
        self.drain_parts(now);
    }

    pub fn poll_output(&mut self) -> Output {
        if let Stage::Single(up) = &mut self.stage {
            if let Some(o) = self.out.pop_front() {
                return o;
            }
            return up.poll_output();
        }
        if let Some(o) = self.out.pop_front() {
            return o;
        }
        Output::Idle { wake_at: self.next_deadline() }
    }

    // ---- stages ------------------------------------------------------------------------

    /// After discovery: split into parts, or run one ordinary upload.
    /// Splits the file over partial uploads when the server can join them (per
    /// `cfg.capabilities`; unknown means no), else runs one stream.
    fn begin(&mut self, now: Millis) {
        if let Some(Err(error)) = self.cfg.capabilities.map(|c| c.check_size(self.size)) {
            return self.fail(error);
        }
        let concat = self.cfg.capabilities.is_some_and(|c| c.concatenation);
        if !concat {
            let message = "the server does not offer the concatenation extension; uploading over one connection";
            self.emit(Event::Warning { code: "parallel_unsupported", message: message.to_string() });
            return self.run_single(now);
        }
        // As many parts as asked for, but none below MIN_PART: a 16 MiB file asked to use 4
        // gets 3; a file under 2 × MIN_PART gets one stream (nothing to gain, nothing to warn).
        let n = u64::from(self.cfg.parallel.max(1)).min(self.size / MIN_PART);
        if n < 2 {
            return self.run_single(now);
        }
        let part = (self.size / n).div_ceil(PART_GRAIN) * PART_GRAIN;
        let mut ranges = Vec::new();
        let mut start = 0;
        while start < self.size {
            let end = (start + part).min(self.size);
            ranges.push((start, end, None));
            start = end;
        }
        self.stage = Stage::Parts;
        self.make_parts(ranges, now);
        self.each_part(|p| p.up.start(now));
        self.drain_parts(now);
    }

    fn run_single(&mut self, now: Millis) {
        let mut cfg = self.cfg.clone();
        cfg.parallel = 1;
        match Upload::new(cfg, self.source.clone(), now) {
            Ok(mut up) => {
                // The single upload announces its own states from here on.
                up.handle_online(self.online, now);
                self.state = State::Idle;
                up.start(now);
                self.stage = Stage::Single(Box::new(up));
            }
            Err(e) => self.fail(e),
        }
    }

    fn make_parts(&mut self, ranges: Vec<(u64, u64, Option<String>)>, now: Millis) {
        self.parts.clear();
        for (start, end, url) in ranges {
            let mut cfg = self.cfg.clone();
            cfg.parallel = 1;
            cfg.part_offset = Some(start);
            cfg.session_key = None;
            cfg.upload_url = url.clone();
            cfg.progress_interval_ms = 0;
            cfg.seed = self.rng.next_u64();
            let source = SourceInfo { size: Some(end - start), ..self.source.clone() };
            // The part configuration is the validated one with smaller numbers: it cannot fail.
            let Ok(mut up) = Upload::new(cfg, source, now) else { continue };
            up.handle_online(self.online, now);
            self.parts.push(Part { start, end, up, url, confirmed: 0, state: State::Idle, done: false });
        }
    }

    fn each_part(&mut self, mut f: impl FnMut(&mut Part)) {
        for p in &mut self.parts {
            f(p);
        }
    }

    fn take_part_id(&mut self, id: RequestId) -> Option<(usize, RequestId)> {
        let at = self.ids.iter().position(|(g, _, _)| *g == id)?;
        let (_, part, local) = self.ids.swap_remove(at);
        Some((part, local))
    }

    /// Moves every part's outputs into ours, renumbering requests and merging events.
    fn drain_parts(&mut self, now: Millis) {
        let mut changed = false;
        for i in 0..self.parts.len() {
            loop {
                match self.parts[i].up.poll_output() {
                    Output::Send(local, req) => {
                        self.next_id += 1;
                        let id = RequestId(self.next_id);
                        self.ids.push((id, i, local));
                        self.out.push_back(Output::Send(id, req));
                    }
                    Output::Cancel(local) => {
                        if let Some(at) = self.ids.iter().position(|(_, p, l)| *p == i && *l == local) {
                            let (id, _, _) = self.ids.swap_remove(at);
                            self.out.push_back(Output::Cancel(id));
                        }
                    }
                    Output::Event(ev) => changed |= self.on_part_event(i, ev, now),
                    Output::Persist(_) | Output::Forget(_) => {}
                    Output::Idle { .. } => break,
                }
            }
        }
        if changed {
            self.merge_state();
        }
    }

    /// Returns whether the merged state may have changed.
    fn on_part_event(&mut self, i: usize, ev: Event, now: Millis) -> bool {
        match ev {
            Event::State(s) => {
                self.parts[i].state = s;
                true
            }
            Event::Progress { confirmed, .. } => {
                self.parts[i].confirmed = confirmed;
                let total: u64 = self.parts.iter().map(|p| p.confirmed).sum();
                self.goodput.sample(total, now.0);
                if let Some(v) = self.throttle.offer(total, now) {
                    self.progress(v);
                }
                self.dirty = true;
                if self.last_write.is_none_or(|t| now.since(t) >= PERSIST_INTERVAL_MS) {
                    self.write_session(now);
                }
                false
            }
            Event::Created { url } => {
                self.parts[i].url = Some(url);
                self.write_session(now);
                false
            }
            Event::Completed { url, .. } => {
                self.parts[i].url = Some(url);
                self.parts[i].done = true;
                true
            }
            Event::Failed(error) => {
                // One part cannot finish: stop the others, keep everything resumable.
                for (j, p) in self.parts.iter_mut().enumerate() {
                    if j != i {
                        p.up.pause(now);
                    }
                }
                self.write_session(now);
                self.fail(error);
                false
            }
            Event::Restarted { reason } => {
                self.parts[i].confirmed = 0;
                self.throttle = Throttle::new(self.cfg.progress_interval_ms);
                self.emit(Event::Restarted { reason });
                false
            }
            other @ (Event::Reconnecting { .. } | Event::Warning { .. } | Event::Discovered { .. }) => {
                self.emit(other);
                false
            }
        }
    }

    /// The app sees one state: the most telling of the parts'.
    fn merge_state(&mut self) {
        if !matches!(self.stage, Stage::Parts) || self.paused {
            return;
        }
        if self.parts.iter().all(|p| p.done) {
            return self.join();
        }
        let any = |s: State| self.parts.iter().any(|p| !p.done && p.state == s);
        let state = if any(State::Offline) {
            State::Offline
        } else if any(State::Reconnecting) {
            State::Reconnecting
        } else if any(State::Uploading) {
            State::Uploading
        } else if any(State::Creating) {
            State::Creating
        } else {
            State::Resuming
        };
        self.set_state(state);
    }

    /// Creates the final upload from the completed parts.
    fn join(&mut self) {
        let urls: Vec<&str> = self.parts.iter().filter_map(|p| p.url.as_deref()).collect();
        let mut headers = vec![("Upload-Concat", format!("final;{}", urls.join(" ")))];
        let pairs = self.source.creation_metadata(&self.cfg.metadata);
        if let Some(m) = metadata::encode(&pairs) {
            headers.push(("Upload-Metadata", m));
        }
        let endpoint = self.cfg.endpoint.clone();
        let req = self.send(Method::Post, endpoint, headers);
        self.stage = Stage::Joining { req: Some(req), retry_at: None };
        self.set_state(State::Creating);
    }

    fn on_joined(&mut self, res: Response, now: Millis) {
        if res.is_success() {
            let location = res.header("location").and_then(|l| url::resolve(&self.cfg.endpoint, l));
            let Some(url) = location else {
                return self.fail(Error::protocol(
                    "missing_location",
                    "the server's answer to the final POST has no readable Location header; if the server sends \
                     it, add Location to Access-Control-Expose-Headers in its CORS configuration",
                ));
            };
            if let Some(key) = self.key() {
                if !self.cfg.keep_session {
                    self.out.push_back(Output::Forget(key));
                }
            }
            // Every byte was confirmed by the parts; make sure 100% is reported.
            if let Some(v) = self.throttle.offer(self.size, now) {
                self.progress(v);
            }
            self.stage = Stage::Completed { url: url.clone() };
            self.settled.push(Event::Completed { url, total: self.size });
            self.settled.push(Event::State(State::Completed));
            self.state = State::Completed;
            return self.flush_settled();
        }
        let cause = Error::rejected("POST", res.status, &res.body);
        if res.status >= 500 || res.status == 429 || res.status == 423 {
            self.retry_join(cause, now);
        } else {
            self.fail(cause);
        }
    }

    fn retry_join(&mut self, cause: Error, now: Millis) {
        match self.backoff.next(&self.cfg.retry, &mut self.rng, Delay::Backoff, now) {
            Some(ms) => {
                self.stage = Stage::Joining { req: None, retry_at: Some(now.plus(ms)) };
                let attempt = self.backoff.attempt();
                self.emit(Event::Reconnecting { attempt, delay_ms: ms, reason: cause });
                self.set_state(State::Reconnecting);
            }
            None => self.fail(Error { code: "retries_exhausted", ..cause }),
        }
    }

    fn fail(&mut self, error: Error) {
        self.stage = Stage::Failed { error: error.clone() };
        self.settled.push(Event::Failed(error));
        self.settled.push(Event::State(State::Failed));
        self.state = State::Failed;
        self.flush_settled();
    }

    // ---- plumbing ----------------------------------------------------------------------

    fn send(&mut self, method: Method, url: String, mut headers: Vec<(&'static str, String)>) -> RequestId {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        headers.insert(0, ("Tus-Resumable", TUS_VERSION.to_string()));
        let req = Request { method, url, headers, body: Body::Empty, refresh_auth: false, checksum: None };
        self.out.push_back(Output::Send(id, req));
        id
    }

    fn key(&self) -> Option<String> {
        self.cfg.session_key.clone()
    }

    fn write_session(&mut self, now: Millis) {
        let Some(key) = self.key() else { return };
        self.dirty = false;
        self.last_write = Some(now);
        let parts = self
            .parts
            .iter()
            .filter_map(|p| {
                Some(PartRecord { url: p.url.clone()?, start: p.start, end: p.end, confirmed: p.confirmed })
            })
            .collect();
        let record = SessionRecord {
            key,
            upload_url: String::new(),
            endpoint: self.cfg.endpoint.clone(),
            size: self.size,
            name: self.source.name.clone(),
            mime_type: self.source.mime_type.clone(),
            last_modified: self.source.last_modified,
            metadata: self.cfg.metadata.clone(),
            bytes_confirmed: self.parts.iter().map(|p| p.confirmed).sum(),
            chunk_size: self.cfg.chunk_size,
            created_at: self.created_at,
            updated_at: now.0,
            expires_at: None,
            parts,
        };
        self.out.push_back(Output::Persist(record));
    }

    fn next_deadline(&self) -> Option<Millis> {
        let mut at = [self.throttle.deadline(), None, None];
        if let Stage::Joining { retry_at, .. } = self.stage {
            at[1] = retry_at;
        }
        if self.dirty {
            at[2] = self.last_write.map(|t| t.plus(PERSIST_INTERVAL_MS));
        }
        let parts = self.parts.iter().filter_map(|p| p.up.next_wake());
        at.into_iter().flatten().chain(parts).min()
    }

    fn progress(&mut self, confirmed: u64) {
        let eta = if confirmed >= self.size { Some(0) } else { self.goodput.eta_secs(self.size - confirmed) };
        let ev =
            Event::Progress { confirmed, total: self.size, bytes_per_sec: self.goodput.bytes_per_sec(), eta_secs: eta };
        self.out.push_back(Output::Event(ev));
    }

    fn emit(&mut self, ev: Event) {
        self.out.push_back(Output::Event(ev));
    }

    fn set_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.emit(Event::State(state));
        }
    }

    fn settle_state(&mut self, state: State) {
        if self.state != state {
            self.state = state;
            self.settled.push(Event::State(state));
            self.flush_settled();
        }
    }

    /// Ending events wait for pending progress (as in upload.rs, rule 6).
    fn flush_settled(&mut self) {
        if !self.throttle.has_pending() {
            for ev in self.settled.drain(..) {
                self.out.push_back(Output::Event(ev));
            }
        }
    }
}
