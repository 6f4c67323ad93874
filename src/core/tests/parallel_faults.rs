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
    for (i, (id, _)) in discovered(h).into_iter().enumerate() {
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
