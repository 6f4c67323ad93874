//! `date::parse_http_date` (Upload-Expires, Retry-After dates) on arbitrary text: a parsed
//! date is whole seconds, formats back to an IMF-fixdate that parses to the same instant,
//! and every instant from year 1970 to 9999 formats and parses back to itself.
#![no_main]

use ferry_upload::core::date::parse_http_date;
use ferry_upload_fuzz::format_http_date;
use libfuzzer_sys::fuzz_target;

/// 10000-01-01T00:00:00Z in Unix milliseconds.
const YEAR_10000: u64 = 253_402_300_800_000;

fuzz_target!(|value: &str| {
    if let Some(ms) = parse_http_date(value) {
        assert_eq!(ms % 1000, 0, "{value:?}");
        // Day 31 of a short month and second 60 land on a later day or minute: compare instants.
        assert!(ms < YEAR_10000 + 86_400_000 * 2, "{value:?} -> {ms}");
        let formatted = format_http_date(ms);
        assert_eq!(parse_http_date(&formatted), Some(ms), "{value:?} -> {formatted:?}");
    }
    let mut word = [0u8; 8];
    let bytes = value.as_bytes();
    let take = bytes.len().min(8);
    word[..take].copy_from_slice(&bytes[..take]);
    let ms = u64::from_le_bytes(word) % YEAR_10000 / 1000 * 1000;
    let formatted = format_http_date(ms);
    assert_eq!(parse_http_date(&formatted), Some(ms), "{formatted:?}");
    assert_eq!(parse_http_date(&format!("  {formatted}\t")), Some(ms));
    assert_eq!(parse_http_date(&formatted.replace("GMT", "UTC")), None);
});
