//! File identity: which stored session belongs to which file.
//!
//! Name, size, type and lastModified alone are not enough (a re-exported video keeps all
//! four), so the identity also hashes the first and last 64 KiB of the content. The endpoint
//! is deliberately not part of it: apps that hand out per-upload endpoints must still resume.
//! Reading those bytes is the web adapter's job; this module only combines them.

use super::sha256::{hex, Sha256};

/// Bytes hashed at each end of the file.
pub const SAMPLE: u64 = 64 * 1024;

/// Describes the file being identified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFacts<'a> {
    /// `File.name`.
    pub name: &'a str,
    /// `File.size`.
    pub size: u64,
    /// `File.type`.
    pub mime_type: &'a str,
    /// `File.lastModified`.
    pub last_modified: u64,
}

/// The byte ranges to read: `[0, min(size, SAMPLE))` and the last `SAMPLE` bytes.
pub fn sample_ranges(size: u64) -> [(u64, u64); 2] {
    [(0, size.min(SAMPLE)), (size.saturating_sub(SAMPLE), size)]
}

/// A stable key such as `f1-3a7bd3e2360a3d29eea436fcfb7e44c7` (128 bits of SHA-256).
pub fn fingerprint(facts: &FileFacts<'_>, head: &[u8], tail: &[u8]) -> String {
    let mut h = Sha256::default();
    // Length-prefixed fields: no two different inputs share an encoding.
    for field in [facts.name.as_bytes(), facts.mime_type.as_bytes(), head, tail] {
        h.update(&(field.len() as u64).to_be_bytes());
        h.update(field);
    }
    h.update(&facts.size.to_be_bytes());
    h.update(&facts.last_modified.to_be_bytes());
    let digest = h.finish();
    format!("f1-{}", hex(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str) -> FileFacts<'_> {
        FileFacts { name, size: 200_000, mime_type: "video/mp4", last_modified: 1_700_000_000_000 }
    }

    #[test]
    fn same_facts_same_bytes_same_key() {
        let a = fingerprint(&facts("a.mp4"), b"head", b"tail");
        assert_eq!(a, fingerprint(&facts("a.mp4"), b"head", b"tail"));
        assert!(a.starts_with("f1-") && a.len() == 35, "{a}");
    }

    #[test]
    fn any_difference_changes_the_key() {
        let base = fingerprint(&facts("a.mp4"), b"head", b"tail");
        assert_ne!(base, fingerprint(&facts("b.mp4"), b"head", b"tail"));
        assert_ne!(base, fingerprint(&facts("a.mp4"), b"head", b"tai1"), "same name/size/date, other content");
        assert_ne!(base, fingerprint(&facts("a.mp4"), b"hea", b"dtail"), "field boundaries matter");
        let mut other = facts("a.mp4");
        other.last_modified += 1;
        assert_ne!(base, fingerprint(&other, b"head", b"tail"));
        other = facts("a.mp4");
        other.size += 1;
        assert_ne!(base, fingerprint(&other, b"head", b"tail"));
    }

    #[test]
    fn sample_ranges_cover_small_and_large_files() {
        assert_eq!(sample_ranges(0), [(0, 0), (0, 0)]);
        assert_eq!(sample_ranges(100), [(0, 100), (0, 100)]);
        assert_eq!(sample_ranges(1 << 30), [(0, SAMPLE), ((1 << 30) - SAMPLE, 1 << 30)]);
    }
}
