//! Errors of the store layer.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The SQLite engine reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    /// The store's worker thread is gone (it panicked or the store was shut down).
    #[error("the store worker has stopped")]
    Closed,
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}
