//! Id counters kept in a keyed table: the arithmetic behind [`Store::reserve_ids`], shared by
//! every backend so they agree on the stored format.
//!
//! [`Store::reserve_ids`]: super::Store::reserve_ids

/// Reads a stored counter: the next id to hand out, big-endian `u32`. A missing, malformed,
/// zero or out-of-range value means "start at 1".
pub(crate) fn next_id(stored: Option<&[u8]>, max: u32) -> u32 {
    stored
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .filter(|id| (1..=max).contains(id))
        .unwrap_or(1)
}

/// Reserves `count` ids after the stored counter: returns the first one and the value to store
/// back. Ids run through `1..=max` and wrap to 1 after `max`.
pub(crate) fn reserve(stored: Option<&[u8]>, count: u32, max: u32) -> (u32, [u8; 4]) {
    let max = max.max(1);
    let first = next_id(stored, max);
    let after = (u64::from(first) - 1 + u64::from(count)) % u64::from(max) + 1;
    // `after` is in 1..=max, so it fits.
    (first, (after as u32).to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserves_and_wraps() {
        assert_eq!(reserve(None, 3, 100), (1, 4u32.to_be_bytes()));
        assert_eq!(reserve(Some(&4u32.to_be_bytes()), 1, 100).0, 4);
        assert_eq!(
            reserve(Some(&99u32.to_be_bytes()), 3, 100),
            (99, 2u32.to_be_bytes())
        );
        assert_eq!(
            reserve(Some(&100u32.to_be_bytes()), 1, 100),
            (100, 1u32.to_be_bytes())
        );
        assert_eq!(
            reserve(Some(&7u32.to_be_bytes()), 0, 100),
            (7, 7u32.to_be_bytes())
        );
        assert_eq!(next_id(Some(&[0, 0, 0, 0]), 100), 1);
        assert_eq!(next_id(Some(&[1, 2]), 100), 1);
        assert_eq!(next_id(Some(&101u32.to_be_bytes()), 100), 1);
        assert_eq!(
            reserve(Some(&u32::MAX.to_be_bytes()), u32::MAX, u32::MAX).0,
            u32::MAX
        );
    }
}
