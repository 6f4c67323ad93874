//! The checksum extension: `Algorithm::choose` on arbitrary `Tus-Checksum-Algorithm`
//! values, and `Digest` (core/sha1.rs, core/sha256.rs) fed arbitrary bytes in arbitrary
//! pieces, compared with the RustCrypto implementations; `header_value` is
//! `<name> <base64 of the digest>`.
#![no_main]

use ferry_upload::core::checksum::{Algorithm, Digest};
use ferry_upload_fuzz::decode_base64;
use libfuzzer_sys::fuzz_target;
use sha1::Digest as _;

fuzz_target!(|input: (&str, u8, &[u8])| {
    let (advertised, split, data) = input;
    let chosen = Algorithm::choose(advertised);
    let offered: Vec<String> = advertised.split(',').map(|s| s.trim().to_ascii_lowercase()).collect();
    let want = if offered.iter().any(|o| o == "sha256") {
        Some(Algorithm::Sha256)
    } else if offered.iter().any(|o| o == "sha1") {
        Some(Algorithm::Sha1)
    } else {
        None
    };
    assert_eq!(chosen, want, "{advertised:?}");

    for algorithm in [Algorithm::Sha256, Algorithm::Sha1] {
        let mut d = Digest::new(algorithm);
        // Feed in pieces of a size taken from the input (1..=256), to cross block edges.
        for piece in data.chunks(usize::from(split) + 1) {
            d.update(piece);
        }
        let expected = match algorithm {
            Algorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Algorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        };
        let value = d.header_value();
        let (name, encoded) = value.split_once(' ').expect("<name> <digest>");
        assert_eq!(name, algorithm.name());
        assert_eq!(
            decode_base64(encoded),
            Some(expected),
            "{} bytes in pieces of {}",
            data.len(),
            usize::from(split) + 1
        );
    }
});
