// Browser tests of the web adapters against a live @tus/server (started by scripts/test.mjs,
// its URL passed at compile time as FERRY_TEST_ENDPOINT). Included by tests/browser.rs (runs
// in a page) and tests/worker.rs (runs in a dedicated Worker), so both contexts are covered.

use std::cell::RefCell;
use std::rc::Rc;

use ferry_upload::bindings::Engine;
use ferry_upload::core::{Body, Config, Method, Millis, Request, Response, SourceInfo, TransportError, Upload};
use ferry_upload::driver::{self, Command, Io};
use ferry_upload::web::WebIo;
use futures::channel::mpsc::unbounded;
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::Blob;

// A missing endpoint is a harness mistake; the test should stop with this message.
#[allow(clippy::option_env_unwrap)]
fn endpoint() -> String {
    option_env!("FERRY_TEST_ENDPOINT")
        .expect("FERRY_TEST_ENDPOINT must name a running TUS server (scripts/test.mjs sets it)")
        .to_string()
}

/// A Blob of `len` bytes where byte i is (i * 7 + i / 251) mod 256: misplaced bytes show.
fn patterned(len: usize) -> (Vec<u8>, Blob) {
    let bytes: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(7) + i / 251) as u8).collect();
    let array = Uint8Array::from(bytes.as_slice());
    let parts = Array::of1(&array);
    (bytes, Blob::new_with_u8_array_sequence(&parts).unwrap())
}

fn noop() -> Function {
    Function::new_no_args("")
}

fn io(blob: &Blob, on_event: Function) -> WebIo {
    WebIo::new(blob.clone(), None, on_event)
}

fn req(method: Method, url: &str, headers: Vec<(&'static str, String)>, body: Body) -> Request {
    let mut all = vec![("Tus-Resumable", "1.0.0".to_string())];
    all.extend(headers);
    Request { method, url: url.to_string(), headers: all, body, refresh_auth: false, checksum: None }
}

async fn read_blob(blob: &Blob) -> Vec<u8> {
    let buf = JsFuture::from(blob.array_buffer()).await.unwrap();
    Uint8Array::new(&buf).to_vec()
}

/// GETs the stored upload back (@tus/server serves uploads on GET).
async fn download(url: &str) -> Vec<u8> {
    let fetch: Function = Reflect::get(&js_sys::global(), &"fetch".into()).unwrap().into();
    let promise: js_sys::Promise = fetch.call1(&JsValue::NULL, &url.into()).unwrap().into();
    let res: web_sys::Response = JsFuture::from(promise).await.unwrap().into();
    assert_eq!(res.status(), 200, "GET {url}");
    let buf = JsFuture::from(res.array_buffer().unwrap()).await.unwrap();
    Uint8Array::new(&buf).to_vec()
}

fn location(res: &Response) -> String {
    let loc = res.header("location").expect("Location must be readable cross-origin (CORS expose)");
    ferry_upload::core::url::resolve(&endpoint(), loc).expect("usable Location")
}

#[wasm_bindgen_test]
async fn blob_slices_are_exact_byte_ranges() {
    let (bytes, blob) = patterned(10_000);
    for (start, end) in [(0usize, 1), (0, 10_000), (4_093, 8_191), (9_999, 10_000), (5_000, 5_000)] {
        let slice = blob.slice_with_f64_and_f64(start as f64, end as f64).unwrap();
        assert_eq!(read_blob(&slice).await, &bytes[start..end], "slice {start}..{end}");
    }
}

#[wasm_bindgen_test]
async fn fetch_adapter_creates_patches_and_heads() {
    let (bytes, blob) = patterned(300_000);
    let io = io(&blob, noop());
    let created = io
        .fetch(req(Method::Post, &endpoint(), vec![("Upload-Length", "300000".into())], Body::Empty))
        .await
        .expect("POST answered");
    assert_eq!(created.status, 201);
    let url = location(&created);

    let patch = |start: u64, end: u64| {
        req(
            Method::Patch,
            &url,
            vec![("Upload-Offset", start.to_string()), ("Content-Type", "application/offset+octet-stream".into())],
            Body::Source { start, end },
        )
    };
    let first = io.fetch(patch(0, 100_000)).await.expect("PATCH answered");
    assert_eq!((first.status, first.header("upload-offset")), (204, Some("100000")));

    let head = io.fetch(req(Method::Head, &url, vec![], Body::Empty)).await.expect("HEAD answered");
    assert_eq!(head.header("upload-offset"), Some("100000"));
    assert_eq!(head.header("upload-length"), Some("300000"));

    // Empty: the server answers 409 before reading any body, and WebKit reports a body still
    // being sent when the connection closes as a network error ("Load failed").
    let conflict = io.fetch(patch(50_000, 50_000)).await.expect("PATCH answered");
    assert_eq!(conflict.status, 409, "a wrong offset is refused by the server");
    assert!(!conflict.body.is_empty() || conflict.status == 409);

    let rest = io.fetch(patch(100_000, 300_000)).await.expect("PATCH answered");
    assert_eq!(rest.header("upload-offset"), Some("300000"));
    assert_eq!(download(&url).await, bytes, "stored bytes differ from the source");
}

#[wasm_bindgen_test]
async fn driver_uploads_a_blob_in_chunks_byte_for_byte() {
    let size = 3 * 1024 * 1024 + 12_345;
    let (bytes, blob) = patterned(size);
    let events = Array::new();
    let sink = events.clone();
    let on_event: Function = Closure::<dyn Fn(JsValue)>::new(move |ev: JsValue| {
        sink.push(&ev);
    })
    .into_js_value()
    .into();
    let io = io(&blob, on_event);
    let mut cfg = Config::new(endpoint()).fixed_chunks(1024 * 1024);
    cfg.progress_interval_ms = 0;
    let mut upload = Upload::new(cfg, SourceInfo::file(size as u64, "pattern.bin", "application/x-test"), Millis(0)).unwrap();
    let (_tx, mut rx) = unbounded();
    let url = driver::run(&io, &mut upload, &mut rx, Command::Start).await.expect("upload completes");
    assert_eq!(download(&url).await, bytes);

    let mut progress = Vec::new();
    let mut states = Vec::new();
    for ev in events.iter() {
        let kind = Reflect::get(&ev, &"type".into()).unwrap().as_string().unwrap();
        match kind.as_str() {
            "progress" => progress.push(Reflect::get(&ev, &"bytesConfirmed".into()).unwrap().as_f64().unwrap() as u64),
            "state" => states.push(Reflect::get(&ev, &"state".into()).unwrap().as_string().unwrap()),
            _ => {}
        }
    }
    let mib = 1024 * 1024u64;
    assert_eq!(progress, vec![mib, 2 * mib, 3 * mib, size as u64], "one confirmed step per chunk");
    assert_eq!(states, vec!["creating", "uploading", "completed"]);
}

#[wasm_bindgen_test]
async fn unreachable_server_is_a_typed_network_error() {
    let (_, blob) = patterned(10);
    let io = io(&blob, noop());
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let answer = io.fetch(req(Method::Head, "http://127.0.0.1:9/files/x", vec![], Body::Empty)).await;
    assert!(matches!(answer, Err(TransportError::Network(_))), "{answer:?}");
}

#[wasm_bindgen_test]
async fn app_headers_are_sent_and_callback_errors_are_typed() {
    let (_, blob) = patterned(10);
    let seen = Rc::new(RefCell::new(Vec::<String>::new()));
    let log = Rc::clone(&seen);
    let headers: Function = Closure::<dyn Fn(JsValue) -> JsValue>::new(move |ctx: JsValue| {
        let method = Reflect::get(&ctx, &"method".into()).unwrap().as_string().unwrap();
        let refused = Reflect::get(&ctx, &"refused".into()).unwrap().as_bool().unwrap();
        log.borrow_mut().push(format!("{method} refused={refused}"));
        let h = Object::new();
        Reflect::set(&h, &"Authorization".into(), &"Bearer test-token".into()).unwrap();
        h.into()
    })
    .into_js_value()
    .into();
    let io = WebIo::new(blob.clone(), Some(headers), noop());
    let res = io
        .fetch(req(Method::Post, &endpoint(), vec![("Upload-Length", "10".into())], Body::Empty))
        .await
        .expect("POST answered");
    assert_eq!(res.status, 201);
    let mut again = req(Method::Head, &endpoint(), vec![], Body::Empty);
    again.refresh_auth = true;
    let _ = io.fetch(again).await;
    assert_eq!(*seen.borrow(), vec!["POST refused=false".to_string(), "HEAD refused=true".to_string()]);

    let throwing = Function::new_no_args("throw new Error('token service down')");
    let io = WebIo::new(blob, Some(throwing), noop());
    let answer = io.fetch(req(Method::Head, &endpoint(), vec![], Body::Empty)).await;
    match answer {
        Err(TransportError::Headers(msg)) => assert!(msg.contains("token service down"), "{msg}"),
        other => panic!("expected a headers error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn engine_runs_from_js_options_and_rejects_bad_ones() {
    let (bytes, blob) = patterned(200_000);
    let options = Object::new();
    Reflect::set(&options, &"endpoint".into(), &endpoint().into()).unwrap();
    Reflect::set(&options, &"file".into(), &blob).unwrap();
    Reflect::set(&options, &"chunkSize".into(), &JsValue::from_f64(65_536.0)).unwrap();
    let engine = Engine::new(options.clone().into(), noop()).expect("valid options");
    let promise = engine.start().expect("a new run");
    assert!(engine.start().is_none(), "a second start joins the running upload");
    let result = JsFuture::from(promise).await.expect("completes");
    let url = Reflect::get(&result, &"uploadUrl".into()).unwrap().as_string().unwrap();
    assert_eq!(Reflect::get(&result, &"bytesTotal".into()).unwrap().as_f64(), Some(200_000.0));
    assert_eq!(download(&url).await, bytes);

    let retry = |v: JsValue| {
        let r = Object::new();
        Reflect::set(&r, &"baseDelay".into(), &v).unwrap();
        JsValue::from(r)
    };
    for (key, value) in [
        ("chunkSize", JsValue::from_f64(-1.0)),
        ("chunkSize", JsValue::from_f64(1.5)),
        ("file", JsValue::from_str("x")),
        ("endpoint", JsValue::from_f64(3.0)),
        ("stallTimeout", JsValue::from_str("soon")),
        ("retry", JsValue::from_f64(5.0)),
        ("retry", retry(JsValue::from_f64(f64::NAN))),
        ("idempotencyKey", JsValue::from_f64(1.0)),
        ("chunkSize", JsValue::from_f64(f64::NAN)),
        ("chunkSize", JsValue::from_f64(9_007_199_254_740_992.0)),
        ("progressInterval", JsValue::TRUE),
        ("parallelUploads", JsValue::from_f64(17.0)),
        ("keepSession", JsValue::from_str("yes")),
        ("onLocked", JsValue::from_str("later")),
        ("fingerprint", JsValue::from_str("")),
        ("metadata", js_sys::eval("({ album: 3 })").unwrap()),
        ("metadata", JsValue::from_f64(1.0)),
        ("headers", JsValue::from_str("Authorization")),
    ] {
        let bad = Object::assign(&Object::new(), &options);
        Reflect::set(&bad, &key.into(), &value).unwrap();
        let err = Engine::new(bad.into(), noop()).err().expect("rejected");
        assert_eq!(Reflect::get(&err, &"kind".into()).unwrap().as_string().as_deref(), Some("usage"), "{key}");
        assert_eq!(Reflect::get(&err, &"code".into()).unwrap().as_string().as_deref(), Some("invalid_option"), "{key}");
        let message = Reflect::get(&err, &"message".into()).unwrap().as_string().unwrap();
        assert!(message.contains(&format!("`{key}")), "the message names the option: {message}");
    }
    let err = Engine::new(JsValue::from_f64(1.0), noop()).err().expect("rejected");
    assert_eq!(Reflect::get(&err, &"code".into()).unwrap().as_string().as_deref(), Some("invalid_option"));
}

#[wasm_bindgen_test]
async fn pause_aborts_the_patch_and_start_resumes_to_the_same_bytes() {
    let size = 8 * 1024 * 1024;
    let (bytes, blob) = patterned(size);
    let options = Object::new();
    Reflect::set(&options, &"endpoint".into(), &endpoint().into()).unwrap();
    Reflect::set(&options, &"file".into(), &blob).unwrap();
    Reflect::set(&options, &"chunkSize".into(), &JsValue::from_f64(1_048_576.0)).unwrap();
    let engine = Rc::new(Engine::new(options.into(), noop()).unwrap());
    let run = engine.start().expect("a new run");
    // Pause as soon as the first progress could have arrived, then resume.
    gloo_timers::future::TimeoutFuture::new(30).await;
    engine.pause();
    gloo_timers::future::TimeoutFuture::new(100).await;
    assert!(engine.start().is_none(), "resume joins the paused run");
    let result = JsFuture::from(run).await.expect("completes after resume");
    let url = Reflect::get(&result, &"uploadUrl".into()).unwrap().as_string().unwrap();
    assert_eq!(download(&url).await, bytes);
}

#[wasm_bindgen_test]
fn lifecycle_events_reach_the_driver_in_a_page_and_a_worker_listens_to_none() {
    use ferry_upload::driver::Lifecycle;
    use ferry_upload::web::LifecycleWatch;
    let seen = Rc::new(RefCell::new(Vec::new()));
    let record = Rc::clone(&seen);
    let watch = LifecycleWatch::new(move |event| record.borrow_mut().push(event));
    let global = js_sys::global();
    let document = Reflect::get(&global, &"document".into()).unwrap();
    if document.is_undefined() {
        assert_eq!(format!("{watch:?}"), "LifecycleWatch { listeners: 0 }", "a Worker has no page events");
        return;
    }
    let fire = Function::new_with_args(
        "target, name, persisted",
        "target.dispatchEvent(name.startsWith('page') ? new PageTransitionEvent(name, { persisted }) : new Event(name))",
    );
    let send = |target: &JsValue, name: &str, persisted: bool| {
        fire.call3(&JsValue::NULL, target, &name.into(), &persisted.into()).unwrap();
    };
    send(&document, "freeze", false);
    send(&document, "resume", false);
    send(&global, "pageshow", false);
    send(&global, "pageshow", true);
    send(&global, "pagehide", true);
    send(&document, "visibilitychange", false);
    let visible = Reflect::get(&document, &"visibilityState".into()).unwrap().as_string() == Some("visible".into());
    let mut expected = vec![Lifecycle::Suspending, Lifecycle::Resumed, Lifecycle::Restored, Lifecycle::Suspending];
    if visible {
        expected.push(Lifecycle::Visible);
    }
    assert_eq!(*seen.borrow(), expected, "a pageshow not from the back/forward cache is no gap");
    drop(watch);
    send(&document, "resume", false);
    assert_eq!(seen.borrow().len(), expected.len(), "the listeners are removed with the watch");
}
