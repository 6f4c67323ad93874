//! Gaps in a parallel upload (the rules are upload/wake.rs's): each part treats its own
//! request in flight as dead; the whole's own requests follow the same rule. An OPTIONS is
//! asked again at once; the final POST is sent again at once, as after a stall (it joins
//! the same parts, so a second final upload holds the same bytes). Nothing in flight:
//! nothing is sent. Also the write made at once when the page may never run again.

use super::{Parallel, Stage};
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
            Stage::Joining { req } => {
                self.out.cancel(req.id);
                self.join(false, now);
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
