//! `header::parse_u64` and `header::parse_list` on arbitrary header values: the number
//! parser agrees with a reference reading and round-trips through formatting; list items are
//! trimmed, non-empty, comma-free, and re-joining them parses to the same items.
#![no_main]

use ferry_upload::core::header::{parse_list, parse_u64};
use ferry_upload_fuzz::reference_u64;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    let n = parse_u64(value);
    assert_eq!(n, reference_u64(value), "parse_u64({value:?})");
    if let Some(n) = n {
        assert_eq!(parse_u64(&n.to_string()), Some(n));
        assert_eq!(parse_u64(&format!(" \t{n}\t ")), Some(n));
    }
    // Any u64 taken from the input round-trips.
    let bytes = value.as_bytes();
    let mut word = [0u8; 8];
    let take = bytes.len().min(8);
    word[..take].copy_from_slice(&bytes[..take]);
    let m = u64::from_le_bytes(word);
    assert_eq!(parse_u64(&m.to_string()), Some(m));
    assert_eq!(parse_u64(&format!("{m}0")), m.checked_mul(10));
    assert_eq!(parse_u64(&format!("-{m}")), None);
    assert_eq!(parse_u64(&format!("+{m}")), None);

    let items: Vec<&str> = parse_list(value).collect();
    for item in &items {
        assert!(!item.is_empty() && !item.contains(','), "item {item:?} of {value:?}");
        assert_eq!(*item, item.trim(), "untrimmed item {item:?}");
    }
    let joined = items.join(", ");
    assert_eq!(parse_list(&joined).collect::<Vec<_>>(), items);
    assert_eq!(items.len(), value.split(',').filter(|s| !s.trim().is_empty()).count());
});
