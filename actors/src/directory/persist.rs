//! The directory's one writer to the store: writes are applied in the order they were made,
//! on a task of their own, so a handler that learns a mapping never waits on the disk and an
//! invalidation can never be overtaken by the write it invalidates. The task starts with the
//! first write: most idle sessions never learn anything and need none.

use std::sync::OnceLock;

use tokio::sync::{mpsc, oneshot};

use crate::store::{AccountId, Batch, SharedStore};

/// Writes waiting for the store; beyond this, cache writes are dropped (the cache is
/// advisory: a dropped write costs a query later, never a wrong answer in memory).
const QUEUE: usize = 1024;

enum Job {
    Write(Batch),
    Flush(oneshot::Sender<()>),
}

/// The store to write to and, once something was written, the writer task's queue; the task
/// ends when this is dropped and the queue is drained.
pub(super) struct Persist {
    store: SharedStore,
    account: AccountId,
    tx: OnceLock<mpsc::Sender<Job>>,
}

impl Persist {
    /// The writer for `account`; its task is started (on the current tokio runtime) by the
    /// first write.
    pub(super) fn new(store: SharedStore, account: AccountId) -> Self {
        Self {
            store,
            account,
            tx: OnceLock::new(),
        }
    }

    fn queue(&self) -> &mpsc::Sender<Job> {
        self.tx.get_or_init(|| {
            let (tx, mut rx) = mpsc::channel(QUEUE);
            let (store, account) = (self.store.clone(), self.account.clone());
            tokio::spawn(async move {
                while let Some(job) = rx.recv().await {
                    match job {
                        Job::Write(batch) => {
                            if let Err(e) = store.apply(&account, batch).await {
                                tracing::warn!(error = %e, "directory cache write failed");
                            }
                        }
                        Job::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            });
            tx
        })
    }

    /// Queues `batch`; a full queue drops it (logged).
    pub(super) fn write(&self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        if self.queue().try_send(Job::Write(batch)).is_err() {
            tracing::warn!("directory cache writes are behind; one dropped");
        }
    }

    /// Waits until every write queued before this call is applied.
    pub(super) async fn flush(&self) {
        let Some(tx) = self.tx.get() else {
            return; // nothing was ever written
        };
        let (done, wait) = oneshot::channel();
        if tx.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
