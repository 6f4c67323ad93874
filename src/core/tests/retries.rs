//! Faults and how the upload rides through them: the status matrix (one row per status and
//! request), backoff and budget, offline, stalls, fresh credentials, shrinking on 413.

use super::*;
use crate::core::upload::MAX_RESTARTS;

/// An upload of 10 000 bytes in chunks of 4 000 whose first PATCH is in flight.
fn patching() -> (Harness, RequestId) {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    (h, id)
}

fn known_upload() -> Harness {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4_000;
    cfg.upload_url = Some(UPLOAD_URL.into());
    Harness::with(cfg, SourceInfo::file(10_000, "video.mp4", "video/mp4"))
}

fn with_key() -> Harness {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4_000;
    cfg.idempotency_key = Some("k-123".into());
    Harness::with(cfg, SourceInfo::file(10_000, "video.mp4", "video/mp4"))
}

fn status(code: u16) -> Response {
    Response::new(code).with_body("server says no")
}

fn posts(h: &Harness) -> usize {
    h.events.iter().filter(|e| matches!(e, Event::Created { .. })).count()
}

/// Waits out the current retry delay without firing anything else.
fn wait_retry(h: &mut Harness) {
    let until = h.up.timers().get(Timer::Retry);
    let until = until.expect("no retry wait armed");
    h.now = h.now.max(until);
    h.up.handle_timeout(h.now);
    h.drain();
}

// ---- PATCH ---------------------------------------------------------------------------------

#[test]
fn patch_transient_statuses_back_off_then_head_then_continue() {
    for code in [408, 423, 460, 417, 500, 502, 503, 504] {
        let (mut h, id) = patching();
        h.reply(id, status(code));
        assert!(h.sent.is_empty(), "{code}: retried without waiting");
        assert_eq!(h.up.state(), State::Reconnecting, "{code}");
        let (attempt, reason) = h.reconnecting()[0].clone();
        assert_eq!((attempt, reason.status), (1, Some(code)));
        wait_retry(&mut h);
        let (id, head) = h.expect(Method::Head);
        assert_eq!(head.url, UPLOAD_URL);
        h.reply(id, head_ok(2_000, 10_000));
        let (_, req) = h.expect(Method::Patch);
        assert_eq!(range(&req), (2_000, 6_000), "{code}: did not continue from the server's offset");
        assert!(h.failure().is_none());
    }
}

#[test]
fn patch_409_asks_head_at_once_the_first_time() {
    let (mut h, id) = patching();
    h.reply(id, status(409));
    h.advance(0);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(3_000, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (3_000, 7_000));
}

#[test]
fn patch_429_and_503_honour_retry_after() {
    for code in [429, 503] {
        let (mut h, id) = patching();
        h.reply(id, Response::new(code).with_header("Retry-After", "7"));
        h.advance(6_999);
        assert!(h.sent.is_empty(), "{code}: came back before Retry-After");
        h.advance(1);
        h.expect(Method::Head);
    }
}

#[test]
fn retry_after_as_a_date_is_honoured_and_garbage_falls_back_to_backoff() {
    let (mut h, id) = patching();
    // The virtual clock starts at the epoch.
    h.reply(id, Response::new(503).with_header("Retry-After", "Thu, 01 Jan 1970 00:00:05 GMT"));
    h.advance(4_999);
    assert!(h.sent.is_empty());
    h.advance(1);
    h.expect(Method::Head);

    let (mut h, id) = patching();
    h.reply(id, Response::new(503).with_header("Retry-After", "soon"));
    assert_eq!(h.up.state(), State::Reconnecting);
    wait_retry(&mut h);
    h.expect(Method::Head);
}

#[test]
fn patch_404_and_410_start_over_and_say_why() {
    for code in [404, 410] {
        let (mut h, id) = patching();
        h.reply(id, accepted(4_000));
        let (id, _) = h.expect(Method::Patch);
        h.reply(id, status(code));
        let reason = h
            .events
            .iter()
            .find_map(|e| if let Event::Restarted { reason } = e { Some(reason.clone()) } else { None })
            .expect("no Restarted event");
        assert_eq!((reason.kind, reason.code.as_str(), reason.status), (ErrorKind::Expired, "upload_gone", Some(code)));
        let (id, _) = h.expect(Method::Post);
        h.reply(id, created("/files/new"));
        let (_, req) = h.expect(Method::Patch);
        assert_eq!((req.url.as_str(), range(&req)), ("https://tus.example/files/new", (0, 4_000)));
    }
}

#[test]
fn patch_401_and_403_ask_for_fresh_headers_once() {
    for code in [401, 403] {
        let (mut h, id) = patching();
        h.reply(id, status(code));
        let (id, again) = h.expect(Method::Patch);
        assert!(again.refresh_auth, "{code}: the retry did not ask for fresh headers");
        assert_eq!(range(&again), (0, 4_000));
        h.reply(id, accepted(4_000));
        // A later refusal gets one refresh again: the flag is per episode, not per upload.
        let (id, next) = h.expect(Method::Patch);
        assert!(!next.refresh_auth);
        h.reply(id, status(code));
        let (id, again) = h.expect(Method::Patch);
        assert!(again.refresh_auth);
        h.reply(id, status(code));
        h.finish();
        let err = h.failure().unwrap();
        assert_eq!((err.kind, err.code.as_str(), err.status), (ErrorKind::Rejected, "unauthorized", Some(code)));
        assert_eq!(h.up.url(), Some(UPLOAD_URL), "a refused token must not lose the upload");
    }
}

#[test]
fn patch_413_halves_the_chunk_and_continues() {
    let mut h = Harness::new(10 * MIB, 8 * MIB);
    let (id, _) = h.create("/files/abc");
    h.reply(id, status(413));
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(0, 10 * MIB));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (0, 4 * MIB));
    h.reply(id, status(413));
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(0, 10 * MIB));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (0, 2 * MIB));
    h.reply(id, accepted(2 * MIB));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (2 * MIB, 4 * MIB), "the smaller chunk must stick");
}

#[test]
fn patch_413_at_the_smallest_chunk_is_a_clear_error() {
    let mut h = Harness::new(10_000, 1_024);
    let (id, _) = h.create("/files/abc");
    h.reply(id, status(413));
    h.finish();
    assert_eq!(h.failure().unwrap().code, "too_large");
}

#[test]
fn patch_other_4xx_is_fatal_with_status_and_message_and_stays_resumable() {
    for code in [400, 412, 415, 418, 460 + 1] {
        let (mut h, id) = patching();
        h.reply(id, status(code));
        h.finish();
        let err = h.failure().unwrap_or_else(|| panic!("{code} was not fatal"));
        assert_eq!((err.kind, err.code.as_str(), err.status), (ErrorKind::Rejected, "http_status", Some(code)));
        assert!(err.message.contains("server says no"));
        assert_eq!(h.up.url(), Some(UPLOAD_URL));
    }
}

#[test]
fn a_file_changed_on_disk_fails_at_once_and_stays_resumable() {
    let (mut h, id) = patching();
    h.reply(id, accepted(4_000));
    let (id, _) = h.expect(Method::Patch);
    h.fail(id, TransportError::Unreadable("NotReadableError".into()));
    h.finish();
    let err = h.failure().expect("an unreadable file is fatal").clone();
    assert_eq!((err.kind, err.code.as_str(), err.status), (ErrorKind::Storage, "file_unreadable", None));
    assert!(err.message.contains("NotReadableError"));
    assert!(!h.events.iter().any(|e| matches!(e, Event::Reconnecting { .. })), "never retried");
    assert_eq!(h.up.url(), Some(UPLOAD_URL));
    assert_eq!(h.progress(), vec![4_000]);
}

// ---- HEAD ----------------------------------------------------------------------------------

#[test]
fn head_transient_statuses_retry_head_and_never_recreate() {
    for code in [409, 423, 429, 500, 502, 503, 504] {
        let mut h = known_upload();
        h.start();
        let (id, _) = h.expect(Method::Head);
        h.reply(id, status(code));
        assert_eq!(h.up.state(), State::Reconnecting, "{code}");
        wait_retry(&mut h);
        let (id, _) = h.expect(Method::Head);
        h.reply(id, head_ok(5_000, 10_000));
        let (_, req) = h.expect(Method::Patch);
        assert_eq!(range(&req), (5_000, 9_000));
        assert_eq!(posts(&h), 0, "{code}: a HEAD failure re-created the upload");
    }
}

#[test]
fn head_404_and_410_create_anew() {
    for code in [404, 410] {
        let mut h = known_upload();
        h.start();
        let (id, _) = h.expect(Method::Head);
        h.reply(id, status(code));
        h.expect(Method::Post);
        assert!(h.events.iter().any(|e| matches!(e, Event::Restarted { .. })));
    }
}

#[test]
fn head_401_refreshes_then_continues() {
    let mut h = known_upload();
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, status(401));
    let (id, again) = h.expect(Method::Head);
    assert!(again.refresh_auth);
    h.reply(id, head_ok(0, 10_000));
    h.expect(Method::Patch);
}

#[test]
fn head_other_4xx_is_fatal() {
    let mut h = known_upload();
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, status(400));
    h.finish();
    assert_eq!(h.failure().unwrap().status, Some(400));
    assert_eq!(h.up.url(), Some(UPLOAD_URL));
}

// ---- POST ----------------------------------------------------------------------------------

#[test]
fn post_is_sent_again_only_when_the_server_cannot_have_created_an_upload() {
    // Refusals that say "not now": sent again after the wait.
    for res in [
        Response::new(429),
        Response::new(429).with_header("Retry-After", "2"),
        Response::new(503).with_header("Retry-After", "2"),
    ] {
        let mut h = Harness::new(10_000, 4_000);
        h.start();
        let (id, _) = h.expect(Method::Post);
        h.reply(id, res.clone());
        wait_retry(&mut h);
        h.expect(Method::Post);
    }
    // Outcomes that leave the server's state unknown, without an Idempotency-Key: fail.
    let unknown = [
        Err(TransportError::Network("reset".into())),
        Err(TransportError::Timeout),
        Ok(Response::new(500)),
        Ok(Response::new(502)),
        Ok(Response::new(503)),
    ];
    for outcome in unknown.clone() {
        let mut h = Harness::new(10_000, 4_000);
        h.start();
        let (id, _) = h.expect(Method::Post);
        match outcome.clone() {
            Ok(res) => h.reply(id, res),
            Err(e) => h.fail(id, e),
        }
        h.finish();
        assert!(h.failure().is_some(), "{outcome:?}: a POST of unknown fate was sent again without a key");
        assert_eq!(h.up.url(), None);
        // The app can still decide to create it anew.
        h.start();
        h.expect(Method::Post);
    }
    // The same outcomes with an Idempotency-Key: sent again, with the same key.
    for outcome in unknown {
        let mut h = with_key();
        h.start();
        let (id, first) = h.expect(Method::Post);
        assert_eq!(first.header("Idempotency-Key"), Some("k-123"));
        match outcome.clone() {
            Ok(res) => h.reply(id, res),
            Err(e) => h.fail(id, e),
        }
        wait_retry(&mut h);
        let (_, again) = h.expect(Method::Post);
        assert_eq!(again.header("Idempotency-Key"), Some("k-123"), "{outcome:?}");
    }
}

#[test]
fn post_failing_while_offline_is_sent_again_when_back_online() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.online(false);
    h.fail(id, TransportError::Network("Failed to fetch".into()));
    assert_eq!(h.up.state(), State::Offline);
    h.online(true);
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("/files/abc"));
    h.expect(Method::Patch);
}

#[test]
fn post_401_refreshes_once_and_404_is_fatal() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, status(401));
    let (id, again) = h.expect(Method::Post);
    assert!(again.refresh_auth);
    h.reply(id, status(401));
    h.finish();
    assert_eq!(h.failure().unwrap().code, "unauthorized");

    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, status(404));
    h.finish();
    assert_eq!((h.failure().unwrap().code.as_str(), h.failure().unwrap().status), ("http_status", Some(404)));
}

// ---- backoff and budget ----------------------------------------------------------------------

#[test]
fn delays_grow_with_attempts_and_the_counter_resets_when_bytes_are_confirmed() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4_000;
    cfg.retry = RetryPolicy { base_ms: 1_000, cap_ms: 1_000_000, budget_ms: u64::MAX };
    cfg.seed = 42;
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    let (id, _) = h.create("/files/abc");
    h.fail(id, TransportError::Network("x".into()));
    for _ in 0..4 {
        wait_retry(&mut h);
        let (id, _) = h.expect(Method::Head);
        h.reply(id, status(502));
    }
    let attempts: Vec<u32> = h.reconnecting().iter().map(|(a, _)| *a).collect();
    assert_eq!(attempts, vec![1, 2, 3, 4, 5]);
    wait_retry(&mut h);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(1_000, 10_000)); // the server kept part of the interrupted PATCH
    let (id, _) = h.expect(Method::Patch);
    h.fail(id, TransportError::Network("x".into()));
    assert_eq!(h.reconnecting().last().unwrap().0, 1, "progress must reset the attempt counter");
}

#[test]
fn exhausting_the_budget_fails_resumably_and_start_continues() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4_000;
    cfg.retry = RetryPolicy { base_ms: 100, cap_ms: 1_000, budget_ms: 10_000 };
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(4_000));
    let (id, _) = h.expect(Method::Patch);
    let t0 = h.now;
    h.reply(id, status(503));
    while h.failure().is_none() {
        wait_retry(&mut h);
        let (id, _) = h.expect(Method::Head);
        h.reply(id, status(503));
    }
    assert!(h.now.since(t0) <= 10_000, "waited past the budget");
    let err = h.failure().unwrap().clone();
    assert_eq!((err.kind, err.code.as_str(), err.status), (ErrorKind::Rejected, "retries_exhausted", Some(503)));
    assert_eq!(h.up.url(), Some(UPLOAD_URL));
    assert_eq!(h.progress(), vec![4_000]);
    h.finish();
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(4_000, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (4_000, 8_000));
}

#[test]
fn jitter_depends_on_the_seed() {
    let delays = |seed| {
        let mut cfg = Config::new(ENDPOINT);
        cfg.seed = seed;
        cfg.adaptive_chunks = false;
        cfg.chunk_size = 4_000;
        let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
        let (id, _) = h.create("/files/abc");
        h.fail(id, TransportError::Network("x".into()));
        h.events
            .iter()
            .find_map(|e| if let Event::Reconnecting { delay_ms, .. } = e { Some(*delay_ms) } else { None })
            .unwrap()
    };
    let all: Vec<u64> = (0..20).map(delays).collect();
    assert!(all.iter().all(|&d| d <= 500));
    assert!(all.iter().any(|&d| d != all[0]), "no jitter: {all:?}");
}

#[test]
fn an_upload_lost_again_and_again_gives_up() {
    let (mut h, id) = patching();
    h.reply(id, status(404));
    for _ in 0..MAX_RESTARTS {
        let (id, _) = h.expect(Method::Post);
        h.reply(id, created("/files/abc"));
        let (id, _) = h.expect(Method::Patch);
        h.reply(id, status(410));
    }
    h.finish();
    let err = h.failure().unwrap();
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Protocol, "restarts_exhausted"));
    let reasons: Vec<_> =
        h.events.iter().filter_map(|e| if let Event::Restarted { reason } = e { Some(reason) } else { None }).collect();
    assert_eq!(reasons.len() as u32, MAX_RESTARTS, "one restarted event per new upload");
    assert!(reasons.iter().all(|r| r.code == "upload_gone" && r.status.is_some()), "{reasons:?}");
}

// ---- offline -------------------------------------------------------------------------------

#[test]
fn offline_waits_without_spending_attempts_and_resumes_at_once_when_online() {
    let (mut h, id) = patching();
    h.reply(id, accepted(4_000));
    let (id, _) = h.expect(Method::Patch);
    h.online(false);
    h.fail(id, TransportError::Network("Failed to fetch".into()));
    assert_eq!(h.up.state(), State::Offline);
    assert!(h.reconnecting().is_empty(), "offline must not count as a retry");
    h.advance(3_600_000);
    h.settle();
    assert!(h.sent.is_empty(), "sent a request while offline");
    h.online(true);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(6_000, 10_000));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (6_000, 10_000));
    h.reply(id, accepted(10_000));
    h.finish();
    assert_eq!(
        h.states(),
        vec![State::Creating, State::Uploading, State::Offline, State::Resuming, State::Uploading, State::Completed]
    );
    assert_eq!(h.progress(), vec![4_000, 6_000, 10_000]);
}

#[test]
fn going_offline_during_a_patch_keeps_its_answer_then_waits() {
    let (mut h, id) = patching();
    h.online(false);
    h.reply(id, accepted(4_000));
    assert!(h.sent.is_empty(), "sent the next PATCH while offline");
    assert_eq!(h.up.state(), State::Offline);
    h.online(true);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(4_000, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (4_000, 8_000));
    assert_eq!(h.progress(), vec![4_000]);
}

#[test]
fn going_offline_during_a_retry_wait_stops_the_clock() {
    let (mut h, id) = patching();
    h.reply(id, status(502));
    assert_eq!(h.up.state(), State::Reconnecting);
    h.online(false);
    assert_eq!(h.up.state(), State::Offline);
    h.settle();
    assert!(h.sent.is_empty());
    h.online(true);
    h.expect(Method::Head);
}

#[test]
fn starting_while_offline_sends_nothing_until_online() {
    let mut h = Harness::new(10_000, 4_000);
    h.online(false);
    h.start();
    assert!(h.sent.is_empty());
    assert_eq!(h.up.state(), State::Offline);
    h.online(true);
    h.expect(Method::Post);
}

#[test]
fn start_during_a_wait_tries_at_once() {
    let (mut h, id) = patching();
    h.reply(id, status(502));
    assert!(h.sent.is_empty());
    h.start();
    h.expect(Method::Head);
}

// ---- stalls --------------------------------------------------------------------------------

#[test]
fn a_stalled_patch_is_cancelled_retried_and_sent_smaller() {
    let mut h = Harness::new(64 * MIB, 8 * MIB);
    let (id, _) = h.create("/files/abc");
    let sent_at = h.now;
    h.stall();
    // 8 MiB at the assumed 256 KiB/s is 32 s; four times that before giving up.
    assert_eq!(h.now.since(sent_at), 128_000);
    assert_eq!(h.cancelled, vec![id]);
    assert_eq!(h.reconnecting()[0].1.code, "stalled");
    wait_retry(&mut h);
    let (hid, _) = h.expect(Method::Head);
    // The stalled request's late answer changes nothing.
    h.reply(id, accepted(8 * MIB));
    assert!(h.sent.is_empty());
    h.reply(hid, head_ok(MIB, 64 * MIB));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (MIB, 5 * MIB), "the chunk after a stall must be smaller");
    assert_eq!(h.progress(), vec![MIB]);
}

#[test]
fn the_stall_deadline_follows_the_measured_rate_with_a_floor() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 8 * MIB;
    cfg.stall_floor_ms = Some(5_000);
    let mut h = Harness::with(cfg, SourceInfo::file(64 * MIB, "a", "b"));
    let (id, _) = h.create("/files/abc");
    h.advance(1_000); // 8 MiB in one second
    h.reply(id, accepted(8 * MIB));
    let (_, _) = h.expect(Method::Patch);
    let at = h.up.timers().get(Timer::Stall).unwrap();
    assert_eq!(at.since(h.now), 5_000, "4 x 1 s is below the 5 s floor");
}

#[test]
fn head_and_post_stalls_are_retried_too() {
    let mut h = known_upload();
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.stall();
    assert_eq!(h.cancelled, vec![id]);
    wait_retry(&mut h);
    h.expect(Method::Head);
}

// ---- commands during waits -------------------------------------------------------------------

#[test]
fn pause_and_abort_during_a_wait() {
    let (mut h, id) = patching();
    h.reply(id, status(502));
    h.pause();
    assert_eq!(h.up.state(), State::Paused);
    h.settle();
    assert!(h.sent.is_empty(), "a paused upload sent a request");
    h.start();
    h.expect(Method::Head);

    let (mut h, id) = patching();
    h.reply(id, status(502));
    h.abort(true);
    let (id, del) = h.expect(Method::Delete);
    assert_eq!(del.url, UPLOAD_URL);
    h.reply(id, Response::new(204));
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
}

// ---- progress never lies -----------------------------------------------------------------------

#[test]
fn progress_never_decreases_or_exceeds_confirmed_bytes_through_faults() {
    let (mut h, id) = patching();
    h.advance(500);
    h.reply(id, accepted(4_000));
    let (id, _) = h.expect(Method::Patch);
    h.fail(id, TransportError::Network("reset".into()));
    wait_retry(&mut h);
    let (id, _) = h.expect(Method::Head);
    // A server that lost what it had confirmed must not move progress backwards.
    h.reply(id, head_ok(3_000, 10_000));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (3_000, 7_000));
    h.advance(500);
    h.reply(id, accepted(5_000));
    let (id, _) = h.expect(Method::Patch);
    h.advance(500);
    h.reply(id, accepted(9_000));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, accepted(10_000));
    h.finish();
    let p = h.progress();
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "progress went backwards: {p:?}");
    assert_eq!(p.last(), Some(&10_000));
    for v in &p {
        assert!([4_000, 5_000, 9_000, 10_000].contains(v), "{v} was never confirmed at that point");
    }
}

#[test]
fn requests_failing_at_once_repeatedly_raise_a_cors_warning_once() {
    let (mut h, id) = patching();
    h.fail(id, TransportError::Network("Failed to fetch".into()));
    for _ in 0..4 {
        wait_retry(&mut h);
        let (id, _) = h.expect(Method::Head);
        h.reply(id, head_ok(0, 10_000));
        let (id, _) = h.expect(Method::Patch);
        h.advance(5);
        h.fail(id, TransportError::Network("Failed to fetch".into()));
    }
    let warnings: Vec<&str> = h
        .events
        .iter()
        .filter_map(|e| if let Event::Warning { code, message } = e { Some((*code, message.as_str())) } else { None })
        .inspect(|(_, m)| assert!(m.contains("PATCH") && m.contains("Access-Control-Allow-Methods"), "{m}"))
        .map(|(c, _)| c.as_str())
        .collect();
    assert_eq!(warnings, vec!["requests_blocked"]);
}

#[test]
fn slow_network_errors_raise_no_warning() {
    let (mut h, id) = patching();
    h.advance(5_000);
    h.fail(id, TransportError::Network("reset".into()));
    for _ in 0..4 {
        wait_retry(&mut h);
        let (id, _) = h.expect(Method::Head);
        h.reply(id, head_ok(0, 10_000));
        let (id, _) = h.expect(Method::Patch);
        h.advance(5_000);
        h.fail(id, TransportError::Network("reset".into()));
    }
    assert!(!h.events.iter().any(|e| matches!(e, Event::Warning { .. })));
}

#[test]
fn a_large_patch_refused_at_once_on_the_network_is_sent_smaller() {
    // Firefox reports a 413 answered before the body was read (and the connection closed) as
    // a network error: a PATCH failing at once must shrink even a fixed chunk size.
    let mut h = Harness::new(64 * MIB, 8 * MIB);
    let (id, _) = h.create("/files/abc");
    h.advance(20);
    h.fail(id, TransportError::Network("NetworkError when attempting to fetch resource.".into()));
    wait_retry(&mut h);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(0, 64 * MIB));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (0, 4 * MIB));
}

#[test]
fn a_slow_network_failure_keeps_a_fixed_chunk_size() {
    let mut h = Harness::new(64 * MIB, 8 * MIB);
    let (id, _) = h.create("/files/abc");
    h.advance(5_000);
    h.fail(id, TransportError::Network("reset".into()));
    wait_retry(&mut h);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(0, 64 * MIB));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (0, 8 * MIB));
}
