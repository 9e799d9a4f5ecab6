//! The app-state actor's errors: a sync that stopped, and a change that could not be uploaded.

use wa_protocol::appstate::AppStateError;

use super::sync::MAX_ROUNDS;
use crate::link::IqError;
use crate::media::MediaError;
use crate::store::StoreError;

/// Why a sync stopped. Nothing of the failed round was applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The sync iq failed.
    #[error("iq: {0}")]
    Iq(#[from] IqError),
    /// Reading or writing the collection's state failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A snapshot or patch failed a MAC, the LTHash or its decoding.
    #[error("verification: {0}")]
    Verify(#[from] AppStateError),
    /// An external snapshot or mutations blob could not be downloaded.
    #[error("blob download: {0}")]
    Media(#[from] MediaError),
    /// An external blob reference did not decode.
    #[error("blob reference: {0}")]
    BlobRef(#[from] prost::DecodeError),
    /// No app-state key has arrived from our phone yet.
    #[error("no app-state keys yet")]
    NoKeys,
    /// The server answered the collection with this error code.
    #[error("the server refused the collection with code {0}")]
    Refused(u16),
    /// The server kept saying more patches remain.
    #[error("more than {MAX_ROUNDS} rounds")]
    TooManyRounds,
}

impl SyncError {
    /// Whether the data failed a check (a refetch from a snapshot may help).
    pub(super) fn is_verification(&self) -> bool {
        matches!(self, SyncError::Verify(e) if !matches!(e, AppStateError::MissingKey(_)))
    }
}

/// Why an app-state change (archive, pin, mute, ...) could not be uploaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MutationError {
    /// No app-state key has arrived from our phone yet.
    #[error("no app-state keys yet")]
    NoKeys,
    /// The action names a collection that does not exist.
    #[error("unknown collection {0}")]
    UnknownCollection(&'static str),
    /// Reading the keys or the collection's state failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The patch could not be built on our state.
    #[error("building the patch: {0}")]
    Encode(#[source] AppStateError),
    /// The upload iq failed.
    #[error("iq: {0}")]
    Iq(#[from] IqError),
    /// The server's answer to the upload did not parse.
    #[error("unreadable upload reply: {0}")]
    Reply(#[source] AppStateError),
    /// The server refused the patch with this error code.
    #[error("the server refused the patch with code {0}")]
    Refused(u16),
    /// The upload conflicted again after a refetch and one resend.
    #[error("the upload conflicted again after a refetch")]
    ConflictPersisted,
    /// The patch was taken, but fetching the collection after it failed.
    #[error("fetching after the upload: {0}")]
    Sync(#[source] SyncError),
}
