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
mod machine;
pub(crate) mod phase;
mod queries;
mod transitions;
mod wake;

use super::checksum::Algorithm;
use super::chunking::ChunkSizer;
use super::config::{Config, SourceInfo, Validated};
use super::error::Error;
use super::outbox::Outbox;
use super::rate::{Goodput, Throughput};
use super::retry::{Backoff, Rng};
use super::session::SessionRecord;
use super::time::{Millis, WallClock};
use super::url;
pub(crate) use answers::read_location;
use live::{Length, Live};
use phase::Phase;
pub use wake::{wake_probe_stall_ms, WAKE_PROBES, WAKE_PROBE_STALL_MS};

/// The protocol version this client speaks.
pub const TUS_VERSION: &str = "1.0.0";

/// How many times one run may find its upload gone and start over before giving up.
pub const MAX_RESTARTS: u32 = 3;
/// How many times an abort's DELETE is sent again after a refusal for now or no answer.
pub const MAX_TERMINATE_RETRIES: u32 = 3;

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
    /// The quickest answer to a request without a body (OPTIONS, POST, HEAD), in ms: how
    /// long the quick HEADs after a gap may take (wake.rs).
    round_trip: Option<u64>,
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
            round_trip: None,
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
