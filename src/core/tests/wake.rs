//! Gaps (`handle_wake`, and coming back online with a request in flight): the page was
//! frozen or the computer slept while a request was out. The request is dead: cancelled,
//! and the offset re-learnt with HEAD at once; a POST follows the creation rules; with
//! nothing in flight nothing is sent. Also `handle_suspend`, the write made at once.

use super::parallel::{local_end, parallel, SIZE};
use super::*;

/// Twenty seconds pass without the machine hearing of them (a frozen page: no timers fire).
fn sleep<M: Machine>(h: &mut Harness<M>) {
    h.now = h.now.plus(20_000);
}

/// 64 MiB in 4 MiB chunks with a 30 s stall floor: a quick HEAD's deadline stands out.
fn floored() -> Harness {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4 * MIB);
    cfg.stall_floor_ms = Some(30_000);
    Harness::with(cfg, SourceInfo::file(64 * MIB, "a", "b"))
}

fn keyed() -> Harness {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4_000);
    cfg.idempotency_key = Some("k-123".into());
    Harness::with(cfg, SourceInfo::file(10_000, "video.mp4", "video/mp4"))
}

fn posts(h: &Harness) -> usize {
    h.events.iter().filter(|e| matches!(e, Event::Created { .. })).count()
}

#[test]
fn a_patch_across_a_gap_is_cancelled_and_the_offset_relearnt_at_once() {
    let mut h = Harness::new(64 * MIB, 8 * MIB);
    let (id, _) = h.create("/files/abc");
    let stall_at = h.up.timers().get(Timer::Stall).unwrap();
    sleep(&mut h);
    assert!(h.sent.is_empty() && h.now < stall_at, "the test sleeps less than the stall deadline");
    h.wake();
    assert_eq!(h.cancelled, vec![id], "the PATCH in flight is aborted");
    let (head, req) = h.expect(Method::Head);
    assert_eq!(req.url, UPLOAD_URL, "the HEAD goes out at once, long before the old deadline");
    assert!(h.reconnecting().is_empty(), "no backoff for the first try after a gap");
    // The dead PATCH's late answer is not read.
    h.reply(id, accepted(8 * MIB));
    assert!(h.sent.is_empty() && h.progress().is_empty());
    h.reply(head, head_ok(3 * MIB, 64 * MIB));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (3 * MIB, 11 * MIB), "a gap is no stall: the chunk keeps its size");
    assert_eq!(h.states(), [State::Creating, State::Uploading, State::Resuming, State::Uploading]);
    assert_eq!(h.progress(), [3 * MIB]);
}

#[test]
fn the_quick_heads_deadline_follows_the_round_trip_measured_before_the_gap() {
    use crate::core::upload::{wake_probe_stall_ms, WAKE_PROBE_STALL_MS};
    assert_eq!(wake_probe_stall_ms(None), WAKE_PROBE_STALL_MS, "nothing measured: the cautious deadline");
    assert_eq!(wake_probe_stall_ms(Some(0)), 150, "loopback: never below 150 ms");
    assert_eq!(wake_probe_stall_ms(Some(30)), 280, "room for a new connection's handshakes");
    assert_eq!(wake_probe_stall_ms(Some(200)), WAKE_PROBE_STALL_MS, "a slow link: never above the cautious one");
    for (answer_after, deadline) in [(30, 280), (400, WAKE_PROBE_STALL_MS)] {
        let mut h = floored();
        h.start();
        let (id, _) = h.expect(Method::Post);
        h.advance(answer_after);
        h.reply(id, created("/files/abc"));
        h.expect(Method::Patch);
        sleep(&mut h);
        h.wake();
        let sent_at = h.now;
        h.expect(Method::Head);
        assert_eq!(
            h.up.timers().get(Timer::Stall),
            Some(sent_at.plus(deadline)),
            "POST answered after {answer_after} ms"
        );
    }
}

#[test]
fn a_head_after_a_gap_on_a_dead_connection_is_sent_again_at_once_up_to_the_quick_limit() {
    use crate::core::upload::{wake_probe_stall_ms, WAKE_PROBES};
    let mut h = floored();
    h.create("/files/abc");
    sleep(&mut h);
    h.wake();
    // Each quick HEAD went out on a connection that died in the sleep too: no answer, ever.
    for n in 1..=WAKE_PROBES {
        let sent_at = h.now;
        h.expect(Method::Head);
        let stall_at = h.up.timers().get(Timer::Stall).unwrap();
        // The creation was answered at once: the shortest deadline.
        assert_eq!(
            stall_at,
            sent_at.plus(wake_probe_stall_ms(Some(0))),
            "HEAD {n}: a short deadline, below the stall floor"
        );
        h.stall();
        assert!(h.reconnecting().is_empty() || n == WAKE_PROBES, "HEAD {n}: sent again at once, no backoff");
    }
    // The quick ones are spent: the usual backoff, and the usual deadline.
    assert!(h.sent.is_empty(), "the next try waits");
    assert_eq!(h.reconnecting().len(), 1);
    h.settle();
    let sent_at = h.now;
    let (head, _) = h.expect(Method::Head);
    assert_eq!(h.up.timers().get(Timer::Stall).unwrap(), sent_at.plus(30_000));
    h.reply(head, head_ok(4 * MIB, 64 * MIB));
    h.expect(Method::Patch);
}

#[test]
fn an_answer_ends_the_quick_heads_after_a_gap() {
    let mut h = floored();
    h.create("/files/abc");
    sleep(&mut h);
    h.wake();
    h.expect(Method::Head);
    h.stall();
    let (head, _) = h.expect(Method::Head);
    h.reply(head, head_ok(4 * MIB, 64 * MIB));
    let (patch, _) = h.expect(Method::Patch);
    h.reply(patch, accepted(8 * MIB));
    // A later HEAD (after a stalled PATCH) has the ordinary deadline again.
    let (_, _) = h.expect(Method::Patch);
    h.stall();
    h.settle();
    let sent_at = h.now;
    h.expect(Method::Head);
    assert_eq!(h.up.timers().get(Timer::Stall).unwrap(), sent_at.plus(30_000));
}

#[test]
fn a_head_across_a_gap_is_sent_again_at_once() {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4_000);
    cfg.upload_url = Some(UPLOAD_URL.into());
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    h.start();
    let (id, _) = h.expect(Method::Head);
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![id]);
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(4_000, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (4_000, 8_000));
}

#[test]
fn a_failed_first_try_after_a_gap_backs_off_as_usual() {
    let (mut h, id) = {
        let mut h = Harness::new(10_000, 4_000);
        let (id, _) = h.create("/files/abc");
        (h, id)
    };
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![id]);
    let (head, _) = h.expect(Method::Head);
    h.fail(head, TransportError::Network("Failed to fetch".into()));
    assert!(h.sent.is_empty(), "the second try waits");
    assert_eq!(h.reconnecting().len(), 1);
    assert_eq!(h.up.state(), State::Reconnecting);
    h.settle();
    h.expect(Method::Head);
}

#[test]
fn a_keyed_post_across_a_gap_is_sent_again_at_once_and_creates_one_upload() {
    let mut h = keyed();
    h.start();
    let (id, _) = h.expect(Method::Post);
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![id]);
    let (id, again) = h.expect(Method::Post);
    assert_eq!(again.header("Idempotency-Key"), Some("k-123"), "the server can tell it is the same creation");
    h.reply(id, created("/files/abc"));
    h.expect(Method::Patch);
    assert_eq!(posts(&h), 1);
    assert!(h.failure().is_none());
}

#[test]
fn an_unkeyed_post_across_a_gap_is_not_sent_again() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![id]);
    assert!(h.sent.is_empty(), "a second POST could create a second upload");
    let err = h.failure().expect("the upload fails, saying why");
    assert_eq!(err.code, "network_error");
    assert!(err.message.contains("frozen") && err.message.contains("may or may not"), "{}", err.message);
    assert_eq!(h.up.state(), State::Failed);
    // The app decides: start() creates the upload anew.
    h.start();
    h.expect(Method::Post);
}

#[test]
fn an_unkeyed_post_across_a_gap_while_offline_is_not_sent_again() {
    // It was sent online: going offline later says nothing about whether it arrived (as for
    // a stall, creation.rs), so only a key makes sending it again safe.
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.online(false);
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![id]);
    h.online(true);
    assert!(h.sent.is_empty(), "a second POST could create a second upload: {:?}", h.sent);
    assert_eq!(h.up.state(), State::Failed);
    assert!(h.failure().is_some_and(|e| e.message.contains("may or may not")));
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("/files/abc"));
    h.expect(Method::Patch);
}

#[test]
fn a_post_paused_then_caught_in_a_gap_stays_paused() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.pause();
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![id]);
    assert!(h.sent.is_empty());
    assert_eq!(h.up.state(), State::Paused);
    assert!(h.failure().is_none());
    h.start();
    h.expect(Method::Post);
}

#[test]
fn an_options_across_a_gap_is_asked_again_at_once() {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4_000);
    cfg.checksum = true;
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    h.start();
    let (id, _) = h.expect(Method::Options);
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![id]);
    let (id, _) = h.expect(Method::Options);
    h.reply(id, Response::new(204).with_header("Tus-Checksum-Algorithm", "sha256"));
    h.expect(Method::Post);
}

#[test]
fn a_delete_across_a_gap_is_sent_again() {
    let mut h = Harness::new(10_000, 4_000);
    h.create("/files/abc");
    h.abort(true);
    let (id, _) = h.expect(Method::Delete);
    sleep(&mut h);
    h.wake();
    assert!(h.cancelled.contains(&id));
    h.settle();
    let (id, _) = h.expect(Method::Delete);
    h.reply(id, Response::new(204));
    h.finish();
    assert_eq!(h.up.state(), State::Aborted);
}

#[test]
fn with_nothing_in_flight_a_gap_sends_nothing() {
    // Not started.
    let mut h = Harness::new(10_000, 4_000);
    h.wake();
    assert!(h.sent.is_empty() && h.events.is_empty());
    // Paused.
    let (id, _) = h.create("/files/abc");
    h.pause();
    assert_eq!(h.cancelled, vec![id]);
    let before = h.events.len();
    sleep(&mut h);
    h.wake();
    assert!(h.sent.is_empty());
    assert_eq!(h.events.len(), before);
    // Completed.
    let mut h = Harness::new(4_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(4_000));
    h.finish();
    let before = h.events.len();
    h.wake();
    h.finish();
    assert_eq!(h.events.len(), before);
    assert!(h.cancelled.is_empty());
}

#[test]
fn a_retry_wait_is_kept_through_a_gap_and_fires_when_due() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, Response::new(502));
    let until = h.up.timers().get(Timer::Retry).unwrap();
    h.wake();
    assert!(h.sent.is_empty(), "a gap during a wait sends nothing early");
    assert_eq!(h.up.timers().get(Timer::Retry), Some(until));
    // A gap longer than the wait: the wait is over, and its timer (due) does the rest.
    sleep(&mut h);
    h.wake();
    assert!(h.sent.is_empty());
    assert!(h.wake_at.is_some_and(|t| t <= h.now));
    h.advance(0);
    h.expect(Method::Head);
}

#[test]
fn coming_back_online_with_a_patch_in_flight_is_a_gap() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.online(false);
    assert!(h.cancelled.is_empty(), "going offline alone kills nothing (the answer may still come)");
    h.online(true);
    assert_eq!(h.cancelled, vec![id], "it went out before the network changed");
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(4_000, 10_000));
    h.expect(Method::Patch);
    assert!(h.reconnecting().is_empty());
}

// ---- handle_suspend ------------------------------------------------------------------------

#[test]
fn suspend_writes_a_coalesced_record_at_once_and_only_then() {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(2_000);
    cfg.session_key = Some("k".into());
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    let (id, _) = h.create("/files/abc");
    h.now = h.now.plus(100);
    h.reply(id, accepted(2_000));
    let writes = h.store.len();
    assert!(h.up.timers().get(Timer::Persist).is_some(), "written within the interval: coalesced");
    h.up.handle_suspend(h.now);
    h.drain();
    assert_eq!(h.store.len(), writes + 1, "the pending write is made now");
    assert!(matches!(h.store.last(), Some(Ok(r)) if r.bytes_confirmed == 2_000));
    assert_eq!(h.up.timers().get(Timer::Persist), None);
    // Nothing pending: nothing written.
    h.up.handle_suspend(h.now);
    h.drain();
    assert_eq!(h.store.len(), writes + 1);
    h.take(Method::Patch);
}

// ---- parallel ------------------------------------------------------------------------------

#[test]
fn every_part_in_flight_across_a_gap_relearns_its_offset_at_once() {
    let mut h = parallel(SIZE, 2);
    let [(a, _), (b, _)] = h.uploading();
    sleep(&mut h);
    h.wake();
    let mut cancelled = h.cancelled.clone();
    cancelled.sort();
    assert_eq!(cancelled, {
        let mut ids = vec![a, b];
        ids.sort();
        ids
    });
    let (h0, q0) = h.take(Method::Head);
    let (h1, q1) = h.take(Method::Head);
    assert!(h.sent.is_empty());
    let half = SIZE / 2;
    for (id, q) in [(h0, q0), (h1, q1)] {
        h.reply(id, head_ok(MIB, half).with_header("Upload-Concat", "partial"));
        assert!(q.url.ends_with("/p0") || q.url.ends_with("/p1"), "{}", q.url);
    }
    let (_, p0) = h.take(Method::Patch);
    let (_, p1) = h.take(Method::Patch);
    let mut starts = [range(&p0).0, range(&p1).0];
    starts.sort();
    assert_eq!(starts, [MIB, half + MIB]);
    assert!(h.failure().is_none());
}

#[test]
fn a_final_post_across_a_gap_follows_the_creation_rules() {
    // Without a key it is not sent again on its own (parallel_faults.rs has the keyed case,
    // sent again at once): the whole fails, and start() joins the parts anew.
    let mut h = parallel(SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, _) = h.complete_parts();
    sleep(&mut h);
    h.wake();
    assert!(h.cancelled.contains(&fin));
    assert!(h.sent.is_empty(), "{:?}", h.sent);
    assert_eq!(h.up.state(), State::Failed);
    h.start();
    let (id, again) = h.take(Method::Post);
    assert!(again.header("Upload-Concat").unwrap().starts_with("final;"));
    h.reply(id, created("/files/final"));
    h.settle();
    assert_eq!(h.up.outcome(), Some(Ok("https://tus.example/files/final".to_string())));
}

#[test]
fn a_parallel_options_across_a_gap_is_asked_again_and_idle_parts_send_nothing() {
    let mut h = parallel(SIZE, 2);
    h.start();
    let (opt, _) = h.take(Method::Options);
    sleep(&mut h);
    h.wake();
    assert_eq!(h.cancelled, vec![opt]);
    h.take(Method::Options);
    // Parts waiting to retry send nothing on a gap.
    let mut h = parallel(SIZE, 2);
    let [(a, _), (b, _)] = h.uploading();
    h.reply(a, Response::new(502));
    h.reply(b, Response::new(502));
    h.wake();
    assert!(h.sent.is_empty());
    for _ in 0..2 {
        h.settle();
        h.take(Method::Head);
    }
}

#[test]
fn a_parallel_upload_writes_its_pending_record_on_suspend() {
    let mut h = parallel(SIZE, 2);
    let [(a, ra), _] = h.uploading();
    let writes = h.store.len();
    h.now = h.now.plus(100);
    h.reply(a, accepted(local_end(&ra)));
    h.take(Method::Patch);
    assert_eq!(h.store.len(), writes, "coalesced: written within the interval before");
    h.up.handle_suspend(h.now);
    h.drain();
    assert_eq!(h.store.len(), writes + 1);
    assert!(matches!(h.store.last(), Some(Ok(r)) if r.bytes_confirmed == 4 * MIB));
}
