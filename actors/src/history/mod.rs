//! The history-sync actor (issue 14): our phone's history, push names and LID mappings.
//!
//! "Ack after persist", in two steps. The Signal actor, which alone owns Signal state,
//! decrypts the protocol message that carries a `HistorySyncNotification` and writes a
//! pending-chunk row (`Namespace::HISTORY_PENDING`) in the same store batch as the ratchet
//! and the processed-message id; only after that batch commits does it ack the stanza and
//! wake this actor. This actor then works through the pending rows in arrival order (also
//! the ones left over when the client was killed): download or take the inline payload,
//! inflate within a cap, scan, store push names, LID mappings and global settings, and in
//! one batch mark the chunk done (`Namespace::HISTORY_DONE`, keyed by the blob's hash) and
//! delete its row; the `HistorySync` event and the `hist_sync` receipt go out when that batch
//! commits. A chunk killed half-way is done again after restart; a chunk already marked done
//! (the same blob announced twice) is receipted and not published again.
//!
//! The actor runs only while rows are pending: it drains itself when none are left, and
//! `StateSup` starts it again on the next wake (or at start-up when rows are stored).

mod actor;
pub mod config;
mod fetch;
mod pending;
mod process;
mod request;

pub(crate) use actor::{History, HistoryArgs, HistoryMsg};
pub use config::HistoryConfig;
/// Where the Signal actor finds the history actor, which runs only while chunks are pending.
pub(crate) type HistoryHandle = crate::supervision::OnDemand<HistoryMsg>;
pub(crate) use pending::pending_rows;
pub use request::HistoryAnchor;
