// Browser tests of session persistence: the IndexedDB store (round trip, expiry cleanup,
// fallback to memory), file identity, Web Locks, and an Engine that continues a stored
// session. Included inside `mod sessions` by tests/browser.rs and tests/worker.rs.

use super::*;
use ferry_upload::core::{scoped_key, PartRecord, SessionRecord};
use ferry_upload::web::{acquire, identify, record_from_js, record_to_js, Put, Store};

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", (js_sys::Math::random() * 1e15) as u64)
}

fn now() -> Millis {
    Millis(js_sys::Date::now() as u64)
}

/// An `onEvent` callback that records `field` of every event of type `kind`.
fn event_log(kind: &'static str, field: &'static str) -> (Rc<RefCell<Vec<String>>>, Function) {
    let seen = Rc::new(RefCell::new(Vec::<String>::new()));
    let log = Rc::clone(&seen);
    let on_event: Function = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        if Reflect::get(&e, &"type".into()).unwrap().as_string().as_deref() == Some(kind) {
            log.borrow_mut().push(Reflect::get(&e, &field.into()).unwrap().as_string().unwrap());
        }
    })
    .into_js_value()
    .into();
    (seen, on_event)
}

fn record(key: &str, url: &str, size: u64, confirmed: u64) -> SessionRecord {
    SessionRecord {
        key: key.into(),
        upload_url: url.into(),
        endpoint: endpoint(),
        size,
        name: "clip.bin".into(),
        mime_type: "application/octet-stream".into(),
        last_modified: 0,
        metadata: vec![("album".into(), "tests".into())],
        bytes_confirmed: confirmed,
        chunk_size: 65_536,
        created_at: now().0,
        updated_at: now().0,
        expires_at: None,
        parts: vec![],
        recording: false,
    }
}

#[wasm_bindgen_test]
async fn store_round_trips_lists_and_forgets() {
    let store = Store::open(&unique("ferry-test-db"), now()).await;
    assert_eq!(store.warning(), None, "IndexedDB should be usable here");
    let a = record("k-a", "http://127.0.0.1:1/files/a", 10, 4);
    let b = record("k-b", "http://127.0.0.1:1/files/b", 20, 8);
    assert_eq!(store.put(&a, None).await, Put::Stored);
    assert_eq!(store.put(&b, None).await, Put::Stored);
    assert_eq!(store.get("k-a").await, Some(a.clone()));
    let mut newer = a.clone();
    newer.bytes_confirmed = 9;
    newer.updated_at += 1_000;
    assert_eq!(store.put(&newer, None).await, Put::Stored);
    let keys: Vec<String> = store.list().await.into_iter().map(|r| r.key).collect();
    assert_eq!(keys, vec!["k-b".to_string(), "k-a".to_string()], "sorted by update time, one per key");
    store.delete("k-a").await;
    assert_eq!(store.get("k-a").await, None);
    assert_eq!(store.list().await.len(), 1);
}

/// Makes the next `IDBDatabase.transaction()` close its connection first, as a browser does
/// when it closes a connection under the page (site data cleared, the storage process gone):
/// the real browser then throws "The database connection is closing".
fn close_the_next_connection_used() {
    js_sys::eval(
        "(() => { const p = IDBDatabase.prototype, t = p.transaction; \
         p.transaction = function (...a) { p.transaction = t; this.close(); return t.apply(this, a); }; })()",
    )
    .expect("patch IDBDatabase.transaction");
}

#[wasm_bindgen_test]
async fn a_connection_the_browser_closed_is_opened_again_and_nothing_falls_back_to_memory() {
    let name = unique("ferry-test-db");
    let store = Store::open(&name, now()).await;
    let a = record("k-a", "http://127.0.0.1:1/files/a", 10, 4);
    assert_eq!(store.put(&a, None).await, Put::Stored);
    close_the_next_connection_used();
    assert_eq!(store.get("k-a").await, Some(a), "read through a new connection");
    let b = record("k-b", "http://127.0.0.1:1/files/b", 20, 8);
    close_the_next_connection_used();
    assert_eq!(store.put(&b, None).await, Put::Stored);
    close_the_next_connection_used();
    store.delete("k-a").await;
    assert_eq!(store.warning(), None, "IndexedDB stays in use");
    drop(store);
    let keys: Vec<String> = Store::open(&name, now()).await.list().await.into_iter().map(|r| r.key).collect();
    assert_eq!(keys, vec!["k-b".to_string()], "the write and the delete reached IndexedDB");
}

#[wasm_bindgen_test]
async fn expired_records_are_deleted_when_the_store_opens() {
    let name = unique("ferry-test-db");
    let store = Store::open(&name, now()).await;
    let mut old = record("k-old", "http://127.0.0.1:1/files/old", 10, 4);
    old.expires_at = Some(now().0 - 1);
    assert_eq!(store.put(&old, None).await, Put::Stored);
    assert_eq!(store.put(&record("k-live", "http://127.0.0.1:1/files/live", 10, 4), None).await, Put::Stored);
    drop(store);
    let reopened = Store::open(&name, now()).await;
    let keys: Vec<String> = reopened.list().await.into_iter().map(|r| r.key).collect();
    assert_eq!(keys, vec!["k-live".to_string()]);
}

#[wasm_bindgen_test]
async fn an_unusable_database_falls_back_to_memory_with_a_warning() {
    let name = unique("ferry-test-db");
    // A database at a newer version than ours cannot be opened by us (VersionError).
    let newer = rexie::Rexie::builder(&name).version(99).build().await.expect("open v99");
    newer.close();
    let store = Store::open(&name, now()).await;
    let why = store.warning().expect("a warning");
    assert!(why.contains("IndexedDB"), "{why}");
    let r = record("k-mem", "http://127.0.0.1:1/files/m", 10, 4);
    assert_eq!(store.put(&r, None).await, Put::Stored);
    assert_eq!(store.get("k-mem").await, Some(r));
}

#[wasm_bindgen_test]
fn stored_records_hold_no_secrets_and_newer_schemas_are_skipped() {
    let r = record("k", "http://127.0.0.1:1/files/x", 10, 4);
    let js = record_to_js(&r);
    let keys: Vec<String> = Object::keys(js.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect();
    assert_eq!(
        keys,
        [
            "v", "key", "uploadUrl", "endpoint", "size", "name", "type", "lastModified", "metadata",
            "bytesConfirmed", "chunkSize", "createdAt", "updatedAt", "expiresAt"
        ]
    );
    assert_eq!(record_from_js(&js), Some(r.clone()));
    Reflect::set(&js, &"v".into(), &JsValue::from_f64(2.0)).unwrap();
    assert_eq!(record_from_js(&js), None, "a record from a newer schema must not be trusted");
    Reflect::set(&js, &"v".into(), &JsValue::from_f64(1.0)).unwrap();
    assert_eq!(record_from_js(&js), Some(r.clone()), "an extra field (fileHandle) is kept out of the record");
    let meta = Object::new();
    Reflect::set(&meta, &"album".into(), &JsValue::from_f64(3.0)).unwrap();
    let with_handle = js_sys::eval("({ getFile() {} })").unwrap();
    for (field, bad) in [
        ("size", JsValue::from_f64(-3.0)),
        ("size", JsValue::from_f64(1.5)),
        ("size", JsValue::from_f64(9_007_199_254_740_992.0)),
        ("size", JsValue::from_str("10")),
        ("bytesConfirmed", JsValue::NULL),
        ("expiresAt", JsValue::from_f64(f64::NAN)),
        ("key", JsValue::from_f64(1.0)),
        ("uploadUrl", JsValue::UNDEFINED),
        ("metadata", meta.into()),
        ("parts", JsValue::from_f64(1.0)),
        ("parts", js_sys::Array::of1(&with_handle).into()),
        ("v", JsValue::from_f64(-1.0)),
    ] {
        let copy = Object::assign(&Object::new(), js.unchecked_ref());
        Reflect::set(&copy, &field.into(), &bad).unwrap();
        assert_eq!(record_from_js(&copy), None, "{field}: {bad:?}");
    }
    for odd in [JsValue::NULL, JsValue::from_f64(1.0), JsValue::from_str("{}"), js_sys::Array::new().into()] {
        assert_eq!(record_from_js(&odd), None, "{odd:?}");
    }
    Reflect::set(&js, &"expiresAt".into(), &JsValue::from_f64(1_700_000_000_000.0)).unwrap();
    assert_eq!(record_from_js(&js), Some(SessionRecord { expires_at: Some(1_700_000_000_000), ..r }));
}

#[wasm_bindgen_test]
fn parallel_records_keep_their_parts_in_order() {
    let mut r = record("k-parts", "", 30, 12);
    r.parts = vec![
        PartRecord { url: "http://127.0.0.1:1/files/a".into(), start: 0, end: 10, confirmed: 10 },
        PartRecord { url: "http://127.0.0.1:1/files/b".into(), start: 10, end: 30, confirmed: 2 },
    ];
    let js = record_to_js(&r);
    let json = js_sys::JSON::stringify(&Reflect::get(&js, &"parts".into()).unwrap()).unwrap();
    assert_eq!(
        json.as_string().unwrap(),
        r#"[{"url":"http://127.0.0.1:1/files/a","start":0,"end":10,"confirmed":10},{"url":"http://127.0.0.1:1/files/b","start":10,"end":30,"confirmed":2}]"#
    );
    assert_eq!(record_from_js(&js), Some(r));
}

#[wasm_bindgen_test]
fn a_recordings_record_says_so_and_older_records_read_as_files() {
    let r = SessionRecord { recording: true, ..record("rec", "http://127.0.0.1:1/files/r", 700, 300) };
    let js = record_to_js(&r);
    assert_eq!(Reflect::get(&js, &"recording".into()).unwrap().as_bool(), Some(true));
    assert_eq!(record_from_js(&js), Some(r.clone()));
    Reflect::delete_property(js.unchecked_ref::<Object>(), &"recording".into()).unwrap();
    assert_eq!(record_from_js(&js), Some(SessionRecord { recording: false, ..r }));
}

#[wasm_bindgen_test]
async fn identity_tells_apart_files_that_share_name_size_and_date() {
    let (bytes, a) = patterned(300_000);
    let mut other = bytes.clone();
    *other.last_mut().unwrap() ^= 1;
    let b = Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(other.as_slice()))).unwrap();
    let (_, a2) = patterned(300_000);
    let ka = identify(&a, "clip.bin", "video/mp4", 1_700_000_000_000).await.unwrap();
    assert_eq!(ka, identify(&a2, "clip.bin", "video/mp4", 1_700_000_000_000).await.unwrap());
    assert_ne!(ka, identify(&b, "clip.bin", "video/mp4", 1_700_000_000_000).await.unwrap());
    assert_ne!(ka, identify(&a, "clip.bin", "video/mp4", 1_700_000_000_001).await.unwrap());
}

#[wasm_bindgen_test]
async fn web_locks_admit_one_holder_at_a_time() {
    let key = unique("lock");
    let first = acquire(&key, false).await.unwrap().expect("free lock");
    assert!(acquire(&key, false).await.unwrap().is_none(), "a second holder got the lock");
    drop(first);
    // Release resolves the lock's promise; the browser frees the lock a task later.
    gloo_timers::future::TimeoutFuture::new(20).await;
    assert!(acquire(&key, false).await.unwrap().is_some(), "the lock was not released");
}

fn engine_options(blob: &Blob, key: &str) -> Object {
    let options = Object::new();
    Reflect::set(&options, &"endpoint".into(), &endpoint().into()).unwrap();
    Reflect::set(&options, &"file".into(), blob).unwrap();
    Reflect::set(&options, &"chunkSize".into(), &JsValue::from_f64(65_536.0)).unwrap();
    Reflect::set(&options, &"fingerprint".into(), &key.into()).unwrap();
    options
}

#[wasm_bindgen_test]
async fn an_engine_continues_a_session_stored_before_sessions_were_scoped_and_forgets_it_when_done() {
    let (bytes, blob) = patterned(300_000);
    // An earlier page created the upload and sent the first 100 000 bytes.
    let io = io(&blob, noop());
    let res = io.fetch(req(Method::Post, &endpoint(), vec![("Upload-Length", "300000".into())], Body::Empty)).await.unwrap();
    let url = location(&res);
    let headers = vec![
        ("Upload-Offset", "0".to_string()),
        ("Content-Type", "application/offset+octet-stream".to_string()),
    ];
    let res = io.fetch(req(Method::Patch, &url, headers, Body::Source { start: 0, end: 100_000 })).await.unwrap();
    assert_eq!(res.status, 204);
    // Stored under the file's key alone, as records were before sessions were scoped to
    // their endpoint: it holds this endpoint, so it is continued (and moved to its scoped key).
    let key = unique("k-engine");
    let store = Store::shared(now()).await;
    assert_eq!(store.put(&record(&key, &url, 300_000, 100_000), None).await, Put::Stored);

    let seen = Rc::new(RefCell::new(Vec::<String>::new()));
    let log = Rc::clone(&seen);
    let on_event: Function = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        let t = Reflect::get(&e, &"type".into()).unwrap().as_string().unwrap();
        if t == "progress" {
            let n = Reflect::get(&e, &"bytesConfirmed".into()).unwrap().as_f64().unwrap();
            log.borrow_mut().push(format!("progress {n}"));
        } else if t == "created" {
            log.borrow_mut().push("created".into());
        }
    })
    .into_js_value()
    .into();
    let engine = Engine::new(engine_options(&blob, &key).into(), on_event).unwrap();
    let result = JsFuture::from(engine.start().unwrap()).await.expect("completes");
    let done_url = Reflect::get(&result, &"uploadUrl".into()).unwrap().as_string().unwrap();
    assert_eq!(done_url, url, "the stored upload must be continued, not a new one");
    assert!(!seen.borrow().contains(&"created".to_string()));
    assert_eq!(seen.borrow().first().map(String::as_str), Some("progress 100000"), "{:?}", seen.borrow());
    assert_eq!(download(&url).await, bytes);
    // The write queue runs in the background; give it a moment.
    gloo_timers::future::TimeoutFuture::new(200).await;
    assert_eq!(store.get(&key).await, None, "the unscoped record was moved");
    assert_eq!(store.get(&scoped_key(&key, &endpoint())).await, None, "a completed session must be forgotten");
}

#[wasm_bindgen_test]
async fn a_second_writer_is_refused_when_it_asks_to_fail() {
    let (_, blob) = patterned(1_000);
    let key = unique("k-locked");
    // The lock is the session's: the file's key scoped to its endpoint.
    let _held = acquire(&scoped_key(&key, &endpoint()), false).await.unwrap().expect("free lock");
    let options = engine_options(&blob, &key);
    Reflect::set(&options, &"onLocked".into(), &"fail".into()).unwrap();
    let engine = Engine::new(options.into(), noop()).unwrap();
    let err = JsFuture::from(engine.start().unwrap()).await.expect_err("locked");
    assert_eq!(Reflect::get(&err, &"kind".into()).unwrap().as_string().as_deref(), Some("locked"));
}

/// A `FileSystemFileHandle` in the origin-private file system holding `bytes`.
async fn opfs_file(name: &str, bytes: &[u8]) -> JsValue {
    let call = |target: &JsValue, method: &str, args: &Array| -> js_sys::Promise {
        let f: Function = Reflect::get(target, &method.into()).unwrap().into();
        f.apply(target, args).unwrap().into()
    };
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let storage = Reflect::get(&navigator, &"storage".into()).unwrap();
    let root = JsFuture::from(call(&storage, "getDirectory", &Array::new())).await.unwrap();
    let options = Object::new();
    Reflect::set(&options, &"create".into(), &JsValue::TRUE).unwrap();
    let handle = JsFuture::from(call(&root, "getFileHandle", &Array::of2(&name.into(), &options))).await.unwrap();
    let writable = JsFuture::from(call(&handle, "createWritable", &Array::new())).await.unwrap();
    JsFuture::from(call(&writable, "write", &Array::of1(&Uint8Array::from(bytes)))).await.unwrap();
    JsFuture::from(call(&writable, "close", &Array::new())).await.unwrap();
    handle
}

#[wasm_bindgen_test]
async fn a_file_handle_is_stored_with_the_session_and_reopens_the_file_except_in_webkitgtk_which_has_no_opfs() {
    // The origin-private file system stands in for a picked file: its handles are the same
    // FileSystemFileHandle type, storable in IndexedDB, and need no permission prompt.
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let storage = Reflect::get(&navigator, &"storage".into()).unwrap();
    if storage.is_undefined() {
        // WebKitGTK 2.50 (the WebKit tier) ships the Storage API switched off: no
        // navigator.storage, so no FileSystemFileHandle can be made (and it cannot clone one
        // into IndexedDB either; README, browser support). Only WebKit may lack it.
        let ua = Reflect::get(&navigator, &"userAgent".into()).unwrap().as_string().unwrap_or_default();
        assert!(ua.contains("AppleWebKit") && !ua.contains("Chrome"), "OPFS is missing outside WebKit: {ua}");
        return;
    }
    assert!(Reflect::get(&storage, &"getDirectory".into()).unwrap().is_function(), "OPFS is missing");
    let (bytes, _) = patterned(150_000);
    let name = unique("opfs");
    let handle = opfs_file(&name, &bytes).await;
    let get_file: Function = Reflect::get(&handle, &"getFile".into()).unwrap().into();
    let file: Blob = JsFuture::from(js_sys::Promise::from(get_file.call0(&handle).unwrap())).await.unwrap().into();
    let key = unique("k-handle");
    let options = engine_options(&file, &key);
    Reflect::set(&options, &"fileHandle".into(), &handle).unwrap();
    Reflect::set(&options, &"keepSession".into(), &JsValue::TRUE).unwrap();
    let engine = Engine::new(options.into(), noop()).unwrap();
    JsFuture::from(engine.start().unwrap()).await.expect("completes");
    gloo_timers::future::TimeoutFuture::new(200).await;
    let listed = ferry_upload::bindings::list_sessions().await;
    let mine = listed
        .iter()
        .find(|s| Reflect::get(s, &"fingerprint".into()).unwrap().as_string().as_deref() == Some(key.as_str()))
        .expect("the kept session is listed");
    let stored_key = Reflect::get(&mine, &"key".into()).unwrap().as_string().unwrap();
    assert_eq!(stored_key, scoped_key(&key, &endpoint()), "the session belongs to its endpoint");
    let stored = Reflect::get(&mine, &"fileHandle".into()).unwrap();
    assert!(!stored.is_undefined(), "the handle was not stored");
    // The handle read back from IndexedDB still opens the same file.
    let get_file: Function = Reflect::get(&stored, &"getFile".into()).unwrap().into();
    let reopened: Blob = JsFuture::from(js_sys::Promise::from(get_file.call0(&stored).unwrap())).await.unwrap().into();
    assert_eq!(read_blob(&reopened).await, bytes);
    ferry_upload::bindings::forget_session(stored_key.clone()).await;
    let listed = ferry_upload::bindings::list_sessions().await;
    assert!(!listed.iter().any(|s| Reflect::get(&s, &"key".into()).unwrap().as_string().as_deref() == Some(stored_key.as_str())));
}

/// Waits (up to about 5 s) until `states` holds `state`; fails the test otherwise.
async fn until_state(states: &Rc<RefCell<Vec<String>>>, state: &str) {
    for _ in 0..100 {
        if states.borrow().iter().any(|s| s == state) {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(50).await;
    }
    panic!("no state {state}: {:?}", states.borrow());
}

/// An engine for `blob` under `key` that started and then paused: (engine, its run, its states).
async fn started_and_paused(blob: &Blob, key: &str) -> (Engine, js_sys::Promise, Rc<RefCell<Vec<String>>>) {
    let (states, on_event) = event_log("state", "state");
    let engine = Engine::new(engine_options(blob, key).into(), on_event).unwrap();
    let run = engine.start().unwrap();
    engine.pause();
    until_state(&states, "paused").await;
    gloo_timers::future::TimeoutFuture::new(20).await;
    (engine, run, states)
}

#[wasm_bindgen_test]
async fn a_paused_upload_lets_go_of_its_lock_and_takes_it_back_to_continue() {
    let (bytes, blob) = patterned(400_000);
    let key = unique("k-pause-lock");
    let (a, run_a, _) = started_and_paused(&blob, &key).await;
    // While A is paused, B may write the same file (and continues A's stored upload).
    let options = engine_options(&blob, &key);
    Reflect::set(&options, &"onLocked".into(), &"fail".into()).unwrap();
    let b = Engine::new(options.into(), noop()).unwrap();
    let done = JsFuture::from(b.start().unwrap()).await.expect("B is not locked out by a paused upload");
    let url = Reflect::get(&done, &"uploadUrl".into()).unwrap().as_string().unwrap();
    assert_eq!(download(&url).await, bytes);
    // A continues: it takes the lock again, learns the upload is complete, and finishes.
    assert!(a.start().is_none(), "start on a paused run forwards");
    let result = JsFuture::from(run_a).await.expect("A completes");
    assert_eq!(Reflect::get(&result, &"uploadUrl".into()).unwrap().as_string(), Some(url));
}

#[wasm_bindgen_test]
async fn a_paused_upload_that_waits_for_its_lock_continues_what_the_store_holds_once_it_comes() {
    let (bytes, blob) = patterned(400_000);
    // What the other tab will have uploaded: the same bytes, complete on the server.
    let other = Engine::new(engine_options(&blob, &unique("k-other-tab")).into(), noop()).unwrap();
    let done = JsFuture::from(other.start().unwrap()).await.expect("the other tab's upload completes");
    let other_url = Reflect::get(&done, &"uploadUrl".into()).unwrap().as_string().unwrap();
    let key = unique("k-rest-wait");
    let scoped = scoped_key(&key, &endpoint());
    let (a, run_a, states) = started_and_paused(&blob, &key).await;
    // Another tab takes the file while A rests; A's start() waits for it.
    let held = acquire(&scoped, false).await.unwrap().expect("a paused upload gives its lock back");
    assert!(a.start().is_none(), "start on a paused run forwards");
    until_state(&states, "locked").await;
    // That tab leaves its upload in the store (completed, for the tab that waits) and goes.
    let store = Store::shared(now()).await;
    let mut left = record(&scoped, &other_url, 400_000, 400_000);
    left.updated_at += 60_000;
    assert_eq!(store.put(&left, None).await, Put::Stored);
    drop(held);
    let result = JsFuture::from(run_a).await.expect("A completes");
    let url = Reflect::get(&result, &"uploadUrl".into()).unwrap().as_string().unwrap();
    assert_eq!(url, other_url, "A ends on the upload the store held when the lock came, not on one of its own");
    assert_eq!(download(&url).await, bytes);
}

#[wasm_bindgen_test]
async fn checksums_ask_the_server_first_and_carry_on_when_it_has_none() {
    // @tus/server offers no checksum algorithm: one OPTIONS, a warning, then a plain upload.
    let (bytes, blob) = patterned(200_000);
    let (warnings, on_event) = event_log("warning", "code");
    let options = engine_options(&blob, &unique("k-checksum"));
    Reflect::set(&options, &"checksum".into(), &JsValue::TRUE).unwrap();
    let engine = Engine::new(options.into(), on_event).unwrap();
    let result = JsFuture::from(engine.start().unwrap()).await.expect("completes");
    let url = Reflect::get(&result, &"uploadUrl".into()).unwrap().as_string().unwrap();
    assert_eq!(download(&url).await, bytes);
    assert_eq!(*warnings.borrow(), vec!["checksum_unsupported".to_string()]);
}

#[wasm_bindgen_test]
async fn parallel_uploads_fall_back_to_one_stream_without_concatenation() {
    // @tus/server has no concatenation extension: ferry says so and uploads in one stream.
    let (bytes, blob) = patterned(12 * 1024 * 1024);
    let (warnings, on_event) = event_log("warning", "code");
    let options = engine_options(&blob, &unique("k-parallel"));
    Reflect::set(&options, &"parallelUploads".into(), &JsValue::from_f64(4.0)).unwrap();
    Reflect::set(&options, &"chunkSize".into(), &JsValue::from_f64(4_194_304.0)).unwrap();
    let engine = Engine::new(options.into(), on_event).unwrap();
    let result = JsFuture::from(engine.start().unwrap()).await.expect("completes");
    let url = Reflect::get(&result, &"uploadUrl".into()).unwrap().as_string().unwrap();
    assert_eq!(download(&url).await, bytes);
    assert_eq!(*warnings.borrow(), vec!["parallel_unsupported".to_string()]);
}

#[wasm_bindgen_test]
async fn a_handle_the_browser_cannot_store_is_dropped_and_storage_stays_on_indexeddb() {
    let store = Store::open(&unique("ferry-test-db"), now()).await;
    let other = record("k-other", "http://127.0.0.1:1/files/o", 10, 4);
    assert_eq!(store.put(&other, None).await, Put::Stored);
    // An object with a function cannot be cloned into IndexedDB (DataCloneError).
    let handle: JsValue = js_sys::eval("({ kind: 'file', name: 'x', getFile() { return null; } })").unwrap();
    let mut mine = record("k-mine", "http://127.0.0.1:1/files/m", 10, 4);
    // Listed oldest first; within one millisecond the order would be the keys' instead.
    mine.updated_at = other.updated_at + 1;
    assert_eq!(store.put(&mine, Some(&handle)).await, Put::StoredWithoutHandle);
    assert_eq!(store.warning(), None, "one unstorable handle must not switch the store to memory");
    let keys: Vec<String> = store.list().await.into_iter().map(|r| r.key).collect();
    assert_eq!(keys, vec!["k-other".to_string(), "k-mine".to_string()]);
}
