//! A per-sender limit on failed decrypts, so one peer sending forged messages cannot keep the
//! Signal actor busy: each failure costs up to a budget of work
//! ([`MAX_DECRYPT_DERIVATIONS`](super::budget::MAX_DECRYPT_DERIVATIONS)), and once a sender has
//! failed `burst` times in quick succession its messages are refused without being tried until
//! time forgives some of the failures.
//!
//! Pure: the caller passes the time (`now`, a [`Duration`] since any fixed origin, e.g. an
//! `Instant` taken at start-up) and decides what a refusal means (drop, or a retry receipt
//! later). The intended use:
//!
//! ```text
//! if !limiter.check(now, &address) { drop or defer; return }
//! match record.decrypt(..) {
//!     Err(_) => limiter.record_failure(now, &address),
//!     Ok(d) => ..,
//! }
//! ```
//!
//! The bucket is a "generic cell rate" schedule: each sender has a time `due` at which all its
//! failures are forgiven; a failure pushes it one `interval` later, and the sender is refused
//! while `due` is more than `burst - 1` intervals ahead of `now`. Memory is bounded by `max_senders`.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

/// Settings of a [`FailureLimiter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureLimit {
    /// Failures a sender may have back to back before its messages are refused (at least 1).
    pub burst: u32,
    /// Time after which one failure is forgiven: the sustained rate is one per `interval`.
    pub interval: Duration,
    /// Senders tracked at once. When full, senders whose failures are all forgiven are dropped,
    /// then the one closest to being forgiven.
    pub max_senders: usize,
}

impl Default for FailureLimit {
    /// 20 failures back to back, then one every 2 s, for up to 1024 senders (about 40 KiB).
    fn default() -> Self {
        Self {
            burst: 20,
            interval: Duration::from_secs(2),
            max_senders: 1024,
        }
    }
}

/// Per-sender token buckets of failed decrypts, keyed by sender (e.g. the Signal address).
#[derive(Clone, Debug)]
pub struct FailureLimiter<K = String> {
    limit: FailureLimit,
    /// When each sender's failures are all forgiven.
    due: HashMap<K, Duration>,
}

impl<K: Hash + Eq> FailureLimiter<K> {
    /// An empty limiter. A `burst` of 0 is treated as 1 and `max_senders` of 0 as 1.
    pub fn new(limit: FailureLimit) -> Self {
        let limit = FailureLimit {
            burst: limit.burst.max(1),
            max_senders: limit.max_senders.max(1),
            ..limit
        };
        Self {
            limit,
            due: HashMap::new(),
        }
    }

    /// The settings in force.
    pub fn limit(&self) -> FailureLimit {
        self.limit
    }

    fn window(&self) -> Duration {
        self.limit.interval.saturating_mul(self.limit.burst)
    }

    /// Whether a message from `sender` may be tried at `now` (false: it has failed too often).
    pub fn check<Q>(&self, now: Duration, sender: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.due.get(sender) {
            // One token must be left: the failures still owed plus this one fit in the window.
            Some(due) => {
                due.saturating_sub(now).saturating_add(self.limit.interval) <= self.window()
            }
            None => true,
        }
    }

    /// Records one failed decrypt from `sender` at `now`.
    pub fn record_failure<Q>(&mut self, now: Duration, sender: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let window = self.window();
        let interval = self.limit.interval;
        if let Some(due) = self.due.get_mut(sender) {
            // Failures recorded while refused do not push the sender further out than one
            // full window, so it is always let back in after `interval` of quiet.
            *due = (*due)
                .max(now)
                .saturating_add(interval)
                .min(now.saturating_add(window));
            return;
        }
        if self.due.len() >= self.limit.max_senders {
            self.evict(now);
        }
        self.due.insert(
            sender.to_owned(),
            now.saturating_add(interval).min(now.saturating_add(window)),
        );
    }

    /// Forgets `sender`'s failures (e.g. after a message from it decrypted).
    pub fn forget<Q>(&mut self, sender: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.due.remove(sender);
    }

    /// Senders currently tracked.
    pub fn tracked(&self) -> usize {
        self.due.len()
    }

    /// Makes room for one sender: drops the fully forgiven ones, else the one due soonest.
    fn evict(&mut self, now: Duration) {
        self.due.retain(|_, due| *due > now);
        if self.due.len() < self.limit.max_senders {
            return;
        }
        let Some(soonest) = self.due.values().min().copied() else {
            return;
        };
        let mut removed = false;
        self.due.retain(|_, due| {
            let drop = !removed && *due == soonest;
            removed |= drop;
            !drop
        });
    }
}

impl<K: Hash + Eq> Default for FailureLimiter<K> {
    fn default() -> Self {
        Self::new(FailureLimit::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn limiter(burst: u32, interval: u64, max_senders: usize) -> FailureLimiter {
        FailureLimiter::new(FailureLimit {
            burst,
            interval: secs(interval),
            max_senders,
        })
    }

    #[test]
    fn a_burst_is_allowed_then_refused_until_one_interval_passes() {
        let mut l = limiter(3, 10, 8);
        let t = secs(100);
        for i in 0..3 {
            assert!(l.check(t, "a"), "failure {i} should still be allowed");
            l.record_failure(t, "a");
        }
        assert!(!l.check(t, "a"));
        assert!(!l.check(t + secs(9), "a"));
        assert!(l.check(t + secs(10), "a"));
        l.record_failure(t + secs(10), "a");
        assert!(!l.check(t + secs(10), "a"));
        // Other senders are unaffected.
        assert!(l.check(t, "b"));
    }

    #[test]
    fn failures_while_refused_do_not_lock_a_sender_out_for_longer() {
        let mut l = limiter(2, 5, 8);
        let t = secs(0);
        for _ in 0..1000 {
            l.record_failure(t, "a");
        }
        assert!(!l.check(t + secs(4), "a"));
        assert!(l.check(t + secs(5), "a"));
        // After a full window of quiet, the whole burst is available again.
        let later = t + secs(10);
        for _ in 0..2 {
            assert!(l.check(later, "a"));
            l.record_failure(later, "a");
        }
        assert!(!l.check(later, "a"));
    }

    #[test]
    fn sustained_rate_is_one_per_interval() {
        let mut l = limiter(4, 1, 8);
        let mut allowed = 0;
        // One attempt every 100 ms for 60 s, each failing when tried.
        for tick in 0..600u64 {
            let now = Duration::from_millis(tick * 100);
            if l.check(now, "a") {
                allowed += 1;
                l.record_failure(now, "a");
            }
        }
        // The burst, then one per second.
        assert!((60..=4 + 60).contains(&allowed), "{allowed}");
    }

    #[test]
    fn tracked_senders_are_bounded_and_forgiven_ones_go_first() {
        let mut l = limiter(1, 10, 3);
        l.record_failure(secs(0), "old");
        l.record_failure(secs(8), "b");
        l.record_failure(secs(9), "c");
        assert_eq!(l.tracked(), 3);
        // At 12 s "old" is forgiven: it is dropped to make room, the others stay refused.
        l.record_failure(secs(12), "d");
        assert_eq!(l.tracked(), 3);
        assert!(!l.check(secs(12), "b") && !l.check(secs(12), "c") && !l.check(secs(12), "d"));
        // Nobody forgiven: the sender due soonest ("b") makes room.
        l.record_failure(secs(13), "e");
        assert_eq!(l.tracked(), 3);
        assert!(l.check(secs(13), "b"));
        assert!(!l.check(secs(13), "c"));
        for i in 0..100u64 {
            l.record_failure(secs(14), &format!("s{i}"));
            assert!(l.tracked() <= 3);
        }
    }

    #[test]
    fn forget_and_degenerate_settings() {
        let mut l = limiter(0, 0, 0);
        assert_eq!(l.limit().burst, 1);
        l.record_failure(secs(1), "a");
        // A zero interval forgives at once.
        assert!(l.check(secs(1), "a"));
        let mut l = limiter(1, 10, 4);
        l.record_failure(secs(1), "a");
        assert!(!l.check(secs(1), "a"));
        l.forget("a");
        assert!(l.check(secs(1), "a"));
        assert_eq!(l.tracked(), 0);
        // Times near the end of `Duration` saturate instead of overflowing.
        let mut l = FailureLimiter::<String>::new(FailureLimit {
            burst: u32::MAX,
            interval: Duration::MAX,
            max_senders: 1,
        });
        l.record_failure(Duration::MAX, "x");
        assert!(l.check(Duration::MAX, "x"));
    }
}
