//! The end of a parallel upload: splitting the file (or not) once the server's
//! capabilities are known, and the final concatenation POST, whose answers follow the
//! `Join` row of the answer table like every other request's.

use super::plan;
use super::{Parallel, Stage};
use crate::core::answer::{self, Context, Decision, Kind};
use crate::core::capabilities::Capabilities;
use crate::core::error::{Code, Error, ErrorKind};
use crate::core::event::{Event, State};
use crate::core::http::{Body, Method, Request, Response, TransportError};
use crate::core::machine::Machine;
use crate::core::retry::{parse_retry_after, Delay};
use crate::core::time::{Millis, UnixMillis};
use crate::core::upload::phase::InFlight;
use crate::core::upload::Upload;

impl Parallel {
    /// Queues one of our own requests (OPTIONS, the final POST), with its stall deadline.
    pub(super) fn send(
        &mut self,
        method: Method,
        headers: Vec<(&'static str, String)>,
        body: Body,
        refresh: bool,
        now: Millis,
    ) -> InFlight {
        let url = self.v.cfg.endpoint.clone();
        let req = Request { method, url, headers, body, refresh_auth: refresh, checksum: None };
        let (flight, req) = InFlight::open(&mut self.next_id, req, now, self.v.cfg.stall_floor(false));
        self.out.send(flight.id, req);
        flight
    }

    pub(super) fn discover(&mut self, now: Millis) {
        let req = self.send(Method::Options, Vec::new(), Body::Empty, false, now);
        self.stage = Stage::Discovering { req };
        self.out.state(State::Creating);
    }

    /// The OPTIONS answer (any status): parts and the single-stream fallback inherit what
    /// was learnt, so no more OPTIONS are sent.
    pub(super) fn on_discovered(&mut self, res: &Response, now: Millis) {
        let caps = Capabilities::from_options(res);
        if let Some(capabilities) = caps {
            self.out.learned(self.v.cfg.endpoint.clone(), capabilities);
        }
        self.v.cfg.capabilities = caps;
        self.begin(now);
    }

    /// The final POST got no HTTP answer. Like a creation, it goes again (after backoff) only
    /// where that cannot leave a second upload: failed offline (not stalled), or under an
    /// `Idempotency-Key`. Otherwise the whole fails; the parts stay, and `start` joins again.
    pub(super) fn on_join_failure(&mut self, err: TransportError, now: Millis) {
        let (cause, stalled) = match err {
            TransportError::Headers(msg) => {
                return self.fail(Error::usage(Code::HeadersFailed, format!("the headers callback failed: {msg}")))
            }
            TransportError::Redirect => return self.fail(crate::core::answer::redirected("the final POST", None)),
            // The final POST has no body; nothing to read.
            TransportError::Unreadable(msg) => {
                return self.fail(Error::new(ErrorKind::Storage, Code::FileUnreadable, msg))
            }
            TransportError::Network(msg) | TransportError::Source(msg) => (Error::network(msg), false),
            TransportError::Timeout => (
                Error::new(
                    ErrorKind::Network,
                    Code::Stalled,
                    "the final upload got no answer within its stall timeout and was abandoned",
                ),
                true,
            ),
        };
        if (!self.online && !stalled) || self.v.cfg.idempotency_key.is_some() {
            return self.retry_join(cause, Delay::Backoff, now);
        }
        self.fail_unknown_join(cause);
    }

    /// The final POST's fate is unknown and it has no key: the whole fails, saying why.
    pub(super) fn fail_unknown_join(&mut self, cause: Error) {
        let message = format!(
            "{}; the final upload may or may not have been created, so it was not sent again \
             (call start() to join the parts anew)",
            cause.message
        );
        self.fail(Error { message, ..cause });
    }

    /// After discovery: split into parts when the server can join them (per
    /// `cfg.capabilities`; unknown means no), else run one stream.
    pub(super) fn begin(&mut self, now: Millis) {
        if let Some(Err(error)) = self.v.cfg.capabilities.map(|c| c.check_size(self.v.size)) {
            return self.fail(error);
        }
        if !self.v.cfg.capabilities.is_some_and(|c| c.concatenation) {
            let message = "the server does not offer the concatenation extension; uploading over one connection";
            self.out.emit(Event::Warning { code: Code::ParallelUnsupported, message: message.to_string() });
            return self.run_single(now);
        }
        // A file too small for two parts gets one stream (nothing to gain, nothing to warn).
        let ranges = plan::plan(self.v.size, self.v.cfg.parallel);
        if ranges.is_empty() {
            return self.run_single(now);
        }
        self.make_parts(ranges.into_iter().map(|r| (r, None)).collect(), now);
        self.stage = Stage::Parts;
        self.each_part(|p| p.up.start(now));
        self.drain_parts(now);
    }

    fn run_single(&mut self, now: Millis) {
        let mut up = Upload::from_validated(self.v.single(), now);
        up.handle_online(self.online, now);
        up.handle_wall_clock(self.wall);
        // The single upload announces its own states from here on, and numbers its requests
        // after ours; it starts from where we are.
        up.take_over(self.out.current(), self.next_id);
        up.start(now);
        self.stage = Stage::Single(Box::new(up));
    }

    /// Creates the final upload from the completed parts (once online).
    pub(super) fn join(&mut self, refresh: bool, now: Millis) {
        if !self.online {
            return self.join_offline();
        }
        let urls: Vec<&str> = self.parts.iter().filter_map(|p| p.url.as_deref()).collect();
        let mut headers = vec![("Upload-Concat", format!("final;{}", urls.join(" ")))];
        if let Some(m) = &self.v.metadata_header {
            headers.push(("Upload-Metadata", m.clone()));
        }
        // The final upload is the one the app asked for: it carries the app's key (parts
        // carry keys derived from it).
        if let Some(key) = &self.v.cfg.idempotency_key {
            headers.push(("Idempotency-Key", key.clone()));
        }
        let req = self.send(Method::Post, headers, Body::Commit, refresh, now);
        self.stage = Stage::Joining { req };
        self.out.state(State::Creating);
    }

    pub(super) fn on_joined(&mut self, req: InFlight, res: Response, now: Millis) {
        let today = UnixMillis(self.wall.date(now).0);
        let retry_after = res.header("retry-after").and_then(|v| parse_retry_after(v, today));
        let ctx = Context { refreshed: req.refreshed, keyed: self.v.cfg.idempotency_key.is_some(), retry_after };
        match answer::decide(Kind::Join, &res, ctx) {
            Decision::Advance => self.joined(&res, now),
            Decision::Restart if !self.rechecked => self.recheck_parts(now),
            Decision::Restart => self.fail(answer::error(Kind::Join, Code::UploadGone, &res)),
            Decision::Retry { delay, .. } => {
                self.retry_join(Error::rejected("POST", res.status, &res.body), delay, now)
            }
            Decision::Refresh => self.join(true, now),
            Decision::Fail(code) => self.fail(answer::error(Kind::Join, code, &res)),
            Decision::Shrink => self.fail(answer::error(Kind::Join, Code::HttpStatus, &res)),
        }
    }

    fn joined(&mut self, res: &Response, now: Millis) {
        let url = match crate::core::upload::read_location(&self.v.cfg, res, "the final POST") {
            Ok(url) => url,
            Err(error) => return self.fail(error),
        };
        if let (Some(key), false) = (self.key(), self.v.cfg.keep_session) {
            self.out.forget(key);
        }
        // Every byte was confirmed by the parts; make sure 100% is reported.
        self.offer_progress(self.v.size, now);
        self.stage = Stage::Completed { url: url.clone() };
        self.out.settle(Event::Completed { url, total: self.v.size });
        self.out.settle_state(State::Completed);
    }

    /// The final POST says an upload is gone (404, 410): a part may have expired after it
    /// completed. Every part is asked again with HEAD, as a stored part is; a lost one is
    /// created and sent anew (announced by `restarted`), then the parts are joined again.
    /// Once per `start`: a second such answer fails the whole.
    fn recheck_parts(&mut self, now: Millis) {
        self.rechecked = true;
        let ranges = self.parts.iter().map(|p| (p.range.clone(), p.url.clone())).collect();
        self.make_parts(ranges, now);
        // Their bytes were confirmed: progress stays where it was unless a part is lost.
        self.each_part(|p| p.confirmed = p.range.end - p.range.start);
        self.stage = Stage::Parts;
        self.each_part(|p| p.up.start(now));
        self.drain_parts(now);
    }

    /// Waits for the `online` event before the final POST; spends no retries.
    pub(super) fn join_offline(&mut self) {
        self.stage = Stage::JoinOffline;
        self.out.state(State::Offline);
    }

    pub(super) fn retry_join(&mut self, cause: Error, delay: Delay, now: Millis) {
        if !self.online && cause.kind == ErrorKind::Network {
            return self.join_offline();
        }
        match self.backoff.next(&self.v.cfg.retry, &mut self.rng, delay, now) {
            Some(ms) => {
                self.stage = Stage::JoinWaiting { until: now.plus(ms) };
                let attempt = self.backoff.attempt();
                self.out.emit(Event::Reconnecting { attempt, delay_ms: ms, reason: cause });
                self.out.state(State::Reconnecting);
            }
            None => self.fail(Error { code: Code::RetriesExhausted, ..cause }),
        }
    }
}
