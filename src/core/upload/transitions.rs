//! The upload's transitions: every change of phase goes through one of these functions,
//! and each one sets the phase it leads to (no placeholder phases). Also what each phase
//! sends, and the session record's writes.

use super::phase::{InFlight, Next, Phase};
use super::wake::wake_probe_stall_ms;
use super::{Upload, MAX_RESTARTS, MAX_TERMINATE_RETRIES};
use crate::core::error::{Code, Error, ErrorKind};
use crate::core::event::{Event, State};
use crate::core::http::{Body, Method, Request, Response};
use crate::core::rate::Goodput;
use crate::core::retry::Delay;
use crate::core::session::{SessionRecord, PERSIST_INTERVAL_MS};
use crate::core::time::Millis;

impl Upload {
    /// `start`: continues after a pause or failure; during a retry wait, tries at once.
    pub(super) fn on_start(&mut self, now: Millis) {
        let next = match &self.phase {
            Phase::Idle => match self.restored.take() {
                Some(url) => {
                    let expired = self.session.as_ref().and_then(|s| s.expires_at).filter(|t| *t <= self.date(now));
                    if let Some(at) = expired {
                        let reason = Error {
                            status: None,
                            message: format!("the stored upload {url} expired at {at} (its Upload-Expires)"),
                            ..Error::expired("HEAD", 410)
                        };
                        return self.restart(reason, now);
                    }
                    Next::Probe(url)
                }
                None => Next::known(self.cfg.upload_url.clone()),
            },
            Phase::Paused { url } | Phase::Failed { url, .. } => {
                let next = Next::known(url.clone());
                self.backoff.reset();
                self.restarts = 0;
                next
            }
            Phase::Waiting { next, .. } => next.clone(),
            Phase::Offline { next } => {
                // The app knows better than navigator.onLine (which can be wrong): try now.
                self.online = true;
                next.clone()
            }
            Phase::Creating { req, then_pause: true } => {
                self.phase = Phase::Creating { req: *req, then_pause: false };
                self.out.state(State::Creating);
                return;
            }
            _ => return,
        };
        self.go(next, now);
    }

    /// `pause`: aborts the request in flight (a creation is let finish).
    pub(super) fn on_pause(&mut self, now: Millis) {
        // Time spent paused is not slow uploading.
        self.goodput.unmark();
        let url = match &self.phase {
            Phase::Creating { req, .. } => {
                self.phase = Phase::Creating { req: *req, then_pause: true };
                return self.out.settle_state(State::Paused);
            }
            Phase::Discovering { req, then } => {
                self.out.cancel(req.id);
                then.clone()
            }
            Phase::Probing { req, url } | Phase::Patching { req, url, .. } => {
                self.out.cancel(req.id);
                Some(url.clone())
            }
            Phase::Starved { url } => Some(url.clone()),
            Phase::Buffering => None,
            Phase::Waiting { next, .. } | Phase::Offline { next } => next.url().map(str::to_string),
            _ => return,
        };
        self.phase = Phase::Paused { url };
        self.flush_session(now);
        self.out.settle_state(State::Paused);
    }

    /// Waits for the `online` event (`handle_online`), then does `next`; spends no retries.
    pub(super) fn wait_offline(&mut self, next: Next) {
        self.phase = Phase::Offline { next };
        self.set_state(State::Offline);
    }

    /// Does `next` now, or waits for the network if the browser is offline.
    pub(super) fn go(&mut self, next: Next, now: Millis) {
        if !self.online {
            return self.wait_offline(next);
        }
        let next = match next {
            Next::Create if self.needs_discovery() => Next::Discover(None),
            Next::Probe(url) if self.needs_discovery() => Next::Discover(Some(url)),
            other => other,
        };
        match next {
            Next::Create if self.buffer_until_end() => {}
            Next::Create => self.create(false, false, now),
            Next::Probe(url) => self.probe(url, false, now),
            Next::Discover(then) => self.discover(then, now),
        }
    }

    /// Checksums and recordings need to know what the server supports (OPTIONS).
    fn needs_discovery(&self) -> bool {
        (self.cfg.checksum || self.length.is_live()) && !self.discovered
    }

    fn discover(&mut self, then: Option<String>, now: Millis) {
        if let Some(caps) = self.cfg.capabilities {
            return self.apply_capabilities(then, Some(caps), "an earlier OPTIONS to this endpoint", now);
        }
        let endpoint = self.cfg.endpoint.clone();
        let req = self.send(Method::Options, endpoint, Vec::new(), Body::Empty, false, now);
        let state = if then.is_some() { State::Resuming } else { State::Creating };
        self.phase = Phase::Discovering { req, then };
        self.set_state(state);
    }

    /// A failure that may pass: wait (or go offline), then do `next`; fail when the
    /// episode's budget is spent.
    pub(super) fn retry_later(&mut self, next: Next, cause: Error, delay: Delay, now: Millis) {
        if !self.online && cause.kind == ErrorKind::Network {
            return self.wait_offline(next);
        }
        match self.backoff.next(&self.cfg.retry, &mut self.rng, delay, now) {
            Some(ms) => {
                let attempt = self.backoff.attempt();
                self.phase = Phase::Waiting { next, until: now.plus(ms) };
                self.out.emit(Event::Reconnecting { attempt, delay_ms: ms, reason: cause });
                self.set_state(State::Reconnecting);
            }
            None => {
                let attempts = self.backoff.attempt();
                let url = next.url().map(str::to_string);
                let message = format!("gave up after {attempts} attempts within the retry budget: {}", cause.message);
                self.fail(url, Error { code: Code::RetriesExhausted, message, ..cause });
            }
        }
    }

    /// The server no longer knows the upload: start a new one from byte 0 and say why.
    pub(super) fn restart(&mut self, reason: Error, now: Millis) {
        if let Some(error) = self.restart_refused(&reason) {
            return self.fail(None, error);
        }
        self.restarts += 1;
        self.lost += 1;
        if self.restarts > MAX_RESTARTS {
            let message = format!(
                "the server lost the upload {} times in a row, last: {}; no new upload is created \
                 (at most {MAX_RESTARTS} restarts per start)",
                self.restarts, reason.message
            );
            return self.fail(None, Error::protocol(Code::RestartsExhausted, message));
        }
        self.out.emit(Event::Restarted { reason });
        self.offset = 0;
        self.out.reset_progress(self.cfg.progress_interval_ms);
        self.goodput = Goodput::default();
        self.backoff.reset();
        self.go(Next::Create, now);
    }

    /// Sends the creation POST; `then_pause`: the app paused meanwhile (state stays paused).
    pub(super) fn create(&mut self, refresh: bool, then_pause: bool, now: Millis) {
        let mut headers = match self.length.total() {
            Some(size) => vec![("Upload-Length", size.to_string())],
            None => vec![("Upload-Defer-Length", "1".to_string())],
        };
        if let super::Length::Live(live) = &mut self.length {
            live.declared = live.total.is_some();
        }
        if self.cfg.part_offset.is_some() {
            headers.push(("Upload-Concat", "partial".to_string()));
        }
        // Parts carry the metadata too: some servers refuse a HEAD on an upload without it.
        if let Some(m) = &self.metadata_header {
            headers.push(("Upload-Metadata", m.clone()));
        }
        // After a loss, the key would get the lost upload back from a server that honours it.
        match (&self.cfg.idempotency_key, self.lost) {
            (Some(key), 0) => headers.push(("Idempotency-Key", key.clone())),
            (Some(key), n) => headers.push(("Idempotency-Key", format!("{key}-{n}"))),
            (None, _) => {}
        }
        let endpoint = self.cfg.endpoint.clone();
        let req = self.send(Method::Post, endpoint, headers, Body::Empty, refresh, now);
        self.phase = Phase::Creating { req, then_pause };
        if !then_pause {
            self.set_state(State::Creating);
        }
    }

    pub(super) fn probe(&mut self, url: String, refresh: bool, now: Millis) {
        let req = self.send(Method::Head, url.clone(), Vec::new(), Body::Empty, refresh, now);
        self.phase = Phase::Probing { req, url };
        self.set_state(State::Resuming);
    }

    pub(super) fn patch_next(&mut self, url: String, now: Millis) {
        if !self.online {
            // The browser went offline while the last request was answered: wait, then re-learn.
            return self.wait_offline(Next::Probe(url));
        }
        let start = self.offset;
        match self.length.plan(start, self.chunks.next(), self.smallest_live_chunk()) {
            super::live::Plan::Send(end) => self.patch_range(url, start, end, false, now),
            super::live::Plan::Starve => self.starve(url),
            super::live::Plan::Done => self.complete(url, now),
        }
    }

    pub(super) fn patch_range(&mut self, url: String, start: u64, end: u64, refresh: bool, now: Millis) {
        let mut headers =
            vec![("Upload-Offset", start.to_string()), ("Content-Type", "application/offset+octet-stream".to_string())];
        let declares = self.length.declares(end);
        if declares {
            headers.push(("Upload-Length", end.to_string()));
        }
        let base = self.cfg.part_offset.unwrap_or(0);
        let body = if end > start { Body::Source { start: base + start, end: base + end } } else { Body::Empty };
        let req = self.send(Method::Patch, url.clone(), headers, body, refresh, now);
        self.phase = Phase::Patching { req, url, start, end, declares };
        self.set_state(State::Uploading);
    }

    /// Asks the server to delete the upload (abort with `terminate`), `retries` times before.
    pub(super) fn terminate(&mut self, url: String, retries: u32, now: Millis) {
        let req = self.send(Method::Delete, url.clone(), Vec::new(), Body::Empty, false, now);
        self.phase = Phase::Terminating { req, url, retries };
    }

    /// The DELETE got no answer, or one that refuses for now (`answer::delete_again`): sent
    /// again after a backoff (or the server's `retry_after`), at most
    /// [`MAX_TERMINATE_RETRIES`] times within the retry budget; then the abort ends, and the
    /// upload stays on the server until it expires there. The app sees no `reconnecting`.
    pub(super) fn terminate_later(&mut self, retry_after: Option<u64>, now: Millis) {
        let Phase::Terminating { url, retries, .. } = self.phase.clone() else { return };
        let delay = retry_after.map_or(Delay::Backoff, Delay::After);
        match self.backoff.next(&self.cfg.retry, &mut self.rng, delay, now) {
            Some(ms) if retries < MAX_TERMINATE_RETRIES => {
                self.phase = Phase::TerminateAgain { url, retries: retries + 1, at: now.plus(ms) };
            }
            _ => self.finish_abort(),
        }
    }

    /// Queues a request and returns what belongs to it, stall deadline included.
    fn send(
        &mut self,
        method: Method,
        url: String,
        headers: Vec<(&'static str, String)>,
        body: Body,
        refresh: bool,
        now: Millis,
    ) -> InFlight {
        let body_bytes = match body {
            Body::Source { start, end } => end.saturating_sub(start),
            Body::Empty | Body::Commit => 0,
        };
        let floor = self.cfg.stall_floor(self.throughput.bytes_per_sec() > 0);
        let stall_ms = match self.throughput.stall_timeout(body_bytes, floor) {
            ms if method == Method::Head && self.wake_probes > 0 => ms.min(wake_probe_stall_ms(self.round_trip)),
            ms => ms,
        };
        let checksum = if method == Method::Patch { self.checksum } else { None };
        let req = Request { method, url, headers, body, refresh_auth: refresh, checksum };
        let (flight, req) = InFlight::open(&mut self.next_id, req, now, stall_ms);
        self.out.send(flight.id, req);
        flight
    }

    pub(super) fn complete(&mut self, url: String, now: Millis) {
        // A zero-byte upload never went through `confirm`; make sure 100% is reported.
        let total = self.length.total().unwrap_or(self.offset);
        if total == 0 {
            let event = crate::core::rate::progress_event(&self.goodput, Some(0), 0);
            self.out.force_progress(event);
        }
        if self.cfg.keep_session {
            self.write_session(&url, now);
        } else {
            self.forget_session();
        }
        self.phase = Phase::Completed { url: url.clone() };
        self.out.settle(Event::Completed { url, total });
        self.out.settle_state(State::Completed);
    }

    pub(super) fn fail(&mut self, url: Option<String>, error: Error) {
        if let (Some(u), true) = (&url, self.session.as_ref().is_some_and(|s| s.dirty)) {
            let u = u.clone();
            self.write_session(&u, self.clock);
        }
        self.phase = Phase::Failed { url, error: error.clone() };
        self.out.settle(Event::Failed(error));
        self.out.settle_state(State::Failed);
    }

    pub(super) fn finish_abort(&mut self) {
        self.phase = Phase::Aborted;
        self.out.settle_state(State::Aborted);
    }

    // ---- session record ------------------------------------------------------------------

    pub(super) fn note_expiry(&mut self, res: &Response) {
        let at = res.header("upload-expires").and_then(crate::core::date::parse_http_date);
        if let (Some(s), Some(at)) = (&mut self.session, at) {
            s.expires_at = Some(at);
        }
    }

    /// New bytes were confirmed: write now, or once the write interval has passed.
    pub(super) fn session_progress(&mut self, url: &str, now: Millis) {
        let Some(s) = &mut self.session else { return };
        match s.last_write {
            Some(t) if now.since(t) < PERSIST_INTERVAL_MS => s.dirty = true,
            _ => self.write_session(url, now),
        }
    }

    /// Writes a pending update, if any (the persist timer, pause). Without an upload URL the
    /// pending bytes were those of an upload the server lost: nothing is left to write.
    pub(super) fn flush_session(&mut self, now: Millis) {
        let dirty = self.session.as_ref().is_some_and(|s| s.dirty);
        match (dirty, self.url().map(str::to_string)) {
            (true, Some(url)) => self.write_session(&url, now),
            (true, None) => {
                if let Some(s) = &mut self.session {
                    s.dirty = false;
                }
            }
            (false, _) => {}
        }
    }

    pub(super) fn write_session(&mut self, url: &str, now: Millis) {
        let today = self.date(now);
        let Some(s) = &mut self.session else { return };
        s.dirty = false;
        s.last_write = Some(now);
        let record = SessionRecord {
            key: s.key.clone(),
            upload_url: url.to_string(),
            endpoint: self.cfg.endpoint.clone(),
            size: self.length.limit(),
            name: self.source.name.clone(),
            mime_type: self.source.mime_type.clone(),
            last_modified: self.source.last_modified,
            metadata: self.cfg.metadata.clone(),
            bytes_confirmed: self.offset,
            chunk_size: self.chunks.next(),
            created_at: *s.created_at.get_or_insert(today),
            updated_at: today,
            expires_at: s.expires_at,
            parts: Vec::new(),
            recording: self.length.is_live(),
        };
        self.out.persist(record);
    }

    pub(super) fn forget_session(&mut self) {
        if let Some(s) = &mut self.session {
            s.dirty = false;
            self.out.forget(s.key.clone());
        }
    }
}
