//! Which QR code is showing: the refs of the last `pair-device` and how far the rotation got.

use std::time::Duration;

/// The rotation of one `pair-device`'s refs: the first code is shown for `first`, every later
/// one for `next`, and then the refs are exhausted.
#[derive(Debug, Default)]
pub(crate) struct QrRotation {
    refs: Vec<String>,
    /// Bumped by every new `pair-device`, so timers of an older list are ignored.
    round: u64,
    index: usize,
}

/// What to do when a code's time is up.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Show the ref at this index next.
    Show(usize),
    /// Every ref was shown and none was scanned.
    Exhausted,
    /// A timer of an older list or an already replaced code: nothing to do.
    Stale,
}

impl QrRotation {
    /// Starts over with a new list of refs; returns the round to tag timers with.
    pub(crate) fn restart(&mut self, refs: Vec<String>) -> u64 {
        self.refs = refs;
        self.round += 1;
        self.index = 0;
        self.round
    }

    /// The ref at `index` with how long to show it.
    pub(crate) fn get(
        &self,
        index: usize,
        first: Duration,
        next: Duration,
    ) -> Option<(&str, Duration)> {
        let r = self.refs.get(index)?;
        Some((r, if index == 0 { first } else { next }))
    }

    /// The code at `index` of `round` expired.
    pub(crate) fn expired(&mut self, round: u64, index: usize) -> Expiry {
        if round != self.round || index != self.index {
            return Expiry::Stale;
        }
        if index + 1 < self.refs.len() {
            self.index = index + 1;
            Expiry::Show(self.index)
        } else {
            Expiry::Exhausted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_through_every_ref_then_is_exhausted() {
        let mut q = QrRotation::default();
        let round = q.restart(vec!["a".into(), "b".into(), "c".into()]);
        let (first, second) = (Duration::from_secs(60), Duration::from_secs(20));
        assert_eq!(q.get(0, first, second), Some(("a", first)));
        assert_eq!(q.expired(round, 0), Expiry::Show(1));
        assert_eq!(q.get(1, first, second), Some(("b", second)));
        assert_eq!(q.expired(round, 0), Expiry::Stale, "old index");
        assert_eq!(q.expired(round, 1), Expiry::Show(2));
        assert_eq!(q.expired(round, 2), Expiry::Exhausted);
    }

    #[test]
    fn a_new_pair_device_makes_old_timers_stale() {
        let mut q = QrRotation::default();
        let old = q.restart(vec!["a".into()]);
        let new = q.restart(vec!["x".into(), "y".into()]);
        assert_eq!(q.expired(old, 0), Expiry::Stale);
        assert_eq!(q.expired(new, 0), Expiry::Show(1));
    }

    #[test]
    fn an_empty_list_is_exhausted_at_once() {
        let mut q = QrRotation::default();
        let round = q.restart(Vec::new());
        assert_eq!(q.get(0, Duration::ZERO, Duration::ZERO), None);
        assert_eq!(q.expired(round, 0), Expiry::Exhausted);
    }
}
