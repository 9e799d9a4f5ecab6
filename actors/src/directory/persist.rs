//! The directory's one writer to the store: writes are applied in the order they were made,
//! on a task of their own, so a handler that learns a mapping never waits on the disk and an
//! invalidation can never be overtaken by the write it invalidates.

use tokio::sync::{mpsc, oneshot};

use crate::store::{AccountId, Batch, SharedStore};

/// Writes waiting for the store; beyond this, cache writes are dropped (the cache is
/// advisory: a dropped write costs a query later, never a wrong answer in memory).
const QUEUE: usize = 1024;

enum Job {
    Write(Batch),
    Flush(oneshot::Sender<()>),
}

/// The sending half; the task ends when every clone is gone and the queue is drained.
#[derive(Clone)]
pub(super) struct Persist {
    tx: mpsc::Sender<Job>,
}

impl Persist {
    /// Starts the writer task (on the current tokio runtime).
    pub(super) fn spawn(store: SharedStore, account: AccountId) -> Self {
        let (tx, mut rx) = mpsc::channel(QUEUE);
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
        Self { tx }
    }

    /// Queues `batch`; a full queue drops it (logged).
    pub(super) fn write(&self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        if self.tx.try_send(Job::Write(batch)).is_err() {
            tracing::warn!("directory cache writes are behind; one dropped");
        }
    }

    /// Waits until every write queued before this call is applied.
    pub(super) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
