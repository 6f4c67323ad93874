//! Parallel uploads under faults: how the file is split, request ids across the fallback to
//! one stream, what a failing part does to the others, and when the final concatenation
//! POST may be sent again. Each test here failed before its fix.

use super::*;
use crate::core::parallel::Parallel;

/// A parallel upload of `size` bytes over `parallel` connections, in 4 MiB chunks.
fn parallel(size: u64, parallel: u32, tune: impl FnOnce(&mut Config)) -> Harness<Parallel> {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4 * MIB);
    cfg.parallel = parallel;
    tune(&mut cfg);
    let up = Parallel::new(cfg, SourceInfo::file(size, "video.mp4", "video/mp4"), Millis(0)).expect("valid config");
    Harness::of(up)
}

/// Answers the OPTIONS with the concatenation extension; returns the parts' POSTs.
fn discovered(h: &mut Harness<Parallel>) -> Vec<(RequestId, Request)> {
    h.start();
    let (id, _) = h.take(Method::Options);
    h.reply(id, Response::new(204).with_header("Tus-Extension", "creation,concatenation"));
    std::mem::take(&mut h.sent).into_iter().collect()
}

#[test]
fn a_file_one_byte_over_two_parts_is_split_in_two() {
    let size = 20 * MIB + 1;
    let mut h = parallel(size, 2, |_| {});
    let posts = discovered(&mut h);
    let lengths: Vec<u64> =
        posts.iter().filter_map(|(_, p)| p.header("Upload-Length").and_then(|l| l.parse().ok())).collect();
    assert_eq!(lengths.len(), 2, "two connections, two parts: {lengths:?}");
    assert_eq!(lengths.iter().sum::<u64>(), size);
    assert!(lengths.iter().all(|&l| l >= crate::core::parallel::MIN_PART), "{lengths:?}");
}

#[test]
fn the_single_stream_after_options_numbers_its_requests_afresh() {
    let mut h = parallel(20 * MIB, 2, |_| {});
    h.start();
    let (options, _) = h.take(Method::Options);
    h.reply(options, Response::new(204).with_header("Tus-Extension", "creation"));
    let (post, _) = h.take(Method::Post);
    assert_ne!(post, options, "every request gets a fresh RequestId");
    // A stale answer under the OPTIONS's id must not pass for the POST's.
    h.reply(options, created("/files/wrong"));
    assert!(h.sent.is_empty(), "a stale answer was taken for the POST's: {:?}", h.sent);
    h.reply(post, created("/files/abc"));
    assert_eq!(h.take(Method::Patch).1.url, UPLOAD_URL);
}

/// Creates every part; returns their first PATCHes in file order.
fn uploading(h: &mut Harness<Parallel>) -> Vec<(RequestId, Request)> {
    let posts = discovered(h);
    created_parts(h, posts)
}

/// Answers the parts' `posts`; returns their first PATCHes in file order.
fn created_parts(h: &mut Harness<Parallel>, posts: Vec<(RequestId, Request)>) -> Vec<(RequestId, Request)> {
    for (i, (id, _)) in posts.into_iter().enumerate() {
        h.reply(id, created(&format!("/files/p{i}")));
    }
    let mut patches: Vec<_> = std::mem::take(&mut h.sent).into_iter().collect();
    assert!(patches.iter().all(|(_, r)| r.method == Method::Patch), "{patches:?}");
    patches.sort_by_key(|(_, r)| range(r).0);
    patches
}

#[test]
fn a_failing_part_cancels_the_patches_of_parts_before_it_too() {
    let mut h = parallel(20 * MIB, 2, |_| {});
    let patches = uploading(&mut h);
    let [(first, _), (second, _)] = [patches[0].clone(), patches[1].clone()];
    h.reply(second, Response::new(400).with_body("bad"));
    assert!(h.cancelled.contains(&first), "the first part's PATCH runs on: {:?}", h.cancelled);
    h.settle();
    assert_eq!(h.up.outcome().map(|r| r.map_err(|e| e.status)), Some(Err(Some(400))));
    assert_eq!(h.wake_at, None, "nothing left running, nothing to wake for");
}

/// Answers every PATCH in full until both parts are done; returns the final POST.
fn completed_parts(h: &mut Harness<Parallel>, size: u64) -> (RequestId, Request) {
    let patches = uploading(h);
    finished(h, patches, size)
}

/// Answers `patches`, then every PATCH after them, in full; returns the final POST.
fn finished(h: &mut Harness<Parallel>, mut patches: Vec<(RequestId, Request)>, size: u64) -> (RequestId, Request) {
    let half = size / 2;
    while let Some((id, req)) = patches.pop() {
        h.now = h.now.plus(200);
        let (start, end) = range(&req);
        h.reply(id, accepted(if start >= half { end - half } else { end }));
        patches.extend(h.sent.iter().filter(|(_, r)| r.method == Method::Patch).cloned());
        h.sent.retain(|(_, r)| r.method != Method::Patch);
    }
    h.take(Method::Post)
}

#[test]
fn parts_and_the_final_post_carry_idempotency_keys_of_their_own() {
    let mut h = parallel(20 * MIB, 2, |c| c.idempotency_key = Some("k-1".into()));
    let posts = discovered(&mut h);
    let keys: Vec<_> = posts.iter().map(|(_, r)| r.header("Idempotency-Key").map(str::to_string)).collect();
    assert!(keys.iter().all(|k| k.as_deref().is_some_and(|k| k.starts_with("k-1-"))), "{keys:?}");
    assert_ne!(keys[0], keys[1], "two creations under one key would be taken for one by the server");
    let patches = created_parts(&mut h, posts);
    let (_, fin) = finished(&mut h, patches, 20 * MIB);
    assert_eq!(fin.header("Idempotency-Key"), Some("k-1"), "the final upload is the one the app asked for");
}

#[test]
fn a_final_post_of_unknown_fate_is_sent_again_only_under_a_key() {
    let unknown = || {
        [
            Err(TransportError::Network("connection reset".into())),
            Err(TransportError::Timeout),
            Ok(Response::new(500)),
            Ok(Response::new(503)),
        ]
    };
    for outcome in unknown() {
        let mut h = parallel(20 * MIB, 2, |_| {});
        let (fin, _) = completed_parts(&mut h, 20 * MIB);
        match outcome.clone() {
            Ok(res) => h.reply(fin, res),
            Err(e) => h.fail(fin, e),
        }
        h.settle();
        assert!(h.sent.is_empty(), "{outcome:?}: the final POST went again without a key: {:?}", h.sent);
        assert!(h.up.outcome().is_some_and(|r| r.is_err()), "{outcome:?}: {:?}", h.events);
        // The app may still decide to join the parts again.
        h.start();
        h.take(Method::Post);
    }
    for outcome in unknown() {
        let mut h = parallel(20 * MIB, 2, |c| c.idempotency_key = Some("k-1".into()));
        let (fin, _) = completed_parts(&mut h, 20 * MIB);
        match outcome.clone() {
            Ok(res) => h.reply(fin, res),
            Err(e) => h.fail(fin, e),
        }
        h.settle();
        let (_, again) = h.take(Method::Post);
        assert_eq!(again.header("Idempotency-Key"), Some("k-1"), "{outcome:?}");
    }
}

#[test]
fn a_final_post_that_stalls_is_abandoned_and_not_sent_again_without_a_key() {
    let mut h = parallel(20 * MIB, 2, |_| {});
    let (fin, _) = completed_parts(&mut h, 20 * MIB);
    h.online(false);
    while !h.cancelled.contains(&fin) {
        h.fire(); // the progress timer may come first
    }
    h.online(true);
    h.settle();
    assert!(h.sent.is_empty(), "a stalled final POST went again without a key: {:?}", h.sent);
    let err = h.up.outcome().and_then(Result::err).map(|e| e.code);
    assert_eq!(err, Some(Code::Stalled));
}

/// How a test ends the OPTIONS request `id`.
type EndOptions = fn(&mut Harness<Parallel>, RequestId);

#[test]
fn the_single_stream_fallback_announces_creating_once() {
    let cases: [(&str, EndOptions); 3] = [
        ("answered", |h, id| h.reply(id, Response::new(204).with_header("Tus-Extension", "creation"))),
        ("unanswered", |h, id| h.fail(id, TransportError::Network("reset".into()))),
        ("stalled", |h, _| h.fire()),
    ];
    for (how, options) in cases {
        let mut h = parallel(20 * MIB, 2, |_| {});
        h.start();
        let (id, _) = h.take(Method::Options);
        options(&mut h, id);
        let (post, _) = h.take(Method::Post);
        h.reply(post, created("/files/abc"));
        h.take(Method::Patch);
        assert_eq!(h.states(), [State::Creating, State::Uploading], "OPTIONS {how}");
    }
}

#[test]
fn a_final_post_caught_in_a_gap_is_sent_again_only_under_a_key() {
    // Coming back online is a gap too: the final POST went out before it.
    let mut h = parallel(20 * MIB, 2, |_| {});
    let (fin, _) = completed_parts(&mut h, 20 * MIB);
    h.online(false);
    h.online(true);
    assert!(h.cancelled.contains(&fin));
    assert!(h.sent.is_empty(), "the final POST went again without a key: {:?}", h.sent);
    assert!(h.failure().is_some_and(|e| e.message.contains("may or may not")), "{:?}", h.events);
    h.start();
    h.take(Method::Post);

    let mut h = parallel(20 * MIB, 2, |c| c.idempotency_key = Some("k-1".into()));
    let (fin, _) = completed_parts(&mut h, 20 * MIB);
    h.up.handle_wake(h.now);
    h.drain();
    assert!(h.cancelled.contains(&fin));
    let (_, again) = h.take(Method::Post);
    assert_eq!(again.header("Idempotency-Key"), Some("k-1"), "under its key, at once");
}

/// A two-part upload whose parts completed and whose final POST was answered `status`.
fn final_post_answered(status: u16) -> Harness<Parallel> {
    let mut h = super::parallel::parallel(super::parallel::SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, _) = h.complete_parts();
    h.reply(fin, Response::new(status));
    h
}

/// A HEAD answer: the part holds all its bytes (half the file).
fn part_complete() -> Response {
    let half = (super::parallel::SIZE / 2).to_string();
    Response::new(200).with_header("Upload-Offset", &half).with_header("Upload-Length", &half)
}

#[test]
fn a_part_the_server_lost_after_it_completed_is_sent_again_and_the_parts_joined_anew() {
    let mut h = final_post_answered(404);
    // Every part is asked again: the first still holds its bytes, the second expired.
    let (a, ha) = h.take(Method::Head);
    let (b, hb) = h.take(Method::Head);
    let (a, b) = if ha.url.ends_with("/p0") { (a, b) } else { (b, a) };
    assert!(ha.url.ends_with("/p0") || hb.url.ends_with("/p0"), "{ha:?} {hb:?}");
    let half = super::parallel::SIZE / 2;
    h.reply(a, part_complete());
    h.reply(b, Response::new(404));
    let (post, again) = h.take(Method::Post);
    assert_eq!(
        (again.header("Upload-Concat"), again.header("Upload-Length")),
        (Some("partial"), Some(&*half.to_string()))
    );
    h.reply(post, created("/files/p1b"));
    let mut sent = 0;
    while h.sent.iter().any(|(_, r)| r.method == Method::Patch) {
        let (id, req) = h.take(Method::Patch);
        assert!(range(&req).0 >= half, "only the lost part is sent again: {req:?}");
        sent += range(&req).1 - range(&req).0;
        h.now = h.now.plus(200);
        h.reply(id, accepted(super::parallel::local_end(&req)));
    }
    assert_eq!(sent, half);
    let (fin, req) = h.take(Method::Post);
    assert_eq!(req.header("Upload-Concat"), Some("final;https://tus.example/files/p0 https://tus.example/files/p1b"));
    h.reply(fin, created("/files/final"));
    h.settle();
    assert_eq!(h.up.outcome(), Some(Ok("https://tus.example/files/final".to_string())));
    let restarted = h.events.iter().filter(|e| matches!(e, Event::Restarted { .. })).count();
    assert_eq!(restarted, 1, "the lost part's bytes are announced as sent again");
}

#[test]
fn a_final_post_answered_gone_twice_fails_the_whole() {
    let mut h = final_post_answered(410);
    for _ in 0..2 {
        let (id, _) = h.take(Method::Head);
        h.reply(id, part_complete());
    }
    let (fin, _) = h.take(Method::Post);
    h.reply(fin, Response::new(410));
    h.settle();
    let err = h.up.outcome().expect("over").expect_err("failed");
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Expired, "upload_gone"));
    assert!(h.sent.is_empty(), "{:?}", h.sent);
}
