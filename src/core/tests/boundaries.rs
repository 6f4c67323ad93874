//! Where bytes and tokens may go: sessions that belong to their endpoint, `Location`s on
//! origins the app did not allow, redirects, dead connections found by the stall deadline,
//! and servers that lose every upload they create. What the browser adds (fetch's
//! `redirect: 'manual'`, the store's keys) is tested by the browser tiers.

use super::*;
use crate::core::config::{DEFAULT_STALL_FLOOR_MS, FIRST_STALL_FLOOR_MS};
use crate::core::session::{file_key, scoped_key};

use super::sessions::KEY;

fn cfg(endpoint: &str) -> Config {
    let mut cfg = Config::new(endpoint).fixed_chunks(2_000);
    cfg.session_key = Some(scoped_key(KEY, endpoint));
    cfg
}

/// sessions.rs's stored record of 4,000 confirmed bytes, made for `endpoint`.
fn record(endpoint: &str, url: &str) -> SessionRecord {
    SessionRecord { endpoint: endpoint.into(), last_modified: 0, ..super::sessions::record(url, 4_000) }
}

fn resumed(cfg: Config, record: SessionRecord) -> Harness {
    let v = cfg.validate(&SourceInfo::file(10_000, "video.mp4", "video/mp4")).unwrap();
    let mut h = Harness::from_upload(Upload::resume_validated(v, record, Millis(0)));
    h.start();
    h
}

fn failed_with(h: &Harness, code: &str) -> Error {
    let err = h.failure().cloned().unwrap_or_else(|| panic!("no failure in {:?}", h.events));
    assert_eq!(err.code.as_str(), code, "{err:?}");
    err
}

// ---- sessions belong to their endpoint -------------------------------------------------------

#[test]
fn session_keys_are_scoped_to_the_normalised_endpoint() {
    let a = scoped_key(KEY, "https://tus.example/pipes/a/files/");
    let b = scoped_key(KEY, "https://tus.example/pipes/b/files/");
    assert_ne!(a, b, "the same file to two endpoints has two sessions");
    assert_eq!(a, scoped_key(KEY, "HTTPS://TUS.example:443/pipes/a/files/#x"), "compared normalised");
    assert_eq!(file_key(&a), KEY);
    assert_eq!(file_key(KEY), KEY, "an unscoped key is all file key");
}

#[test]
fn a_stored_session_of_another_endpoint_is_not_continued() {
    let b = "https://tus.example/pipes/b/files/";
    let rec = record("https://tus.example/pipes/a/files/", "https://tus.example/pipes/a/files/old");
    let mut h = resumed(cfg(b), rec);
    let (id, post) = h.expect(Method::Post);
    assert_eq!(post.url, b, "a new upload at the endpoint the app named now");
    h.reply(id, created("/pipes/b/files/new"));
    let (_, patch) = h.expect(Method::Patch);
    assert_eq!((patch.url.as_str(), range(&patch).0), ("https://tus.example/pipes/b/files/new", 0));
}

#[test]
fn a_stored_session_of_the_same_endpoint_continues_written_differently() {
    let rec = record("https://TUS.example:443/files/", "https://tus.example/files/old");
    let mut h = resumed(cfg(ENDPOINT), rec);
    let (id, head) = h.expect(Method::Head);
    assert_eq!(head.url, "https://tus.example/files/old");
    h.reply(id, head_ok(4_000, 10_000));
    h.expect(Method::Patch);
}

#[test]
fn a_stored_url_on_an_origin_no_longer_allowed_is_not_asked_about() {
    let rec = record(ENDPOINT, "https://elsewhere.example/files/old");
    let mut h = resumed(cfg(ENDPOINT), rec);
    let (_, post) = h.expect(Method::Post);
    assert_eq!(post.url, ENDPOINT);
}

// ---- Location on other origins --------------------------------------------------------------

#[test]
fn a_location_on_another_origin_fails_at_once_and_nothing_is_sent_there() {
    let mut h = Harness::new(10_000, 2_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("https://evil.example/files/abc"));
    let err = failed_with(&h, "origin_not_allowed");
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert!(err.message.contains("https://evil.example") && err.message.contains("allowedOrigins"), "{}", err.message);
    assert!(!h.events.iter().any(|e| matches!(e, Event::Created { .. })), "no upload is announced");
    assert!(h.store.is_empty(), "nothing is stored");
    h.finish();
}

#[test]
fn a_location_on_an_allowed_origin_is_followed() {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(2_000);
    cfg.allowed_origins = vec!["https://Storage.example:443/".into()];
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "video.mp4", "video/mp4"));
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("https://storage.example/u/1"));
    let (_, patch) = h.expect(Method::Patch);
    assert_eq!(patch.url, "https://storage.example/u/1");
}

#[test]
fn the_origin_of_an_upload_url_the_app_passed_is_allowed_by_that_act() {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(2_000);
    cfg.upload_url = Some("https://storage.example/u/1".into());
    let mut h = Harness::with(cfg, SourceInfo::file(10_000, "video.mp4", "video/mp4"));
    h.start();
    let (id, head) = h.expect(Method::Head);
    assert_eq!(head.url, "https://storage.example/u/1");
    h.reply(id, Response::new(404));
    let (id, _) = h.expect(Method::Post);
    h.reply(id, created("https://storage.example/u/2"));
    h.expect(Method::Patch);
}

#[test]
fn allowed_origins_must_be_origins() {
    for bad in ["storage.example", "https://storage.example/files/", "ftp://storage.example", ""] {
        let mut cfg = Config::new(ENDPOINT);
        cfg.allowed_origins = vec![bad.into()];
        let err = cfg.validate(&SourceInfo::file(1, "a", "b")).unwrap_err();
        assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Usage, "invalid_option"), "{bad}");
        assert!(err.message.contains("allowedOrigins"), "{}", err.message);
    }
}

// ---- redirects ------------------------------------------------------------------------------

#[test]
fn a_redirected_patch_fails_without_a_retry() {
    let mut h = Harness::new(10_000, 2_000);
    let (id, _) = h.create("/files/abc");
    h.reply(id, Response::new(307).with_header("Location", "https://tus.example/files/abc2"));
    let err = failed_with(&h, "redirected");
    assert_eq!((err.kind, err.status), (ErrorKind::Protocol, Some(307)));
    assert!(err.message.contains("endpoint"), "{}", err.message);
    h.finish();
}

#[test]
fn an_opaque_redirect_fails_every_request_kind_without_a_retry() {
    let mut h = Harness::new(10_000, 2_000);
    h.start();
    let (id, _) = h.expect(Method::Post);
    h.fail(id, TransportError::Redirect);
    let err = failed_with(&h, "redirected");
    assert!(err.message.contains("POST"), "{}", err.message);
    h.finish();

    let mut h = Harness::new(10_000, 2_000);
    let (id, _) = h.create("/files/abc");
    h.fail(id, TransportError::Redirect);
    failed_with(&h, "redirected");
    h.finish();
}

// ---- dead connections -----------------------------------------------------------------------

#[test]
fn before_any_measurement_the_first_deadline_is_conservative() {
    let mut h = Harness::new(64 * MIB, MIB);
    let (_, _) = h.create("/files/abc");
    let at = h.up.timers().get(Timer::Stall).unwrap();
    assert_eq!(at.since(h.now), FIRST_STALL_FLOOR_MS, "1 MiB at the assumed 256 KiB/s is 16 s: the 30 s floor");
}

#[test]
fn once_the_link_is_measured_a_dead_connection_is_found_within_ten_seconds() {
    let mut h = Harness::new(64 * MIB, MIB);
    let (id, _) = h.create("/files/abc");
    h.advance(50); // 1 MiB in 50 ms
    h.reply(id, accepted(MIB));
    let (id, _) = h.expect(Method::Patch);
    let at = h.up.timers().get(Timer::Stall).unwrap();
    assert_eq!(at.since(h.now), DEFAULT_STALL_FLOOR_MS, "4 x 50 ms is far below the 10 s floor");
    // The connection died: no answer ever comes. At the deadline it is abandoned and re-synced.
    h.advance(DEFAULT_STALL_FLOOR_MS);
    assert_eq!(h.cancelled, vec![id]);
    h.settle();
    let (hid, _) = h.expect(Method::Head);
    h.reply(hid, head_ok(MIB, 64 * MIB));
    h.expect(Method::Patch);
}

#[test]
fn a_slow_link_gets_four_times_its_chunk_time() {
    let mut h = Harness::new(64 * MIB, 8 * MIB);
    let (id, _) = h.create("/files/abc");
    h.advance(4_000); // 8 MiB in 4 s
    h.reply(id, accepted(8 * MIB));
    h.expect(Method::Patch);
    let at = h.up.timers().get(Timer::Stall).unwrap();
    assert_eq!(at.since(h.now), 16_000, "4 x 4 s is above the 10 s floor");
}

#[test]
fn the_apps_stall_timeout_is_the_floor_from_the_first_request() {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(MIB);
    cfg.stall_floor_ms = Some(2_000);
    let mut h = Harness::with(cfg, SourceInfo::file(64 * MIB, "a", "b"));
    h.start();
    h.expect(Method::Post);
    let at = h.up.timers().get(Timer::Stall).unwrap();
    assert_eq!(at.since(h.now), 2_000);
    h.advance(2_000);
    h.settle();
    h.sent.clear();
}
