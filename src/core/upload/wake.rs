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
//! 4. A DELETE across a gap is sent again after a backoff, as a DELETE that got no answer is
//!    (at most `MAX_TERMINATE_RETRIES` times; then the abort ends).
//! 5. The time across the gap is not counted as slow uploading, and the chunk size is kept
//!    (the gap is not the network's fault).
//! 6. The HEAD after a gap may go out on a connection that died in the sleep too: browsers
//!    keep idle keep-alive connections and hand the next request one of them, and Chromium
//!    closes them on suspend only on Windows. So up to [`WAKE_PROBES`] HEADs get a short
//!    deadline ([`wake_probe_stall_ms`], whatever the stall floor: room for a new
//!    connection's handshakes at the round trip measured before the gap, 150 to 500 ms,
//!    [`WAKE_PROBE_STALL_MS`] when nothing was measured), and one that passes it
//!    is sent again at once (aborting it closed its connection: the next takes another, or
//!    a new one). One HEAD at a time: two requests to one upload are never out together.
//!    Any answer ends this; after the last quick HEAD the usual backoff and deadline follow,
//!    so a server that takes longer to answer (one that holds the upload a few seconds for
//!    the dead PATCH) is answered then.
//!
//! This file decides what a gap does; the driver decides that a gap happened (lifecycle
//! events, a timer fired far too late, the wall clock outran the timer clock) and
//! `handle_online` treats coming back online as one.

use super::phase::{Next, Phase};
use super::Upload;
use crate::core::error::Error;
use crate::core::time::Millis;

/// The longest deadline of a quick HEAD after a gap (and the one used before any round trip
/// was measured): what a dead connection costs at most.
pub const WAKE_PROBE_STALL_MS: u64 = 500;
/// The shortest deadline of a quick HEAD after a gap.
const WAKE_PROBE_MIN_MS: u64 = 150;

/// The deadline of a quick HEAD after a gap, given the quickest answer seen to a request
/// without a body (`round_trip`, ms): a new connection needs about three round trips (TCP,
/// TLS, the request) before the answer, so six and 100 ms leave room for a busy server.
#[must_use]
pub fn wake_probe_stall_ms(round_trip: Option<u64>) -> u64 {
    match round_trip {
        None => WAKE_PROBE_STALL_MS,
        Some(rtt) => rtt.saturating_mul(6).saturating_add(100).clamp(WAKE_PROBE_MIN_MS, WAKE_PROBE_STALL_MS),
    }
}
/// Quick HEADs after a gap: browsers keep up to six connections to one host.
pub const WAKE_PROBES: u32 = 6;

impl Upload {
    /// A gap (rules above): the request in flight, if any, is dead.
    pub(super) fn on_wake(&mut self, now: Millis) {
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

    /// A quick HEAD after a gap got no answer before its short deadline: the next one goes
    /// out at once, on another connection (rule 6).
    pub(super) fn probe_again(&mut self, url: String, now: Millis) {
        self.wake_probes = self.wake_probes.saturating_sub(1);
        self.go(Next::Probe(url), now);
    }
}
