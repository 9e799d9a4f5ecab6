//! Limits of the history-sync actor.

use std::time::Duration;

/// How the history-sync actor treats chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryConfig {
    /// The most bytes one chunk may inflate to (a larger one fails with `TooLarge`).
    pub max_inflated: usize,
    /// Download attempts for a transient failure (no connection, a host error) before the
    /// chunk is given up with a `server-error` receipt.
    pub download_attempts: u32,
    /// The wait before retrying a transient failure.
    pub retry_after: Duration,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            max_inflated: wa_protocol::history::DEFAULT_MAX_INFLATED,
            download_attempts: 5,
            retry_after: Duration::from_secs(2),
        }
    }
}

impl HistoryConfig {
    /// Sets [`max_inflated`](Self::max_inflated).
    pub fn max_inflated(mut self, bytes: usize) -> Self {
        self.max_inflated = bytes;
        self
    }

    /// Sets [`download_attempts`](Self::download_attempts) and
    /// [`retry_after`](Self::retry_after).
    pub fn retries(mut self, attempts: u32, after: Duration) -> Self {
        self.download_attempts = attempts.max(1);
        self.retry_after = after;
        self
    }
}
