//! The writes of a group commit that are not stored yet, and a view of the store that reads
//! them first.
//!
//! The Signal actor decrypts several stanzas before it commits their writes in one
//! transaction. Each stanza must see what the ones before it changed (the ratchet moved, a
//! prekey was used, an id was processed), so it reads through a [`Staged`] store: a key the
//! open batch wrote or deleted answers from the batch, anything else from the real store.
//! Writes made through the view join the batch; nothing reaches the real store until the
//! owner [`Staged::take`]s the batch and commits it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use crate::store::{
    AccountId, Batch, DeviceData, Entry, Namespace, OnCommit, Store, StoreError, StoreResult,
    WriteOp,
};

/// The open batch: its writes in order, and the latest value each key will have after it.
#[derive(Default)]
struct Overlay {
    /// `None` is a write a later one to the same key made pointless.
    ops: Vec<Option<WriteOp>>,
    /// Where the last plain put or delete of each key sits in `ops`.
    last_write: BTreeMap<(Namespace, Vec<u8>), usize>,
    /// `None` is a staged delete.
    latest: BTreeMap<(Namespace, Vec<u8>), Option<Vec<u8>>>,
    /// Tables the batch clears: keys it did not write since read as absent.
    cleared: BTreeSet<Namespace>,
    /// What the store answered for keys the batch did not write, kept for the batch's life:
    /// a busy sender's contact row is read once per batch, not once per message.
    read: BTreeMap<(Namespace, Vec<u8>), Option<Vec<u8>>>,
}

/// What the overlay knows about one key.
enum Seen {
    /// The batch decides: this value, or absent.
    Staged(Option<Vec<u8>>),
    /// Not touched by the batch: ask the store.
    Unknown,
}

impl Overlay {
    fn seen(&self, ns: Namespace, key: &[u8]) -> Seen {
        let k = (ns, key.to_vec());
        match self.latest.get(&k) {
            Some(v) => Seen::Staged(v.clone()),
            None if self.cleared.contains(&ns) => Seen::Staged(None),
            None => match self.read.get(&k) {
                Some(v) => Seen::Staged(v.clone()),
                None => Seen::Unknown,
            },
        }
    }

    fn stage(&mut self, op: WriteOp) {
        let at = self.ops.len();
        match &op {
            WriteOp::Put { ns, key, value } => {
                self.supersede(*ns, key, at);
                self.latest.insert((*ns, key.clone()), Some(value.clone()));
            }
            WriteOp::InsertNew { ns, key, value } => {
                // Never dropped or dropping: its "must be absent" check has to run where it
                // stands. Over a stored key it fails the whole commit; reading it as written
                // meanwhile is harmless, because nothing of the batch is published then.
                self.last_write.remove(&(*ns, key.clone()));
                self.latest.insert((*ns, key.clone()), Some(value.clone()));
            }
            WriteOp::Delete { ns, key } => {
                self.supersede(*ns, key, at);
                self.latest.insert((*ns, key.clone()), None);
            }
            WriteOp::Clear { ns } => {
                self.latest.retain(|(n, _), _| n != ns);
                self.last_write.retain(|(n, _), _| n != ns);
                self.cleared.insert(*ns);
            }
            WriteOp::SaveDevice(_) => {}
        }
        self.ops.push(Some(op));
    }

    /// A put or delete at `at` makes the key's previous put or delete pointless: a busy
    /// sender's session is written once per batch, not once per message.
    fn supersede(&mut self, ns: Namespace, key: &[u8], at: usize) {
        if let Some(prev) = self.last_write.insert((ns, key.to_vec()), at) {
            self.ops[prev] = None;
        }
    }

    /// `base` (the store's entries under `prefix`) with the batch's writes laid over it.
    fn merge(&self, ns: Namespace, prefix: &[u8], base: Vec<Entry>) -> Vec<Entry> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = if self.cleared.contains(&ns) {
            BTreeMap::new()
        } else {
            base.into_iter().collect()
        };
        let start = (ns, prefix.to_vec());
        for ((n, key), value) in self.latest.range(start..) {
            if *n != ns || !key.starts_with(prefix) {
                break;
            }
            match value {
                Some(v) => merged.insert(key.clone(), v.clone()),
                None => merged.remove(key),
            };
        }
        merged.into_iter().collect()
    }
}

/// A store view for one account whose writes wait in a batch (see the module docs), and
/// whose reads of the store are remembered until the batch closes. Other accounts pass
/// straight through. What cannot wait in a batch (device saves, commit hooks,
/// pruning) is refused with [`StoreError::Unsupported`]; id reservation goes to the store at
/// once, as it must be atomic across actors.
pub(crate) struct Staged {
    base: Arc<dyn Store>,
    account: AccountId,
    overlay: Mutex<Overlay>,
}

impl Staged {
    /// An empty batch over `base` for `account`.
    pub(crate) fn new(base: Arc<dyn Store>, account: AccountId) -> Self {
        Self {
            base,
            account,
            overlay: Mutex::new(Overlay::default()),
        }
    }

    fn overlay(&self) -> MutexGuard<'_, Overlay> {
        self.overlay.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `batch`'s writes to the open batch, in order.
    pub(crate) fn stage(&self, batch: Batch) {
        let mut overlay = self.overlay();
        for op in batch.ops {
            overlay.stage(op);
        }
    }

    /// How many writes wait (not counting superseded ones).
    #[cfg(test)]
    pub(crate) fn pending_ops(&self) -> usize {
        self.overlay().ops.iter().flatten().count()
    }

    /// Closes the batch: every staged write that still matters, in order, and an empty
    /// overlay after.
    pub(crate) fn take(&self) -> Batch {
        let overlay = std::mem::take(&mut *self.overlay());
        Batch {
            ops: overlay.ops.into_iter().flatten().collect(),
        }
    }

    fn ours(&self, account: &AccountId) -> bool {
        *account == self.account
    }
}

fn refused<'a, T: Send + 'a>(what: &'static str) -> BoxFuture<'a, StoreResult<T>> {
    Box::pin(async move { Err(StoreError::Unsupported(what)) })
}

impl Store for Staged {
    fn accounts(&self) -> BoxFuture<'_, StoreResult<Vec<AccountId>>> {
        self.base.accounts()
    }

    fn load_device<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, StoreResult<Option<DeviceData>>> {
        self.base.load_device(account)
    }

    fn save_device<'a>(
        &'a self,
        _account: &'a AccountId,
        _device: &'a DeviceData,
    ) -> BoxFuture<'a, StoreResult<()>> {
        refused("save_device in a staged batch")
    }

    fn delete_account<'a>(&'a self, _account: &'a AccountId) -> BoxFuture<'a, StoreResult<()>> {
        refused("delete_account in a staged batch")
    }

    fn get<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Option<Vec<u8>>>> {
        if !self.ours(account) {
            return self.base.get(account, ns, key);
        }
        // The guard is dropped before any await: the future stays `Send`.
        let seen = self.overlay().seen(ns, key);
        match seen {
            Seen::Staged(v) => Box::pin(async move { Ok(v) }),
            Seen::Unknown => Box::pin(async move {
                let v = self.base.get(account, ns, key).await?;
                // Another owner's write to a key made after this read shows from the next
                // batch on, as it would have if the read had come a moment later.
                self.overlay().read.insert((ns, key.to_vec()), v.clone());
                Ok(v)
            }),
        }
    }

    fn get_many<'a>(
        &'a self,
        account: &'a AccountId,
        keys: &'a [(Namespace, Vec<u8>)],
    ) -> BoxFuture<'a, StoreResult<Vec<Option<Vec<u8>>>>> {
        if !self.ours(account) {
            return self.base.get_many(account, keys);
        }
        let mut out = Vec::with_capacity(keys.len());
        let mut unknown = Vec::new();
        {
            let overlay = self.overlay();
            for (i, (ns, key)) in keys.iter().enumerate() {
                match overlay.seen(*ns, key) {
                    Seen::Staged(v) => out.push(v),
                    Seen::Unknown => {
                        out.push(None);
                        unknown.push(i);
                    }
                }
            }
        }
        Box::pin(async move {
            if unknown.is_empty() {
                return Ok(out);
            }
            let asked: Vec<(Namespace, Vec<u8>)> =
                unknown.iter().map(|&i| keys[i].clone()).collect();
            let answers = self.base.get_many(account, &asked).await?;
            let mut overlay = self.overlay();
            for (&i, v) in unknown.iter().zip(answers) {
                // Remembered like a single read's answer (see `get`).
                overlay.read.insert(keys[i].clone(), v.clone());
                out[i] = v;
            }
            Ok(out)
        })
    }

    fn put<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.apply(account, Batch::new().put(ns, key, value))
    }

    fn put_if_absent<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        if !self.ours(account) {
            return self.base.put_if_absent(account, ns, key, value);
        }
        Box::pin(async move {
            if self.get(account, ns, key).await?.is_some() {
                return Ok(false);
            }
            self.stage(Batch::new().put(ns, key, value));
            Ok(true)
        })
    }

    fn delete<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        if !self.ours(account) {
            return self.base.delete(account, ns, key);
        }
        Box::pin(async move {
            let existed = self.get(account, ns, key).await?.is_some();
            self.stage(Batch::new().delete(ns, key));
            Ok(existed)
        })
    }

    fn scan_prefix<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        prefix: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Vec<Entry>>> {
        if !self.ours(account) {
            return self.base.scan_prefix(account, ns, prefix);
        }
        Box::pin(async move {
            let base = self.base.scan_prefix(account, ns, prefix).await?;
            Ok(self.overlay().merge(ns, prefix, base))
        })
    }

    fn apply<'a>(&'a self, account: &'a AccountId, batch: Batch) -> BoxFuture<'a, StoreResult<()>> {
        if !self.ours(account) {
            return self.base.apply(account, batch);
        }
        self.stage(batch);
        Box::pin(async { Ok(()) })
    }

    fn apply_then<'a>(
        &'a self,
        _account: &'a AccountId,
        _batch: Batch,
        _on_commit: OnCommit,
    ) -> BoxFuture<'a, StoreResult<()>> {
        // A hook promises "after durable"; a staged batch is not durable yet.
        refused("apply_then in a staged batch")
    }

    fn reserve_ids<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        count: u32,
        max: u32,
    ) -> BoxFuture<'a, StoreResult<u32>> {
        // Reserved ids may go unused if the batch is lost; a gap in prekey ids is harmless.
        self.base.reserve_ids(account, ns, key, count, max)
    }

    fn prune_older_than<'a>(
        &'a self,
        _account: &'a AccountId,
        _ns: Namespace,
        _before: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<u64>> {
        refused("prune_older_than in a staged batch")
    }
}

#[cfg(test)]
#[path = "staged_tests.rs"]
mod tests;
