//! Sorting the handful of items ferry ever sorts (a session's parts, a page's sessions).
//!
//! An insertion sort: stable, and a few hundred bytes of wasm per use where each use of the
//! standard library's `sort_by_key` links about 3 KB. Quadratic, so it is for short lists
//! only; nothing here allocates.

/// Sorts `items` by `key`, keeping the order of equal keys.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 {
            let (Some(a), Some(b)) = (items.get(j - 1), items.get(j)) else { break };
            if key(a) <= key(b) {
                break;
            }
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sort_by_key;

    #[test]
    fn sorts_and_keeps_equal_keys_in_order() {
        let mut v = [(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        sort_by_key(&mut v, |p| p.0);
        assert_eq!(v, [(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
        let mut empty: [u8; 0] = [];
        sort_by_key(&mut empty, |x| *x);
        let mut long: Vec<u32> = (0..50).rev().collect();
        sort_by_key(&mut long, |x| *x);
        assert!(long.windows(2).all(|w| w[0] < w[1]));
    }
}
