//! Session records: when they are written, what they hold, when they are forgotten, and how a
//! stored session is continued.

use super::*;
use crate::core::session::PERSIST_INTERVAL_MS;

pub(super) const KEY: &str = "f1-00112233445566778899aabbccddeeff";

fn cfg() -> Config {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 2_000;
    cfg.session_key = Some(KEY.into());
    cfg.metadata = vec![("album".into(), "holidays".into())];
    cfg
}

fn source() -> SourceInfo {
    SourceInfo { last_modified: 1_700_000_000_000, ..SourceInfo::file(10_000, "video.mp4", "video/mp4") }
}

fn written(h: &Harness) -> Vec<SessionRecord> {
    h.store.iter().filter_map(|r| r.as_ref().ok().cloned()).collect()
}

/// A stored record of this file at `url` with `confirmed` bytes (boundaries.rs uses it too).
pub(super) fn record(url: &str, confirmed: u64) -> SessionRecord {
    SessionRecord {
        key: KEY.into(),
        upload_url: url.into(),
        endpoint: ENDPOINT.into(),
        size: 10_000,
        name: "video.mp4".into(),
        mime_type: "video/mp4".into(),
        last_modified: 1_700_000_000_000,
        metadata: vec![],
        bytes_confirmed: confirmed,
        chunk_size: 2_000,
        created_at: 5,
        updated_at: 6,
        expires_at: None,
        parts: vec![],
        recording: false,
    }
}

#[test]
fn written_when_created_coalesced_while_uploading_and_forgotten_when_complete() {
    let mut h = Harness::with(cfg(), source());
    let (mut id, _) = h.create("/files/abc");
    let first = written(&h);
    assert_eq!(first.len(), 1, "the upload URL must be stored before any byte is sent");
    assert_eq!(
        first[0],
        SessionRecord {
            key: KEY.into(),
            upload_url: UPLOAD_URL.into(),
            endpoint: ENDPOINT.into(),
            size: 10_000,
            name: "video.mp4".into(),
            mime_type: "video/mp4".into(),
            last_modified: 1_700_000_000_000,
            metadata: vec![("album".into(), "holidays".into())],
            bytes_confirmed: 0,
            chunk_size: 2_000,
            created_at: 0,
            updated_at: 0,
            expires_at: None,
            parts: vec![],
            recording: false,
        }
    );
    // Ten chunks, 50 ms apart: 500 ms of uploading.
    for i in 1..=10u64 {
        h.advance(50);
        h.reply(id, accepted(i * 1_000));
        if i < 10 {
            id = h.expect(Method::Patch).0;
        }
    }
    h.finish();
    let writes = written(&h);
    assert!(writes.len() <= 3, "writes were not coalesced: {}", writes.len());
    let confirmed: Vec<u64> = writes.iter().map(|r| r.bytes_confirmed).collect();
    assert!(confirmed.windows(2).all(|w| w[0] <= w[1]), "{confirmed:?}");
    for pair in writes.windows(2) {
        assert!(pair[1].updated_at - pair[0].updated_at >= PERSIST_INTERVAL_MS);
    }
    assert_eq!(h.store.last(), Some(&Err(KEY.to_string())), "a completed upload must be forgotten");
}

#[test]
fn a_pending_write_is_flushed_by_its_timer_and_by_pause() {
    let mut h = Harness::with(cfg(), source());
    let (id, _) = h.create("/files/abc");
    h.advance(100);
    h.reply(id, accepted(1_000));
    assert_eq!(written(&h).len(), 1, "written again before the interval");
    let (id, _) = h.expect(Method::Patch);
    h.advance(400);
    assert_eq!(written(&h).last().unwrap().bytes_confirmed, 1_000, "the timer must write the pending update");
    h.advance(10);
    h.reply(id, accepted(2_000));
    h.pause();
    assert_eq!(written(&h).last().unwrap().bytes_confirmed, 2_000, "pause must write what is pending");
}

#[test]
fn abort_forgets_and_a_failure_keeps_the_record() {
    let mut h = Harness::with(cfg(), source());
    let (_, _) = h.create("/files/abc");
    h.abort(false);
    assert_eq!(h.store.last(), Some(&Err(KEY.to_string())));

    let mut h = Harness::with(cfg(), source());
    let (id, _) = h.create("/files/abc");
    h.advance(10);
    h.reply(id, accepted(1_000));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, Response::new(400));
    h.finish();
    assert!(h.store.iter().all(|r| r.is_ok()), "a failed upload must stay resumable");
    assert_eq!(written(&h).last().unwrap().bytes_confirmed, 1_000);
}

#[test]
fn without_a_session_key_nothing_is_stored() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(4_000));
    h.abort(false);
    assert!(h.store.is_empty());
}

#[test]
fn keep_session_keeps_the_completed_record() {
    let mut c = cfg();
    c.keep_session = true;
    let mut h = Harness::with(c, SourceInfo::file(500, "a", "b"));
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(500));
    h.finish();
    assert!(h.store.iter().all(|r| r.is_ok()));
    assert_eq!(written(&h).last().unwrap().bytes_confirmed, 500);
}

#[test]
fn upload_expires_is_recorded() {
    let mut h = Harness::with(cfg(), source());
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("/files/abc").with_header("Upload-Expires", "Wed, 25 Jun 2014 16:00:00 GMT"));
    assert_eq!(written(&h)[0].expires_at, Some(1_403_712_000_000));
    h.expect(Method::Patch);
}

#[test]
fn a_stored_session_continues_with_head_at_the_stored_url() {
    let up = Upload::resume(cfg(), record("https://tus.example/files/old", 4_000), source(), Millis(0)).unwrap();
    let mut h = Harness::from_upload(up);
    assert_eq!(h.up.url(), Some("https://tus.example/files/old"));
    h.start();
    let (id, head) = h.expect(Method::Head);
    assert_eq!(head.url, "https://tus.example/files/old");
    h.reply(id, head_ok(5_000, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (5_000, 7_000));
    assert_eq!(written(&h)[0].created_at, 5, "the record keeps its creation time");
    assert_eq!(h.progress(), vec![5_000]);
}

#[test]
fn a_stored_session_the_server_lost_starts_over_and_says_why() {
    let up = Upload::resume(cfg(), record("https://tus.example/files/old", 4_000), source(), Millis(0)).unwrap();
    let mut h = Harness::from_upload(up);
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, Response::new(404));
    assert!(h.events.iter().any(|e| matches!(e, Event::Restarted { reason } if reason.kind == ErrorKind::Expired)));
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("/files/new"));
    assert_eq!(written(&h).last().unwrap().upload_url, "https://tus.example/files/new");
    assert_eq!(range(&h.expect(Method::Patch).1).0, 0, "the new upload starts from byte 0");
}

#[test]
fn an_expired_stored_session_is_not_even_asked_about() {
    let mut rec = record("https://tus.example/files/old", 4_000);
    rec.expires_at = Some(1_000);
    let up = Upload::resume(cfg(), rec, source(), Millis(2_000)).unwrap();
    let mut h = Harness::from_upload(up);
    h.now = Millis(2_000);
    h.start();
    let reason = h
        .events
        .iter()
        .find_map(|e| if let Event::Restarted { reason } = e { Some(reason.clone()) } else { None })
        .expect("a Restarted event");
    assert_eq!(reason.kind, ErrorKind::Expired);
    assert!(reason.message.contains("expired"), "{}", reason.message);
    h.expect(Method::Post);
}

#[test]
fn a_record_that_does_not_describe_this_file_is_ignored() {
    let mut rec = record("https://tus.example/files/old", 4_000);
    rec.size = 9_999;
    let up = Upload::resume(cfg(), rec, source(), Millis(0)).unwrap();
    let mut h = Harness::from_upload(up);
    h.start();
    h.expect(Method::Post);
}

#[test]
fn a_pending_write_of_a_lost_upload_is_dropped_not_due_forever() {
    let mut h = Harness::with(cfg(), source());
    let (id, _) = h.create("/files/abc");
    h.advance(50);
    h.reply(id, accepted(2_000)); // within the write interval: pending
    let (id, _) = h.expect(Method::Patch);
    h.advance(50);
    h.reply(id, Response::new(404)); // lost: a new upload is being created
    let (post, _) = h.expect(Method::Post);
    // The pending write was about the lost upload: nothing to write, nothing to wake for.
    h.now = h.now.plus(PERSIST_INTERVAL_MS);
    h.up.handle_timeout(h.now);
    h.drain();
    assert!(h.wake_at.is_some_and(|t| t > h.now), "a timer stays due at {:?} (now {:?})", h.wake_at, h.now);
    h.reply(post, created("/files/new"));
    h.expect(Method::Patch);
    let last = written(&h).pop().expect("the new upload is stored");
    assert_eq!((last.upload_url.as_str(), last.bytes_confirmed), ("https://tus.example/files/new", 0));
}
