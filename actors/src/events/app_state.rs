//! Chat settings and contacts synced through app state.

use chrono::{DateTime, Utc};
use serde::Serialize;
use wa_protobuf::wa;

use super::serde_wire;
use crate::wire::Jid;

/// A contact entry changed (app-state `contact` mutation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactUpdate {
    /// The contact.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// When the mutation was made.
    pub timestamp: DateTime<Utc>,
    /// The new contact data.
    #[serde(serialize_with = "serde_wire::proto")]
    pub action: Box<wa::ContactAction>,
    /// True when it came from a full snapshot rather than an incremental patch.
    pub from_full_sync: bool,
}

/// A chat was pinned or unpinned (app-state `pin_v1`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PinUpdate {
    /// The chat.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The action.
    #[serde(serialize_with = "serde_wire::proto")]
    pub action: Box<wa::PinAction>,
    /// True when it came from a full snapshot.
    pub from_full_sync: bool,
}

/// A chat was muted or unmuted (app-state `mute`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MuteUpdate {
    /// The chat.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The action.
    #[serde(serialize_with = "serde_wire::proto")]
    pub action: Box<wa::MuteAction>,
    /// True when it came from a full snapshot.
    pub from_full_sync: bool,
}

/// A chat was archived or unarchived (app-state `archive`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveUpdate {
    /// The chat.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The action.
    #[serde(serialize_with = "serde_wire::proto")]
    pub action: Box<wa::ArchiveChatAction>,
    /// True when it came from a full snapshot.
    pub from_full_sync: bool,
}

/// A chat was marked read or unread (app-state `markChatAsRead`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkChatAsReadUpdate {
    /// The chat.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The action.
    #[serde(serialize_with = "serde_wire::proto")]
    pub action: Box<wa::MarkChatAsReadAction>,
    /// True when it came from a full snapshot.
    pub from_full_sync: bool,
}

/// Any other app-state action (star, delete for me, clear or delete chat, labels, settings,
/// a REMOVE, or a name this library does not know), verified like the typed ones and passed on
/// with its raw index and value so nothing is dropped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppStateUpdate {
    /// The collection it came from (`regular`, `regular_low`, ...).
    pub collection: String,
    /// The index array, e.g. `["star", chat, id, "1", "0"]`.
    pub index: Vec<String>,
    /// `true` for SET, `false` for REMOVE.
    pub set: bool,
    /// When the mutation was made.
    pub timestamp: DateTime<Utc>,
    /// The action value.
    #[serde(serialize_with = "serde_wire::proto")]
    pub action: Box<wa::SyncActionValue>,
    /// True when it came from a full snapshot.
    pub from_full_sync: bool,
}
