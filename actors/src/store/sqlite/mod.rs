//! The default [`Store`]: one SQLite file (rusqlite, bundled) holding a set of accounts.
//!
//! SQLite calls block, so the connection lives on a dedicated thread; async callers send it a
//! closure and await the answer on a oneshot channel. One thread also serialises writers,
//! which SQLite needs anyway.

mod device_row;
mod file;
mod migrations;
mod worker;

use std::path::Path;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{
    counter, AccountId, Batch, DeviceData, Entry, Namespace, OnCommit, Store, StoreError,
    StoreResult, WriteOp,
};
use worker::Worker;

/// A [`Store`] backed by one SQLite file. Cheap to share as `Arc<dyn Store>`.
pub struct SqliteStore {
    worker: Worker,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it to the latest schema.
    /// A new file is created readable and writable by its owner only (mode 0600 on Unix).
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref().to_path_buf();
        let worker = Worker::spawn(move || {
            file::prepare(&path)?;
            let mut conn = Connection::open(&path)?;
            configure(&conn)?;
            migrations::migrate(&mut conn)?;
            Ok(conn)
        })
        .await?;
        Ok(Self { worker })
    }

    /// An in-memory SQLite database (same code paths as a file; gone when dropped).
    pub async fn open_in_memory() -> StoreResult<Self> {
        let worker = Worker::spawn(|| {
            let mut conn = Connection::open_in_memory()?;
            configure(&conn)?;
            migrations::migrate(&mut conn)?;
            Ok(conn)
        })
        .await?;
        Ok(Self { worker })
    }

    /// The schema version of the open database.
    pub async fn schema_version(&self) -> StoreResult<i64> {
        self.worker
            .run(|conn| migrations::current_version(conn))
            .await
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers of other processes (inspection tools) coexist with our writer; the busy
    // timeout rides out their short locks instead of failing.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL syncs the WAL on every commit. NORMAL (the WAL default) syncs only at checkpoints,
    // so a power loss could roll back a commit after its ack reached the server: ratchet
    // state and processed ids the server already considers delivered.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn now() -> i64 {
    Utc::now().timestamp()
}

fn apply_op(tx: &Transaction<'_>, account: &str, op: &WriteOp, t: i64) -> StoreResult<()> {
    match op {
        WriteOp::Put { ns, key, value } => {
            tx.prepare_cached(
                "INSERT INTO kv (account, ns, key, value, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account, ns, key) DO UPDATE SET value = excluded.value,
                 updated_at = excluded.updated_at",
            )?
            .execute(params![account, ns.as_str(), key, value, t])?;
        }
        WriteOp::InsertNew { ns, key, value } => {
            let inserted = tx.prepare_cached(
                "INSERT INTO kv (account, ns, key, value, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account, ns, key) DO NOTHING",
            )?
            .execute(params![account, ns.as_str(), key, value, t])?;
            if inserted == 0 {
                // Returning before `commit` drops the transaction, which rolls it back.
                return Err(StoreError::KeyExists {
                    ns: *ns,
                    key: key.clone(),
                });
            }
        }
        WriteOp::Delete { ns, key } => {
            tx.prepare_cached("DELETE FROM kv WHERE account = ?1 AND ns = ?2 AND key = ?3")?
                .execute(params![account, ns.as_str(), key])?;
        }
        WriteOp::Clear { ns } => {
            tx.prepare_cached("DELETE FROM kv WHERE account = ?1 AND ns = ?2")?
                .execute(params![account, ns.as_str()])?;
        }
        WriteOp::SaveDevice(device) => device_row::save(tx, account, device)?,
    }
    Ok(())
}

impl Store for SqliteStore {
    fn accounts(&self) -> BoxFuture<'_, StoreResult<Vec<AccountId>>> {
        Box::pin(self.worker.run(|conn| {
            let mut stmt = conn.prepare("SELECT account FROM device ORDER BY account")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(AccountId(row?));
            }
            Ok(out)
        }))
    }

    fn load_device<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> BoxFuture<'a, StoreResult<Option<DeviceData>>> {
        let account = account.0.clone();
        Box::pin(
            self.worker
                .run(move |conn| device_row::load(conn, &account)),
        )
    }

    fn save_device<'a>(
        &'a self,
        account: &'a AccountId,
        device: &'a DeviceData,
    ) -> BoxFuture<'a, StoreResult<()>> {
        let account = account.0.clone();
        let device = device.clone();
        Box::pin(self.worker.run(move |conn| {
            let tx = conn.transaction()?;
            device_row::save(&tx, &account, &device)?;
            tx.commit()?;
            Ok(())
        }))
    }

    fn delete_account<'a>(&'a self, account: &'a AccountId) -> BoxFuture<'a, StoreResult<()>> {
        let account = account.0.clone();
        Box::pin(self.worker.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM kv WHERE account = ?1", params![account])?;
            tx.execute("DELETE FROM device WHERE account = ?1", params![account])?;
            tx.commit()?;
            Ok(())
        }))
    }

    fn get<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Option<Vec<u8>>>> {
        let account = account.0.clone();
        let key = key.to_vec();
        Box::pin(self.worker.run(move |conn| {
            // Cached: the receive path reads several keys per message.
            Ok(conn
                .prepare_cached("SELECT value FROM kv WHERE account = ?1 AND ns = ?2 AND key = ?3")?
                .query_row(params![account, ns.as_str(), key], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
                .optional()?)
        }))
    }

    fn get_many<'a>(
        &'a self,
        account: &'a AccountId,
        keys: &'a [(Namespace, Vec<u8>)],
    ) -> BoxFuture<'a, StoreResult<Vec<Option<Vec<u8>>>>> {
        let account = account.0.clone();
        let keys = keys.to_vec();
        // One job: the connection thread is woken once for the whole set.
        Box::pin(self.worker.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT value FROM kv WHERE account = ?1 AND ns = ?2 AND key = ?3",
            )?;
            let mut out = Vec::with_capacity(keys.len());
            for (ns, key) in &keys {
                out.push(
                    stmt.query_row(params![account, ns.as_str(), key], |r| {
                        r.get::<_, Vec<u8>>(0)
                    })
                    .optional()?,
                );
            }
            Ok(out)
        }))
    }

    fn put<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<()>> {
        let batch = Batch::new().put(ns, key, value);
        self.apply(account, batch)
    }

    fn put_if_absent<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        value: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        let account = account.0.clone();
        let key = key.to_vec();
        let value = value.to_vec();
        Box::pin(self.worker.run(move |conn| {
            let n = conn.execute(
                "INSERT INTO kv (account, ns, key, value, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account, ns, key) DO NOTHING",
                params![account, ns.as_str(), key, value, now()],
            )?;
            Ok(n == 1)
        }))
    }

    fn delete<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        let account = account.0.clone();
        let key = key.to_vec();
        Box::pin(self.worker.run(move |conn| {
            let n = conn.execute(
                "DELETE FROM kv WHERE account = ?1 AND ns = ?2 AND key = ?3",
                params![account, ns.as_str(), key],
            )?;
            Ok(n > 0)
        }))
    }

    fn scan_prefix<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        prefix: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<Vec<Entry>>> {
        let account = account.0.clone();
        let prefix = prefix.to_vec();
        Box::pin(self.worker.run(move |conn| {
            // BLOBs compare bytewise, so `key >= prefix` starts the range; the loop stops at
            // the first key without the prefix.
            let mut stmt = conn.prepare_cached(
                "SELECT key, value FROM kv WHERE account = ?1 AND ns = ?2 AND key >= ?3
                 ORDER BY key",
            )?;
            let mut rows = stmt.query(params![account, ns.as_str(), prefix])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let key: Vec<u8> = row.get(0)?;
                if !key.starts_with(&prefix) {
                    break;
                }
                out.push((key, row.get(1)?));
            }
            Ok(out)
        }))
    }

    fn has_prefix<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        prefix: &'a [u8],
    ) -> BoxFuture<'a, StoreResult<bool>> {
        let account = account.0.clone();
        let prefix = prefix.to_vec();
        Box::pin(self.worker.run(move |conn| {
            // Keys with the prefix are the contiguous range that starts at it, so the first
            // key at or after the prefix has it exactly when any key does; no value is read.
            let mut stmt = conn.prepare_cached(
                "SELECT key FROM kv WHERE account = ?1 AND ns = ?2 AND key >= ?3
                 ORDER BY key LIMIT 1",
            )?;
            let mut rows = stmt.query(params![account, ns.as_str(), prefix])?;
            Ok(match rows.next()? {
                Some(row) => row.get::<_, Vec<u8>>(0)?.starts_with(&prefix),
                None => false,
            })
        }))
    }

    fn apply<'a>(&'a self, account: &'a AccountId, batch: Batch) -> BoxFuture<'a, StoreResult<()>> {
        self.apply_then(account, batch, Box::new(|| {}))
    }

    fn apply_then<'a>(
        &'a self,
        account: &'a AccountId,
        batch: Batch,
        on_commit: OnCommit,
    ) -> BoxFuture<'a, StoreResult<()>> {
        let account = account.0.clone();
        // The job is queued now; the connection thread commits and then queues the hook,
        // whatever happens to the waiting caller (see `worker` for why the hook runs on
        // another thread).
        Box::pin(self.worker.run_then(
            move |conn| {
                let tx = conn.transaction()?;
                let t = now();
                for op in &batch.ops {
                    apply_op(&tx, &account, op, t)?;
                }
                tx.commit()?;
                Ok(())
            },
            on_commit,
        ))
    }

    fn reserve_ids<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        key: &'a [u8],
        count: u32,
        max: u32,
    ) -> BoxFuture<'a, StoreResult<u32>> {
        let account = account.0.clone();
        let key = key.to_vec();
        Box::pin(self.worker.run(move |conn| {
            // Read and write in one IMMEDIATE transaction: another process sharing the file
            // cannot slip in between either.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let stored: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT value FROM kv WHERE account = ?1 AND ns = ?2 AND key = ?3",
                    params![account, ns.as_str(), key],
                    |r| r.get(0),
                )
                .optional()?;
            let (first, next) = counter::reserve(stored.as_deref(), count, max);
            apply_op(
                &tx,
                &account,
                &WriteOp::Put {
                    ns,
                    key,
                    value: next.to_vec(),
                },
                now(),
            )?;
            tx.commit()?;
            Ok(first)
        }))
    }

    fn prune_older_than<'a>(
        &'a self,
        account: &'a AccountId,
        ns: Namespace,
        before: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<u64>> {
        let account = account.0.clone();
        let cutoff = before.timestamp();
        Box::pin(self.worker.run(move |conn| {
            let n = conn.execute(
                "DELETE FROM kv WHERE account = ?1 AND ns = ?2 AND updated_at < ?3",
                params![account, ns.as_str(), cutoff],
            )?;
            Ok(n as u64)
        }))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_robust;
