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
