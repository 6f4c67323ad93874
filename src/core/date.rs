//! HTTP dates (RFC 9110 IMF-fixdate, e.g. `Wed, 25 Jun 2014 16:00:00 GMT`) to Unix milliseconds.
//!
//! Used for `Upload-Expires` and the date form of `Retry-After`. Only the preferred format is
//! accepted; anything else is `None` (the caller then ignores the header). No clock here:
//! comparing with "now" is the caller's business, with the driver's wall-clock `now`.

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Parses an IMF-fixdate into milliseconds since 1970-01-01T00:00:00Z.
pub fn parse_http_date(value: &str) -> Option<u64> {
    let value = value.trim();
    let (_weekday, rest) = value.split_once(',')?;
    let rest = rest.strip_prefix(' ')?;
    let mut parts = rest.split(' ');
    let day: u32 = digits(parts.next()?, 2)?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
    let year: u32 = digits(parts.next()?, 4)?;
    let mut hms = parts.next()?.split(':');
    let (h, m, s): (u32, u32, u32) = (digits(hms.next()?, 2)?, digits(hms.next()?, 2)?, digits(hms.next()?, 2)?);
    if hms.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + u64::from(h)) * 60 + u64::from(m)) * 60_000 + u64::from(s) * 1000)
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() != n || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: u32, month: u32, day: u32) -> u64 {
    let y = u64::from(if month <= 2 { year - 1 } else { year });
    let era = y / 400;
    let yoe = y - era * 400;
    let m = u64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + u64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Wed, 25 Jun 2014 16:00:00 GMT"), Some(1_403_712_000_000));
        assert_eq!(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"), Some(1_835_481_599_000));
    }

    #[test]
    fn other_forms_and_garbage_are_refused() {
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Wed, 25 Jun 2014 16:00:00 UTC",
            "Wed, 25 Juni 2014 16:00:00 GMT",
            "Wed, 32 Jun 2014 16:00:00 GMT",
            "Wed, 25 Jun 2014 24:00:00 GMT",
            "Wed, 25 Jun 2014 16:00 GMT",
            "Wed, 25 Jun 14 16:00:00 GMT",
            "Wed, 25 Jun 2014 16:00:00 GMT extra",
            "Wed, +5 Jun 2014 16:00:00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }
}
