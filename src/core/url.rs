//! Resolving the `Location` a server returns against the endpoint (RFC 3986, section 5).
//!
//! Servers answer creation with absolute URLs (`https://host/files/abc`), absolute paths
//! (`/files/abc`), network-path references (`//host/files/abc`) or relative paths
//! (`abc`, `../files/abc`). This module turns all of them into one absolute http(s) URL, and
//! refuses anything else (other schemes, control characters, empty values). It also says
//! which origin a URL belongs to ([`origin`]) and gives the form endpoints are compared in
//! ([`normalize`]): scheme and host lowercased, default port dropped, an empty path as `/`,
//! no fragment. It does not percent-encode or validate hosts further; the browser's fetch does.

/// An absolute http(s) URL split into the parts resolution needs.
struct Parts<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
}

fn split(url: &str) -> Option<Parts<'_>> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    if !is_http_scheme(scheme) {
        return None;
    }
    let rest = url[colon + 1..].strip_prefix("//")?;
    let rest = rest.split('#').next().unwrap_or("");
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    if authority.is_empty() {
        return None;
    }
    let after = &rest[auth_end..];
    let (path, query) = match after.find('?') {
        Some(q) => (&after[..q], Some(&after[q + 1..])),
        None => (after, None),
    };
    Some(Parts { scheme, authority, path, query })
}

fn is_http_scheme(s: &str) -> bool {
    s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https")
}

/// True if `s` starts with `scheme ":"` per RFC 3986 (letter, then letters/digits/+-.).
fn has_scheme(s: &str) -> bool {
    let Some(colon) = s.find(':') else { return false };
    let scheme = &s[..colon];
    let mut bytes = scheme.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        && !scheme.contains('/')
}

/// Is `url` an absolute http(s) URL with a host?
pub fn is_absolute_http(url: &str) -> bool {
    !has_bad_chars(url) && split(url).is_some()
}

fn has_bad_chars(s: &str) -> bool {
    s.chars().any(|c| c.is_control() || c == ' ')
}

/// Resolves `reference` against the absolute `base`. `None` if either is unusable.
pub fn resolve(base: &str, reference: &str) -> Option<String> {
    let reference = reference.trim_matches(|c: char| c <= ' ');
    if reference.is_empty() || has_bad_chars(reference) || has_bad_chars(base) {
        return None;
    }
    let reference = reference.split('#').next().unwrap_or("");
    if has_scheme(reference) {
        return split(reference).map(|_| reference.to_string());
    }
    let b = split(base)?;
    if let Some(rest) = reference.strip_prefix("//") {
        let candidate = format!("{}://{}", b.scheme, rest);
        return split(&candidate).map(|_| candidate.clone());
    }
    let (ref_path, ref_query) = match reference.find('?') {
        Some(q) => (&reference[..q], Some(&reference[q + 1..])),
        None => (reference, None),
    };
    let (path, query) = if ref_path.is_empty() {
        (b.path.to_string(), ref_query.or(b.query))
    } else if ref_path.starts_with('/') {
        (remove_dot_segments(ref_path), ref_query)
    } else {
        (remove_dot_segments(&merge(b.path, ref_path)), ref_query)
    };
    let path = if path.is_empty() { "/".to_string() } else { path };
    let mut out = format!("{}://{}{}", b.scheme, b.authority, path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

/// The origin of an absolute http(s) URL: `scheme://host[:port]`, scheme and host
/// lowercased, the scheme's default port dropped, userinfo removed. `None` if `url` is not an
/// absolute http(s) URL.
#[must_use]
pub fn origin(url: &str) -> Option<String> {
    if has_bad_chars(url) {
        return None;
    }
    let parts = split(url.trim())?;
    let scheme = parts.scheme.to_ascii_lowercase();
    // After the last '@' (userinfo); bytes, not a reverse char search: the code is smaller.
    let host = last_byte(parts.authority, b'@').and_then(|i| parts.authority.get(i + 1..));
    let host_port = host.unwrap_or(parts.authority).to_ascii_lowercase();
    let default = if scheme == "https" { ":443" } else { ":80" };
    let host_port = host_port.strip_suffix(default).unwrap_or(&host_port);
    if host_port.is_empty() || host_port.starts_with(':') {
        return None;
    }
    Some(format!("{scheme}://{host_port}"))
}

/// `url` in the form endpoints are compared in: its [`origin`], then its path (`/` when
/// empty) and query; no fragment. `None` if `url` is not an absolute http(s) URL.
#[must_use]
pub fn normalize(url: &str) -> Option<String> {
    let origin = origin(url)?;
    let parts = split(url.trim())?;
    let path = if parts.path.is_empty() { "/" } else { parts.path };
    Some(match parts.query {
        Some(q) => format!("{origin}{path}?{q}"),
        None => format!("{origin}{path}"),
    })
}

/// RFC 3986 5.2.3: the base path up to its last '/', then the reference.
fn merge(base_path: &str, reference: &str) -> String {
    match last_byte(base_path, b'/').and_then(|i| base_path.get(..=i)) {
        Some(dir) => format!("{dir}{reference}"),
        None => format!("/{reference}"),
    }
}

/// Where the ASCII byte `b` last occurs in `s`.
fn last_byte(s: &str, b: u8) -> Option<usize> {
    s.bytes().rposition(|c| c == b)
}

/// RFC 3986 5.2.4, on whole segments.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://up.example/api/files/";

    #[test]
    fn origins_lowercase_and_drop_default_ports_and_userinfo() {
        assert_eq!(origin("HTTPS://Up.Example:443/a?b").as_deref(), Some("https://up.example"));
        assert_eq!(origin("http://127.0.0.1:80/files/").as_deref(), Some("http://127.0.0.1"));
        assert_eq!(origin("http://127.0.0.1:8080/files/").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin("https://u:p@h.example:8443/x").as_deref(), Some("https://h.example:8443"));
        assert_eq!(origin("https://h.example:80/").as_deref(), Some("https://h.example:80"));
        assert_eq!(origin("https://[::1]:8080/").as_deref(), Some("https://[::1]:8080"));
        assert_eq!(origin("ftp://h/x"), None);
        assert_eq!(origin("/files/"), None);
        assert_eq!(origin("https://:443/"), None);
        assert_eq!(origin("https://h/\nx"), None);
        assert_eq!(origin("https://h/a b"), None);
    }

    #[test]
    fn endpoints_compare_normalized() {
        assert_eq!(normalize("HTTPS://Up.Example:443").as_deref(), Some("https://up.example/"));
        assert_eq!(normalize("https://up.example/files/#x").as_deref(), Some("https://up.example/files/"));
        assert_eq!(
            normalize("https://up.example/pipes/7/files/?t=1").as_deref(),
            Some("https://up.example/pipes/7/files/?t=1")
        );
        assert_ne!(normalize("https://up.example/a/files/"), normalize("https://up.example/b/files/"));
        assert_ne!(normalize("https://up.example/files"), normalize("https://up.example/files/"));
        assert_eq!(normalize("nonsense"), None);
    }

    #[test]
    fn absolute_location_is_kept() {
        assert_eq!(resolve(BASE, "http://other.example/x/1").as_deref(), Some("http://other.example/x/1"));
    }

    #[test]
    fn absolute_path_uses_base_origin() {
        assert_eq!(resolve(BASE, "/files/abc").as_deref(), Some("https://up.example/files/abc"));
        assert_eq!(
            resolve("http://127.0.0.1:8080/files", "/files/x?y=1").as_deref(),
            Some("http://127.0.0.1:8080/files/x?y=1")
        );
    }

    #[test]
    fn relative_paths_merge_with_base_directory() {
        assert_eq!(resolve(BASE, "abc").as_deref(), Some("https://up.example/api/files/abc"));
        assert_eq!(resolve("https://up.example/api/files", "abc").as_deref(), Some("https://up.example/api/abc"));
        assert_eq!(resolve(BASE, "../other/abc").as_deref(), Some("https://up.example/api/other/abc"));
        assert_eq!(resolve(BASE, "./abc").as_deref(), Some("https://up.example/api/files/abc"));
        assert_eq!(resolve(BASE, "../../../../abc").as_deref(), Some("https://up.example/abc"));
    }

    #[test]
    fn network_path_takes_base_scheme() {
        assert_eq!(resolve(BASE, "//cdn.example/u/1").as_deref(), Some("https://cdn.example/u/1"));
    }

    #[test]
    fn query_only_and_fragments() {
        assert_eq!(resolve("https://h/files?a=1", "?id=5").as_deref(), Some("https://h/files?id=5"));
        assert_eq!(resolve(BASE, "abc#frag").as_deref(), Some("https://up.example/api/files/abc"));
    }

    #[test]
    fn unusable_references_are_refused() {
        assert_eq!(resolve(BASE, ""), None);
        assert_eq!(resolve(BASE, "   "), None);
        assert_eq!(resolve(BASE, "javascript:alert(1)"), None);
        assert_eq!(resolve(BASE, "ftp://h/x"), None);
        assert_eq!(resolve(BASE, "a\nb"), None);
        assert_eq!(resolve(BASE, "a b"), None);
        assert_eq!(resolve(BASE, "http://"), None);
        assert_eq!(resolve("/relative/base", "abc"), None);
    }

    #[test]
    fn absolute_http_check() {
        assert!(is_absolute_http("http://127.0.0.1:1080/files/"));
        assert!(is_absolute_http("HTTPS://h"));
        assert!(!is_absolute_http("/files/"));
        assert!(!is_absolute_http("file:///etc/passwd"));
        assert!(!is_absolute_http("https:///nohost"));
    }
}
