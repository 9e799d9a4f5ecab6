//! The thread that owns the SQLite connection, and the thread that runs commit hooks.
//!
//! # Why two threads
//! A commit hook ([`OnCommit`]) publishes events, and publishing runs subscriber code (an
//! actor subscriber's `From<Event>` conversion or mapping closure). Run on the connection
//! thread, that code could panic or block it, and every later store call would fail. So the
//! connection thread only commits and then queues the hook, with the caller's reply channel,
//! on a second thread that runs hooks one at a time in commit order. The hook is queued by the
//! connection thread itself, right after the commit, so "stored, then published" still holds
//! when the caller is killed while it waits; hooks never overtake each other, so events keep
//! the order of their commits.
//!
//! A dedicated thread rather than a tokio task: it needs no runtime handle (a store may be
//! opened on one runtime and used from another), and publishing never awaits.
//!
//! Both threads catch panics per job: a panicking job or hook fails with
//! [`StoreError::Panicked`] / [`StoreError::HookPanicked`] and the next one runs normally.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::error::panic_text;
use crate::store::{OnCommit, StoreError, StoreResult};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A hook to run and where to report that the whole `apply_then` is done.
type HookJob = (OnCommit, oneshot::Sender<StoreResult<()>>);

/// Handle to the connection thread. Both threads end when the handle is dropped.
pub(super) struct Worker {
    jobs: mpsc::Sender<Job>,
    hooks: mpsc::Sender<HookJob>,
}

fn spawn_hook_thread() -> StoreResult<mpsc::Sender<HookJob>> {
    let (hooks, rx) = mpsc::channel::<HookJob>();
    std::thread::Builder::new()
        .name("wa-sqlite-hooks".into())
        .spawn(move || {
            while let Ok((hook, reply)) = rx.recv() {
                let result = catch_unwind(AssertUnwindSafe(hook)).map_err(|p| {
                    let detail = panic_text(&*p);
                    tracing::error!(%detail, "a commit hook panicked; the batch stays committed");
                    StoreError::HookPanicked(detail)
                });
                let _ = reply.send(result);
            }
        })
        .map_err(|e| StoreError::corrupt("hook thread", e))?;
    Ok(hooks)
}

impl Worker {
    /// Starts the threads, opening the connection on the first with `open`.
    pub(super) async fn spawn(
        open: impl FnOnce() -> StoreResult<Connection> + Send + 'static,
    ) -> StoreResult<Self> {
        let hooks = spawn_hook_thread()?;
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = oneshot::channel::<StoreResult<()>>();
        std::thread::Builder::new()
            .name("wa-sqlite".into())
            .spawn(move || {
                let opened = catch_unwind(AssertUnwindSafe(open))
                    .unwrap_or_else(|p| Err(StoreError::Panicked(panic_text(&*p))));
                let mut conn = match opened {
                    Ok(conn) => {
                        let _ = ready_tx.send(Ok(()));
                        conn
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = rx.recv() {
                    job(&mut conn);
                }
            })
            .map_err(|e| StoreError::corrupt("worker thread", e))?;
        ready_rx.await.map_err(|_| StoreError::Closed)??;
        Ok(Self { jobs, hooks })
    }

    /// Runs `f` on the connection thread and returns its result. A panic in `f` is caught:
    /// an open transaction is rolled back and the call fails with [`StoreError::Panicked`].
    pub(super) fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> impl std::future::Future<Output = StoreResult<T>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(guarded(conn, f));
        });
        self.submit(job, rx)
    }

    /// Runs `f` on the connection thread and, when it succeeds, `hook` on the hook thread;
    /// resolves once both are done. Both are queued now, whatever happens to the caller.
    pub(super) fn run_then(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<()> + Send + 'static,
        hook: OnCommit,
    ) -> impl std::future::Future<Output = StoreResult<()>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let hooks = self.hooks.clone();
        let job: Job = Box::new(move |conn| match guarded(conn, f) {
            Ok(()) => {
                if let Err(mpsc::SendError((_, tx))) = hooks.send((hook, tx)) {
                    let _ = tx.send(Err(StoreError::Closed));
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        });
        self.submit(job, rx)
    }

    fn submit<T: Send + 'static>(
        &self,
        job: Job,
        rx: oneshot::Receiver<StoreResult<T>>,
    ) -> impl std::future::Future<Output = StoreResult<T>> + Send + 'static {
        let sent = self.jobs.send(job).is_ok();
        async move {
            if !sent {
                return Err(StoreError::Closed);
            }
            rx.await.map_err(|_| StoreError::Closed)?
        }
    }
}

/// `f` with its panic turned into an error and the connection left outside any transaction.
fn guarded<T>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    match catch_unwind(AssertUnwindSafe(|| f(conn))) {
        Ok(result) => result,
        Err(payload) => {
            // A `Transaction` dropped while unwinding rolls back; this covers a job that
            // began one by hand.
            if !conn.is_autocommit() {
                if let Err(e) = conn.execute_batch("ROLLBACK") {
                    tracing::error!(error = %e, "rollback after a panicking store job failed");
                }
            }
            let detail = panic_text(&*payload);
            tracing::error!(%detail, "a store job panicked; the store keeps running");
            Err(StoreError::Panicked(detail))
        }
    }
}
