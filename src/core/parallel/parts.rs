//! The parts of a parallel upload: building them, renumbering their requests ([`IdMap`]),
//! moving their outputs into the whole's, merging their states and progress, and the one
//! session record that holds them all.

use std::ops::Range;

use super::{Parallel, Stage};
use crate::core::event::{Event, State};
use crate::core::http::RequestId;
use crate::core::machine::{Machine, Output};
use crate::core::rate::progress_event;
use crate::core::session::{PartRecord, SessionRecord, PERSIST_INTERVAL_MS};
use crate::core::time::Millis;
use crate::core::upload::Upload;

/// One partial upload.
#[derive(Debug)]
pub(super) struct Part {
    pub(super) range: Range<u64>,
    pub(super) up: Upload,
    pub(super) url: Option<String>,
    pub(super) confirmed: u64,
    pub(super) state: State,
    pub(super) done: bool,
}

/// Our request ids and the parts' own: `(ours, part index, the part's id)`.
#[derive(Debug, Default)]
pub(super) struct IdMap(Vec<(RequestId, usize, RequestId)>);

impl IdMap {
    fn insert(&mut self, ours: RequestId, part: usize, local: RequestId) {
        self.0.push((ours, part, local));
    }

    /// The part and its id for our `id`, forgotten (an answer comes once).
    pub(super) fn take(&mut self, id: RequestId) -> Option<(usize, RequestId)> {
        let at = self.0.iter().position(|(ours, _, _)| *ours == id)?;
        let (_, part, local) = self.0.swap_remove(at);
        Some((part, local))
    }

    /// Our id for part `part`'s `local`, forgotten.
    fn take_local(&mut self, part: usize, local: RequestId) -> Option<RequestId> {
        let at = self.0.iter().position(|(_, p, l)| *p == part && *l == local)?;
        Some(self.0.swap_remove(at).0)
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

/// The state the app sees for running parts: the most telling one, in this order.
const PRIORITY: [State; 4] = [State::Offline, State::Reconnecting, State::Uploading, State::Creating];

impl Parallel {
    /// Builds one part per range (at its URL, when continuing). Cannot fail: each part's
    /// config is the checked one with smaller numbers.
    pub(super) fn make_parts(&mut self, ranges: Vec<(Range<u64>, Option<String>)>, now: Millis) {
        self.parts.clear();
        self.ids.clear();
        for (range, url) in ranges {
            let v = self.v.part(range.start, range.end, url.clone(), self.rng.next_u64());
            let mut up = Upload::from_validated(v, now);
            up.handle_online(self.online, now);
            up.handle_wall_clock(self.wall);
            self.parts.push(Part { range, up, url, confirmed: 0, state: State::Idle, done: false });
        }
    }

    pub(super) fn each_part(&mut self, mut f: impl FnMut(&mut Part)) {
        for p in &mut self.parts {
            f(p);
        }
    }

    /// Moves every part's outputs into ours, renumbering requests and merging events. A
    /// part's event may command the others (a failure pauses them), so this passes over the
    /// parts again until none has anything left to say.
    pub(super) fn drain_parts(&mut self, now: Millis) {
        let mut changed = false;
        loop {
            let mut moved = false;
            for i in 0..self.parts.len() {
                while let Some(part) = self.parts.get_mut(i) {
                    match part.up.poll_output() {
                        Output::Idle { .. } => break,
                        out => {
                            moved = true;
                            changed |= self.take_output(i, out, now);
                        }
                    }
                }
            }
            if !moved {
                break;
            }
        }
        if changed {
            self.merge_state(now);
        }
    }

    /// One output of part `i`, made ours; returns whether the merged state may have changed.
    fn take_output(&mut self, i: usize, out: Output, now: Millis) -> bool {
        match out {
            Output::Send(local, req) => {
                self.next_id += 1;
                let id = RequestId(self.next_id);
                self.ids.insert(id, i, local);
                self.out.send(id, req);
            }
            Output::Cancel(local) => {
                if let Some(id) = self.ids.take_local(i, local) {
                    self.out.cancel(id);
                }
            }
            Output::Event(ev) => return self.on_part_event(i, ev, now),
            // Parts keep no records of their own; ours holds them all. They learn nothing
            // either: discovery happened before they existed.
            Output::Persist(_)
            | Output::Forget(_)
            | Output::Learned { .. }
            | Output::Release(_)
            | Output::Idle { .. } => {}
        }
        false
    }

    /// Returns whether the merged state may have changed.
    fn on_part_event(&mut self, i: usize, ev: Event, now: Millis) -> bool {
        let Some(part) = self.parts.get_mut(i) else { return false };
        match ev {
            Event::State(s) => {
                part.state = s;
                true
            }
            Event::Progress { confirmed, .. } => {
                part.confirmed = confirmed;
                let total: u64 = self.parts.iter().map(|p| p.confirmed).sum();
                self.goodput.sample(total, now.0);
                self.offer_progress(total, now);
                self.dirty = true;
                if self.last_write.is_none_or(|t| now.since(t) >= PERSIST_INTERVAL_MS) {
                    self.write_session(now);
                }
                false
            }
            Event::Created { url } => {
                part.url = Some(url);
                self.write_session(now);
                false
            }
            Event::Completed { url, .. } => {
                part.url = Some(url);
                part.done = true;
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
                part.confirmed = 0;
                self.out.reset_progress(self.v.cfg.progress_interval_ms);
                self.out.emit(Event::Restarted { reason });
                false
            }
            other @ (Event::Reconnecting { .. } | Event::Warning { .. }) => {
                self.out.emit(other);
                false
            }
        }
    }

    /// Offers the parts' summed bytes to the throttle.
    pub(super) fn offer_progress(&mut self, total: u64, now: Millis) {
        let (size, goodput) = (self.v.size, &self.goodput);
        self.out.offer(total, now, |v| progress_event(goodput, Some(size), v));
    }

    /// The progress timer: the trailing edge, then what waited for it.
    pub(super) fn flush_progress(&mut self, now: Millis) {
        let (size, goodput) = (self.v.size, &self.goodput);
        self.out.on_timeout(now, |v| progress_event(goodput, Some(size), v));
    }

    /// The app sees one state: the most telling of the parts'; when all are done, the join.
    fn merge_state(&mut self, now: Millis) {
        if !matches!(self.stage, Stage::Parts) || self.paused {
            return;
        }
        if self.parts.iter().all(|p| p.done) {
            return self.join(false, now);
        }
        let running = |s: State| self.parts.iter().any(|p| !p.done && p.state == s);
        let state = PRIORITY.into_iter().find(|s| running(*s)).unwrap_or(State::Resuming);
        self.out.state(state);
    }

    pub(super) fn write_session(&mut self, now: Millis) {
        let Some(key) = self.key() else { return };
        let today = self.wall.date(now).0;
        self.dirty = false;
        self.last_write = Some(now);
        let parts = self
            .parts
            .iter()
            .filter_map(|p| {
                let url = p.url.clone()?;
                Some(PartRecord { url, start: p.range.start, end: p.range.end, confirmed: p.confirmed })
            })
            .collect();
        let record = SessionRecord {
            key,
            upload_url: String::new(),
            endpoint: self.v.cfg.endpoint.clone(),
            size: self.v.size,
            name: self.v.source.name.clone(),
            mime_type: self.v.source.mime_type.clone(),
            last_modified: self.v.source.last_modified,
            metadata: self.v.cfg.metadata.clone(),
            bytes_confirmed: self.parts.iter().map(|p| p.confirmed).sum(),
            chunk_size: self.v.cfg.chunk_size,
            created_at: *self.created_at.get_or_insert(today),
            updated_at: today,
            expires_at: None,
            parts,
            recording: false,
        };
        self.out.persist(record);
    }
}
