//! `url::resolve` and `url::is_absolute_http` on an arbitrary base and reference (the
//! endpoint, a stored upload URL, a server's `Location`): a resolved URL is absolute http(s)
//! with no fragment, spaces or control characters; resolving it again changes nothing; a
//! relative path comes out without dot segments; an unusable base resolves nothing.
#![no_main]

use ferry_upload::core::url::{is_absolute_http, resolve};
use libfuzzer_sys::fuzz_target;

const ENDPOINT: &str = "https://tus.example/api/files/";

fn check(base: &str, reference: &str) {
    let Some(out) = resolve(base, reference) else {
        return;
    };
    assert!(is_absolute_http(&out), "resolve({base:?}, {reference:?}) = {out:?} is not absolute http(s)");
    assert!(!out.contains('#') && !out.chars().any(|c| c.is_control() || c == ' '), "{out:?}");
    assert_eq!(resolve(base, &out).as_deref(), Some(out.as_str()), "an absolute result resolves to itself");
    assert_eq!(resolve(ENDPOINT, &out).as_deref(), Some(out.as_str()));
    let lower = out.to_ascii_lowercase();
    assert!(lower.starts_with("http://") || lower.starts_with("https://"), "{out:?}");
    // What resolve trims, as browsers do: C0 controls and spaces.
    let reference = reference.trim_matches(|c: char| c <= ' ');
    let relative_path = !reference.starts_with("//") && !reference.starts_with('/') && !reference.contains(':');
    // A reference with no path of its own (`?q`, `#f`) keeps the base's path as it is.
    let has_path = !reference.split(['?', '#']).next().unwrap_or("").is_empty();
    if has_path && (relative_path || reference.starts_with('/') && !reference.starts_with("//")) {
        let after_scheme = &out[out.find("://").map_or(0, |i| i + 3)..];
        let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
        let path = path.split('?').next().unwrap_or("");
        assert!(
            path.split('/').all(|seg| seg != "." && seg != ".."),
            "dot segment left in {out:?} from {base:?} + {reference:?}"
        );
    }
}

fuzz_target!(|input: (&str, &str)| {
    let (base, reference) = input;
    if !is_absolute_http(base) {
        // A base that is not absolute http(s) resolves only absolute references.
        if let Some(out) = resolve(base, reference) {
            assert!(is_absolute_http(&out), "{out:?}");
        }
    }
    check(base, reference);
    check(ENDPOINT, reference);
    check(ENDPOINT, base);
    // An absolute URL without fragment or surrounding whitespace is kept as it is.
    if is_absolute_http(reference) && !reference.contains('#') && reference.trim() == reference {
        assert_eq!(resolve(ENDPOINT, reference).as_deref(), Some(reference));
    }
});
