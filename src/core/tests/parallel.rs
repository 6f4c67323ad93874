//! Parallel uploads: discovery, parts created with `Upload-Concat: partial` and sent at once,
//! summed progress, the final concatenation, failures, sessions and fallbacks.

use super::*;
use crate::core::parallel::Parallel;

pub(super) const SIZE: u64 = 20 * MIB;

pub(super) type P = Harness<Parallel>;

impl Harness<Parallel> {
    fn new(size: u64, parallel: u32) -> P {
        let mut cfg = Config::new(ENDPOINT).fixed_chunks(4 * MIB);
        cfg.parallel = parallel;
        cfg.session_key = Some("k".into());
        cfg.metadata = vec![("album".into(), "x".into())];
        Harness::of(Parallel::new(cfg, SourceInfo::file(size, "video.mp4", "video/mp4"), Millis(0)).unwrap())
    }

    /// Discovery answered with concatenation; returns the creation POSTs.
    pub(super) fn discovered(&mut self) -> Vec<(RequestId, Request)> {
        self.start();
        let (id, opt) = self.take(Method::Options);
        assert_eq!(opt.url, ENDPOINT);
        self.reply(id, Response::new(204).with_header("Tus-Extension", "creation,termination,concatenation"));
        std::iter::from_fn(|| {
            self.sent.iter().position(|(_, r)| r.method == Method::Post).and_then(|at| self.sent.remove(at))
        })
        .collect()
    }
}

/// A parallel upload of `size` bytes over `parallel` connections (for other test files).
pub(super) fn parallel(size: u64, parallel: u32) -> P {
    P::new(size, parallel)
}

fn part_urls() -> [&'static str; 2] {
    ["https://tus.example/files/p0", "https://tus.example/files/p1"]
}

#[test]
fn parts_are_created_sent_at_once_and_joined_with_the_metadata() {
    let mut h = P::new(SIZE, 2);
    let posts = h.discovered();
    assert_eq!(posts.len(), 2, "one partial upload per connection");
    for (_, p) in &posts {
        assert_eq!(p.header("Upload-Concat"), Some("partial"));
        assert_eq!(p.header("Upload-Length"), Some(&*(SIZE / 2).to_string()));
        assert!(p.header("Upload-Metadata").is_some(), "some servers need metadata to answer HEAD");
    }
    for (i, (id, _)) in posts.into_iter().enumerate() {
        h.reply(id, created(&format!("/files/p{i}")));
    }
    // Both parts send at once, each from its own range of the file.
    let (a, pa) = h.take(Method::Patch);
    let (b, pb) = h.take(Method::Patch);
    let mut ranges = [range(&pa), range(&pb)];
    ranges.sort();
    assert_eq!(ranges, [(0, 4 * MIB), (10 * MIB, 14 * MIB)]);
    let (lo, hi) = if range(&pa).0 == 0 { (a, b) } else { (b, a) };
    h.now = h.now.plus(200);
    h.reply(lo, accepted(4 * MIB));
    h.now = h.now.plus(200);
    h.reply(hi, accepted(4 * MIB)); // parts report offsets within themselves
    assert_eq!(h.progress().last(), Some(&(8 * MIB)), "progress is the sum of the parts");
    // Finish both parts.
    while h.sent.iter().any(|(_, r)| r.method == Method::Patch) {
        let (id, req) = h.take(Method::Patch);
        h.now = h.now.plus(200);
        let (s, e) = range(&req);
        let local_end = if s >= 10 * MIB { e - 10 * MIB } else { e };
        h.reply(id, accepted(local_end));
    }
    let (id, fin) = h.take(Method::Post);
    assert_eq!(fin.header("Upload-Concat"), Some(&*format!("final;{} {}", part_urls()[0], part_urls()[1])));
    assert!(fin.header("Upload-Metadata").unwrap().contains("filename dmlkZW8ubXA0"));
    assert_eq!(fin.header("Upload-Length"), None);
    assert_eq!(fin.body, Body::Commit, "the driver checks the file before the parts are joined");
    h.reply(id, created("/files/final"));
    h.settle();
    assert_eq!(h.up.outcome(), Some(Ok("https://tus.example/files/final".to_string())));
    let p = h.progress();
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    assert_eq!(p.last(), Some(&SIZE));
    assert!(matches!(h.events.last(), Some(Event::State(State::Completed))), "{:?}", h.events.last());
    assert_eq!(h.store.last(), Some(&Err("k".to_string())), "the session is forgotten when done");
}

#[test]
fn without_concatenation_it_is_one_ordinary_upload() {
    let mut h = P::new(SIZE, 4);
    h.start();
    let (id, _) = h.take(Method::Options);
    h.reply(id, Response::new(204).with_header("Tus-Extension", "creation,termination"));
    assert!(h.events.iter().any(|e| matches!(e, Event::Warning { code: Code::ParallelUnsupported, .. })));
    let (_, post) = h.take(Method::Post);
    assert_eq!(post.header("Upload-Concat"), None);
    assert_eq!(post.header("Upload-Length"), Some(&*SIZE.to_string()));
    assert!(post.header("Upload-Metadata").is_some());
    assert!(h.sent.is_empty());
}

#[test]
fn a_file_too_small_for_every_part_gets_fewer_parts() {
    let mut h = P::new(16 * MIB, 4);
    let posts = h.discovered();
    assert_eq!(posts.len(), 3, "16 MiB holds three parts of at least 5 MiB");
    let lengths: Vec<u64> = posts.iter().map(|(_, p)| p.header("Upload-Length").unwrap().parse().unwrap()).collect();
    assert_eq!(lengths.iter().sum::<u64>(), 16 * MIB);
    assert!(lengths.iter().all(|&l| l >= 5 * MIB), "{lengths:?}");
    assert!(!h.events.iter().any(|e| matches!(e, Event::Warning { .. })), "{:?}", h.events);
}

#[test]
fn a_small_file_is_not_split() {
    let mut h = P::new(6 * MIB, 4);
    let posts = h.discovered();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].1.header("Upload-Concat"), None);
    assert!(
        !h.events.iter().any(|e| matches!(e, Event::Warning { .. })),
        "a small file is not a problem: {:?}",
        h.events
    );
}

#[test]
fn the_session_holds_every_part_and_continues_them_without_discovery() {
    let mut h = P::new(SIZE, 2);
    let posts = h.discovered();
    for (i, (id, _)) in posts.into_iter().enumerate() {
        h.reply(id, created(&format!("/files/p{i}")));
    }
    let (id, req) = h.take(Method::Patch);
    h.now = h.now.plus(1_000);
    let local = if range(&req).0 == 0 { 4 * MIB } else { range(&req).1 - 10 * MIB };
    h.reply(id, accepted(local));
    h.up.pause(h.now);
    h.drain();
    let record = h.store.iter().rev().find_map(|r| r.as_ref().ok()).cloned().unwrap();
    assert_eq!(record.parts.len(), 2);
    assert_eq!(record.parts.iter().map(|p| p.confirmed).sum::<u64>(), 4 * MIB);
    assert_eq!(record.bytes_confirmed, 4 * MIB);

    let mut cfg = Config::new(ENDPOINT);
    cfg.parallel = 2;
    cfg.session_key = Some("k".into());
    let again = Parallel::resume(cfg, record, SourceInfo::file(SIZE, "video.mp4", "video/mp4"), Millis(5_000)).unwrap();
    let mut h = Harness::of(again);
    h.start();
    let heads: Vec<String> = h
        .sent
        .iter()
        .map(|(_, r)| {
            assert_eq!(r.method, Method::Head, "a stored parallel upload starts with HEADs, no OPTIONS or POST");
            r.url.clone()
        })
        .collect();
    assert_eq!(heads.len(), 2);
    assert!(heads.contains(&part_urls()[0].to_string()) && heads.contains(&part_urls()[1].to_string()));
    h.sent.clear(); // every request was inspected above
}

#[test]
fn a_part_that_fails_stops_the_others_and_start_continues_all() {
    let mut h = P::new(SIZE, 2);
    let posts = h.discovered();
    for (i, (id, _)) in posts.into_iter().enumerate() {
        h.reply(id, created(&format!("/files/p{i}")));
    }
    let (a, _) = h.take(Method::Patch);
    let (b, _) = h.take(Method::Patch);
    h.reply(a, Response::new(400).with_body("bad"));
    assert!(h.cancelled.contains(&b), "the other part's PATCH must be cancelled");
    h.settle();
    let err = h.up.outcome().unwrap().unwrap_err();
    assert_eq!(err.status, Some(400));
    h.sent.clear();
    h.start();
    assert_eq!(h.take(Method::Head).1.url, part_urls()[0], "start continues every part from the server's offset");
    assert_eq!(h.take(Method::Head).1.url, part_urls()[1]);
}

#[test]
fn abort_with_terminate_deletes_every_part() {
    let mut h = P::new(SIZE, 2);
    let posts = h.discovered();
    for (i, (id, _)) in posts.into_iter().enumerate() {
        h.reply(id, created(&format!("/files/p{i}")));
    }
    h.sent.clear();
    h.up.abort(true, h.now);
    h.drain();
    let deleted: Vec<&str> =
        h.sent.iter().filter(|(_, r)| r.method == Method::Delete).map(|(_, r)| r.url.as_str()).collect();
    assert_eq!(deleted.len(), 2);
    assert_eq!(h.store.last(), Some(&Err("k".to_string())));
    assert_eq!(h.up.outcome(), None, "the run lasts until the DELETEs are answered");
    for (id, _) in std::mem::take(&mut h.sent) {
        h.reply(id, Response::new(204));
    }
    assert!(matches!(h.up.outcome(), Some(Err(e)) if e.code == "aborted"));
}

#[test]
fn the_options_answer_is_announced_once_and_parts_do_not_ask_again() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.parallel = 2;
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4 * MIB;
    cfg.checksum = true;
    let mut h = Harness::of(Parallel::new(cfg, SourceInfo::file(SIZE, "v", "video/mp4"), Millis(0)).unwrap());
    h.start();
    let (id, _) = h.take(Method::Options);
    h.reply(
        id,
        Response::new(204)
            .with_header("Tus-Extension", "creation,concatenation,checksum")
            .with_header("Tus-Checksum-Algorithm", "sha256"),
    );
    let announced = h.learned.len();
    assert_eq!(announced, 1);
    assert!(h.sent.iter().all(|(_, r)| r.method == Method::Post), "only the parts' POSTs: {:?}", h.sent);
    assert_eq!(h.sent.len(), 2);
    for i in 0..2 {
        let (id, _) = h.take(Method::Post);
        h.reply(id, created(&format!("/files/p{i}")));
    }
    for _ in 0..2 {
        assert_eq!(h.take(Method::Patch).1.checksum, Some(crate::core::checksum::Algorithm::Sha256));
    }
}

/// Two connections to a server whose OPTIONS answer an earlier upload learnt.
fn knowing(concatenation: bool) -> P {
    let mut cfg = Config::new(ENDPOINT);
    cfg.parallel = 2;
    cfg.capabilities = Some(Capabilities { concatenation, defer_length: false, checksum: None, max_size: None });
    Harness::of(Parallel::new(cfg, SourceInfo::file(SIZE, "v", "video/mp4"), Millis(0)).unwrap())
}

#[test]
fn known_capabilities_create_the_parts_at_once() {
    let mut h = knowing(true);
    h.start();
    assert_eq!(h.sent.len(), 2, "{:?}", h.sent);
    for _ in 0..2 {
        assert_eq!(h.take(Method::Post).1.header("Upload-Concat"), Some("partial"));
    }
}

#[test]
fn known_capabilities_without_concatenation_fall_back_without_asking() {
    let mut h = knowing(false);
    h.start();
    let (_, post) = h.take(Method::Post);
    assert_eq!(post.header("Upload-Concat"), None);
    assert!(h.sent.is_empty());
    assert!(h.events.iter().any(|e| matches!(e, Event::Warning { code: Code::ParallelUnsupported, .. })));
}

#[test]
fn a_file_above_the_servers_limit_fails_before_creating_parts() {
    let mut h = P::new(SIZE, 2);
    h.start();
    let (id, _) = h.take(Method::Options);
    h.reply(id, Response::new(204).with_header("Tus-Extension", "concatenation").with_header("Tus-Max-Size", "1024"));
    assert!(h.sent.is_empty(), "{:?}", h.sent);
    assert_eq!(h.up.outcome().map(|r| r.unwrap_err().code.as_str()), Some("too_large"));
}

// ---- hazards: each of these failed before the outbox and parity work ------------------

impl Harness<Parallel> {
    /// Creates both parts and returns their first PATCHes.
    pub(super) fn uploading(&mut self) -> [(RequestId, Request); 2] {
        let posts = self.discovered();
        for (i, (id, _)) in posts.into_iter().enumerate() {
            self.reply(id, created(&format!("/files/p{i}")));
        }
        [self.take(Method::Patch), self.take(Method::Patch)]
    }

    /// Answers every PATCH in full until both parts are done; returns the final POST.
    pub(super) fn complete_parts(&mut self) -> (RequestId, Request) {
        while self.sent.iter().any(|(_, r)| r.method == Method::Patch) {
            let (id, req) = self.take(Method::Patch);
            self.now = self.now.plus(200);
            self.reply(id, accepted(local_end(&req)));
        }
        self.take(Method::Post)
    }
}

/// The offset a part confirms after `req` (parts count from their own start).
pub(super) fn local_end(req: &Request) -> u64 {
    let (s, e) = range(req);
    if s >= SIZE / 2 {
        e - SIZE / 2
    } else {
        e
    }
}

#[test]
fn a_quick_start_after_pause_is_announced_after_the_pause() {
    let mut h = P::new(SIZE, 2);
    let [(a, ra), (b, rb)] = h.uploading();
    h.now = h.now.plus(200);
    h.reply(a, accepted(local_end(&ra)));
    h.now = h.now.plus(10);
    h.reply(b, accepted(local_end(&rb))); // within the progress interval: pending
    h.up.pause(h.now);
    h.drain();
    h.now = h.now.plus(10);
    h.start(); // still within the interval
    h.fire();
    let states = h.states();
    assert_eq!(states.last(), Some(&State::Resuming), "{states:?}");
    assert_eq!(&states[states.len() - 2..], [State::Paused, State::Resuming]);
    assert_eq!(h.up.state(), State::Resuming);
    h.take(Method::Head);
    h.take(Method::Head);
}

#[test]
fn a_hung_final_post_is_abandoned_at_its_stall_deadline() {
    let mut h = P::new(SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, _) = h.complete_parts();
    assert!(h.wake_at.is_some(), "the final POST has a stall deadline");
    for _ in 0..10 {
        if h.cancelled.contains(&fin) {
            break;
        }
        h.fire();
    }
    assert!(h.cancelled.contains(&fin), "the hung POST is aborted");
    // Without an Idempotency-Key it is not sent again on its own (parallel_faults.rs has the
    // keyed case); start() joins the parts anew.
    assert!(h.sent.is_empty(), "{:?}", h.sent);
    assert!(h.up.outcome().is_some_and(|r| r.is_err()));
    h.start();
    let (_, again) = h.take(Method::Post);
    assert!(again.header("Upload-Concat").unwrap().starts_with("final;"));
}

#[test]
fn a_hung_options_is_abandoned_at_its_stall_deadline() {
    let mut h = P::new(SIZE, 2);
    h.start();
    let (opt, _) = h.take(Method::Options);
    assert!(h.wake_at.is_some(), "the OPTIONS has a stall deadline");
    h.fire();
    assert!(h.cancelled.contains(&opt));
    // Without an answer, one stream always works.
    let (_, post) = h.take(Method::Post);
    assert_eq!(post.header("Upload-Concat"), None);
}

#[test]
fn pause_during_discovery_pauses() {
    let mut h = P::new(SIZE, 2);
    h.start();
    let (opt, _) = h.take(Method::Options);
    h.up.pause(h.now);
    h.drain();
    assert_eq!(h.up.state(), State::Paused);
    assert_eq!(h.states().last(), Some(&State::Paused));
    assert!(h.cancelled.contains(&opt));
    h.reply(opt, Response::new(204).with_header("Tus-Extension", "concatenation"));
    assert!(h.sent.is_empty(), "a cancelled OPTIONS's late answer is ignored: {:?}", h.sent);
    h.start();
    h.take(Method::Options);
}

#[test]
fn pause_while_waiting_to_retry_the_final_post_pauses() {
    let mut h = P::new(SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, _) = h.complete_parts();
    h.reply(fin, Response::new(429));
    assert_eq!(h.up.state(), State::Reconnecting);
    h.up.pause(h.now);
    h.drain();
    assert_eq!(h.up.state(), State::Paused);
    h.now = h.now.plus(3_600_000);
    h.up.handle_timeout(h.now);
    h.drain();
    assert!(h.sent.is_empty(), "nothing is sent while paused: {:?}", h.sent);
    h.start();
    h.take(Method::Post);
}

#[test]
fn a_stored_session_whose_parts_leave_a_hole_is_not_continued() {
    let record = SessionRecord {
        key: "k".into(),
        upload_url: String::new(),
        endpoint: ENDPOINT.into(),
        size: SIZE,
        name: "video.mp4".into(),
        mime_type: "video/mp4".into(),
        last_modified: 0,
        metadata: vec![],
        bytes_confirmed: 0,
        chunk_size: 4 * MIB,
        created_at: 0,
        updated_at: 0,
        expires_at: None,
        parts: vec![
            PartRecord { url: part_urls()[0].into(), start: 0, end: 5 * MIB, confirmed: 0 },
            PartRecord { url: part_urls()[1].into(), start: 6 * MIB, end: SIZE, confirmed: 0 },
        ],
        recording: false,
    };
    let mut cfg = Config::new(ENDPOINT);
    cfg.parallel = 2;
    cfg.session_key = Some("k".into());
    let up = Parallel::resume(cfg, record, SourceInfo::file(SIZE, "video.mp4", "video/mp4"), Millis(0)).unwrap();
    let mut h = Harness::of(up);
    h.start();
    assert!(h.sent.iter().all(|(_, r)| r.method != Method::Head), "parts with a gap would join a file with a hole");
    h.take(Method::Options);
}

#[test]
fn a_paused_parallel_upload_shows_locked_while_another_tab_has_the_file() {
    let mut h = P::new(SIZE, 2);
    h.uploading();
    h.pause();
    assert_eq!(h.up.state(), State::Paused);
    h.up.handle_lock(false, h.now);
    h.drain();
    assert_eq!(h.up.state(), State::Locked);
    h.start();
    h.up.handle_lock(true, h.now);
    h.drain();
    assert_eq!(h.take(Method::Head).1.url, part_urls()[0]);
    assert_eq!(h.take(Method::Head).1.url, part_urls()[1]);
    assert_eq!(h.states().last(), Some(&State::Resuming));
}

#[test]
fn the_final_post_asks_for_fresh_credentials_once_then_fails_unauthorized() {
    let mut h = P::new(SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, req) = h.complete_parts();
    assert!(!req.refresh_auth);
    h.reply(fin, Response::new(401));
    let (again, req) = h.take(Method::Post);
    assert!(req.refresh_auth, "the headers callback is asked again with refused: true");
    assert!(req.header("Upload-Concat").is_some_and(|v| v.starts_with("final;")));
    h.reply(again, Response::new(403));
    h.settle();
    assert_eq!(h.up.outcome().map(|r| r.unwrap_err().code.as_str()), Some("unauthorized"));
}

#[test]
fn the_final_post_honours_retry_after() {
    let mut h = P::new(SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, _) = h.complete_parts();
    h.reply(fin, Response::new(503).with_header("Retry-After", "7"));
    let delays: Vec<u64> = h
        .events
        .iter()
        .filter_map(|e| if let Event::Reconnecting { delay_ms, .. } = e { Some(*delay_ms) } else { None })
        .collect();
    assert_eq!(delays, [7_000]);
    let at = h.now;
    h.settle();
    assert_eq!(h.now, at.plus(7_000));
    let (_, again) = h.take(Method::Post);
    assert!(again.header("Upload-Concat").is_some_and(|v| v.starts_with("final;")));
}

#[test]
fn the_final_post_waits_offline_without_spending_retries() {
    let mut h = P::new(SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, _) = h.complete_parts();
    h.online(false);
    h.fail(fin, TransportError::Network("offline".into()));
    assert_eq!(h.up.state(), State::Offline);
    assert!(h.reconnecting().is_empty(), "offline spends no retries");
    h.now = h.now.plus(3_600_000);
    h.up.handle_timeout(h.now);
    h.drain();
    assert!(h.sent.is_empty(), "nothing is sent offline: {:?}", h.sent);
    h.online(true);
    let (_, again) = h.take(Method::Post);
    assert!(again.header("Upload-Concat").is_some_and(|v| v.starts_with("final;")));
}

#[test]
fn a_part_or_final_location_on_another_origin_fails_and_nothing_is_sent_there() {
    let mut h = P::new(SIZE, 2);
    let posts = h.discovered();
    let mut ids = posts.into_iter().map(|(id, _)| id);
    let (first, second) = (ids.next().unwrap(), ids.next().unwrap());
    h.reply(first, created("https://evil.example/files/p0"));
    let err = h.up.outcome().and_then(Result::err).expect("the upload failed");
    assert_eq!(err.code.as_str(), "origin_not_allowed");
    assert!(h.sent.iter().all(|(_, r)| !r.url.starts_with("https://evil.example")), "{:?}", h.sent);
    h.reply(second, created("/files/p1"));
    h.sent.retain(|(_, r)| r.method != Method::Patch);

    let mut h = P::new(SIZE, 2);
    let first = h.uploading();
    h.sent.extend(first);
    let (fin, _) = h.complete_parts();
    h.reply(fin, created("https://evil.example/files/final"));
    let err = h.up.outcome().and_then(Result::err).expect("the final POST's Location is refused");
    assert_eq!(err.code.as_str(), "origin_not_allowed");
    h.finish();
}
