//! The invariants of every property run, judged on each output as it comes out of the
//! machine (world.rs feeds them):
//!
//! - every request has a fresh id; at most one is in flight per upload (one per part, so
//!   no more than the parts at once); no HEAD while a PATCH to the same upload is in flight;
//! - a creation (single, part or final POST) is not sent while an earlier one of the same
//!   upload may have created it (in flight, no answer, or a 5xx), unless it carries an
//!   `Idempotency-Key` or the earlier upload was lost (404/410); the app's `start` takes
//!   earlier creations of unknown fate as its own call;
//! - progress never decreases (but after `Restarted`), never exceeds the file, nor what the
//!   server's answers confirmed; the same for stored records;
//! - completion only for an upload a server answer completed, and nothing sent after it or
//!   after `Aborted`; no state announced twice in a row.
//!
//! It does not drive anything or decide what a server says.

use std::collections::{HashMap, HashSet};

use crate::core::event::{Event, State};
use crate::core::header::parse_u64;
use crate::core::http::{Method, Request, RequestId, Response};
use crate::core::retry::parse_retry_after;
use crate::core::session::SessionRecord;
use crate::core::tests::ENDPOINT;
use crate::core::time::{Millis, UnixMillis};
use crate::core::url::resolve;

/// Which upload a creation makes: the single one, a part of some length, or the final one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Slot {
    Single,
    Part(Option<u64>),
    Final,
}

/// A creation whose upload may exist on the server.
#[derive(Debug)]
struct Creation {
    id: RequestId,
    slot: Slot,
    /// The upload it made, once answered.
    url: Option<String>,
}

#[derive(Debug)]
pub struct Checks {
    size: u64,
    /// The most requests in flight at once: 1, or the number of parts.
    most: usize,
    /// How many uploads of each part length the split plan makes.
    parts: HashMap<u64, usize>,
    ids: HashSet<RequestId>,
    /// Creations that may have made an upload that still exists.
    alive: Vec<Creation>,
    /// The highest offset a successful answer gave for each upload URL.
    confirmed: HashMap<String, u64>,
    /// Uploads a server answer completed (final POSTs, empty files, offset = size).
    complete: HashSet<String>,
    last_progress: u64,
    restarted: bool,
    last_state: Option<State>,
    completed: Option<String>,
    ended: bool,
}

impl Checks {
    /// `plan`: the byte ranges of the parts a parallel upload makes (empty for one stream).
    pub fn new(size: u64, plan: &[std::ops::Range<u64>]) -> Checks {
        let mut parts = HashMap::new();
        for r in plan {
            *parts.entry(r.end - r.start).or_insert(0) += 1;
        }
        Checks {
            size,
            most: plan.len().max(1),
            parts,
            ids: HashSet::new(),
            alive: Vec::new(),
            confirmed: HashMap::new(),
            complete: HashSet::new(),
            last_progress: 0,
            restarted: false,
            last_state: None,
            completed: None,
            ended: false,
        }
    }

    /// The machine sends `req` as `id`; `flight` holds what was in flight before.
    pub fn on_send(&mut self, id: RequestId, req: &Request, flight: &[(RequestId, Request)]) {
        assert!(self.ids.insert(id), "request id {id:?} used twice: {req:?}");
        // A parallel upload announces `aborted` at once; its parts' DELETEs may be sent again
        // after (a refusal for now), and nothing else.
        let deleting = req.method == Method::Delete && self.last_state == Some(State::Aborted);
        assert!(!self.ended || deleting, "{req:?} sent after the upload completed or was aborted");
        assert!(flight.len() < self.most, "more than {} requests in flight: {req:?} after {flight:?}", self.most);
        if req.method != Method::Post && req.method != Method::Options {
            let same = flight.iter().find(|(_, r)| r.url == req.url && r.method != Method::Post);
            if let Some((_, other)) = same {
                let what = if req.method == Method::Head && other.method == Method::Patch {
                    "a HEAD during its PATCH"
                } else {
                    "two requests to one upload"
                };
                panic!("{what}: {:?} {} while {:?} is in flight", req.method, req.url, other.method);
            }
        }
        if req.method == Method::Post {
            self.on_creation(id, req);
        }
    }

    /// The app calls `start`: it may create anew, so earlier creations whose fate is unknown
    /// (answered by no upload URL, and no longer in flight) are its call from now on.
    pub fn on_start(&mut self, flight: &[(RequestId, Request)]) {
        let in_flight = |id: RequestId| flight.iter().any(|(i, _)| *i == id);
        self.alive.retain(|c| c.url.is_some() || in_flight(c.id));
    }

    fn on_creation(&mut self, id: RequestId, req: &Request) {
        let slot = match req.header("Upload-Concat") {
            Some(c) if c.starts_with("final;") => Slot::Final,
            Some(_) => Slot::Part(req.header("Upload-Length").and_then(parse_u64)),
            None => Slot::Single,
        };
        let room = match &slot {
            Slot::Part(Some(len)) => self.parts.get(len).copied().unwrap_or(1),
            _ => 1,
        };
        let alive = self.alive.iter().filter(|c| c.slot == slot).count();
        if req.header("Idempotency-Key").is_none() {
            assert!(
                alive < room,
                "a second creation of {slot:?} without an Idempotency-Key while {alive} may exist: {:?}",
                self.alive
            );
        }
        self.alive.push(Creation { id, slot, url: None });
    }

    /// The server answered `req` (sent as `id`) with `res` at `now`.
    pub fn on_answer(&mut self, id: RequestId, req: &Request, res: &Response, now: Millis) {
        let ok = res.is_success();
        match req.method {
            Method::Post => {
                let fate = self.alive.iter().position(|c| c.id == id);
                // An upload on another origin is refused (origin_not_allowed): as if none was made.
                let location =
                    res.header("location").and_then(|l| resolve(ENDPOINT, l)).filter(|u| u.starts_with(ENDPOINT));
                let retry_after = res.header("retry-after").and_then(|v| parse_retry_after(v, UnixMillis(now.0)));
                let nothing_made = matches!(res.status, 400..=499 if res.status != 408)
                    || !(200..600).contains(&res.status)
                    || (300..400).contains(&res.status)
                    || (res.status == 503 && retry_after.is_some());
                if let Some(at) = fate {
                    if nothing_made {
                        self.alive.remove(at);
                    } else if let (true, Some(c)) = (ok, self.alive.get_mut(at)) {
                        c.url.clone_from(&location);
                    }
                }
                // A final POST makes a complete upload, and so does creating an empty one.
                let empty = req.header("Upload-Length").and_then(parse_u64) == Some(0);
                let whole = match req.header("Upload-Concat") {
                    Some(c) => c.starts_with("final;"),
                    None => empty,
                };
                if let (true, true, Some(url)) = (ok, whole, location) {
                    self.complete.insert(url);
                }
            }
            Method::Head | Method::Patch if ok => {
                if let Some(offset) = res.header("upload-offset").and_then(parse_u64) {
                    let best = self.confirmed.entry(req.url.clone()).or_insert(0);
                    *best = (*best).max(offset);
                    if offset == self.size {
                        self.complete.insert(req.url.clone());
                    }
                }
            }
            Method::Head | Method::Patch if matches!(res.status, 404 | 410) => self.lost(&req.url),
            Method::Delete => self.lost(&req.url),
            _ => {}
        }
    }

    /// `req` got no HTTP answer; `online`: the driver's online flag then.
    pub fn on_failure(&mut self, id: RequestId, req: &Request, online: bool) {
        if req.method == Method::Post && !online {
            // Failed offline: taken as never sent (upload/ rule 8).
            self.alive.retain(|c| c.id != id);
        }
    }

    fn lost(&mut self, url: &str) {
        self.alive.retain(|c| c.url.as_deref() != Some(url));
    }

    /// What the server confirmed in all: every upload's highest offset (plus the file for a
    /// joined upload).
    fn bound(&self) -> u64 {
        let joined = if self.complete.is_empty() { 0 } else { self.size };
        self.confirmed.values().sum::<u64>().max(joined)
    }

    pub fn on_event(&mut self, ev: &Event) {
        match ev {
            Event::Progress { confirmed, total, .. } => {
                assert_eq!(*total, Some(self.size), "{ev:?}");
                assert!(*confirmed <= self.size, "progress beyond the file: {ev:?}");
                assert!(
                    *confirmed <= self.bound(),
                    "progress beyond what the server confirmed ({}): {ev:?}",
                    self.bound()
                );
                assert!(
                    *confirmed >= self.last_progress || self.restarted,
                    "progress went back from {} without a restart: {ev:?}",
                    self.last_progress
                );
                self.last_progress = *confirmed;
                self.restarted = false;
            }
            Event::Restarted { .. } => self.restarted = true,
            Event::Completed { url, total } => {
                assert_eq!(*total, self.size);
                assert!(self.complete.contains(url), "completed {url} without a server answer saying so");
                assert!(self.completed.is_none(), "completed twice");
                self.completed = Some(url.clone());
            }
            Event::State(s) => {
                if *s != State::Locked {
                    assert_ne!(self.last_state, Some(*s), "state {s:?} announced twice in a row");
                }
                if *s == State::Completed {
                    assert!(self.completed.is_some(), "state completed without a Completed event");
                }
                self.ended |= matches!(s, State::Completed | State::Aborted);
                self.last_state = Some(*s);
            }
            _ => {}
        }
    }

    pub fn on_persist(&self, record: &SessionRecord) {
        assert!(record.bytes_confirmed <= self.size, "{record:?}");
        assert!(record.bytes_confirmed <= self.bound(), "stored more than the server confirmed: {record:?}");
        for p in &record.parts {
            assert!(p.confirmed <= p.end - p.start, "{p:?}");
        }
    }

    /// The machine's outcome after the run: completion only as announced.
    pub fn on_outcome(&self, outcome: Option<&Result<String, crate::core::Error>>) {
        if let Some(Ok(url)) = outcome {
            assert_eq!(self.completed.as_ref(), Some(url), "outcome Ok without a Completed event");
        }
    }

    pub fn completed(&self) -> bool {
        self.completed.is_some()
    }
}
