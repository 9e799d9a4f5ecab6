//! The meltdown limit: too many restarts in a sliding window stop the supervisor for good.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// At most `max_restarts` restarts within `window`; one more is a meltdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeltdownConfig {
    /// Restarts tolerated inside the window.
    pub max_restarts: usize,
    /// The sliding window.
    pub window: Duration,
}

impl Default for MeltdownConfig {
    fn default() -> Self {
        Self {
            max_restarts: 30,
            window: Duration::from_secs(60),
        }
    }
}

/// Restart timestamps inside the current window.
#[derive(Debug, Clone)]
pub struct RestartWindow {
    config: MeltdownConfig,
    restarts: VecDeque<Instant>,
}

impl RestartWindow {
    /// An empty window.
    pub fn new(config: MeltdownConfig) -> Self {
        Self {
            config,
            restarts: VecDeque::new(),
        }
    }

    /// Records a restart at `now`; `true` means the limit is exceeded (meltdown).
    pub fn record(&mut self, now: Instant) -> bool {
        while let Some(first) = self.restarts.front() {
            if now.saturating_duration_since(*first) > self.config.window {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.push_back(now);
        self.restarts.len() > self.config.max_restarts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn melts_on_one_more_than_the_limit() {
        let mut w = RestartWindow::new(MeltdownConfig {
            max_restarts: 3,
            window: Duration::from_secs(10),
        });
        let t0 = Instant::now();
        assert!(!w.record(t0));
        assert!(!w.record(t0 + Duration::from_secs(1)));
        assert!(!w.record(t0 + Duration::from_secs(2)));
        assert!(w.record(t0 + Duration::from_secs(3)));
    }

    #[test]
    fn old_restarts_leave_the_window() {
        let mut w = RestartWindow::new(MeltdownConfig {
            max_restarts: 2,
            window: Duration::from_secs(10),
        });
        let t0 = Instant::now();
        assert!(!w.record(t0));
        assert!(!w.record(t0 + Duration::from_secs(1)));
        assert!(!w.record(t0 + Duration::from_secs(20)));
        assert!(!w.record(t0 + Duration::from_secs(21)));
        assert!(w.record(t0 + Duration::from_secs(22)));
    }
}
