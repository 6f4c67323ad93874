//! How a file is split over parts: pure arithmetic, tested as a table.
//!
//! [`plan`] gives the byte ranges of the parts (fewer than asked when the file is too
//! small for all of them; none when one stream does as well); [`tiles`] says whether stored
//! parts cover a file exactly, so that a final upload can never be joined with a hole.

use std::ops::Range;

/// Parts are never smaller than this: below it, one stream does as well.
pub const MIN_PART: u64 = 5 * 1024 * 1024;
/// Parts start at multiples of this.
pub const PART_GRAIN: u64 = 64 * 1024;

/// The byte ranges of at most `n` parts of at least [`MIN_PART`] bytes covering `0..size`,
/// in order; empty when fewer than two parts fit (then one stream uploads the file).
///
/// Every part but the last has the same length, `size / n` rounded down to [`PART_GRAIN`];
/// the last takes the rest (at most `n` grains more). Rounding down keeps the count at `n`
/// whatever the remainder, and each part at least `MIN_PART` (a multiple of the grain).
#[must_use]
pub fn plan(size: u64, n: u32) -> Vec<Range<u64>> {
    let n = u64::from(n.max(1)).min(size / MIN_PART);
    if n < 2 {
        return Vec::new();
    }
    let part = (size / n / PART_GRAIN).saturating_mul(PART_GRAIN);
    let mut ranges: Vec<Range<u64>> = (0..n - 1).map(|i| i * part..(i + 1) * part).collect();
    ranges.push((n - 1) * part..size);
    ranges
}

/// Whether `ranges`, in any order, cover `0..size` exactly, without gaps or overlaps.
#[must_use]
pub fn tiles(ranges: &[Range<u64>], size: u64) -> bool {
    let mut sorted: Vec<&Range<u64>> = ranges.iter().collect();
    crate::core::order::sort_by_key(&mut sorted, |r| r.start);
    let mut at = 0;
    for r in sorted {
        if r.start != at || r.end <= r.start {
            return false;
        }
        at = r.end;
    }
    at == size && size > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_plan_as_a_table() {
        // (size, asked for, part lengths)
        let rows: [(u64, u32, &[u64]); 11] = [
            (20 * MIB, 2, &[10 * MIB, 10 * MIB]),
            (20 * MIB + 1, 2, &[10 * MIB, 10 * MIB + 1]),
            (20 * MIB - 1, 2, &[10 * MIB - PART_GRAIN, 10 * MIB + PART_GRAIN - 1]),
            (20 * MIB, 4, &[5 * MIB, 5 * MIB, 5 * MIB, 5 * MIB]),
            (16 * MIB, 4, &[5_570_560, 5_570_560, 5_636_096]),
            (15 * MIB + 1, 3, &[5 * MIB, 5 * MIB, 5 * MIB + 1]),
            (10 * MIB, 4, &[5 * MIB, 5 * MIB]),
            (10 * MIB - 1, 4, &[]),
            (6 * MIB, 4, &[]),
            (0, 4, &[]),
            (100 * MIB, 1, &[]),
        ];
        for (size, n, want) in rows {
            let got = plan(size, n);
            let lengths: Vec<u64> = got.iter().map(|r| r.end - r.start).collect();
            assert_eq!(lengths, want, "{size} bytes over {n}");
            assert!(got.is_empty() || tiles(&got, size), "{size} over {n} leaves a hole: {got:?}");
            assert!(got.iter().all(|r| r.start % PART_GRAIN == 0));
            assert!(got.iter().all(|r| r.end - r.start >= MIN_PART), "{size} over {n}: {got:?}");
        }
    }

    #[test]
    fn tiles_refuses_gaps_overlaps_and_short_covers() {
        assert!(tiles(&[5..10, 0..5], 10));
        assert!(!tiles(&[0..5, 6..10], 10), "a gap");
        assert!(!tiles(&[0..6, 5..10], 10), "an overlap");
        assert!(!tiles(std::slice::from_ref(&(0..5)), 10), "short");
        assert!(!tiles(&[0..5, 5..5, 5..10], 10), "an empty part");
        assert!(!tiles(&[], 0));
    }
}
