//! The upload state machine: one TUS upload and its inputs. Its queries are in queries.rs,
//! the transitions in transitions.rs, the reading of answers in answers.rs, the phases in phase.rs, a
//! source whose length becomes known late (a recording) in live.rs; the status rules are
//! answer.rs's table, the event plumbing is outbox.rs.
//!
//! Rules (read these before changing anything in this folder):
//! 1. Inputs are the [`Machine`] methods; each takes `now` on the timer clock. After any
//!    input the caller drains `poll_output` until `Output::Idle`.
//! 2. At most one request is in flight, carried by its phase ([`phase::InFlight`]). Each gets
//!    a fresh `RequestId` and a stall deadline; an answer to an id that is not the one in
//!    flight is ignored (so pause/abort/stall races are non-events).
//! 3. A HEAD is never sent while a PATCH for the same upload is in flight.
//! 4. The offset moves only on a server answer: a 2xx PATCH response inside
//!    `[chunk start, chunk end]` (less than sent = partial acceptance; we continue from it),
//!    or a 2xx HEAD within `[0, size]`. Completion is taken from the PATCH (or HEAD) answer
//!    itself, never inferred.
//! 5. Progress is the server-confirmed offset, throttled and never decreasing; the only
//!    exception is a `Restarted` event (the server lost the upload), after which it counts
//!    the new upload from zero.
//! 6. Events that end a phase (paused, failed, completed) are delivered after any pending
//!    progress, and nothing overtakes them (the outbox's rule).
//! 7. Nothing here panics on server input: every header is parsed strictly and every bad
//!    value becomes a typed `Protocol` error.
//! 8. Only idempotent requests are retried on their own: HEAD, and PATCH after a HEAD has
//!    re-learned the offset. A POST is sent again only where the server cannot have created
//!    an upload (429, 503 with `Retry-After`, failed offline but not stalled) or when it carries an
//!    `Idempotency-Key`. A 5xx on HEAD never re-creates; only 404/410 start over, and say so.
//! 9. Failures that may pass wait in `Waiting` (state `reconnecting`) with backoff and
//!    jitter, bounded by a time budget per episode (reset whenever the server confirms new
//!    bytes); while the browser is offline they wait in `Offline` and spend nothing.
//!    Exhausting the budget fails the upload but keeps its URL: `start` continues it.
//! 10. With a session key, the record is written (`Persist`) as soon as the upload URL is
//!     known, then at most every `PERSIST_INTERVAL_MS` while bytes are confirmed, and on
//!     pause, failure and `handle_suspend`; it is deleted (`Forget`) on completion (unless
//!     kept) and on abort.
//! 11. A gap (`handle_wake`, or coming back online) treats the request in flight as dead
//!     and re-learns the offset at once (wake.rs).
//!     Its dates come from the wall clock the driver gives (`handle_wall_clock`).
//!
//! Timers form a fixed table ([`Timers`]): progress throttle, stall deadline of the request
//! in flight, end of a retry wait, coalesced session write. The next wake-up is its minimum.
//! One upload may be one part of a parallel upload (`Config::part_offset`); parallel/
//! composes them.

mod answers;
mod live;
pub(crate) mod phase;
mod queries;
mod transitions;
mod wake;

use super::checksum::Algorithm;
use super::chunking::ChunkSizer;
use super::config::{Config, SourceInfo, Validated};
use super::error::Error;
use super::event::State;
use super::http::{RequestId, Response, TransportError};
use super::machine::{Machine, Output};
use super::outbox::Outbox;
use super::rate::{progress_event, Goodput, Throughput};
use super::retry::{Backoff, Rng};
use super::session::SessionRecord;
use super::time::{Millis, WallClock};
use super::timer::Timer;
use super::url;
pub(crate) use answers::read_location;
use live::{Length, Live};
use phase::Phase;
pub use wake::{WAKE_PROBES, WAKE_PROBE_STALL_MS};

/// The protocol version this client speaks.
pub const TUS_VERSION: &str = "1.0.0";

/// How many times one run may find its upload gone and start over before giving up.
pub const MAX_RESTARTS: u32 = 3;

/// A stalled PATCH halves the chunk size, but not below this.
pub const MIN_STALL_CHUNK: u64 = 256 * 1024;

/// Bookkeeping for the session record.
#[derive(Clone, Debug)]
struct Session {
    key: String,
    /// A date; `None` until the first write (the wall clock may not be known before).
    created_at: Option<u64>,
    expires_at: Option<u64>,
    last_write: Option<Millis>,
    /// Confirmed bytes not yet written.
    dirty: bool,
}

/// One TUS upload, driven by inputs and drained by `poll_output`.
#[derive(Debug)]
pub struct Upload {
    cfg: Config,
    source: SourceInfo,
    /// The file's size, or what is known of a recording's length.
    length: Length,
    metadata_header: Option<String>,
    phase: Phase,
    /// The server's latest confirmed offset for the current upload URL.
    offset: u64,
    next_id: u64,
    out: Outbox,
    rng: Rng,
    backoff: Backoff,
    /// Whether the browser says it is online (`handle_online`).
    online: bool,
    throughput: Throughput,
    /// Decides the size of each PATCH body.
    chunks: ChunkSizer,
    /// Confirmed bytes per second over time, for progress events.
    goodput: Goodput,
    /// Times this run found its upload gone and started over.
    restarts: u32,
    /// Uploads lost so far, never reset: creations after the n-th go under `{key}-{n}`.
    lost: u32,
    /// The session record's bookkeeping, when the upload has a session key.
    session: Option<Session>,
    /// An upload URL from a stored session, to try (HEAD) on the first start.
    restored: Option<String>,
    /// The `now` of the latest input.
    clock: Millis,
    wall: WallClock,
    /// Whether the server's capabilities were learnt (OPTIONS), when checksums need them.
    discovered: bool,
    /// The checksum algorithm agreed with the server, if any.
    checksum: Option<Algorithm>,
    /// Network errors that came back at once since the last PATCH or POST succeeded (a HEAD
    /// may well succeed while CORS blocks PATCH).
    fast_failures: u32,
    /// The blocked-request warning was given.
    warned_blocked: bool,
    /// Quick HEADs left after a gap, each with a short deadline (wake.rs).
    wake_probes: u32,
}

impl Upload {
    /// Validates the options and prepares an upload; nothing is sent until `start`.
    pub fn new(cfg: Config, source: SourceInfo, now: Millis) -> Result<Upload, Error> {
        Ok(Upload::from_validated(cfg.validate(&source)?, now))
    }

    /// Prepares an upload from checked options; nothing is sent until `start`.
    #[must_use]
    pub fn from_validated(v: Validated, now: Millis) -> Upload {
        let Validated { cfg, source, size, metadata_header } = v;
        let length = if source.size.is_some() { Length::File(size) } else { Length::Live(Live::default()) };
        let session = cfg.session_key.clone().map(|key| Session {
            key,
            created_at: None,
            expires_at: None,
            last_write: None,
            dirty: false,
        });
        let mut out = Outbox::new(cfg.progress_interval_ms);
        if length.is_live() && cfg.parallel > 1 {
            let message = "a recording is uploaded over one connection: parallelUploads is ignored".to_string();
            out.emit(crate::core::event::Event::Warning {
                code: crate::core::error::Code::ParallelUnsupported,
                message,
            });
        }
        Upload {
            source,
            session,
            restored: None,
            clock: now,
            wall: WallClock::same(now),
            discovered: false,
            checksum: None,
            fast_failures: 0,
            warned_blocked: false,
            wake_probes: 0,
            rng: Rng::new(cfg.seed),
            chunks: ChunkSizer::new(cfg.chunk_policy()),
            goodput: Goodput::default(),
            out,
            cfg,
            length,
            metadata_header,
            phase: Phase::Idle,
            offset: 0,
            next_id: 0,
            backoff: Backoff::default(),
            online: true,
            throughput: Throughput::default(),
            restarts: 0,
            lost: 0,
        }
    }

    /// Prepares an upload that continues a stored session: the first `start` asks the
    /// server (HEAD) where the stored upload stands, or starts over, saying why, if the
    /// record has expired or does not describe this file (a recording's record continues
    /// a recording, of any length so far).
    pub fn resume(cfg: Config, record: SessionRecord, source: SourceInfo, now: Millis) -> Result<Upload, Error> {
        Ok(Upload::resume_validated(cfg.validate(&source)?, record, now))
    }

    /// [`Upload::resume`] from checked options.
    #[must_use]
    pub fn resume_validated(v: Validated, record: SessionRecord, now: Millis) -> Upload {
        let key = Some(record.key.clone());
        let mut up = Upload::from_validated(v.with_session_key(key), now);
        let fits = match up.length {
            Length::File(size) => !record.recording && record.size == size,
            Length::Live(_) => record.recording,
        };
        if fits && url::is_absolute_http(&record.upload_url) && record.belongs_to(&up.cfg) {
            if let Some(s) = &mut up.session {
                s.created_at = Some(record.created_at);
                s.expires_at = record.expires_at;
            }
            up.restored = Some(record.upload_url);
        }
        up
    }
}

impl Machine for Upload {
    /// Starts, or continues after a pause or failure; during a retry wait, tries at once.
    /// A no-op while a request is in flight.
    fn start(&mut self, now: Millis) {
        self.tick(now);
        self.on_start(now);
    }

    /// Pauses: aborts the request in flight; `start` continues later from the server's offset.
    /// A creation in flight is allowed to finish so that its upload URL is not lost.
    fn pause(&mut self, now: Millis) {
        self.tick(now);
        self.on_pause(now);
    }

    /// Ends the upload. With `terminate`, asks the server to delete it (TUS termination).
    fn abort(&mut self, terminate: bool, now: Millis) {
        self.tick(now);
        if matches!(self.phase, Phase::Completed { .. } | Phase::Aborted | Phase::Terminating { .. }) {
            return;
        }
        if let Some(req) = self.phase.in_flight() {
            self.out.cancel(req.id);
        }
        match self.url().map(str::to_string) {
            Some(url) if terminate => self.terminate(url, now),
            _ => self.finish_abort(),
        }
        self.forget_session();
    }

    /// The answer to the request in flight (any other id is ignored): looked up in the
    /// answer table, then applied.
    fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
        self.tick(now);
        let Some(req) = self.phase.in_flight().filter(|r| r.id == id) else { return };
        self.on_answer(req, res, now);
    }

    /// The request in flight got no HTTP answer (any other id is ignored).
    fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis) {
        self.tick(now);
        let Some(req) = self.phase.in_flight().filter(|r| r.id == id) else { return };
        self.on_transport_error(req, err, now);
    }

    /// Delivers timed work: throttled progress, stall deadlines, the end of retry waits.
    /// Spurious calls are harmless.
    fn handle_timeout(&mut self, now: Millis) {
        self.tick(now);
        let due: Vec<Timer> = self.timers().due(now).collect();
        for timer in due {
            match timer {
                Timer::Progress => {
                    let (size, goodput) = (self.length.total(), &self.goodput);
                    self.out.on_timeout(now, |v| progress_event(goodput, size, v));
                }
                Timer::Stall => {
                    if let Some(req) = self.phase.in_flight().filter(|r| r.stall_at <= now) {
                        self.out.cancel(req.id);
                        self.handle_failure(req.id, TransportError::Timeout, now);
                    }
                }
                Timer::Retry => {
                    if let Phase::Waiting { next, until } = &self.phase {
                        if *until <= now {
                            let next = next.clone();
                            self.go(next, now);
                        }
                    }
                }
                Timer::Persist => self.flush_session(now),
                Timer::Parts => {}
            }
        }
        // Whatever the timers above let through, released once progress is out.
        let (size, goodput) = (self.length.total(), &self.goodput);
        self.out.on_timeout(now, |v| progress_event(goodput, size, v));
    }

    /// The browser went offline or came back. Offline, retry waits stop spending attempts;
    /// back online, a waiting upload continues at once with a fresh retry budget, and a
    /// request still in flight is treated as dead (wake.rs).
    fn handle_online(&mut self, online: bool, now: Millis) {
        self.tick(now);
        if self.online == online {
            return;
        }
        self.online = online;
        match &self.phase {
            Phase::Waiting { next, .. } if !online => {
                let next = next.clone();
                self.wait_offline(next);
            }
            Phase::Offline { next } if online => {
                let next = next.clone();
                self.backoff.reset();
                self.go(next, now);
            }
            // A request still in flight went out before the network changed: a gap (wake.rs).
            _ if online => self.on_wake(now),
            _ => {}
        }
    }

    fn handle_wake(&mut self, now: Millis) {
        self.tick(now);
        self.on_wake(now);
    }

    fn handle_suspend(&mut self, now: Millis) {
        self.tick(now);
        self.flush_session(now);
    }

    fn handle_lock(&mut self, held: bool, now: Millis) {
        self.tick(now);
        self.out.lock(held);
    }

    fn handle_wall_clock(&mut self, clock: WallClock) {
        self.wall = clock;
    }

    /// A recording has `available` bytes buffered (ignored for files): sent as soon as the
    /// previous PATCH is done (live.rs).
    fn handle_data(&mut self, available: u64, now: Millis) {
        self.tick(now);
        self.on_data(available, now);
    }

    /// A recording ended at `total` bytes (ignored for files, and after the first end).
    fn handle_end(&mut self, total: u64, now: Millis) {
        self.tick(now);
        self.on_end(total, now);
    }

    /// The next thing to do. Call until it returns `Output::Idle`.
    fn poll_output(&mut self) -> Output {
        let wake_at = if self.out.is_empty() { self.next_wake() } else { None };
        self.out.pop(wake_at)
    }

    fn state(&self) -> State {
        self.out.current()
    }

    /// The end of this run, once every event has been delivered: `Ok(url)` on completion.
    fn outcome(&self) -> Option<Result<String, Error>> {
        if !self.out.quiet() {
            return None;
        }
        match &self.phase {
            Phase::Completed { url } => Some(Ok(url.clone())),
            Phase::Failed { error, .. } => Some(Err(error.clone())),
            Phase::Aborted => Some(Err(Error::aborted())),
            _ => None,
        }
    }

    fn bytes_total(&self) -> u64 {
        self.length.total().unwrap_or(self.length.limit())
    }
}
