//! Keepalive timing: when to ping, how long to wait, how many misses end the connection
//! (whatsmeow `keepalive.go`: a ping every 20–30 s, 10 s to answer).

use std::time::{Duration, Instant};

/// Keepalive timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepaliveConfig {
    /// Shortest wait between pings.
    pub interval_min: Duration,
    /// Longest wait between pings (each wait is uniform in `interval_min..=interval_max`).
    pub interval_max: Duration,
    /// How long a ping may go unanswered before it counts as missed.
    pub response_timeout: Duration,
    /// Missed pings in a row that end the connection.
    pub max_misses: u32,
}

impl Default for KeepaliveConfig {
    fn default() -> Self {
        Self {
            interval_min: Duration::from_secs(20),
            interval_max: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            max_misses: 3,
        }
    }
}

/// What the keepalive wants done at a deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeepaliveAction {
    /// Send a ping now.
    Ping,
    /// The ping in flight went unanswered; `misses` in a row so far.
    Missed { misses: u32 },
    /// Nothing due.
    Idle,
}

/// The keepalive state of one logged-in connection.
#[derive(Debug, Clone)]
pub struct Keepalive {
    config: KeepaliveConfig,
    /// Jitter source (SplitMix64), seeded by the driver: no global RNG in here.
    rng: u64,
    next_ping: Instant,
    /// Deadline of the ping in flight.
    awaiting: Option<Instant>,
    misses: u32,
}

impl Keepalive {
    /// Starts the schedule at `now`; `seed` feeds the interval jitter.
    pub fn new(config: KeepaliveConfig, seed: u64, now: Instant) -> Self {
        let mut k = Self {
            config,
            rng: seed,
            next_ping: now,
            awaiting: None,
            misses: 0,
        };
        k.next_ping = now + k.interval();
        k
    }

    fn interval(&mut self) -> Duration {
        let lo = self.config.interval_min;
        let hi = self.config.interval_max.max(lo);
        let span = (hi - lo).as_millis() as u64;
        if span == 0 {
            return lo;
        }
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        lo + Duration::from_millis(z % (span + 1))
    }

    /// The next instant something is due.
    pub fn deadline(&self) -> Instant {
        self.awaiting.unwrap_or(self.next_ping)
    }

    /// Misses in a row so far.
    pub fn misses(&self) -> u32 {
        self.misses
    }

    /// Advances to `now`: a ping is due, or the one in flight was missed.
    pub(crate) fn on_timeout(&mut self, now: Instant) -> KeepaliveAction {
        match self.awaiting {
            Some(deadline) if now >= deadline => {
                self.awaiting = None;
                self.misses += 1;
                self.next_ping = now + self.interval();
                KeepaliveAction::Missed {
                    misses: self.misses,
                }
            }
            Some(_) => KeepaliveAction::Idle,
            None if now >= self.next_ping => {
                self.awaiting = Some(now + self.config.response_timeout);
                KeepaliveAction::Ping
            }
            None => KeepaliveAction::Idle,
        }
    }

    /// The ping in flight was answered at `now`.
    pub(crate) fn on_answer(&mut self, now: Instant) {
        if self.awaiting.take().is_some() {
            self.misses = 0;
            self.next_ping = now + self.interval();
        }
    }

    /// Whether `misses` ends the connection.
    pub(crate) fn is_dead(&self) -> bool {
        self.misses >= self.config.max_misses.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_stay_in_range_and_vary() {
        let cfg = KeepaliveConfig::default();
        let t0 = Instant::now();
        let mut k = Keepalive::new(cfg, 7, t0);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let i = k.interval();
            assert!(i >= cfg.interval_min && i <= cfg.interval_max, "{i:?}");
            seen.insert(i);
        }
        assert!(seen.len() > 10, "jitter should vary: {seen:?}");
    }

    #[test]
    fn ping_then_miss_then_answer_resets() {
        let cfg = KeepaliveConfig {
            interval_min: Duration::from_secs(1),
            interval_max: Duration::from_secs(1),
            response_timeout: Duration::from_secs(2),
            max_misses: 2,
        };
        let t0 = Instant::now();
        let mut k = Keepalive::new(cfg, 0, t0);
        assert_eq!(k.on_timeout(t0), KeepaliveAction::Idle);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(k.deadline(), t1);
        assert_eq!(k.on_timeout(t1), KeepaliveAction::Ping);
        let t3 = t1 + Duration::from_secs(2);
        assert_eq!(k.deadline(), t3);
        assert_eq!(k.on_timeout(t3), KeepaliveAction::Missed { misses: 1 });
        assert!(!k.is_dead());
        let t4 = t3 + Duration::from_secs(1);
        assert_eq!(k.on_timeout(t4), KeepaliveAction::Ping);
        k.on_answer(t4);
        assert_eq!(k.misses(), 0);
    }
}
