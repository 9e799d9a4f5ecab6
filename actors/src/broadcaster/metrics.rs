//! Counters of the broadcaster, readable at any time without messaging it.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::Serialize;

/// Live counters shared between the broadcaster and its handles.
#[derive(Debug, Default)]
pub struct BroadcasterMetrics {
    published: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    pruned: AtomicU64,
    subscribers: AtomicU64,
}

/// A snapshot of [`BroadcasterMetrics`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct BroadcasterStats {
    /// Events published.
    pub published: u64,
    /// Events handed to subscribers (one per subscriber per event that passed its filter).
    pub delivered: u64,
    /// Events a subscriber missed because it was full: stream subscribers that lagged and
    /// closure subscribers over their queue limit.
    pub dropped: u64,
    /// Subscribers removed because they stopped, panicked or dropped their stream.
    pub pruned: u64,
    /// Subscribers right now.
    pub subscribers: u64,
}

impl BroadcasterMetrics {
    /// Reads every counter.
    pub fn snapshot(&self) -> BroadcasterStats {
        BroadcasterStats {
            published: self.published.load(Relaxed),
            delivered: self.delivered.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            pruned: self.pruned.load(Relaxed),
            subscribers: self.subscribers.load(Relaxed),
        }
    }

    pub(super) fn record_publish(&self, delivered: u64, dropped: u64) {
        self.published.fetch_add(1, Relaxed);
        if delivered > 0 {
            self.delivered.fetch_add(delivered, Relaxed);
        }
        if dropped > 0 {
            self.dropped.fetch_add(dropped, Relaxed);
        }
    }

    pub(super) fn record_pruned(&self, n: u64) {
        self.pruned.fetch_add(n, Relaxed);
    }

    pub(super) fn set_subscribers(&self, n: usize) {
        self.subscribers.store(n as u64, Relaxed);
    }
}
