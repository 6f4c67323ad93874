//! The tus checksum extension: which algorithm to use and how to write `Upload-Checksum`.
//!
//! The core only decides *whether* a PATCH carries a checksum and with which algorithm
//! (from the server's `Tus-Checksum-Algorithm`); the web adapter reads the chunk's bytes and
//! feeds them to [`Digest`]. Opt-in, because it is the one place file bytes enter wasm memory.

use super::sha1::Sha1;
use super::sha256::Sha256;
use crate::core::header;
use crate::core::metadata::base64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// A checksum algorithm both sides know.
pub enum Algorithm {
    /// SHA-256 (preferred).
    Sha256,
    /// SHA-1.
    Sha1,
}

impl Algorithm {
    /// The name in `Upload-Checksum` and `Tus-Checksum-Algorithm`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha1 => "sha1",
        }
    }

    /// The best algorithm both sides know from a `Tus-Checksum-Algorithm` value: sha256,
    /// else sha1, else none.
    pub fn choose(advertised: &str) -> Option<Algorithm> {
        let offered: Vec<String> = header::parse_list(advertised).map(str::to_ascii_lowercase).collect();
        [Algorithm::Sha256, Algorithm::Sha1].into_iter().find(|a| offered.iter().any(|o| o == a.name()))
    }
}

/// An incremental digest of one chunk.
#[derive(Clone, Debug)]
pub enum Digest {
    /// A SHA-256 in progress.
    Sha256(Sha256),
    /// A SHA-1 in progress.
    Sha1(Sha1),
}

impl Digest {
    /// A fresh digest of `algorithm`.
    pub fn new(algorithm: Algorithm) -> Digest {
        match algorithm {
            Algorithm::Sha256 => Digest::Sha256(Sha256::default()),
            Algorithm::Sha1 => Digest::Sha1(Sha1::default()),
        }
    }

    /// Hashes `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Digest::Sha256(h) => h.update(data),
            Digest::Sha1(h) => h.update(data),
        }
    }

    /// The `Upload-Checksum` header value: `<algorithm> <base64 digest>`.
    pub fn header_value(self) -> String {
        match self {
            Digest::Sha256(h) => format!("sha256 {}", base64(&h.finish())),
            Digest::Sha1(h) => format!("sha1 {}", base64(&h.finish())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_sha256_then_sha1_case_insensitively() {
        assert_eq!(Algorithm::choose("md5,sha1,sha256,sha512"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::choose("md5, SHA1"), Some(Algorithm::Sha1));
        assert_eq!(Algorithm::choose("md5,crc32"), None);
        assert_eq!(Algorithm::choose(""), None);
    }

    #[test]
    fn header_values_are_base64_of_the_raw_digest() {
        let mut d = Digest::new(Algorithm::Sha256);
        d.update(b"abc");
        assert_eq!(d.header_value(), "sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        let mut d = Digest::new(Algorithm::Sha1);
        d.update(b"ab");
        d.update(b"c");
        assert_eq!(d.header_value(), "sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    }
}
