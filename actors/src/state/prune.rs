//! Forgetting processed message ids once they are older than the retention, so the
//! de-duplication table does not grow for the whole life of the account.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::store::{AccountId, Namespace, RetentionConfig, Store};

/// Runs the prune at most once per interval.
pub(crate) struct Pruner {
    keep: Duration,
    every: Duration,
    last: Option<Instant>,
}

impl Pruner {
    pub(crate) fn new(config: &RetentionConfig) -> Self {
        Self {
            keep: config.processed_messages,
            every: config.prune_interval,
            last: None,
        }
    }

    /// Prunes when the interval has passed (or never ran), given the wall clock `now` and
    /// the monotonic `tick`. A failure is logged and retried at the next interval: nothing
    /// depends on it but the table's size.
    pub(crate) async fn run_if_due(
        &mut self,
        store: &dyn Store,
        account: &AccountId,
        now: DateTime<Utc>,
        tick: Instant,
    ) {
        if self
            .last
            .is_some_and(|last| tick.saturating_duration_since(last) < self.every)
        {
            return;
        }
        self.last = Some(tick);
        // A retention too long to subtract means "keep forever".
        let Some(before) = chrono::Duration::from_std(self.keep)
            .ok()
            .and_then(|keep| now.checked_sub_signed(keep))
        else {
            return;
        };
        match store
            .prune_older_than(account, Namespace::PROCESSED_MESSAGES, before)
            .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::debug!(removed, "pruned old processed message ids"),
            Err(e) => tracing::warn!(error = %e, "pruning processed message ids failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn prunes_old_ids_once_per_interval() {
        let store = MemoryStore::new();
        let a = AccountId::from("a");
        let ns = Namespace::PROCESSED_MESSAGES;
        store.put(&a, ns, b"m1", b"").await.unwrap();
        store.put(&a, Namespace::SESSIONS, b"s", b"").await.unwrap();
        let config = RetentionConfig {
            processed_messages: Duration::from_secs(24 * 3600),
            prune_interval: Duration::from_secs(60),
            ..RetentionConfig::default()
        };
        let mut p = Pruner::new(&config);
        let t0 = Instant::now();
        // Younger than the retention: kept.
        p.run_if_due(&store, &a, Utc::now(), t0).await;
        assert!(store.get(&a, ns, b"m1").await.unwrap().is_some());
        // Two days on, but within the interval of the last run: not run.
        let later = Utc::now() + chrono::Duration::days(2);
        p.run_if_due(&store, &a, later, t0 + Duration::from_secs(30))
            .await;
        assert!(store.get(&a, ns, b"m1").await.unwrap().is_some());
        // Due: old ids go, other tables stay.
        p.run_if_due(&store, &a, later, t0 + Duration::from_secs(61))
            .await;
        assert_eq!(store.get(&a, ns, b"m1").await.unwrap(), None);
        assert!(store
            .get(&a, Namespace::SESSIONS, b"s")
            .await
            .unwrap()
            .is_some());
        // An unrepresentable retention keeps everything.
        store.put(&a, ns, b"m2", b"").await.unwrap();
        let mut forever = Pruner::new(&RetentionConfig {
            processed_messages: Duration::MAX,
            ..config
        });
        forever.run_if_due(&store, &a, later, t0).await;
        assert!(store.get(&a, ns, b"m2").await.unwrap().is_some());
    }
}
