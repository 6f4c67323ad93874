//! Parallel uploads: one file sent as several partial uploads over separate connections, then
//! joined by a final upload (tus concatenation extension).
//!
//! Rules:
//! 1. One OPTIONS learns whether the server has `concatenation` (none when an earlier upload
//!    to the endpoint learnt it: `Config::capabilities`). Without it the upload runs as one
//!    ordinary [`Upload`] stream; a file too small for every part gets fewer parts, or one
//!    stream below two parts' worth (plan.rs).
//! 2. Each part is an ordinary [`Upload`] of bytes `start..end` of the file, created with
//!    `Upload-Concat: partial` and the file's metadata (some servers refuse a HEAD without);
//!    every retry, stall and offline rule of upload/ applies to it unchanged. parts.rs only
//!    composes: it renumbers the parts' requests, sums their confirmed bytes into one
//!    throttled progress, merges their states, and persists one session record that holds
//!    every part's URL and offset. Stored parts are continued only when they cover the file
//!    exactly.
//! 3. When every part is complete, one POST with `Upload-Concat: final;<urls>` and the
//!    file's metadata creates the upload the app gets (join.rs). Its answers follow the
//!    `Join` row of the answer table (answer.rs); it has a stall deadline like every request.
//!    It carries the app's `Idempotency-Key` and goes again on a creation's terms; each part
//!    carries a key derived from it (one key on two creations would make them one upload).
//!    Answered 404/410 (a part expired after it completed), every part is asked again with
//!    HEAD, a lost one is sent anew, and the parts are joined again, once per `start`.
//! 4. A part that fails fatally pauses the others and fails the whole; `start` continues all.
//! 5. Every command works in every stage: `pause` during discovery cancels the OPTIONS,
//!    during the final POST or its retry wait stops it; `start` picks up from there.
//! 6. Events pass through one outbox (outbox.rs), so rule 6 of upload/ holds here too.
//! 7. While the browser is offline the final POST waits (state `offline`) and spends no
//!    retries, like every request of upload/.
//! 8. A gap (the page frozen, the computer asleep) treats every request in flight as dead,
//!    the parts' and ours alike (wake.rs).
//!
//! It does no I/O, like everything in the core.

mod join;
mod machine;
mod parts;
pub mod plan;
mod wake;

use super::config::{Config, SourceInfo, Validated};
use super::error::Error;
use super::event::{Event, State};
use super::outbox::Outbox;
use super::rate::Goodput;
use super::retry::{Backoff, Rng};
use super::session::{PartRecord, SessionRecord, PERSIST_INTERVAL_MS};
use super::time::{Millis, WallClock};
use super::timer::{Timer, Timers};
use super::upload::phase::InFlight;
use super::upload::Upload;
use super::url;
use parts::{IdMap, Part};
pub use plan::MIN_PART;

/// Mixed into the seed so that the parts' jitter differs from the whole's.
const PART_SEED_SALT: u64 = 0x5bd1_e995;

#[derive(Debug)]
enum Stage {
    /// Not started (or paused before the parts existed). `stored` holds the parts of a
    /// stored session to continue.
    Idle {
        stored: Vec<PartRecord>,
    },
    Discovering {
        req: InFlight,
    },
    /// The server cannot concatenate (or the file is small): one ordinary upload.
    Single(Box<Upload>),
    /// The parts are running, paused, or (all done) waiting for `start` to join them.
    Parts,
    /// All parts are complete; creating the final upload.
    Joining {
        req: InFlight,
    },
    /// The final POST failed in a way that may pass; sent again at `until`.
    JoinWaiting {
        until: Millis,
    },
    /// The final POST waits for the browser to be online (spending no retries).
    JoinOffline,
    Completed {
        url: String,
    },
    Failed {
        error: Error,
    },
    Aborted,
}

/// One file uploaded as several parts at once, then joined.
#[derive(Debug)]
pub struct Parallel {
    v: Validated,
    stage: Stage,
    parts: Vec<Part>,
    /// Our request ids -> (part, the part's own id).
    ids: IdMap,
    next_id: u64,
    out: Outbox,
    goodput: Goodput,
    /// Paused by the app (the parts, or the final POST).
    paused: bool,
    rng: Rng,
    backoff: Backoff,
    online: bool,
    wall: WallClock,
    /// A date; `None` until the first write.
    created_at: Option<u64>,
    last_write: Option<Millis>,
    dirty: bool,
    clock: Millis,
    /// The parts were asked again after the final POST said one is gone (join.rs).
    rechecked: bool,
}

impl Parallel {
    /// Validates like [`Upload::new`]; `cfg.parallel` is the number of connections.
    pub fn new(cfg: Config, source: SourceInfo, now: Millis) -> Result<Parallel, Error> {
        Ok(Parallel::from_validated(cfg.validate(&source)?, now))
    }

    /// Prepares a parallel upload from checked options.
    #[must_use]
    pub fn from_validated(v: Validated, now: Millis) -> Parallel {
        Parallel {
            rng: Rng::new(v.cfg.seed ^ PART_SEED_SALT),
            out: Outbox::new(v.cfg.progress_interval_ms),
            v,
            stage: Stage::Idle { stored: Vec::new() },
            parts: Vec::new(),
            ids: IdMap::default(),
            next_id: 0,
            goodput: Goodput::default(),
            paused: false,
            backoff: Backoff::default(),
            online: true,
            wall: WallClock::same(now),
            created_at: None,
            last_write: None,
            dirty: false,
            clock: now,
            rechecked: false,
        }
    }

    /// Continues the parts of a stored parallel session (each is asked with HEAD).
    pub fn resume(cfg: Config, record: SessionRecord, source: SourceInfo, now: Millis) -> Result<Parallel, Error> {
        Ok(Parallel::resume_validated(cfg.validate(&source)?, record, now))
    }

    /// [`Parallel::resume`] from checked options. A record whose parts do not cover the
    /// file exactly is not continued (its join would leave a hole): the upload starts anew.
    #[must_use]
    pub fn resume_validated(v: Validated, mut record: SessionRecord, now: Millis) -> Parallel {
        // Parts are continued, and joined, in file order, whatever order they were stored in.
        crate::core::order::sort_by_key(&mut record.parts, |r| r.start);
        let key = Some(record.key.clone());
        let mut p = Parallel::from_validated(v.with_session_key(key), now);
        let ranges: Vec<_> = record.parts.iter().map(|r| r.start..r.end).collect();
        let fits = record.size == p.v.size
            && record.belongs_to(&p.v.cfg)
            && plan::tiles(&ranges, p.v.size)
            && record.parts.iter().all(|r| url::is_absolute_http(&r.url));
        if fits {
            p.created_at = Some(record.created_at);
            p.stage = Stage::Idle { stored: record.parts };
        }
        p
    }

    /// The timer table; `Timer::Parts` is the earliest timer of any part.
    #[must_use]
    pub fn timers(&self) -> Timers {
        let (stall, retry) = match &self.stage {
            Stage::Discovering { req } | Stage::Joining { req } => (Some(req.stall_at), None),
            Stage::JoinWaiting { until } => (None, Some(*until)),
            _ => (None, None),
        };
        let persist = if self.dirty { self.last_write.map(|t| t.plus(PERSIST_INTERVAL_MS)) } else { None };
        let parts = self.parts.iter().filter_map(|p| p.up.next_wake()).min();
        Timers::default()
            .with(Timer::Progress, self.out.deadline())
            .with(Timer::Stall, stall)
            .with(Timer::Retry, retry)
            .with(Timer::Persist, persist)
            .with(Timer::Parts, parts)
    }

    fn key(&self) -> Option<String> {
        self.v.cfg.session_key.clone()
    }

    fn fail(&mut self, error: Error) {
        self.stage = Stage::Failed { error: error.clone() };
        self.out.settle(Event::Failed(error));
        self.out.settle_state(State::Failed);
    }
}
