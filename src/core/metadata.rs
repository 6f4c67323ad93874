//! The `Upload-Metadata` header: `key base64(value)` pairs separated by commas.
//!
//! Validates keys (TUS: non-empty, no spaces, no commas; we also require printable ASCII so
//! the header is always a valid HTTP value) and base64-encodes values (standard alphabet,
//! padded). It does not decode server metadata; the client never needs to.

use super::error::{quote, Code, Error};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            let sextet = ALPHABET.get(((n >> (18 - 6 * i)) & 63) as usize);
            if let (true, Some(c)) = (i <= chunk.len(), sextet) {
                out.push(char::from(*c));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Checks one metadata key.
pub fn validate_key(key: &str) -> Result<(), Error> {
    let ok = !key.is_empty() && key.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',');
    if ok {
        Ok(())
    } else {
        Err(Error::usage(
            Code::InvalidMetadataKey,
            format!("metadata key {} must be non-empty printable ASCII without spaces or commas", quote(key)),
        ))
    }
}

/// Encodes pairs into a header value; `None` when there is nothing to send. Keys must have
/// been validated. An empty value is sent as the bare key, as the protocol allows.
pub fn encode(pairs: &[(String, String)]) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let items: Vec<String> = pairs
        .iter()
        .map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k} {}", base64(v.as_bytes())) })
        .collect();
    Some(items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in vectors {
            assert_eq!(base64(input.as_bytes()), want, "input {input:?}");
        }
        assert_eq!(base64("vidéo.mp4".as_bytes()), "dmlkw6lvLm1wNA==");
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn keys_are_validated() {
        assert!(validate_key("filename").is_ok());
        assert!(validate_key("x-custom_1.2").is_ok());
        for bad in ["", "has space", "a,b", "tab\t", "é"] {
            let err = validate_key(bad).unwrap_err();
            assert_eq!(err.code, Code::InvalidMetadataKey, "key {bad:?}");
        }
    }

    #[test]
    fn encodes_pairs_and_bare_keys() {
        let pairs = vec![("filename".to_string(), "a.txt".to_string()), ("empty".to_string(), String::new())];
        assert_eq!(encode(&pairs).as_deref(), Some("filename YS50eHQ=,empty"));
        assert_eq!(encode(&[]), None);
    }
}
