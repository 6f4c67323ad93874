//! `Capabilities::from_options` (the OPTIONS answer) and `Algorithm::choose`
//! (`Tus-Checksum-Algorithm`) on arbitrary statuses and header values: only a 2xx teaches
//! anything; `concatenation` is read from the `Tus-Extension` list items exactly; sha256 is
//! preferred to sha1 and nothing else is chosen; `Tus-Max-Size` is a strict number, and
//! `check_size` refuses exactly the sizes above it.
#![no_main]

use ferry_upload::core::checksum::Algorithm;
use ferry_upload::core::{Capabilities, Code, Response};
use ferry_upload_fuzz::{reference_u64, Cursor};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 5] = ["tus-extension", "tus-checksum-algorithm", "tus-max-size", "tus-version", "x-other"];

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor(data);
    let status = c.u16() % 1000;
    let size = c.u64();
    let mut res = Response::new(status);
    while !c.is_empty() && res.headers.len() < 8 {
        let name = NAMES[c.byte() as usize % NAMES.len()];
        let value = c.string(200);
        res.headers.push((name.to_string(), value));
    }
    let first = |name: &str| res.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let Some(caps) = Capabilities::from_options(&res) else {
        assert!(!(200..300).contains(&status), "a {status} taught nothing");
        return;
    };
    assert!((200..300).contains(&status), "a {status} taught {caps:?}");
    let items = |v: &str| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>();
    let concat = first("tus-extension").is_some_and(|v| items(v).iter().any(|e| e == "concatenation"));
    assert_eq!(caps.concatenation, concat);
    let offered = first("tus-checksum-algorithm").map(|v| items(v)).unwrap_or_default();
    let has = |name: &str| offered.iter().any(|o| o.eq_ignore_ascii_case(name));
    let want = if has("sha256") {
        Some(Algorithm::Sha256)
    } else if has("sha1") {
        Some(Algorithm::Sha1)
    } else {
        None
    };
    assert_eq!(caps.checksum, want, "{offered:?}");
    if let Some(v) = first("tus-checksum-algorithm") {
        assert_eq!(Algorithm::choose(v), want);
    }
    assert_eq!(caps.max_size, first("tus-max-size").and_then(reference_u64));
    match (caps.max_size, caps.check_size(size)) {
        (Some(max), Err(e)) => {
            assert!(size > max);
            assert_eq!(e.code, Code::TooLarge);
        }
        (Some(max), Ok(())) => assert!(size <= max),
        (None, r) => assert!(r.is_ok()),
    }
});
