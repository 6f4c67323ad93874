//! Gaps: the page was frozen, the computer slept, or the network changed while a request
//! was in flight. Such a request is treated as dead, whatever its stall deadline says: its
//! connection is most likely silent for good (a NAT mapping or Wi-Fi association that died
//! during the sleep answers nothing, ever), and waiting for the deadline would leave the
//! upload standing still for up to four times a chunk's expected time.
//!
//! Rules:
//! 1. A gap cancels the request in flight and does what its failure would do, but at once:
//!    HEAD re-learns the offset (after a PATCH or a HEAD), OPTIONS is asked again. The retry
//!    episode is not charged; if that first try fails, the ordinary backoff follows.
//! 2. A POST's outcome is unknown: the creation rules apply as for a stalled POST. It is
//!    sent again (at once) only under an `Idempotency-Key` (being offline now says nothing
//!    about whether it arrived before); otherwise the upload fails, saying why, and `start`
//!    creates it anew.
//! 3. With nothing in flight (a retry wait, offline, paused, done) a gap sends nothing: a
//!    wait that ended during the gap is due, and its timer fires.
//! 4. A DELETE across a gap ends the abort, as a DELETE that got no answer does.
//! 5. The time across the gap is not counted as slow uploading, and the chunk size is kept
//!    (the gap is not the network's fault).
//! 6. The HEAD after a gap may go out on a connection that died in the sleep too: browsers
//!    keep idle keep-alive connections and hand the next request one of them, and Chromium
//!    closes them on suspend only on Windows. So when a HEAD after a gap has no answer within
//!    [`WAKE_PROBE_STALL_MS`] (whatever the stall floor), another goes out alongside it, on
//!    another connection (the first still holds its own), up to [`WAKE_PROBES`] at once; the
//!    last has the ordinary deadline. The first answer to any of them is taken and the others
//!    are cancelled: a slow answer (a server still holding the upload for the dead PATCH) is
//!    not thrown away. When the last passes its deadline too, all are cancelled and the usual
//!    backoff follows.
//!
//! This file decides what a gap does; the driver decides that a gap happened (lifecycle
//! events, a timer fired far too late, the wall clock outran the timer clock) and
//! `handle_online` treats coming back online as one.

use super::phase::{InFlight, Next, Phase};
use super::Upload;
use crate::core::error::Error;
use crate::core::http::RequestId;
use crate::core::time::Millis;

/// How long a HEAD after a gap goes unanswered before another goes out alongside it (but
/// the last of them).
pub const WAKE_PROBE_STALL_MS: u64 = 500;
/// HEADs out at once after a gap, at most: browsers keep six connections to one host, and
/// two stay free.
pub const WAKE_PROBES: u32 = 4;

impl Upload {
    /// A gap (rules above): the request in flight, if any, is dead.
    pub(super) fn on_wake(&mut self, now: Millis) {
        self.end_hedge();
        let Some(req) = self.phase.in_flight() else { return };
        self.out.cancel(req.id);
        self.goodput.unmark();
        match self.phase.clone() {
            Phase::Probing { url, .. } | Phase::Patching { url, .. } => {
                self.wake_probes = WAKE_PROBES;
                self.go(Next::Probe(url), now);
            }
            Phase::Discovering { then, .. } => self.go(Next::Discover(then), now),
            Phase::Creating { then_pause: false, .. } if self.cfg.idempotency_key.is_some() => {
                self.go(Next::Create, now)
            }
            Phase::Creating { .. } | Phase::Terminating { .. } => {
                let cause = Error::network(format!(
                    "the {} was in flight while the page was frozen, the computer slept or the network changed, \
                     and its connection is presumed dead",
                    self.phase.method()
                ));
                // As a stalled request: it was out, so being offline now proves nothing.
                self.on_no_answer(req, cause, true, now);
            }
            _ => {}
        }
    }

    /// The HEAD in flight, `req`, passed its deadline: after a gap, while fewer than
    /// [`WAKE_PROBES`] are out, it is kept and another goes out alongside (rule 6). Returns
    /// whether it did so.
    pub(super) fn hedge(&mut self, req: InFlight, now: Millis) -> bool {
        let Phase::Probing { url, .. } = &self.phase else { return false };
        if self.wake_probes <= 1 {
            return false;
        }
        let url = url.clone();
        self.wake_probes -= 1;
        self.hedged.push(req);
        self.go(Next::Probe(url), now);
        if !matches!(self.phase, Phase::Probing { .. }) {
            self.end_hedge();
        }
        true
    }

    /// An earlier HEAD of the gap, `id`, answered: it stands for the HEAD in flight, which is
    /// cancelled. `None` if `id` is none of them.
    pub(super) fn take_hedged(&mut self, id: RequestId) -> Option<InFlight> {
        let at = self.hedged.iter().position(|r| r.id == id)?;
        let current = self.phase.in_flight()?;
        self.out.cancel(current.id);
        Some(self.hedged.swap_remove(at))
    }

    /// An earlier HEAD of the gap, `id`, got no answer: its connection is gone, nothing else.
    pub(super) fn drop_hedged(&mut self, id: RequestId) {
        self.hedged.retain(|r| r.id != id);
    }

    /// The HEADs after a gap are over: the earlier ones still out are cancelled.
    pub(super) fn end_hedge(&mut self) {
        for req in std::mem::take(&mut self.hedged) {
            self.out.cancel(req.id);
        }
        self.wake_probes = 0;
    }
}
