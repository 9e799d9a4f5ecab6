//! Persistence: the [`Store`] trait, its in-memory and SQLite implementations, and the device
//! identity that a client creates on first start and reuses after.
//!
//! # Design
//! The trait is asynchronous and object safe (`Arc<dyn Store>`): every method returns a boxed
//! future, so actor handlers can `.await` it without blocking the runtime, and implementations
//! that block (SQLite) do their work on their own thread.
//!
//! Data is keyed by an [`AccountId`], so one store (one SQLite file) holds a set of accounts.
//! The device identity has typed methods; everything else later issues persist (Signal
//! sessions, identities, prekeys, sender keys, app-state keys and versions, processed message
//! ids) lives in generic keyed tables addressed by a [`Namespace`] and a byte key. A new kind of
//! data is a new `Namespace` constant, not a schema migration.

mod batch;
mod counter;
mod device;
mod error;
mod memory;
mod memory_tables;
mod namespace;
mod packed;
mod retention;
mod sqlite;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

pub use batch::{Batch, WriteOp};
pub use device::{Device, DeviceData, SignedPreKey};
pub use error::StoreError;
pub use memory::MemoryStore;
pub use namespace::Namespace;
pub use retention::RetentionConfig;
pub use sqlite::SqliteStore;

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Identifies one account inside a store (any stable string the application chooses, e.g.
/// `"default"` or the phone number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct AccountId(pub String);

impl AccountId {
    /// Wraps an account name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The account name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for AccountId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for AccountId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Work to run the moment a batch is durable (see [`Store::apply_then`]).
pub type OnCommit = Box<dyn FnOnce() + Send + 'static>;

/// A key/value pair read back from a keyed table.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Durable storage for one or more accounts. Shared as `Arc<dyn Store>`.
///
/// Every method is a boxed future so the trait stays object safe. Writes made through
/// [`Store::apply`] are atomic: all of a [`Batch`] is stored or none of it.
pub trait Store: Send + Sync + 'static {
    /// Every account that has a stored device identity.
    fn accounts(&self) -> BoxFuture<'_, StoreResult<Vec<AccountId>>>;

    /// The device identity of `account`, if one was saved.
    fn load_device<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, StoreResult<Option<DeviceData>>>;

    /// Saves (creates or replaces) the device identity of `account`.
    fn save_device<'a>(
        &'a self,
        account: &'a AccountId,
        device: &'a DeviceData,
    ) -> BoxFuture<'a, StoreResult<()>>;

    /// Deletes everything stored for `account` (device and all tables) in one transaction;
    /// used when the server logs the device out.
    fn delete_account<'a>(&'a self, account: &'a AccountId) -> BoxFuture<'a, StoreResult<()>>;

    /// Reads one value of a keyed table.
    fn get<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Option<Vec<u8>>>>;

    /// Reads several values at once, in the order of `keys` (the same answers as a
    /// [`Store::get`] of each). A store on its own thread answers them in one round trip: the
    /// receive path asks for a stanza's processed id, session and sender's rows together.
    fn get_many<'a>(
        &'a self,
        account: &'a AccountId,
        keys: &'a [(Namespace, Vec<u8>)],
    ) -> BoxFuture<'a, StoreResult<Vec<Option<Vec<u8>>>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(keys.len());
            for (ns, key) in keys {
                out.push(self.get(account, *ns, key).await?);
            }
            Ok(out)
        })
    }

    /// Writes one value of a keyed table (insert or replace).
    fn put<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<()>>;

    /// Inserts a value only if the key is absent; returns true when it was inserted. Used for
    /// de-duplication (processed message ids) without a read-then-write race.
    fn put_if_absent<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>>;

    /// Deletes one key of a keyed table; returns true when it existed.
    fn delete<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>>;

    /// Every entry of a table whose key starts with `prefix` (all entries for an empty
    /// prefix), in ascending key order.
    fn scan_prefix<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        prefix: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Vec<Entry>>>;

    /// Whether any entry of a table has a key starting with `prefix` (any entry at all for an
    /// empty prefix). Stores should answer without reading values: a caller asks this of
    /// tables whose rows can be large (pending history chunks).
    fn has_prefix<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        prefix: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        Box::pin(async move { Ok(!self.scan_prefix(account, ns, prefix).await?.is_empty()) })
    }

    /// Applies every write of `batch` atomically.
    fn apply<'a>(&'a self, account: &'a AccountId, batch: Batch) -> BoxFuture<'a, StoreResult<()>>;

    /// [`Store::apply`], then `on_commit` as soon as the batch is durable and only if it is.
    /// Once this is called, the commit and `on_commit` happen together even if the caller is
    /// killed while waiting: the Signal actor publishes a message's events in `on_commit`, so
    /// a crash can never leave a message marked processed but unpublished.
    ///
    /// The default runs `on_commit` right after `apply` resolves, in the same poll when `apply`
    /// completes at once (as [`MemoryStore`]'s does); stores with their own thread queue it
    /// from there (SQLite runs hooks on a second thread, never on its connection thread,
    /// because hooks run subscriber code). Hooks run in commit order. A panicking hook is
    /// caught and reported as [`StoreError::HookPanicked`]; the batch stays committed.
    fn apply_then<'a>(
        &'a self,
        account: &'a AccountId,
        batch: Batch,
        on_commit: OnCommit,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            self.apply(account, batch).await?;
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(on_commit)).map_err(|p| {
                let detail = error::panic_text(&*p);
                tracing::error!(%detail, "a commit hook panicked; the batch stays committed");
                StoreError::HookPanicked(detail)
            })
        })
    }

    /// Atomically reserves `count` consecutive ids from the counter stored under `key` in
    /// `ns` and returns the first; concurrent callers never get overlapping ranges. Ids run
    /// through `1..=max` and wrap to 1 after `max`, so the range is `first`, `first + 1`, …
    /// modulo that wrap. The counter is a big-endian `u32` holding the next id; a missing or
    /// unreadable one starts at 1. Used for one-time prekey ids, which two actors allocate.
    fn reserve_ids<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        count: u32,
        max: u32,
    ) -> BoxFuture<'a, StoreResult<u32>>;

    /// Deletes entries of a table last written before `before`; returns how many were removed.
    /// Keeps de-duplication tables from growing forever.
    fn prune_older_than<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        before: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<u64>>;
}

/// A store shared between actors.
pub type SharedStore = Arc<dyn Store>;

#[cfg(test)]
mod conformance;
