//! Faults while recording (upload/live.rs): resets, stalls, 5xx and offline during and after
//! the end, and a server that loses a recording. The recorder goes on meanwhile; the upload
//! catches up from the offset the server confirms.

use super::recording::*;
use super::*;

#[test]
fn a_reset_while_recording_resumes_from_the_servers_offset_and_catches_up() {
    let mut h = recording();
    h.data(400 * KIB);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    let (id, _) = h.expect(Method::Patch);
    h.advance(2_000);
    h.fail(id, TransportError::Network("connection reset".into()));
    assert_eq!(h.up.state(), State::Reconnecting);
    h.data(900 * KIB + 1); // the recorder goes on during the wait
    h.fire();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_deferred(100 * KIB)); // the server kept part of the broken PATCH
    let (id, patch) = h.expect(Method::Patch);
    // The failure halved the 'auto' size (1 MiB to 512 KiB).
    assert_eq!((range(&patch), patch.header("Upload-Length")), ((100 * KIB, 612 * KIB), None));
    h.reply(id, accepted(612 * KIB));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(range(&patch), (612 * KIB, 900 * KIB));
    h.reply(id, accepted(900 * KIB));
    h.end(900 * KIB + 1);
    let (id, last) = h.expect(Method::Patch);
    assert_eq!((range(&last), last.header("Upload-Length")), ((900 * KIB, 900 * KIB + 1), Some("921601")));
    h.completes(id, 900 * KIB + 1);
    assert_eq!(h.released, vec![100 * KIB, 612 * KIB, 900 * KIB, 900 * KIB + 1]);
}

#[test]
fn the_last_patch_stalling_is_learnt_again_from_head_with_or_without_the_length() {
    for server_kept_length in [false, true] {
        let mut h = recording();
        h.data(300 * KIB + 1);
        let (id, _) = h.discover(DEFERS);
        h.reply(id, created(UPLOAD_URL));
        let (id, _) = h.expect(Method::Patch);
        h.reply(id, accepted(300 * KIB));
        h.data(600 * KIB + 1);
        let (_, patch) = h.expect(Method::Patch);
        assert_eq!(range(&patch), (300 * KIB, 600 * KIB));
        h.end(700 * KIB); // the end arrives during a PATCH that does not carry the length
        h.stall();
        h.fire();
        let (id, _) = h.expect(Method::Head);
        let head = if server_kept_length { head_ok(450 * KIB, 700 * KIB) } else { head_deferred(450 * KIB) };
        h.reply(id, head);
        let (id, patch) = h.expect(Method::Patch);
        let length = patch.header("Upload-Length").map(str::to_string);
        assert_eq!(range(&patch), (450 * KIB, 700 * KIB));
        assert_eq!(length, (!server_kept_length).then(|| (700 * KIB).to_string()), "sent once, never twice");
        h.completes(id, 700 * KIB);
    }
}

#[test]
fn a_5xx_after_the_end_retries_the_length_and_the_rest() {
    let mut h = recording();
    h.data(300 * KIB + 1);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    h.end(500 * KIB);
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(patch.header("Upload-Length"), None, "that PATCH left before the end");
    h.reply(id, accepted(300 * KIB));
    let (id, last) = h.expect(Method::Patch);
    assert_eq!(last.header("Upload-Length"), Some("512000"));
    h.reply(id, Response::new(503));
    h.fire();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_deferred(300 * KIB));
    let (id, again) = h.expect(Method::Patch);
    assert_eq!((range(&again), again.header("Upload-Length")), ((300 * KIB, 500 * KIB), Some("512000")));
    h.completes(id, 500 * KIB);
    assert_eq!(h.reconnecting().len(), 1);
}

#[test]
fn offline_while_waiting_for_data_waits_for_the_network_then_learns_the_offset() {
    let mut h = recording();
    h.data(300 * KIB + 1);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, accepted(300 * KIB));
    h.online(false);
    h.data(800 * KIB);
    assert_eq!(h.up.state(), State::Offline);
    h.advance(60_000);
    h.end(1_000 * KIB);
    assert!(h.sent.is_empty(), "nothing is sent offline");
    h.online(true);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_deferred(300 * KIB));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!((range(&patch), patch.header("Upload-Length")), ((300 * KIB, 1_000 * KIB), Some("1024000")));
    h.completes(id, 1_000 * KIB);
}

#[test]
fn a_recording_lost_by_the_server_after_bytes_were_released_fails_but_starts_over_before() {
    // Nothing confirmed yet: a new upload is created, with a deferred length again.
    let mut h = recording();
    h.data(300 * KIB + 1);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, Response::new(404));
    let (id, post) = h.expect(Method::Post);
    assert_eq!(post.header("Upload-Defer-Length"), Some("1"));
    h.reply(id, created("/files/again"));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, accepted(300 * KIB));
    // Bytes were released: the server losing them now cannot be repaired.
    h.data(700 * KIB);
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, Response::new(410));
    h.finish();
    let err = h.failure().expect("failed");
    assert_eq!((err.kind, err.code.as_str(), err.status), (ErrorKind::Expired, "upload_gone", Some(410)));
    assert!(err.message.contains("released"), "{}", err.message);
}

#[test]
fn a_server_that_goes_back_below_released_bytes_fails_the_recording_instead_of_asking_for_them() {
    let mut h = recording();
    h.data(700 * KIB);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, accepted(300 * KIB));
    let (id, _) = h.expect(Method::Patch);
    h.fail(id, TransportError::Network("connection reset".into()));
    h.fire();
    let (id, _) = h.expect(Method::Head);
    // The server lost bytes it had confirmed, and the buffer let them go.
    h.reply(id, head_deferred(100 * KIB));
    h.finish();
    let err = h.failure().expect("failed at once, nothing sent from a buffer that lacks those bytes");
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Expired, "upload_gone"));
    assert!(err.message.contains("lost bytes") && err.message.contains("307200 bytes"), "{}", err.message);
}

#[test]
fn a_buffer_that_cannot_be_read_for_now_is_retried_and_never_taken_for_cors() {
    let mut h = recording();
    h.data(700 * KIB);
    let (id, _) = h.discover(DEFERS);
    h.reply(id, created(UPLOAD_URL));
    for _ in 0..5 {
        let (id, _) = h.expect(Method::Patch);
        h.advance(5);
        h.fail(
            id,
            TransportError::Source("the recording's buffer could not be read: the connection is closing".into()),
        );
        assert_eq!(h.up.state(), State::Reconnecting);
        h.fire();
        let (id, _) = h.expect(Method::Head);
        h.reply(id, head_deferred(0));
    }
    h.end(700 * KIB);
    let (mut id, mut patch) = h.expect(Method::Patch);
    while range(&patch).1 < 700 * KIB {
        h.reply(id, accepted(range(&patch).1));
        (id, patch) = h.expect(Method::Patch);
    }
    h.completes(id, 700 * KIB);
    assert_eq!(h.warnings(), Vec::<&str>::new(), "nothing was blocked: the request never left");
    assert!(h.reconnecting().iter().all(|(_, r)| r.message.contains("buffer")), "{:?}", h.reconnecting());
}
