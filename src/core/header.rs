//! Strict parsing of TUS header values.
//!
//! A hostile or broken server must never crash the client or trick it into a wrong offset:
//! numbers are digits only (no sign, no spaces inside, no exponent), must fit in u64, and
//! anything else is `None`. This module parses; deciding what a value means is the machines' job (upload/, answer.rs).

/// Longest decimal u64 ("18446744073709551615").
const MAX_DIGITS: usize = 20;

/// Parses `1*DIGIT` as u64. Surrounding whitespace is tolerated (HTTP OWS); anything else
/// (signs, inner spaces, decimal points, overflow) yields `None`.
pub fn parse_u64(value: &str) -> Option<u64> {
    let value = value.trim_matches(|c| c == ' ' || c == '\t');
    if value.is_empty() || value.len() > MAX_DIGITS || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// Splits a comma-separated header (e.g. `Tus-Extension`) into trimmed, non-empty items.
pub fn parse_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}
