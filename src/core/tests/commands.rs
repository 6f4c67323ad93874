//! App commands: pause, start again, abort, terminate; and races with late answers.

use super::*;

#[test]
fn pause_cancels_the_patch_and_start_resumes_with_head() {
    let mut h = Harness::new(10_000, 4_000);
    let (patch_id, _) = h.create("/files/abc");
    h.pause();
    assert_eq!(h.cancelled, vec![patch_id]);
    assert_eq!(h.up.state(), State::Paused);
    assert!(h.up.outcome().is_none(), "a pause does not end the run");
    // The cancelled PATCH's late answer is ignored.
    h.reply(patch_id, accepted(4_000));
    assert!(h.progress().is_empty());
    assert!(h.sent.is_empty());
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(4_000, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (4_000, 8_000));
    assert_eq!(h.states(), vec![State::Creating, State::Uploading, State::Paused, State::Resuming, State::Uploading]);
}

#[test]
fn pause_during_creation_keeps_the_new_upload() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.pause();
    assert!(h.cancelled.is_empty(), "cancelling a POST could orphan an upload");
    assert_eq!(h.up.state(), State::Paused);
    h.reply(id, created("/files/abc"));
    assert!(h.sent.is_empty(), "nothing is sent while paused");
    assert_eq!(h.up.url(), Some(UPLOAD_URL));
    h.start();
    let (_, head) = h.expect(Method::Head);
    assert_eq!(head.url, UPLOAD_URL);
}

#[test]
fn start_during_creation_clears_a_pending_pause() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.pause();
    h.start();
    h.reply(id, created("/files/abc"));
    h.expect(Method::Patch);
}

#[test]
fn start_twice_sends_nothing_more() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    h.start();
    h.expect(Method::Post);
    assert!(h.sent.is_empty());
}

#[test]
fn abort_cancels_and_ends_the_run() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.abort(false);
    assert_eq!(h.cancelled, vec![id]);
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
    assert_eq!(h.up.outcome().unwrap().unwrap_err().kind, ErrorKind::Aborted);
    h.start();
    assert!(h.sent.is_empty(), "an aborted upload does not start again");
}

#[test]
fn abort_with_terminate_deletes_the_upload() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.abort(true);
    assert_eq!(h.cancelled, vec![id]);
    let (del, req) = h.expect(Method::Delete);
    assert_eq!(req.url, UPLOAD_URL);
    assert!(h.up.outcome().is_none(), "the run ends when the DELETE is answered");
    h.reply(del, Response::new(204));
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
}

#[test]
fn a_delete_refused_for_now_is_sent_again_until_the_server_lets_go() {
    // 423: the PATCH the abort cancelled still holds the upload at the server.
    let mut h = Harness::new(10_000, 4_000);
    h.create("/files/abc");
    h.abort(true);
    let (del, _) = h.expect(Method::Delete);
    h.reply(del, Response::new(423));
    assert!(h.up.outcome().is_none(), "the upload is still on the server: the abort goes on");
    assert!(h.sent.is_empty(), "not at once");
    h.settle();
    let (del, req) = h.expect(Method::Delete);
    assert_eq!(req.url, UPLOAD_URL);
    h.fail(del, TransportError::Network("reset".into()));
    h.settle();
    let (del, _) = h.expect(Method::Delete);
    h.reply(del, Response::new(204));
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
    assert!(h.reconnecting().is_empty(), "an abort never shows reconnecting");
}

#[test]
fn a_delete_answered_429_is_sent_again_after_its_retry_after() {
    let mut h = Harness::new(10_000, 4_000);
    h.create("/files/abc");
    h.abort(true);
    let (del, _) = h.expect(Method::Delete);
    h.reply(del, Response::new(429).with_header("Retry-After", "7"));
    h.advance(6_999);
    assert!(h.sent.is_empty(), "came back before Retry-After");
    h.advance(1);
    let (del, _) = h.expect(Method::Delete);
    h.reply(del, Response::new(204));
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
}

#[test]
fn a_delete_that_keeps_failing_ends_the_abort_after_three_retries() {
    let mut h = Harness::new(10_000, 4_000);
    h.create("/files/abc");
    h.abort(true);
    for _ in 0..4 {
        h.settle();
        let (del, _) = h.expect(Method::Delete);
        h.reply(del, Response::new(503));
    }
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
}

#[test]
fn a_delete_answered_with_a_lasting_refusal_ends_the_abort_at_once() {
    for status in [404, 410, 403, 400] {
        let mut h = Harness::new(10_000, 4_000);
        h.create("/files/abc");
        h.abort(true);
        let (del, _) = h.expect(Method::Delete);
        h.reply(del, Response::new(status));
        h.finish();
        assert_eq!(h.up.state(), State::Aborted, "{status}");
    }
}

#[test]
fn terminate_before_creation_sends_no_delete() {
    let mut h = Harness::new(10_000, 4_000);
    h.abort(true);
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
}

#[test]
fn answers_to_unknown_ids_are_ignored() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(RequestId(id.0 + 7), accepted(4_000));
    h.fail(RequestId(0), TransportError::Timeout);
    assert!(h.progress().is_empty() && h.failure().is_none());
    h.reply(id, accepted(4_000));
    assert_eq!(h.progress(), vec![4_000]);
    assert_eq!(range(&h.expect(Method::Patch).1), (4_000, 8_000), "the real answer moves on");
}

#[test]
fn another_tab_holding_the_lock_shows_locked_until_the_run_continues() {
    let mut h = Harness::new(10_000, 4_000);
    h.up.handle_lock(false, h.now);
    h.drain();
    assert_eq!(h.up.state(), State::Locked);
    h.up.handle_lock(true, h.now);
    h.drain();
    h.start();
    h.expect(Method::Post);
    assert_eq!(h.states(), [State::Locked, State::Creating]);
}

#[test]
fn a_paused_upload_waiting_for_the_lock_resumes_from_locked() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.pause();
    assert!(h.cancelled.contains(&id));
    h.up.handle_lock(false, h.now);
    h.drain();
    h.start();
    h.up.handle_lock(true, h.now);
    h.drain();
    h.expect(Method::Head);
    assert_eq!(h.states(), [State::Creating, State::Uploading, State::Paused, State::Locked, State::Resuming]);
    assert_eq!(h.up.state(), State::Resuming, "a lock given after start changes nothing");
}

#[test]
fn a_running_upload_is_never_shown_locked() {
    let mut h = Harness::new(10_000, 4_000);
    h.create("/files/abc");
    h.up.handle_lock(false, h.now);
    h.drain();
    assert_eq!(h.up.state(), State::Uploading);
    assert!(h.events.iter().all(|e| e != &Event::State(State::Locked)));
}
