//! Hashing: what the core computes over bytes it is handed (checksums of PATCH bodies, when
//! asked for; the file identity that keys session records). It never reads a file itself.
//!
//! Size budget: SHA-1, SHA-256 and base64 are written here by hand (a few hundred lines,
//! tested against the standard vectors, the million-`a` one included) because the crates that
//! provide them cost several KB of wasm each, and the wasm is what every app downloads. For
//! the same reason the core prefers `Vec` to `BTreeMap` and avoids `{:?}` and float
//! formatting in anything that reaches the release build; `scripts/size.mjs` measures it.

pub mod blocks;
pub mod checksum;
pub mod identity;
pub mod sha1;
pub mod sha256;
