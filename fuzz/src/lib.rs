//! Helpers shared by the fuzz targets: reference implementations written independently of
//! the core (an HTTP-date formatter, a base64 decoder, a strict decimal reader) so that each
//! target can check a parser's answer, not only that it returns.
//!
//! Nothing here is used by the product; the targets in `fuzz_targets/` are the only users.

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian
/// (the inverse of the algorithm in core/date.rs, written from the civil calendar rules).
pub fn civil_from_days(days: u64) -> (u64, u32, u32) {
    // 400 Gregorian years always hold 146,097 days; step over whole cycles first.
    let mut year = 1970 + days / 146_097 * 400;
    let mut left = days % 146_097;
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if left < len {
            break;
        }
        left -= len;
        year += 1;
    }
    let lengths = [31, if is_leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while left >= lengths[month] {
        left -= lengths[month];
        month += 1;
    }
    (year, month as u32 + 1, left as u32 + 1)
}

fn is_leap(year: u64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Unix milliseconds (whole seconds) as an IMF-fixdate, e.g. `Wed, 25 Jun 2014 16:00:00 GMT`.
pub fn format_http_date(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = ms / 1000;
    let days = secs / 86_400;
    let (y, m, d) = civil_from_days(days);
    let rem = secs % 86_400;
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        d,
        MONTHS[m as usize - 1],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Standard padded base64 to bytes; `None` for anything else.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::new();
    for (i, quad) in bytes.chunks(4).enumerate() {
        let last = i == bytes.len() / 4 - 1;
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * pad as u32;
        let got = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&got[..3 - pad]);
    }
    Some(out)
}

/// The reference reading of a TUS number: optional spaces/tabs around `1*DIGIT` that fits
/// u64, written with at most 20 digits (the core refuses longer values, even zero-padded
/// ones, so that a hostile header costs nothing to refuse).
pub fn reference_u64(s: &str) -> Option<u64> {
    let t = s.trim_matches(|c| c == ' ' || c == '\t');
    if t.is_empty() || t.len() > 20 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Reads structured values off the fuzzer's bytes; runs dry into zeros and empty strings.
pub struct Cursor<'a>(pub &'a [u8]);

impl<'a> Cursor<'a> {
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    pub fn u64(&mut self) -> u64 {
        (0..8).fold(0u64, |acc, _| (acc << 8) | u64::from(self.byte()))
    }

    pub fn u16(&mut self) -> u16 {
        (u16::from(self.byte()) << 8) | u16::from(self.byte())
    }

    /// A string of up to `max` bytes (lossy UTF-8), its length taken from the input.
    pub fn string(&mut self, max: usize) -> String {
        let len = (self.byte() as usize).min(max).min(self.0.len());
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(head).into_owned()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_agree_with_known_values() {
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(format_http_date(1_403_712_000_000), "Wed, 25 Jun 2014 16:00:00 GMT");
        assert_eq!(format_http_date(1_835_481_599_000), "Tue, 29 Feb 2028 23:59:59 GMT");
        assert_eq!(decode_base64("Zm9vYg==").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode_base64("Zm9=vYg="), None);
        assert_eq!(reference_u64(" 12\t"), Some(12));
        assert_eq!(reference_u64("+1"), None);
    }
}
