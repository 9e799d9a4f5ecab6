//! Fibonacci reconnect backoff with upward jitter.

use std::time::Duration;

/// How reconnect delays grow: `base × fib(n)` (1, 2, 3, 5, 8, …), capped at `max`, plus up to
/// `jitter` × the delay of random extra so that many clients don't reconnect in lockstep.
///
/// Because consecutive Fibonacci terms (from 1, 2) grow by at least 1.5×, a jitter below 0.5
/// keeps the delays strictly growing until the cap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffConfig {
    /// The first delay (before jitter). 1 s by default; tests use a few milliseconds.
    pub base: Duration,
    /// The largest delay (before jitter). 900 s by default.
    pub max: Duration,
    /// Fraction of the delay added at most as random jitter, in `0.0..0.5`. 0.25 by default.
    pub jitter: f64,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(900),
            jitter: 0.25,
        }
    }
}

/// The state of one backoff sequence: how many failures in a row so far.
#[derive(Debug, Clone)]
pub struct Backoff {
    config: BackoffConfig,
    failures: u32,
}

impl Backoff {
    /// A fresh sequence (no failures yet).
    pub fn new(config: BackoffConfig) -> Self {
        Self {
            config,
            failures: 0,
        }
    }

    /// Failures counted since the last [`Backoff::reset`].
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Forgets past failures; called once a connection is established.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Counts one more failure and returns how long to wait before the next attempt.
    /// `sample` is a uniform random number in `0.0..1.0` (passed in so tests are exact).
    pub fn next_delay(&mut self, sample: f64) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let unjittered = self.delay_for(self.failures);
        let jitter = self.config.jitter.clamp(0.0, 0.5) * sample.clamp(0.0, 1.0);
        let extra = unjittered.mul_f64(jitter);
        unjittered.saturating_add(extra)
    }

    fn delay_for(&self, failures: u32) -> Duration {
        // fib(1) = 1, fib(2) = 2, …; saturating, the cap takes over long before overflow.
        let (mut a, mut b) = (1u32, 2u32);
        for _ in 1..failures.min(64) {
            (a, b) = (b, a.saturating_add(b));
        }
        self.config.base.saturating_mul(a).min(self.config.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(base_ms: u64, max_ms: u64, jitter: f64) -> BackoffConfig {
        BackoffConfig {
            base: Duration::from_millis(base_ms),
            max: Duration::from_millis(max_ms),
            jitter,
        }
    }

    #[test]
    fn fibonacci_without_jitter() {
        let mut b = Backoff::new(cfg(1000, 900_000, 0.0));
        let got: Vec<u64> = (0..8).map(|_| b.next_delay(0.7).as_secs()).collect();
        assert_eq!(got, vec![1, 2, 3, 5, 8, 13, 21, 34]);
        assert_eq!(b.failures(), 8);
    }

    #[test]
    fn capped_at_max() {
        let mut b = Backoff::new(cfg(1000, 900_000, 0.0));
        let last = (0..40).map(|_| b.next_delay(0.0)).last();
        assert_eq!(last, Some(Duration::from_secs(900)));
        // Far past the point where Fibonacci overflows u64 it still returns the cap.
        for _ in 0..200 {
            assert_eq!(b.next_delay(0.0), Duration::from_secs(900));
        }
    }

    #[test]
    fn jitter_adds_at_most_its_fraction_and_keeps_growth() {
        let mut hi = Backoff::new(cfg(100, 900_000, 0.25));
        let mut lo = Backoff::new(cfg(100, 900_000, 0.25));
        let mut prev_hi = Duration::ZERO;
        for n in 0..10 {
            let h = hi.next_delay(0.999);
            let l = lo.next_delay(0.0);
            assert!(h >= l && h <= l.mul_f64(1.25), "step {n}: {h:?} vs {l:?}");
            // Worst case for growth: previous maximal jitter, this one none.
            assert!(l > prev_hi, "step {n}: {l:?} not above {prev_hi:?}");
            prev_hi = h;
        }
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(cfg(10, 10_000, 0.0));
        b.next_delay(0.0);
        b.next_delay(0.0);
        b.reset();
        assert_eq!(b.failures(), 0);
        assert_eq!(b.next_delay(0.0), Duration::from_millis(10));
    }
}
