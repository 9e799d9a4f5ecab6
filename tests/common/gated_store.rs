//! A store for fault tests: everything passes through to another store, and the test acts
//! before each commit (stall it, fail it). Written once so each test states only its fault.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use wa_actors::store::{
    AccountId, Batch, DeviceData, Entry, Namespace, OnCommit, Store, StoreResult,
};

/// What a test does before a commit.
pub trait CommitGate: Send + Sync + 'static {
    /// Runs before `batch` is committed, by `apply_then` when `then`, else by `apply`. An
    /// error fails that commit and nothing of it is written.
    fn before_commit<'a>(&'a self, batch: &'a Batch, then: bool) -> BoxFuture<'a, StoreResult<()>>;
}

/// `inner` with `gate` in front of its commits.
pub struct GatedStore<S, G> {
    pub inner: S,
    pub gate: G,
}

impl<S: Store, G: CommitGate> Store for GatedStore<S, G> {
    fn accounts(&self) -> BoxFuture<'_, StoreResult<Vec<AccountId>>> {
        self.inner.accounts()
    }
    fn load_device<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, StoreResult<Option<DeviceData>>> {
        self.inner.load_device(account)
    }
    fn save_device<'a>(
        &'a self,
        account: &'a AccountId,
        device: &'a DeviceData,
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.inner.save_device(account, device)
    }
    fn delete_account<'a>(&'a self, account: &'a AccountId) -> BoxFuture<'a, StoreResult<()>> {
        self.inner.delete_account(account)
    }
    fn get<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Option<Vec<u8>>>> {
        self.inner.get(account, ns, key)
    }
    fn put<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.inner.put(account, ns, key, value)
    }
    fn put_if_absent<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        self.inner.put_if_absent(account, ns, key, value)
    }
    fn delete<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        self.inner.delete(account, ns, key)
    }
    fn scan_prefix<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        prefix: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Vec<Entry>>> {
        self.inner.scan_prefix(account, ns, prefix)
    }
    fn apply<'a>(&'a self, account: &'a AccountId, batch: Batch) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            self.gate.before_commit(&batch, false).await?;
            self.inner.apply(account, batch).await
        })
    }
    fn apply_then<'a>(
        &'a self,
        account: &'a AccountId,
        batch: Batch,
        on_commit: OnCommit,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            self.gate.before_commit(&batch, true).await?;
            self.inner.apply_then(account, batch, on_commit).await
        })
    }
    fn reserve_ids<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        count: u32,
        max: u32,
    ) -> BoxFuture<'a, StoreResult<u32>> {
        self.inner.reserve_ids(account, ns, key, count, max)
    }
    fn prune_older_than<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        before: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<u64>> {
        self.inner.prune_older_than(account, ns, before)
    }
}
