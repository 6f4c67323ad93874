//! Continuing a known upload: HEAD first, then PATCH from the server's offset.

use super::*;

fn known(size: u64, chunk: u64) -> Harness {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = chunk;
    cfg.upload_url = Some(UPLOAD_URL.into());
    Harness::with(cfg, SourceInfo::file(size, "video.mp4", "video/mp4"))
}

#[test]
fn head_then_patch_from_the_server_offset() {
    let mut h = known(10_000, 4_000);
    h.start();
    let (id, head) = h.expect(Method::Head);
    assert_eq!((head.url.as_str(), head.body), (UPLOAD_URL, Body::Empty));
    assert!(h.sent.is_empty(), "a PATCH was sent before the HEAD answered");
    h.reply(id, head_ok(7_000, 10_000));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!((req.header("Upload-Offset"), range(&req)), (Some("7000"), (7_000, 10_000)));
    h.advance(200);
    h.reply(id, accepted(10_000));
    h.finish();
    assert_eq!(h.progress(), vec![7_000, 10_000]);
    assert_eq!(h.states(), vec![State::Resuming, State::Uploading, State::Completed]);
}

#[test]
fn head_saying_complete_completes_without_patch() {
    let mut h = known(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(10_000, 10_000));
    h.finish();
    assert_eq!(h.up.outcome(), Some(Ok(UPLOAD_URL.to_string())));
}

#[test]
fn gone_upload_is_recreated_with_a_reason() {
    for status in [404, 410] {
        let mut h = known(10_000, 4_000);
        h.start();
        let (id, _) = h.expect(Method::Head);
        h.reply(id, Response::new(status));
        let reason =
            h.events.iter().find_map(|e| if let Event::Restarted { reason } = e { Some(reason.clone()) } else { None });
        let reason = reason.expect("restart announced");
        assert_eq!(
            (reason.kind, reason.code.as_str(), reason.status),
            (ErrorKind::Expired, "upload_gone", Some(status))
        );
        let (id, _) = h.expect(Method::Post);
        h.reply(id, created("/files/new"));
        let (_, patch) = h.expect(Method::Patch);
        assert_eq!((patch.url.as_str(), range(&patch)), ("https://tus.example/files/new", (0, 4_000)));
    }
}

#[test]
fn head_failure_never_recreates() {
    let mut h = known(10_000, 4_000);
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, Response::new(502));
    // Only HEADs follow, until the retry budget is spent; never a POST.
    let mut heads = 1;
    loop {
        h.settle();
        match h.sent.pop_front() {
            Some((id, req)) => {
                assert_eq!(req.method, Method::Head, "a 5xx on HEAD led to {req:?}");
                heads += 1;
                h.reply(id, Response::new(502));
            }
            None => break,
        }
    }
    assert!(heads > 5, "gave up after only {heads} HEADs");
    let err = h.failure().unwrap();
    assert_eq!((err.code.as_str(), err.status), ("retries_exhausted", Some(502)));
    assert_eq!(h.up.url(), Some(UPLOAD_URL), "the known upload must not be forgotten");
    h.finish();
}

#[test]
fn head_with_wrong_length_or_offset_is_refused() {
    let cases = [
        (
            Response::new(200).with_header("Upload-Offset", "10").with_header("Upload-Length", "9999"),
            "upload_length_mismatch",
        ),
        (
            Response::new(200).with_header("Upload-Offset", "10").with_header("Upload-Length", "ten"),
            "upload_length_mismatch",
        ),
        (head_ok(10_001, 10_000), "offset_out_of_range"),
        (Response::new(200).with_header("Upload-Offset", "10001"), "offset_out_of_range"),
        (Response::new(200).with_header("Upload-Offset", "many"), "invalid_upload_offset"),
        (Response::new(200), "missing_upload_offset"),
    ];
    for (res, code) in cases {
        let mut h = known(10_000, 4_000);
        h.start();
        let (id, _) = h.expect(Method::Head);
        h.reply(id, res.clone());
        h.finish();
        assert_eq!(h.failure().map(|e| e.code.as_str()), Some(code), "{res:?}");
    }
}

#[test]
fn server_that_lost_bytes_does_not_move_progress_backwards() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(4_000));
    let (id, _) = h.expect(Method::Patch);
    h.fail(id, TransportError::Network("reset".into()));
    h.advance(1_000);
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(1_000, 10_000));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (1_000, 5_000), "continue from what the server has");
    h.advance(1_000);
    h.reply(id, accepted(5_000));
    let (id, _) = h.expect(Method::Patch);
    h.advance(1_000);
    h.reply(id, accepted(9_000));
    let p = h.progress();
    assert!(p.windows(2).all(|w| w[0] < w[1]), "progress went backwards: {p:?}");
    assert_eq!(p, vec![4_000, 5_000, 9_000]);
    assert_eq!(range(&h.expect(Method::Patch).1), (9_000, 10_000));
}
