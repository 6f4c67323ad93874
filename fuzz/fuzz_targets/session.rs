//! Stored session records, as the core validates them (`Upload::resume`,
//! `Parallel::resume`, `SessionRecord::is_expired`): arbitrary records (URLs, sizes, part
//! ranges, expiry dates, metadata) are either continued or ignored, never trusted blindly.
//! A single upload asks (HEAD) only for a stored URL that is absolute http(s) and describes
//! this file, and starts over, saying so, when the record expired; a parallel upload resumes
//! only parts that tile the file exactly, and in file order; anything else starts fresh.
#![no_main]

use ferry_upload::core::url::is_absolute_http;
use ferry_upload::core::{
    Capabilities, Code, Config, Event, Machine, Method, Millis, Output, Parallel, PartRecord, Request, SessionRecord,
    SourceInfo, Upload,
};
use ferry_upload_fuzz::Cursor;
use libfuzzer_sys::fuzz_target;

const ENDPOINT: &str = "https://tus.example/files/";
const MIB: u64 = 1024 * 1024;
const URLS: [&str; 6] = [
    "https://tus.example/files/a",
    "http://127.0.0.1:1080/files/b",
    "/files/relative",
    "ftp://tus.example/x",
    "https://",
    "https://tus.example/files/c d",
];

fn url(c: &mut Cursor) -> String {
    match c.byte() % 8 {
        k @ 0..=5 => URLS[k as usize].to_string(),
        6 => format!("https://tus.example/files/{}", c.u16()),
        _ => c.string(64),
    }
}

fn size(c: &mut Cursor, file: u64) -> u64 {
    match c.byte() % 4 {
        0 => file,
        1 => c.u64() % (file + 1),
        2 => (c.u64() % 8) * (file / 4),
        _ => c.u64(),
    }
}

fn record(c: &mut Cursor, file: u64) -> SessionRecord {
    let mut parts = Vec::new();
    for _ in 0..c.byte() % 5 {
        parts.push(PartRecord { url: url(c), start: size(c, file), end: size(c, file), confirmed: size(c, file) });
    }
    let mut metadata = Vec::new();
    for _ in 0..c.byte() % 3 {
        metadata.push((c.string(12), c.string(24)));
    }
    SessionRecord {
        key: c.string(16),
        upload_url: url(c),
        endpoint: ENDPOINT.to_string(),
        size: size(c, file),
        name: c.string(16),
        mime_type: c.string(16),
        last_modified: c.u64(),
        metadata,
        bytes_confirmed: size(c, file),
        chunk_size: c.u64(),
        created_at: c.u64() % (1 << 45),
        updated_at: c.u64() % (1 << 45),
        expires_at: (c.byte() % 2 == 0).then(|| c.u64() % (1 << 45)),
        parts,
        recording: false,
    }
}

/// Everything the machine sends and says right after `start`.
fn start(m: &mut impl Machine, now: Millis) -> (Vec<Request>, Vec<Event>) {
    m.start(now);
    let (mut sent, mut events) = (Vec::new(), Vec::new());
    for _ in 0..1000 {
        match m.poll_output() {
            Output::Send(_, req) => sent.push(req),
            Output::Event(ev) => events.push(ev),
            Output::Idle { .. } => return (sent, events),
            _ => {}
        }
    }
    panic!("start never went idle");
}

/// The parts in file order, when they cover the file exactly (in any stored order).
fn tiled(parts: &[PartRecord], size: u64) -> Option<Vec<&PartRecord>> {
    let mut sorted: Vec<&PartRecord> = parts.iter().collect();
    sorted.sort_by_key(|p| p.start);
    let end = sorted.iter().try_fold(0, |at, p| (p.start == at && p.end > p.start).then_some(p.end));
    (!parts.is_empty() && end == Some(size)).then_some(sorted)
}

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor(data);
    let file = 1 + c.u64() % (40 * MIB);
    let now = Millis(c.u64() % (1 << 45));
    let rec = record(&mut c, file);
    assert_eq!(rec.is_expired(now), rec.expires_at.is_some_and(|t| t <= now.0));

    let mut cfg = Config::new(ENDPOINT);
    cfg.chunk_size = MIB;
    cfg.metadata = rec.metadata.clone();
    let keys_ok = rec.metadata.iter().all(|(k, _)| ferry_upload::core::metadata::validate_key(k).is_ok());
    let source = SourceInfo::file(file, "f.bin", "application/octet-stream");

    match Upload::resume(cfg.clone(), rec.clone(), source.clone(), now) {
        Err(e) => assert!(!keys_ok && e.code == Code::InvalidMetadataKey, "{e:?}"),
        Ok(mut up) => {
            assert!(keys_ok);
            let (sent, events) = start(&mut up, now);
            assert_eq!(sent.len(), 1, "{sent:?}");
            let usable = rec.size == file && is_absolute_http(&rec.upload_url);
            let restarted = events.iter().any(|e| matches!(e, Event::Restarted { .. }));
            if usable && !rec.is_expired(now) {
                assert_eq!((sent[0].method, sent[0].url.as_str()), (Method::Head, rec.upload_url.as_str()));
            } else {
                assert_eq!((sent[0].method, sent[0].url.as_str()), (Method::Post, ENDPOINT));
                assert_eq!(restarted, usable, "an expired record is announced, an unusable one is not");
            }
        }
    }

    cfg.parallel = 1 + u32::from(c.byte() % 4);
    cfg.capabilities = Some(Capabilities { concatenation: true, defer_length: false, checksum: None, max_size: None });
    if let Ok(mut p) = Parallel::resume(cfg, rec.clone(), source, now) {
        let (sent, _) = start(&mut p, now);
        let heads: Vec<&str> = sent.iter().filter(|r| r.method == Method::Head).map(|r| r.url.as_str()).collect();
        let urls_ok = rec.parts.iter().all(|r| is_absolute_http(&r.url));
        let in_order = tiled(&rec.parts, file).filter(|_| rec.size == file && urls_ok);
        if let Some(parts) = in_order {
            // Parts are asked, and later joined, in file order, whatever order they were stored in.
            let stored: Vec<&str> = parts.iter().map(|r| r.url.as_str()).collect();
            assert_eq!(heads, stored, "every stored part is asked, in file order: {rec:?}");
            assert_eq!(sent.len(), stored.len());
        } else {
            assert!(heads.is_empty(), "an unusable parallel record was continued: {rec:?} -> {heads:?}");
            assert!(sent.iter().all(|r| r.method == Method::Post && r.url == ENDPOINT), "{sent:?}");
        }
    }
});
