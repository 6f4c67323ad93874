//! Uploading while recording: a source whose length becomes known late (upload/live.rs).
//! Pieces arriving, the end arriving during a PATCH, faults during and after the end, a
//! server without deferred lengths, and a recording's session continued after a reload.
//! Faults while recording are in recording_faults.rs.

use super::*;

pub const KIB: u64 = 1024;
pub const DEFERS: &str = "creation,creation-with-upload,creation-defer-length,termination";

/// A recording with the product's defaults ('auto' chunks from 1 MiB, at least 256 KiB).
pub fn recording() -> Harness {
    Harness::with(Config::new(ENDPOINT), SourceInfo::recording("take-1.webm", "video/webm"))
}

pub fn options(extensions: &str) -> Response {
    Response::new(204).with_header("Tus-Version", "1.0.0").with_header("Tus-Extension", extensions)
}

impl Harness {
    pub fn data(&mut self, available: u64) {
        self.up.handle_data(available, self.now);
        self.drain();
    }

    pub fn end(&mut self, total: u64) {
        self.up.handle_end(total, self.now);
        self.drain();
    }

    /// Starts, answers OPTIONS with `extensions` and returns the creation POST.
    pub fn discover(&mut self, extensions: &str) -> (RequestId, Request) {
        self.start();
        let (id, _) = self.expect(Method::Options);
        self.reply(id, options(extensions));
        self.expect(Method::Post)
    }

    /// Answers the last PATCH `id` confirming `end`, and checks that the upload at
    /// `UPLOAD_URL` completed from that answer with nothing left to do.
    pub fn completes(&mut self, id: RequestId, end: u64) {
        self.reply(id, accepted(end));
        self.finish();
        assert_eq!(self.up.outcome(), Some(Ok(UPLOAD_URL.to_string())));
    }

    /// `(total, confirmed)` of every progress event.
    fn totals(&self) -> Vec<(Option<u64>, u64)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Progress { confirmed, total, .. } => Some((*total, *confirmed)),
                _ => None,
            })
            .collect()
    }

    pub fn warnings(&self) -> Vec<&'static str> {
        self.events
            .iter()
            .filter_map(|e| if let Event::Warning { code, .. } = e { Some(code.as_str()) } else { None })
            .collect()
    }
}

pub fn head_deferred(offset: u64) -> Response {
    Response::new(200).with_header("Upload-Offset", &offset.to_string()).with_header("Upload-Defer-Length", "1")
}

#[test]
fn pieces_go_as_they_arrive_and_the_length_goes_with_the_last_byte() {
    let mut h = recording();
    let (id, post) = h.discover(DEFERS);
    assert_eq!((post.header("Upload-Defer-Length"), post.header("Upload-Length")), (Some("1"), None));
    h.reply(id, created("/files/rec"));
    assert!(h.sent.is_empty(), "nothing is buffered yet, nothing is sent");
    h.data(100 * KIB);
    assert!(h.sent.is_empty(), "100 KiB is below the smallest chunk (256 KiB)");
    h.data(300 * KIB + 1);
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!((range(&patch), patch.header("Upload-Length")), ((0, 300 * KIB), None), "all but the last byte");
    h.data(2 * MIB + 1);
    assert!(h.sent.is_empty(), "one PATCH at a time");
    h.advance(100);
    h.reply(id, accepted(300 * KIB));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(range(&patch), (300 * KIB, 300 * KIB + MIB), "at most the 'auto' size");
    h.advance(100);
    h.reply(id, accepted(300 * KIB + MIB));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(range(&patch), (300 * KIB + MIB, 2 * MIB), "whatever is buffered above the smallest chunk");
    h.end(2 * MIB + 500 * KIB);
    assert!(h.sent.is_empty(), "the end waits for the PATCH in flight");
    h.advance(100);
    h.reply(id, accepted(2 * MIB));
    let (id, last) = h.expect(Method::Patch);
    let total = 2 * MIB + 500 * KIB;
    assert_eq!((range(&last), last.header("Upload-Length")), ((2 * MIB, total), Some(total.to_string().as_str())));
    h.advance(100);
    h.reply(id, accepted(total));
    h.finish();
    assert_eq!(h.up.outcome(), Some(Ok("https://tus.example/files/rec".to_string())));
    assert_eq!(h.up.bytes_total(), total);
    let totals = h.totals();
    let expected = [(None, 300 * KIB), (None, 300 * KIB + MIB), (Some(total), 2 * MIB), (Some(total), total)];
    assert_eq!(totals, expected, "no total before the end");
    assert!(totals.windows(2).all(|w| w[0].1 < w[1].1), "confirmed only, increasing: {totals:?}");
    assert_eq!(h.released, vec![300 * KIB, 300 * KIB + MIB, 2 * MIB, total]);
    assert_eq!(h.states(), [State::Creating, State::Uploading, State::Completed]);
}

#[test]
fn the_last_buffered_byte_waits_for_the_end_so_the_length_never_goes_in_an_empty_patch() {
    let mut h = recording();
    h.data(300 * KIB);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(range(&patch), (0, 300 * KIB - 1), "the last byte stays back");
    h.reply(id, accepted(300 * KIB - 1));
    assert!(h.sent.is_empty(), "one byte is not worth a PATCH before the end");
    h.end(300 * KIB);
    let (id, last) = h.expect(Method::Patch);
    assert_eq!((range(&last), last.header("Upload-Length")), ((300 * KIB - 1, 300 * KIB), Some("307200")));
    assert!(h.up.outcome().is_none(), "not complete before the server knows the length");
    h.completes(id, 300 * KIB);
    assert_eq!(
        h.events.iter().filter(|e| matches!(e, Event::Completed { total, .. } if *total == 300 * KIB)).count(),
        1
    );
}

#[test]
fn a_recording_that_ended_before_creation_is_created_with_its_length() {
    let mut h = recording();
    h.data(500 * KIB);
    h.end(500 * KIB);
    let (id, post) = h.discover(DEFERS);
    assert_eq!((post.header("Upload-Length"), post.header("Upload-Defer-Length")), (Some("512000"), None));
    h.reply(id, created(UPLOAD_URL));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!((range(&patch), patch.header("Upload-Length")), ((0, 500 * KIB), None));
    h.completes(id, 500 * KIB);
}

#[test]
fn a_server_without_deferred_length_gets_the_recording_as_a_file_after_the_end() {
    let mut h = recording();
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options("creation,termination"));
    assert_eq!(h.warnings(), ["deferred_length_unsupported"]);
    assert_eq!(h.up.state(), State::Buffering);
    h.data(3 * MIB);
    h.advance(60_000);
    assert!(h.sent.is_empty(), "nothing is created before the end");
    h.end(3 * MIB);
    let (id, post) = h.expect(Method::Post);
    assert_eq!((post.header("Upload-Length"), post.header("Upload-Defer-Length")), (Some("3145728"), None));
    h.reply(id, created(UPLOAD_URL));
    let mut offset = 0;
    while offset < 3 * MIB {
        let (id, patch) = h.expect(Method::Patch);
        assert_eq!(patch.header("Upload-Length"), None, "the creation carried it");
        offset = range(&patch).1;
        h.advance(1_000);
        h.reply(id, accepted(offset));
    }
    h.finish();
    assert_eq!(h.up.outcome(), Some(Ok(UPLOAD_URL.to_string())));
    assert_eq!(h.states(), [State::Creating, State::Buffering, State::Creating, State::Uploading, State::Completed]);
    assert!(h.totals().iter().all(|(t, _)| *t == Some(3 * MIB)));
}

#[test]
fn pause_while_waiting_for_data_continues_with_head() {
    let mut h = recording();
    h.data(300 * KIB + 1);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, accepted(300 * KIB));
    h.pause();
    assert_eq!(h.up.state(), State::Paused);
    h.data(600 * KIB);
    h.end(600 * KIB);
    assert!(h.sent.is_empty());
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_deferred(300 * KIB));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!((range(&patch), patch.header("Upload-Length")), ((300 * KIB, 600 * KIB), Some("614400")));
    h.completes(id, 600 * KIB);
}

fn stored(recording: bool) -> SessionRecord {
    SessionRecord {
        key: "rec-1".into(),
        upload_url: UPLOAD_URL.into(),
        endpoint: ENDPOINT.into(),
        size: 700 * KIB,
        name: "take-1.webm".into(),
        mime_type: "video/webm".into(),
        last_modified: 0,
        metadata: vec![],
        bytes_confirmed: 300 * KIB,
        chunk_size: MIB,
        created_at: 1,
        updated_at: 2,
        expires_at: None,
        parts: vec![],
        recording,
    }
}

/// The stored recording session `stored(true)` continued after a reload with `buffered`
/// bytes in its buffer (its end: the recorder did not survive the tab), started, its OPTIONS
/// answered; returns the HEAD.
fn reloaded(buffered: u64) -> (Harness, RequestId, Request) {
    let mut cfg = Config::new(ENDPOINT);
    cfg.session_key = Some("rec-1".into());
    let source = SourceInfo::recording("take-1.webm", "video/webm");
    let mut h = Harness::from_upload(Upload::resume(cfg, stored(true), source, Millis(0)).expect("valid"));
    h.data(buffered);
    h.end(buffered);
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options(DEFERS));
    let (id, head) = h.expect(Method::Head);
    (h, id, head)
}

#[test]
fn a_recording_session_is_finished_after_a_reload_with_the_length_buffered_so_far() {
    let (mut h, id, head) = reloaded(700 * KIB);
    assert_eq!(head.url, UPLOAD_URL);
    h.reply(id, head_deferred(300 * KIB));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!((range(&patch), patch.header("Upload-Length")), ((300 * KIB, 700 * KIB), Some("716800")));
    h.completes(id, 700 * KIB);
    assert_eq!(h.store.last(), Some(&Err("rec-1".to_string())), "forgotten once complete");
    let written: Vec<_> = h.store.iter().filter_map(|w| w.as_ref().ok()).collect();
    assert!(written.iter().all(|r| r.recording && r.size == 700 * KIB), "{written:?}");
}

#[test]
fn a_reloaded_recording_whose_buffer_the_server_already_has_declares_its_length_alone() {
    let (mut h, id, _) = reloaded(300 * KIB);
    h.reply(id, head_deferred(300 * KIB));
    let (id, last) = h.expect(Method::Patch);
    assert_eq!(last.body, Body::Empty, "nothing left to send: the only case of an empty PATCH");
    assert_eq!((last.header("Upload-Offset"), last.header("Upload-Length")), (Some("307200"), Some("307200")));
    h.completes(id, 300 * KIB);
}

/// A reloaded recording whose buffer begins at `held` (an earlier page released the bytes
/// before it), its HEAD answered `lost`.
fn reloaded_and_lost(held: u64, lost: Response) -> Harness {
    let mut cfg = Config::new(ENDPOINT);
    cfg.session_key = Some("rec-1".into());
    let source = SourceInfo::recording("take-1.webm", "video/webm");
    let mut h = Harness::from_upload(Upload::resume(cfg, stored(true), source, Millis(0)).expect("valid"));
    h.up.handle_released(held);
    h.data(700 * KIB);
    h.end(700 * KIB);
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options(DEFERS));
    let (id, _) = h.expect(Method::Head);
    h.reply(id, lost);
    h
}

#[test]
fn a_reloaded_recording_whose_upload_the_server_lost_starts_over_only_from_a_whole_buffer() {
    // The buffer still begins at byte 0: a new upload, with the length the recording ended at.
    let mut h = reloaded_and_lost(0, Response::new(404));
    let (id, post) = h.expect(Method::Post);
    assert_eq!(post.header("Upload-Length"), Some("716800"));
    h.reply(id, created(UPLOAD_URL));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(range(&patch), (0, 700 * KIB));
    h.completes(id, 700 * KIB);
    // It begins at 100 KiB: neither a new upload nor the server's lower offset can be served.
    for lost in [Response::new(404), head_deferred(50 * KIB)] {
        let mut h = reloaded_and_lost(100 * KIB, lost);
        h.finish();
        let err = h.failure().expect("failed");
        assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Expired, "upload_gone"), "{}", err.message);
        assert!(err.message.contains("released"), "{}", err.message);
    }
    // A HEAD at or beyond where it begins goes on from there.
    let mut h = reloaded_and_lost(100 * KIB, head_deferred(300 * KIB));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(range(&patch), (300 * KIB, 700 * KIB));
    h.completes(id, 700 * KIB);
}

#[test]
fn a_files_record_is_not_continued_by_a_recording_nor_the_reverse() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.session_key = Some("rec-1".into());
    let live = SourceInfo::recording("take-1.webm", "video/webm");
    let mut h = Harness::from_upload(Upload::resume(cfg.clone(), stored(false), live, Millis(0)).expect("valid"));
    let (id, post) = h.discover(DEFERS);
    assert_eq!(post.header("Upload-Defer-Length"), Some("1"), "a new upload, not the file's");
    h.reply(id, created("/files/new"));
    h.finish();
    let file = SourceInfo::file(700 * KIB, "take-1.webm", "video/webm");
    let mut h = Harness::from_upload(Upload::resume(cfg, stored(true), file, Millis(0)).expect("valid"));
    h.start();
    let (id, post) = h.expect(Method::Post);
    assert_eq!(post.header("Upload-Length"), Some("716800"));
    h.reply(id, created("/files/new"));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, accepted(700 * KIB));
    h.finish();
}

#[test]
fn a_recording_asked_to_go_in_parallel_goes_over_one_connection_and_says_so() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.parallel = 4;
    let validated = cfg.validate(&SourceInfo::recording("take-1.webm", "video/webm")).expect("valid");
    let mut h = Harness::of(BoxedMachine(build(validated, None, Millis(0))));
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options("creation,creation-defer-length,concatenation"));
    let (id, post) = h.expect(Method::Post);
    assert_eq!((post.header("Upload-Defer-Length"), post.header("Upload-Concat")), (Some("1"), None));
    h.reply(id, created(UPLOAD_URL));
    h.finish();
    let warned: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| if let Event::Warning { code, .. } = e { Some(code.as_str()) } else { None })
        .collect();
    assert_eq!(warned, ["parallel_unsupported"]);
}
