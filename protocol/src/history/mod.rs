//! History sync (history-sync.md): the notification our phone sends after linking, the
//! zlib-compressed `HistorySync` blob it points at, and the receipts and requests around it.
//!
//! Both roles live here. The companion reads a notification ([`ChunkInfo::from_notification`]),
//! inflates the blob within a cap ([`inflate`]) and scans it ([`scan`]): the scan finds the
//! byte range of every `conversations` entry without decoding it, so a conversation is only
//! parsed when someone asks for it, and decodes every other top-level field at once (push
//! names, LID mappings, settings are small). The phone side (tests, the fake server) builds
//! blobs and notifications with [`compress`] and [`notification`].

mod build;
mod error;
mod inflate;
mod notification;
mod receipt;
mod scan;
mod secrets;

#[cfg(test)]
mod tests;

pub use build::{compress, notification, NotificationParts};
pub use error::HistoryError;
pub use inflate::{inflate, DEFAULT_MAX_INFLATED};
pub use notification::{ChunkInfo, HistorySource, SyncType};
pub use receipt::{
    hist_sync_receipt, on_demand_request, parse_server_error_receipt, server_error_receipt,
    OnDemandRequest,
};
pub use scan::{scan, ScannedHistory, MAX_CONVERSATIONS};
pub use secrets::{message_secrets, read_blob, MessageSecret, MAX_SECRETS_PER_CONVERSATION};
