//! Gaps in a parallel upload (the rules are upload/wake.rs's): each part treats its own
//! request in flight as dead; the whole's own requests follow the same rule. An OPTIONS is
//! asked again at once; the final POST follows the creation rules, as after a stall: sent
//! again at once under its `Idempotency-Key`, else the whole fails and `start` joins anew
//! (a second final upload would be a second upload the server keeps). Nothing in flight:
//! nothing is sent. Also the write made at once when the page may never run again.

use super::{Parallel, Stage};
use crate::core::error::Error;
use crate::core::machine::Machine;
use crate::core::time::Millis;

impl Parallel {
    /// A gap: every request in flight is dead.
    pub(super) fn on_wake(&mut self, now: Millis) {
        match &mut self.stage {
            Stage::Single(up) => up.handle_wake(now),
            Stage::Discovering { req } => {
                self.out.cancel(req.id);
                self.discover(now);
            }
            // The final POST may have created the upload: sent again (at once) only under its
            // key, as a creation across a gap (upload/wake.rs rule 2).
            Stage::Joining { req } => {
                self.out.cancel(req.id);
                if self.v.cfg.idempotency_key.is_some() {
                    self.join(false, now);
                } else {
                    let cause = Error::network(
                        "the final POST was in flight while the page was frozen, the computer slept or the network \
                         changed, and its connection is presumed dead",
                    );
                    self.fail_unknown_join(cause);
                }
            }
            Stage::Parts => {
                self.each_part(|p| p.up.handle_wake(now));
                self.drain_parts(now);
            }
            _ => {}
        }
    }

    /// The page may never run again: a pending session write is made now.
    pub(super) fn on_suspend(&mut self, now: Millis) {
        match &mut self.stage {
            Stage::Single(up) => up.handle_suspend(now),
            _ if self.dirty => self.write_session(now),
            _ => {}
        }
    }
}
