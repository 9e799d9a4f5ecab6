//! Versioned schema migrations: ordered SQL steps, each applied once in its own transaction,
//! with the reached version recorded in `schema_version`.

use rusqlite::{params, Connection, OptionalExtension};

use crate::store::{StoreError, StoreResult};

/// The SQL of each version, in order; version N is `STEPS[N - 1]`. Never edit a shipped step:
/// append a new one.
const STEPS: &[&str] = &[
    // 1: the device identity and the generic keyed tables, both keyed by account.
    "CREATE TABLE device (
        account TEXT PRIMARY KEY NOT NULL,
        noise_priv BLOB NOT NULL,
        identity_priv BLOB NOT NULL,
        registration_id INTEGER NOT NULL,
        signed_prekey_id INTEGER NOT NULL,
        signed_prekey_priv BLOB NOT NULL,
        signed_prekey_sig BLOB NOT NULL,
        adv_secret BLOB NOT NULL,
        jid TEXT,
        lid TEXT,
        platform TEXT NOT NULL DEFAULT '',
        push_name TEXT NOT NULL DEFAULT '',
        business_name TEXT NOT NULL DEFAULT '',
        adv_signed_identity BLOB
    );
    CREATE TABLE kv (
        account TEXT NOT NULL,
        ns TEXT NOT NULL,
        key BLOB NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (account, ns, key)
    ) WITHOUT ROWID;",
    // 2: write times on keyed entries, so de-duplication tables can be pruned by age. Rows
    // from version 1 get 0 ("written long ago").
    "ALTER TABLE kv ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX kv_age ON kv (account, ns, updated_at);",
];

/// The schema version this build writes.
pub(crate) const LATEST_VERSION: i64 = STEPS.len() as i64;

fn ensure_version_table(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")
}

/// The version recorded in the database (0 for an empty file).
pub(crate) fn current_version(conn: &Connection) -> StoreResult<i64> {
    ensure_version_table(conn)?;
    Ok(conn
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or(0))
}

/// Applies the missing steps up to `target`.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> StoreResult<()> {
    let found = current_version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    for (index, sql) in STEPS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= found || version > target {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            params![version],
        )?;
        tx.commit()?;
        tracing::info!(version, "migrated store schema");
    }
    Ok(())
}

/// Brings the database to [`LATEST_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    migrate_to(conn, LATEST_VERSION)
}
