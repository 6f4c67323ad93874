//! A source whose length becomes known late (a recording still being captured): what the
//! upload knows of its length ([`Length`]), the PATCH plan for live data, and the two inputs
//! that feed it (`handle_data`, `handle_end`).
//!
//! Rules:
//! 1. A recording is created with `Upload-Defer-Length: 1` when the server lists
//!    `creation-defer-length` (learnt with OPTIONS, once per endpoint). A server without it
//!    gets the recording as a file: the upload waits for the end (state `buffering`, a
//!    `deferred_length_unsupported` warning), then creates it with its length. A recording
//!    that ended before its creation is created with its length as well.
//! 2. A PATCH goes whenever the previous one is done: what is buffered beyond the confirmed
//!    offset, at most the chunk size the sizer allows, and at least the smallest chunk
//!    (`minChunkSize` for 'auto' chunks, the chunk size for fixed ones) unless the source
//!    ended. With less, the upload waits for data (`Phase::Starved`, no request, no timer).
//! 3. `Upload-Length` goes with the PATCH that carries the last byte. Until the end is known
//!    the last buffered byte is held back, so that PATCH is never empty (rustus refuses an
//!    empty PATCH that only declares the length); only a recording whose stored bytes were
//!    all confirmed before a reload ends with an empty PATCH. A 2xx answer to it means
//!    the server knows the length; after a failure a HEAD says so again (its `Upload-Length`
//!    or `Upload-Defer-Length`). Completion needs both: the last byte and the length known.
//! 4. Bytes the server confirmed are released (`Output::Release`): the platform may drop them
//!    from its buffer. A recording whose released bytes the server then loses (all of them, or
//!    the end of them: a HEAD below the released offset) cannot start over or go back; it
//!    fails with `upload_gone`. A machine built for a recording whose buffer an earlier run or
//!    page released is told where the buffer begins (`handle_released`).
//!
//! What it does not do: hold or read bytes (the platform buffers them), or anything that
//! differs for files (transitions.rs and answers.rs handle both through [`Length`]).

use super::phase::{Next, Phase};
use super::Upload;
use crate::core::error::{Code, Error, ErrorKind};
use crate::core::event::{Event, State};
use crate::core::time::Millis;

/// What the upload knows of its source's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Length {
    /// A file: every byte is there.
    File(u64),
    /// A recording.
    Live(Live),
}

/// A recording's length as known so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Live {
    /// Bytes buffered so far (`handle_data`).
    pub(crate) available: u64,
    /// The length, once the source ended (`handle_end`).
    pub(crate) total: Option<u64>,
    /// The current upload on the server knows the length.
    pub(crate) declared: bool,
    /// The highest offset released to the platform.
    pub(crate) released: u64,
    /// The server cannot defer the length: the recording goes as a file once it ended.
    pub(crate) as_file: bool,
}

/// What to send next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// A PATCH of bytes `offset..end`.
    Send(u64),
    /// Nothing worth sending is buffered yet: wait for data.
    Starve,
    /// Every byte is confirmed and the server knows the length.
    Done,
}

impl Length {
    /// The length, when known.
    pub(crate) fn total(&self) -> Option<u64> {
        match self {
            Length::File(n) => Some(*n),
            Length::Live(l) => l.total,
        }
    }

    /// Bytes that exist so far: the file's size, or what the recording has buffered.
    pub(crate) fn limit(&self) -> u64 {
        match self {
            Length::File(n) => *n,
            Length::Live(l) => l.available,
        }
    }

    /// Where a recording's buffer begins: the bytes before it were released (0 for a file).
    pub(crate) fn released(&self) -> u64 {
        match self {
            Length::File(_) => 0,
            Length::Live(l) => l.released,
        }
    }

    pub(crate) fn is_live(&self) -> bool {
        matches!(self, Length::Live(_))
    }

    /// Whether the server holding `offset` bytes means the upload is complete.
    pub(crate) fn complete_at(&self, offset: u64) -> bool {
        match self {
            Length::File(n) => offset == *n,
            Length::Live(l) => l.declared && l.total == Some(offset),
        }
    }

    /// Whether a PATCH of `..end` sent now carries `Upload-Length`.
    pub(crate) fn declares(&self, end: u64) -> bool {
        matches!(self, Length::Live(l) if !l.declared && l.total == Some(end))
    }

    /// The next PATCH from `offset`: at most `chunk` bytes, at least `smallest` of live data
    /// unless the source ended.
    pub(crate) fn plan(&self, offset: u64, chunk: u64, smallest: u64) -> Plan {
        match self {
            Length::File(n) if offset >= *n => Plan::Done,
            Length::File(n) => Plan::Send(offset.saturating_add(chunk).min(*n)),
            Length::Live(l) => match l.total {
                Some(t) if offset >= t && l.declared => Plan::Done,
                Some(t) => Plan::Send(offset.saturating_add(chunk).min(t)),
                None => {
                    // The last buffered byte stays back until the end is known, so that
                    // `Upload-Length` always rides on a PATCH with a body: servers such as
                    // rustus refuse an empty PATCH to a deferred-length upload.
                    let pending = l.available.saturating_sub(1).saturating_sub(offset);
                    if pending >= smallest.min(chunk).max(1) {
                        Plan::Send(offset + pending.min(chunk))
                    } else {
                        Plan::Starve
                    }
                }
            },
        }
    }
}

impl Upload {
    /// `handle_data`: a recording has `available` bytes buffered.
    pub(super) fn on_data(&mut self, available: u64, now: Millis) {
        let Length::Live(live) = &mut self.length else { return };
        if live.total.is_some() || available <= live.available {
            return;
        }
        live.available = available;
        if let Phase::Starved { url } = &self.phase {
            let url = url.clone();
            self.patch_next(url, now);
        }
    }

    /// `handle_end`: the recording ended at `total` bytes (never fewer than were buffered).
    pub(super) fn on_end(&mut self, total: u64, now: Millis) {
        let Length::Live(live) = &mut self.length else { return };
        if live.total.is_some() {
            return;
        }
        let total = total.max(live.available);
        live.available = total;
        live.total = Some(total);
        match &self.phase {
            Phase::Starved { url } => {
                let url = url.clone();
                self.patch_next(url, now);
            }
            Phase::Buffering => self.go(Next::Create, now),
            _ => {}
        }
    }

    /// The smallest live PATCH that is worth sending before the end.
    pub(super) fn smallest_live_chunk(&self) -> u64 {
        if self.cfg.adaptive_chunks {
            self.cfg.min_chunk_size
        } else {
            self.cfg.chunk_size
        }
    }

    /// Every buffered byte of the recording at `url` is confirmed: wait for more.
    pub(super) fn starve(&mut self, url: String) {
        self.phase = Phase::Starved { url };
        self.set_state(State::Uploading);
    }

    /// A recording must not be created with a deferred length here (the server cannot take
    /// one): whether it now waits for the end.
    pub(super) fn buffer_until_end(&mut self) -> bool {
        match self.length {
            Length::Live(Live { total: None, as_file: true, .. }) => {
                self.phase = Phase::Buffering;
                self.set_state(State::Buffering);
                true
            }
            _ => false,
        }
    }

    /// What OPTIONS said about deferred lengths (`supported`), for a recording; warns when
    /// it has to wait for the end. `answer` names where the knowledge came from.
    pub(super) fn apply_defer_length(&mut self, supported: bool, answer: &str) {
        let Length::Live(live) = &mut self.length else { return };
        live.as_file = !supported;
        if !supported && live.total.is_none() {
            let message = format!(
                "the server ({answer}) does not list creation-defer-length in Tus-Extension (or CORS does not \
                 expose it): the recording is buffered and uploaded as a file once it ends"
            );
            self.out.emit(Event::Warning { code: Code::DeferredLengthUnsupported, message });
        }
    }

    /// The server confirmed `offset`: a recording's bytes before it may leave the buffer.
    pub(super) fn release(&mut self, offset: u64) {
        if let Length::Live(live) = &mut self.length {
            if offset > live.released {
                live.released = offset;
                self.out.release_bytes(offset);
            }
        }
    }

    /// Whether the upload can start over from byte 0: not a recording whose confirmed bytes
    /// were released. When it cannot, the error to fail with.
    pub(super) fn restart_refused(&self, reason: &Error) -> Option<Error> {
        match self.length {
            Length::Live(Live { released, .. }) if released > 0 => Some(Error {
                kind: ErrorKind::Expired,
                code: Code::UploadGone,
                status: reason.status,
                message: format!(
                    "{}; the recording's first {released} bytes were confirmed and released from the local \
                     buffer, so it cannot be uploaded again",
                    reason.message
                ),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(available: u64, total: Option<u64>, declared: bool) -> Length {
        Length::Live(Live { available, total, declared, ..Live::default() })
    }

    #[test]
    fn live_data_goes_in_chunks_between_the_smallest_and_the_largest() {
        assert_eq!(live(100, None, false).plan(0, 1_000, 200), Plan::Starve);
        assert_eq!(live(301, None, false).plan(0, 1_000, 200), Plan::Send(300), "the last byte waits for the end");
        assert_eq!(live(200, None, false).plan(0, 1_000, 200), Plan::Starve);
        assert_eq!(live(5_000, None, false).plan(1_000, 1_000, 200), Plan::Send(2_000));
        // A sizer shrunk below the smallest chunk (413) still sends what it allows.
        assert_eq!(live(5_000, None, false).plan(0, 100, 200), Plan::Send(100));
    }

    #[test]
    fn the_end_sends_the_rest_then_declares_the_length() {
        assert_eq!(live(100, Some(100), false).plan(0, 1_000, 200), Plan::Send(100));
        assert!(live(100, Some(100), false).declares(100));
        assert!(!live(100, Some(100), true).declares(100));
        assert_eq!(live(100, Some(100), false).plan(100, 1_000, 200), Plan::Send(100), "an empty final PATCH");
        assert_eq!(live(100, Some(100), true).plan(100, 1_000, 200), Plan::Done);
        assert!(!live(100, Some(100), false).complete_at(100));
        assert!(live(100, Some(100), true).complete_at(100));
        assert!(!live(100, None, true).complete_at(100));
    }

    #[test]
    fn files_are_planned_as_before() {
        assert_eq!(Length::File(10).plan(0, 4, 200), Plan::Send(4));
        assert_eq!(Length::File(10).plan(8, 4, 200), Plan::Send(10));
        assert_eq!(Length::File(10).plan(10, 4, 200), Plan::Done);
        assert!(!Length::File(10).declares(10));
        assert_eq!((Length::File(10).total(), Length::File(10).limit()), (Some(10), 10));
    }
}
