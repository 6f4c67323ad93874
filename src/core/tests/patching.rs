//! Uploading bytes (PATCH): chunking, strict offsets, partial acceptance, completion.

use super::*;

#[test]
fn uploads_in_chunks_and_completes_from_the_patch_answer() {
    let mut h = Harness::new(10 * MIB, 4 * MIB);
    let (id, req) = h.create("/files/abc");
    assert_eq!(req.header("Upload-Offset"), Some("0"));
    assert_eq!(req.header("Content-Type"), Some("application/offset+octet-stream"));
    assert_eq!(range(&req), (0, 4 * MIB));
    h.advance(1000);
    h.reply(id, accepted(4 * MIB));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!((req.header("Upload-Offset"), range(&req)), (Some("4194304"), (4 * MIB, 8 * MIB)));
    h.advance(1000);
    h.reply(id, accepted(8 * MIB));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (8 * MIB, 10 * MIB));
    h.advance(1000);
    h.reply(id, accepted(10 * MIB));
    h.finish();
    assert_eq!(h.progress(), vec![4 * MIB, 8 * MIB, 10 * MIB]);
    assert_eq!(h.states(), vec![State::Creating, State::Uploading, State::Completed]);
    assert_eq!(h.events.last(), Some(&Event::State(State::Completed)));
    assert!(h.events.contains(&Event::Completed { url: UPLOAD_URL.into(), total: 10 * MIB }));
    assert_eq!(h.up.bytes_confirmed(), 10 * MIB);
}

#[test]
fn partial_acceptance_continues_from_the_confirmed_offset() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.advance(500);
    h.reply(id, accepted(2_500));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!((req.header("Upload-Offset"), range(&req)), (Some("2500"), (2_500, 6_500)));
    h.advance(500);
    h.reply(id, accepted(6_500));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (6_500, 10_000));
    h.advance(500);
    h.reply(id, accepted(10_000));
    h.finish();
    assert_eq!(h.progress(), vec![2_500, 6_500, 10_000]);
}

#[test]
fn a_patch_that_confirms_nothing_backs_off_and_relearns_the_offset() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(0));
    assert!(h.sent.is_empty(), "the same bytes were sent again at once");
    assert_eq!(h.up.state(), State::Reconnecting);
    h.settle();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(0, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (0, 4_000));
}

#[test]
fn offsets_outside_the_chunk_are_refused() {
    for (offset, what) in [(4_001u64, "beyond what was sent"), (10_001, "beyond the size")] {
        let mut h = Harness::new(10_000, 4_000);
        let (id, _) = h.create("/files/abc");
        h.reply(id, accepted(offset));
        h.finish();
        let err = h.failure().unwrap_or_else(|| panic!("{what}: no failure"));
        assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Protocol, "offset_out_of_range"), "{what}");
        assert!(h.progress().is_empty(), "{what}: an unconfirmable offset was reported");
    }
    // Below the chunk start.
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(4_000));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, accepted(3_000));
    h.finish();
    assert_eq!(h.failure().unwrap().code, "offset_out_of_range");
    assert_eq!(h.progress(), vec![4_000]);
}

#[test]
fn malformed_offsets_are_typed_errors() {
    let bad = ["", "-1", "+5", "1e3", "12abc", "4 000", "0x10", "3.0", "99999999999999999999999", "١٢"];
    for raw in bad {
        let mut h = Harness::new(10_000, 4_000);
        let (id, _) = h.create("/files/abc");
        h.reply(id, Response::new(204).with_header("Upload-Offset", raw));
        h.finish();
        let err = h.failure().unwrap_or_else(|| panic!("{raw:?} accepted"));
        assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Protocol, "invalid_upload_offset"), "{raw:?}");
    }
}

#[test]
fn missing_offset_names_the_cors_cause_and_keeps_the_upload_resumable() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, Response::new(204));
    h.finish();
    let err = h.failure().unwrap().clone();
    assert_eq!(err.code, "missing_upload_offset");
    assert!(err.message.contains("Upload-Offset") && err.message.contains("Access-Control-Expose-Headers"));
    assert_eq!(h.up.url(), Some(UPLOAD_URL));
    h.start();
    let (_, head) = h.expect(Method::Head);
    assert_eq!(head.url, UPLOAD_URL);
}

#[test]
fn rejected_patch_fails_and_start_continues_with_a_head() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, accepted(4_000));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, Response::new(400).with_body("bad request"));
    h.settle();
    let err = h.failure().unwrap();
    assert_eq!((err.kind, err.status), (ErrorKind::Rejected, Some(400)));
    assert!(h.up.outcome().unwrap().is_err());
    h.start();
    let (id, head) = h.expect(Method::Head);
    assert_eq!(head.url, UPLOAD_URL);
    h.reply(id, head_ok(6_000, 10_000));
    let (id, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (6_000, 10_000));
    h.reply(id, accepted(10_000));
    h.finish();
    assert_eq!(h.up.outcome(), Some(Ok(UPLOAD_URL.to_string())));
}

#[test]
fn network_failure_waits_then_relearns_the_offset() {
    let mut h = Harness::new(10_000, 4_000);
    let (id, _) = h.create("/files/abc");
    h.fail(id, TransportError::Network("Failed to fetch".into()));
    assert!(h.sent.is_empty(), "retried without waiting");
    assert_eq!(h.up.state(), State::Reconnecting);
    let (attempt, reason) = h.reconnecting().last().cloned().unwrap();
    assert_eq!((attempt, reason.kind, reason.code.as_str()), (1, ErrorKind::Network, "network_error"));
    assert_eq!(h.up.url(), Some(UPLOAD_URL));
    h.settle();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, head_ok(1_500, 10_000));
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (1_500, 5_500));
}
