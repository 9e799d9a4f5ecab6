//! Errors of the store layer.

use super::Namespace;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The SQLite engine reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Creating or inspecting the database file failed.
    #[error("store file: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value could not be decoded (wrong length, bad JID, ...).
    #[error("corrupt stored {what}: {detail}")]
    Corrupt {
        /// Which field or table.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// The database was written by a newer version of this library.
    #[error("database schema version {found} is newer than the supported {supported}")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Latest version this build knows.
        supported: i64,
    },
    /// The store's worker thread is gone (the store was shut down).
    #[error("the store worker has stopped")]
    Closed,
    /// The job panicked on the store's thread; nothing of it was committed and the store
    /// keeps serving later calls.
    #[error("store job panicked: {0}")]
    Panicked(String),
    /// The batch *was* committed, but its commit hook panicked (so what it should have done,
    /// e.g. publish events, may be partly undone).
    #[error("commit hook panicked after the batch was committed: {0}")]
    HookPanicked(String),
    /// A [`WriteOp::InsertNew`](super::WriteOp::InsertNew) found its key already stored;
    /// nothing of the batch was written.
    #[error("key already stored in {}; batch not applied", ns.as_str())]
    KeyExists {
        /// The table.
        ns: Namespace,
        /// The key that exists.
        key: Vec<u8>,
    },
    /// This store (a view, such as the Signal actor's staged batch) does not do that
    /// operation.
    #[error("unsupported store operation: {0}")]
    Unsupported(&'static str),
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}

/// The text of a panic payload (panics carry `&str` or `String` almost always).
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}
