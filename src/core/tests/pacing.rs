//! Pacing as seen by the app: adaptive chunk sizes, and the rate and remaining time carried
//! by progress events.

use super::*;

fn auto(size: u64) -> Harness {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = true;
    cfg.chunk_size = MIB;
    Harness::with(cfg, SourceInfo::file(size, "a", "b"))
}

#[test]
fn adaptive_chunks_start_small_and_grow_with_a_fast_link() {
    let mut h = auto(1024 * MIB);
    let (mut id, mut req) = h.create("/files/abc");
    let mut sizes = vec![];
    for _ in 0..6 {
        let (start, end) = range(&req);
        sizes.push((end - start) / MIB);
        h.advance(20);
        h.reply(id, accepted(end));
        (id, req) = h.expect(Method::Patch);
    }
    assert_eq!(sizes, vec![1, 4, 16, 64, 256, 256], "fourfold at most per step, up to 256 MiB");
}

#[test]
fn adaptive_chunks_shrink_after_a_failure() {
    let mut h = auto(200 * MIB);
    let (id, req) = h.create("/files/abc");
    h.advance(20);
    h.reply(id, accepted(range(&req).1));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (MIB, 5 * MIB));
    h.reply(id, Response::new(502));
    h.settle();
    let (hid, _) = h.expect(Method::Head);
    h.reply(hid, head_ok(MIB, 200 * MIB));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (MIB, 3 * MIB), "the chunk after a failure is half as large");
}

#[test]
fn progress_carries_rate_and_remaining_time() {
    let mut h = Harness::new(10 * MIB, MIB);
    let (mut id, _) = h.create("/files/abc");
    for i in 1..=4u64 {
        h.advance(1_000); // 1 MiB per second
        h.reply(id, accepted(i * MIB));
        id = h.expect(Method::Patch).0;
    }
    let last = h
        .events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Progress { confirmed, bytes_per_sec, eta_secs, .. } => Some((*confirmed, *bytes_per_sec, *eta_secs)),
            _ => None,
        })
        .unwrap();
    assert_eq!(last, (4 * MIB, MIB, Some(6)));
}

#[test]
fn time_paused_does_not_lower_the_rate() {
    let mut h = Harness::new(10 * MIB, MIB);
    let (id, _) = h.create("/files/abc");
    h.advance(1_000);
    h.reply(id, accepted(MIB));
    h.expect(Method::Patch);
    h.pause();
    h.advance(3_600_000);
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(MIB, 10 * MIB));
    let (id, _) = h.expect(Method::Patch);
    h.advance(1_000);
    h.reply(id, accepted(2 * MIB));
    assert_eq!(h.up.bytes_per_sec(), MIB, "link rate");
    let rate = h
        .events
        .iter()
        .rev()
        .find_map(|e| if let Event::Progress { bytes_per_sec, .. } = e { Some(*bytes_per_sec) } else { None })
        .unwrap();
    assert_eq!(rate, MIB, "an hour of pause must not count as slow uploading");
    h.expect(Method::Patch);
}
