//! [`RetentionConfig`]: how much inbound bookkeeping the client keeps, so that neither a long
//! life nor a hostile sender grows the store or the memory without end.

use std::time::Duration;

/// Bounds on bookkeeping state. Every field has a default suited to a normal account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    /// How long a processed message id is remembered for recognising redeliveries. The
    /// server redelivers only what it was not acked for, so a redelivery older than this is
    /// not expected. Default: 30 days.
    pub processed_messages: Duration,
    /// How often the Signal actor prunes processed ids older than `processed_messages` (first
    /// on the first message after start). Default: 1 hour.
    pub prune_interval: Duration,
    /// How many message ids the retry-receipt counter tracks; beyond that the oldest are
    /// forgotten (a forgotten id starts again from the count its sender re-sent it with).
    /// Default: 4096.
    pub max_tracked_retries: usize,
    /// How many one-time prekeys minted for retry receipts may be stored at once; minting one
    /// more deletes the oldest. A sender device that is sent a key keeps getting the same one
    /// while it is unused, so a flood of junk messages mints one key per sender device, not
    /// one per message. Default: 200.
    pub max_retry_prekeys: usize,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            processed_messages: Duration::from_secs(30 * 24 * 3600),
            prune_interval: Duration::from_secs(3600),
            max_tracked_retries: 4096,
            max_retry_prekeys: 200,
        }
    }
}
