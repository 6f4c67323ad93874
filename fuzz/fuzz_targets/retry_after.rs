//! `retry::parse_retry_after` on arbitrary values and clocks: the wait never exceeds
//! `MAX_RETRY_AFTER_MS`, delta-seconds mean exactly that many seconds, a date means the time
//! from `now` until it (zero once past), and anything else is `None`.
#![no_main]

use ferry_upload::core::date::parse_http_date;
use ferry_upload::core::retry::{parse_retry_after, MAX_RETRY_AFTER_MS};
use ferry_upload::core::UnixMillis;
use ferry_upload_fuzz::reference_u64;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u64, &str)| {
    let (now, value) = input;
    let now = UnixMillis(now);
    let got = parse_retry_after(value, now);
    let want = match reference_u64(value.trim()) {
        Some(secs) => Some(secs.saturating_mul(1000).min(MAX_RETRY_AFTER_MS)),
        None => parse_http_date(value).map(|at| at.saturating_sub(now.0).min(MAX_RETRY_AFTER_MS)),
    };
    assert_eq!(got, want, "Retry-After {value:?} at {now:?}");
    if let Some(ms) = got {
        assert!(ms <= MAX_RETRY_AFTER_MS);
    }
});
