//! `metadata::validate_key`, `metadata::encode` and `metadata::base64` on arbitrary pairs
//! (app metadata, and the metadata of stored session records that is sent again): a key is
//! accepted exactly when it is non-empty printable ASCII without comma; the header built from
//! accepted keys is printable ASCII and decodes back to the same pairs in order.
#![no_main]

use ferry_upload::core::metadata::{base64, encode, validate_key};
use ferry_upload::core::Code;
use ferry_upload_fuzz::{decode_base64, Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor(data);
    let mut pairs = Vec::new();
    while !c.is_empty() && pairs.len() < 16 {
        let key = c.string(32);
        let value = c.string(96);
        let valid = !key.is_empty() && key.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',');
        match validate_key(&key) {
            Ok(()) => assert!(valid, "accepted key {key:?}"),
            Err(e) => {
                assert!(!valid, "refused key {key:?}");
                assert_eq!(e.code, Code::InvalidMetadataKey);
            }
        }
        let encoded = base64(value.as_bytes());
        assert_eq!(encoded.len(), value.len().div_ceil(3) * 4);
        assert_eq!(decode_base64(&encoded).as_deref(), Some(value.as_bytes()), "base64 of {value:?}");
        if valid {
            pairs.push((key, value));
        }
    }
    let Some(header) = encode(&pairs) else {
        assert!(pairs.is_empty());
        return;
    };
    assert!(header.bytes().all(|b| (0x20..=0x7e).contains(&b)), "header {header:?}");
    let decoded: Vec<(String, String)> = header
        .split(',')
        .map(|item| match item.split_once(' ') {
            Some((k, v)) => {
                let bytes = decode_base64(v).unwrap_or_else(|| panic!("value {v:?} is not base64"));
                (k.to_string(), String::from_utf8(bytes).expect("the value was UTF-8"))
            }
            None => (item.to_string(), String::new()),
        })
        .collect();
    assert_eq!(decoded, pairs, "header {header:?}");
});
