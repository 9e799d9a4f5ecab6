//! A store that keeps everything in memory, for tests and short-lived clients.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use futures::future::{self, BoxFuture};

use super::memory_tables::{Stamped, Tables};
use super::{
    counter, AccountId, Batch, DeviceData, Entry, Namespace, Store, StoreError, StoreResult,
    WriteOp,
};

#[derive(Default)]
struct Account {
    device: Option<DeviceData>,
    tables: Tables,
}

/// What one write replaced, so a failed batch can be put back exactly.
enum Undo {
    Entry((Namespace, Vec<u8>), Option<Stamped>),
    Table(Namespace, Vec<(Vec<u8>, Stamped)>),
    Device(Option<Box<DeviceData>>),
}

impl Account {
    fn is_empty(&self) -> bool {
        self.device.is_none() && self.tables.is_empty()
    }

    fn apply(&mut self, op: WriteOp, now: i64) -> StoreResult<Undo> {
        Ok(match op {
            WriteOp::Put { ns, key, value } => {
                let old = self.tables.insert(ns, key.clone(), value, now);
                Undo::Entry((ns, key), old)
            }
            WriteOp::InsertNew { ns, key, value } => {
                if self.tables.contains(ns, &key) {
                    return Err(StoreError::KeyExists { ns, key });
                }
                self.tables.insert(ns, key.clone(), value, now);
                Undo::Entry((ns, key), None)
            }
            WriteOp::Delete { ns, key } => {
                let old = self.tables.remove(ns, &key);
                Undo::Entry((ns, key), old)
            }
            WriteOp::Clear { ns } => Undo::Table(ns, self.tables.take_ns(ns)),
            WriteOp::SaveDevice(device) => Undo::Device(self.device.replace(*device).map(Box::new)),
        })
    }

    fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Entry((ns, key), Some((value, time))) => {
                self.tables.insert(ns, key, value, time);
            }
            Undo::Entry((ns, key), None) => {
                self.tables.remove(ns, &key);
            }
            Undo::Table(ns, entries) => {
                for (key, (value, time)) in entries {
                    self.tables.insert(ns, key, value, time);
                }
            }
            Undo::Device(old) => self.device = old.map(|d| *d),
        }
    }

    /// Applies every op or, on the first failure, none of them.
    fn apply_all(&mut self, ops: Vec<WriteOp>, now: i64) -> StoreResult<()> {
        let mut done = Vec::with_capacity(ops.len());
        for op in ops {
            match self.apply(op, now) {
                Ok(undo) => done.push(undo),
                Err(e) => {
                    while let Some(undo) = done.pop() {
                        self.undo(undo);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// An in-memory [`Store`]. Cloning the data out of a lock is cheap next to real I/O, so every
/// method completes immediately.
#[derive(Default)]
pub struct MemoryStore {
    accounts: Mutex<HashMap<AccountId, Account>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<AccountId, Account>) -> T) -> T {
        // A panic while holding the lock cannot leave a map half-updated in a way later readers
        // would misread (each operation is one map call), so a poisoned lock is recovered.
        let mut guard = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    fn ready<'a, T: Send + 'a>(value: StoreResult<T>) -> BoxFuture<'a, StoreResult<T>> {
        Box::pin(future::ready(value))
    }
}

fn now() -> i64 {
    Utc::now().timestamp()
}

impl Store for MemoryStore {
    fn accounts(&self) -> BoxFuture<'_, StoreResult<Vec<AccountId>>> {
        let mut ids: Vec<AccountId> = self.with(|m| {
            m.iter()
                .filter(|(_, a)| a.device.is_some())
                .map(|(id, _)| id.clone())
                .collect()
        });
        ids.sort();
        Self::ready(Ok(ids))
    }

    fn load_device<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, StoreResult<Option<DeviceData>>> {
        Self::ready(Ok(
            self.with(|m| m.get(account).and_then(|a| a.device.clone()))
        ))
    }

    fn save_device<'a>(
        &'a self,
        account: &'a AccountId,
        device: &'a DeviceData,
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.with(|m| m.entry(account.clone()).or_default().device = Some(device.clone()));
        Self::ready(Ok(()))
    }

    fn delete_account<'a>(&'a self, account: &'a AccountId) -> BoxFuture<'a, StoreResult<()>> {
        self.with(|m| m.remove(account));
        Self::ready(Ok(()))
    }

    fn get<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Option<Vec<u8>>>> {
        Self::ready(Ok(self.with(|m| {
            m.get(account)
                .and_then(|a| a.tables.get(ns, key))
                .map(|(v, _)| v)
        })))
    }

    fn put<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.with(|m| {
            m.entry(account.clone()).or_default().tables.insert(
                ns,
                key.to_vec(),
                value.to_vec(),
                now(),
            )
        });
        Self::ready(Ok(()))
    }

    fn put_if_absent<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        let inserted = self.with(|m| {
            let tables = &mut m.entry(account.clone()).or_default().tables;
            if tables.contains(ns, key) {
                false
            } else {
                tables.insert(ns, key.to_vec(), value.to_vec(), now());
                true
            }
        });
        Self::ready(Ok(inserted))
    }

    fn delete<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        let existed = self.with(|m| {
            m.get_mut(account)
                .and_then(|a| a.tables.remove(ns, key))
                .is_some()
        });
        Self::ready(Ok(existed))
    }

    fn scan_prefix<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        prefix: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Vec<Entry>>> {
        let entries = self.with(|m| {
            m.get(account)
                .map(|a| a.tables.scan(ns, prefix))
                .unwrap_or_default()
        });
        Self::ready(Ok(entries))
    }

    fn apply<'a>(&'a self, account: &'a AccountId, batch: Batch) -> BoxFuture<'a, StoreResult<()>> {
        // One lock for the whole batch: readers see all of it or none of it.
        let result = self.with(|m| {
            let acc = m.entry(account.clone()).or_default();
            let result = acc.apply_all(batch.ops, now());
            if acc.is_empty() {
                m.remove(account);
            }
            result
        });
        Self::ready(result)
    }

    fn reserve_ids<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        count: u32,
        max: u32,
    ) -> BoxFuture<'a, StoreResult<u32>> {
        let first = self.with(|m| {
            let tables = &mut m.entry(account.clone()).or_default().tables;
            let current = tables.get(ns, key).map(|(v, _)| v);
            let (first, next) = counter::reserve(current.as_deref(), count, max);
            tables.insert(ns, key.to_vec(), next.to_vec(), now());
            first
        });
        Self::ready(Ok(first))
    }

    fn prune_older_than<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        before: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<u64>> {
        let cutoff = before.timestamp();
        let removed = self.with(|m| {
            let Some(acc) = m.get_mut(account) else {
                return 0;
            };
            acc.tables.prune(ns, cutoff)
        });
        Self::ready(Ok(removed))
    }
}
