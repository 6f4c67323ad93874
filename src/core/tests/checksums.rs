//! The checksum extension: one OPTIONS learns the algorithm (and the size limit), then every
//! PATCH asks the driver for `Upload-Checksum`; a mismatch resends the chunk.

use super::*;
use crate::core::checksum::Algorithm;
use crate::core::Capabilities;

fn with_checksums(size: u64) -> Harness {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4_000;
    cfg.checksum = true;
    Harness::with(cfg, SourceInfo::file(size, "a", "b"))
}

fn options(algorithms: &str) -> Response {
    Response::new(204)
        .with_header("Tus-Version", "1.0.0")
        .with_header("Tus-Extension", "creation,checksum,termination")
        .with_header("Tus-Checksum-Algorithm", algorithms)
}

#[test]
fn options_first_then_every_patch_carries_the_best_algorithm() {
    let mut h = with_checksums(10_000);
    h.start();
    let (id, req) = h.expect(Method::Options);
    assert_eq!(req.url, ENDPOINT);
    assert!(h.sent.is_empty(), "nothing else before the server's capabilities are known");
    h.reply(id, options("md5,sha1,sha256"));
    let (id, post) = h.expect(Method::Post);
    assert_eq!(post.checksum, None, "only PATCH bodies are checksummed");
    h.reply(id, created("/files/abc"));
    let (id, patch) = h.expect(Method::Patch);
    assert_eq!(patch.checksum, Some(Algorithm::Sha256));
    h.reply(id, accepted(4_000));
    let (_, patch) = h.expect(Method::Patch);
    assert_eq!(patch.checksum, Some(Algorithm::Sha256));
}

#[test]
fn sha1_when_that_is_all_the_server_has() {
    let mut h = with_checksums(10_000);
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options("md5,sha1"));
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("/files/abc"));
    assert_eq!(h.expect(Method::Patch).1.checksum, Some(Algorithm::Sha1));
}

#[test]
fn a_server_without_a_usable_algorithm_gets_a_warning_and_plain_patches() {
    for res in [options("md5,crc32"), Response::new(204), Response::new(405)] {
        let mut h = with_checksums(10_000);
        h.start();
        let (id, _) = h.expect(Method::Options);
        h.reply(id, res.clone());
        assert!(
            h.events.iter().any(|e| matches!(e, Event::Warning { code: Code::ChecksumUnsupported, .. })),
            "{res:?}"
        );
        let (id, _) = h.expect(Method::Post);
        h.reply(id, created("/files/abc"));
        assert_eq!(h.expect(Method::Patch).1.checksum, None);
    }
}

#[test]
fn a_mismatch_resends_the_chunk() {
    for status in [460, 417] {
        let mut h = with_checksums(10_000);
        h.start();
        let (id, _) = h.expect(Method::Options);
        h.reply(id, options("sha256"));
        let (id, _) = h.expect(Method::Post);
        h.reply(id, created("/files/abc"));
        let (id, _) = h.expect(Method::Patch);
        h.reply(id, Response::new(status).with_body("checksum mismatch"));
        assert_eq!(h.up.state(), State::Reconnecting);
        h.settle();
        let (id, _) = h.expect(Method::Head);
        h.reply(id, head_ok(0, 10_000));
        let (_, again) = h.expect(Method::Patch);
        assert_eq!((range(&again), again.checksum), ((0, 4_000), Some(Algorithm::Sha256)), "{status}");
    }
}

#[test]
fn a_file_above_tus_max_size_fails_before_creating_anything() {
    let mut h = with_checksums(10_000);
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options("sha256").with_header("Tus-Max-Size", "9999"));
    h.finish();
    let err = h.failure().unwrap();
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Rejected, "too_large"));
    assert!(err.message.contains("9999"));
}

#[test]
fn options_that_fail_on_the_network_are_retried_and_a_known_upload_is_probed_after() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.checksum = true;
    cfg.upload_url = Some(UPLOAD_URL.into());
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.fail(id, TransportError::Network("reset".into()));
    assert_eq!(h.up.url(), Some(UPLOAD_URL), "the known upload is kept while waiting");
    h.settle();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options("sha256"));
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(2_000, 10_000));
    let (_, patch) = h.expect(Method::Patch);
    assert_eq!(patch.checksum, Some(Algorithm::Sha256));
}

#[test]
fn without_the_option_no_options_request_is_sent() {
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    h.expect(Method::Post);
}

#[test]
fn the_answer_is_announced_for_later_uploads_to_the_same_endpoint() {
    let mut h = with_checksums(10_000);
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, options("sha256").with_header("Tus-Max-Size", "1000000"));
    let want = Capabilities {
        concatenation: false,
        defer_length: false,
        checksum: Some(Algorithm::Sha256),
        max_size: Some(1_000_000),
    };
    assert_eq!(h.learned, [(ENDPOINT.to_string(), want)]);
    assert!(!h.events.iter().any(|e| matches!(e, Event::Warning { .. })), "learning is not an app event");
    h.take(Method::Post);
}

#[test]
fn a_failed_options_answer_is_not_announced() {
    let mut h = with_checksums(10_000);
    h.start();
    let (id, _) = h.expect(Method::Options);
    h.reply(id, Response::new(405));
    assert!(h.learned.is_empty(), "{:?}", h.learned);
    h.expect(Method::Post);
}

#[test]
fn known_capabilities_skip_the_options_request() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4_000;
    cfg.checksum = true;
    cfg.capabilities = Some(Capabilities {
        concatenation: false,
        defer_length: false,
        checksum: Some(Algorithm::Sha1),
        max_size: None,
    });
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("/files/abc"));
    assert_eq!(h.expect(Method::Patch).1.checksum, Some(Algorithm::Sha1));
    assert!(h.learned.is_empty() && !h.events.iter().any(|e| matches!(e, Event::Warning { .. })), "{:?}", h.events);
}

#[test]
fn known_capabilities_without_an_algorithm_warn_once_and_send_plain_patches() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.adaptive_chunks = false;
    cfg.chunk_size = 4_000;
    cfg.checksum = true;
    cfg.capabilities = Some(Capabilities { concatenation: true, defer_length: false, checksum: None, max_size: None });
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    h.start();
    let (id, _) = h.expect(Method::Post);
    let warnings = h.events.iter().filter(|e| matches!(e, Event::Warning { code: Code::ChecksumUnsupported, .. }));
    assert_eq!(warnings.count(), 1);
    h.reply(id, created("/files/abc"));
    assert_eq!(h.expect(Method::Patch).1.checksum, None);
}

#[test]
fn a_known_size_limit_fails_before_any_request() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.checksum = true;
    cfg.capabilities = Some(Capabilities {
        concatenation: false,
        defer_length: false,
        checksum: Some(Algorithm::Sha256),
        max_size: Some(9_999),
    });
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "a", "b"));
    h.start();
    h.finish();
    assert!(h.sent.is_empty(), "{:?}", h.sent);
    assert_eq!(h.failure().unwrap().code, "too_large");
}
