//! Why a history-sync chunk could not be read.

use thiserror::Error;

/// A history-sync notification or blob that cannot be used. Everything here comes from the
/// network (our phone, the media host), so every case is an ordinary, typed outcome.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HistoryError {
    /// The notification names neither an inline payload nor a complete media reference.
    #[error("history notification lacks {0}")]
    MissingField(&'static str),
    /// The zlib stream is corrupt (the kind flate2 reported).
    #[error("history blob does not inflate: {0}")]
    Inflate(std::io::ErrorKind),
    /// The blob inflates to more than the cap.
    #[error("history blob inflates past {max} bytes")]
    TooLarge {
        /// The cap in bytes.
        max: usize,
    },
    /// The inflated bytes are not a `HistorySync` protobuf.
    #[error("history blob is not a HistorySync: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// The protobuf framing of the blob is broken (a truncated field, a bad wire type).
    #[error("history blob framing: {0}")]
    Malformed(&'static str),
    /// The blob holds more conversations than we accept in one chunk.
    #[error("history blob has more than {max} conversations")]
    TooManyConversations {
        /// The limit.
        max: usize,
    },
    /// A `server-error` receipt that does not decrypt or parse.
    #[error("server-error receipt unreadable: {0}")]
    BadReceipt(&'static str),
}
