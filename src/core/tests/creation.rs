//! Creation (POST): headers, metadata, Location forms, and the ways a server can get it wrong.

use super::*;

#[test]
fn post_carries_length_metadata_and_version() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.metadata = vec![("album".into(), "Été 2026".into())];
    let mut h = Harness::with(cfg, SourceInfo::file(1000, "clip.mov", "video/quicktime"));
    assert_eq!(h.up.state(), State::Idle);
    h.start();
    let (_, req) = h.expect(Method::Post);
    assert_eq!(req.url, ENDPOINT);
    assert_eq!(req.body, Body::Empty);
    assert_eq!(req.header("Upload-Length"), Some("1000"));
    let meta = req.header("Upload-Metadata").unwrap();
    assert_eq!(meta, "filename Y2xpcC5tb3Y=,filetype dmlkZW8vcXVpY2t0aW1l,album w4l0w6kgMjAyNg==");
    assert_eq!(h.states(), vec![State::Creating]);
}

#[test]
fn app_metadata_overrides_filename_and_unknown_type_is_octet_stream() {
    let mut cfg = Config::new(ENDPOINT);
    cfg.metadata = vec![("filename".into(), "renamed.bin".into())];
    let mut h = Harness::with(cfg, SourceInfo::file(10, "original.bin", ""));
    h.start();
    let (_, req) = h.expect(Method::Post);
    assert_eq!(
        req.header("Upload-Metadata"),
        Some("filetype YXBwbGljYXRpb24vb2N0ZXQtc3RyZWFt,filename cmVuYW1lZC5iaW4=")
    );
}

/// Servers such as tuspyserver refuse HEAD for an upload created without a filename: a
/// source without a name gets one, as `FormData` names a Blob "blob".
#[test]
fn a_source_without_a_name_is_sent_with_a_default_filename() {
    for (source, name) in
        [(SourceInfo::file(10, "", "image/png"), "blob"), (SourceInfo::recording("", "video/webm"), "recording")]
    {
        let mut h = Harness::with(Config::new(ENDPOINT), source.clone());
        h.start();
        if source.size.is_none() {
            let (id, _) = h.expect(Method::Options);
            h.reply(
                id,
                Response::new(204).with_header("Tus-Version", "1.0.0").with_header("Tus-Extension", "creation"),
            );
            h.up.handle_end(10, h.now);
            h.drain();
        }
        let (_, req) = h.expect(Method::Post);
        let meta = req.header("Upload-Metadata").unwrap_or_default().to_string();
        assert!(meta.starts_with(&format!("filename {},", crate::core::metadata::base64(name.as_bytes()))), "{meta}");
    }
}

#[test]
fn location_forms_resolve_against_the_endpoint() {
    let cases = [
        ("https://other.example/u/1", "https://other.example/u/1"),
        ("/files/abc", "https://tus.example/files/abc"),
        ("abc", "https://tus.example/files/abc"),
        ("../uploads/abc?sig=1", "https://tus.example/uploads/abc?sig=1"),
        ("//cdn.example/x", "https://cdn.example/x"),
    ];
    for (location, want) in cases {
        // Other origins only where the app allowed them (boundaries.rs has the refusals).
        let mut cfg = Config::new(ENDPOINT).fixed_chunks(1024);
        cfg.allowed_origins = vec!["https://other.example".into(), "https://cdn.example".into()];
        let mut h = Harness::with(cfg, SourceInfo::file(100, "video.mp4", "video/mp4"));
        let (_, patch) = h.create(location);
        assert_eq!(patch.url, want, "Location {location:?}");
        assert!(h.events.contains(&Event::Created { url: want.to_string() }));
    }
}

#[test]
fn missing_location_names_the_cors_cause() {
    let mut h = Harness::new(100, 1024);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, Response::new(201));
    h.finish();
    let err = h.failure().expect("failed");
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Protocol, "missing_location"));
    assert!(err.message.contains("Access-Control-Expose-Headers"), "{}", err.message);
    assert_eq!(h.up.state(), State::Failed);
    assert_eq!(h.up.outcome(), Some(Err(err.clone())));
}

#[test]
fn unusable_location_is_a_protocol_error() {
    for bad in ["", "javascript:alert(1)", "ftp://x/y", "a\r\nSet-Cookie: x"] {
        let mut h = Harness::new(100, 1024);
        h.start();
        let (id, _) = h.expect(Method::Post);
        h.reply(id, created(bad));
        h.finish();
        let code = h.failure().map(|e| e.code);
        assert!(
            matches!(code.map(Code::as_str), Some("invalid_location") | Some("missing_location")),
            "Location {bad:?} gave {code:?}"
        );
    }
}

#[test]
fn zero_byte_file_completes_at_creation() {
    let mut h = Harness::new(0, 1024);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("/files/empty"));
    h.finish();
    assert_eq!(h.progress(), vec![0]);
    assert_eq!(h.states(), vec![State::Creating, State::Completed]);
    assert_eq!(h.up.outcome(), Some(Ok("https://tus.example/files/empty".to_string())));
}

#[test]
fn rejected_creation_carries_status_and_server_message() {
    let mut h = Harness::new(100, 1024);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, Response::new(400).with_body("Invalid metadata\n"));
    h.finish();
    let err = h.failure().unwrap();
    assert_eq!((err.kind, err.code.as_str(), err.status), (ErrorKind::Rejected, "http_status", Some(400)));
    assert!(err.message.ends_with("Invalid metadata"), "{}", err.message);
}

#[test]
fn creation_too_large_for_the_server_is_its_own_code() {
    let mut h = Harness::new(100, 1024);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, Response::new(413).with_body("Maximum size exceeded\n"));
    h.finish();
    let err = h.failure().unwrap();
    assert_eq!((err.kind, err.code.as_str(), err.status), (ErrorKind::Rejected, "too_large", Some(413)));
    assert!(err.message.ends_with("Maximum size exceeded"), "{}", err.message);
}

#[test]
fn huge_server_message_is_cut_on_a_char_boundary() {
    let mut h = Harness::new(100, 1024);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, Response::new(400).with_body(&"é".repeat(5000)));
    let err = h.failure().unwrap();
    assert!(err.message.len() < 400);
}

#[test]
fn invalid_options_are_usage_errors() {
    let src = || SourceInfo::file(10, "a", "b");
    let mut bad_endpoint = Config::new("/files/");
    let mut small_chunk = Config::new(ENDPOINT);
    small_chunk.chunk_size = 10;
    let mut bad_key = Config::new(ENDPOINT);
    bad_key.metadata = vec![("has space".into(), "v".into())];
    let mut bad_url = Config::new(ENDPOINT);
    bad_url.upload_url = Some("nope".into());
    let cases = [
        (bad_endpoint.clone(), "invalid_endpoint"),
        (small_chunk, "invalid_chunk_size"),
        (bad_key, "invalid_metadata_key"),
        (bad_url, "invalid_upload_url"),
    ];
    for (cfg, code) in cases {
        let err = Upload::new(cfg, src(), Millis(0)).unwrap_err();
        assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Usage, code));
    }
    bad_endpoint.endpoint = ENDPOINT.into();
    // A source of unknown length is a recording (tests/recording.rs), no longer refused.
    assert!(Upload::new(bad_endpoint, SourceInfo::recording("live", ""), Millis(0)).is_ok());
}

#[test]
fn a_post_that_stalls_after_going_offline_is_not_sent_again_without_a_key() {
    // It was out for its whole stall deadline: the server may well have created the upload.
    let mut h = Harness::new(10_000, 4_000);
    h.start();
    h.expect(Method::Post);
    h.online(false);
    h.stall();
    h.online(true);
    h.finish();
    assert_eq!(h.failure().map(|e| e.code), Some(Code::Stalled), "{:?}", h.events);
    assert_eq!(h.up.url(), None);

    // Under an Idempotency-Key it waits for the network, then goes again with the same key.
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4_000);
    cfg.idempotency_key = Some("k-1".into());
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "video.mp4", "video/mp4"));
    h.start();
    h.expect(Method::Post);
    h.online(false);
    h.stall();
    assert_eq!(h.up.state(), State::Offline);
    h.online(true);
    let (_, again) = h.expect(Method::Post);
    assert_eq!(again.header("Idempotency-Key"), Some("k-1"));
}

#[test]
fn a_creation_after_the_upload_was_lost_goes_under_a_key_of_its_own() {
    // A server that honours the key would answer the old key with the upload it lost.
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4_000);
    cfg.idempotency_key = Some("k-1".into());
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "video.mp4", "video/mp4"));
    h.start();
    let (id, first) = h.expect(Method::Post);
    assert_eq!(first.header("Idempotency-Key"), Some("k-1"));
    h.reply(id, created("/files/a"));
    let (id, _) = h.expect(Method::Patch);
    h.reply(id, Response::new(404));
    let (id, second) = h.expect(Method::Post);
    assert_eq!(second.header("Idempotency-Key"), Some("k-1-1"));
    // Its own retries keep its key; the next loss gets the next key, even after a new start.
    h.fail(id, TransportError::Network("reset".into()));
    h.settle();
    let (id, again) = h.expect(Method::Post);
    assert_eq!(again.header("Idempotency-Key"), Some("k-1-1"));
    h.reply(id, created("/files/b"));
    h.expect(Method::Patch);
    h.pause();
    h.start();
    let (id, _) = h.expect(Method::Head);
    h.reply(id, Response::new(410));
    let (_, third) = h.expect(Method::Post);
    assert_eq!(third.header("Idempotency-Key"), Some("k-1-2"));
}
