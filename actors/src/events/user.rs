//! Profile changes of contacts and of this account.

use chrono::{DateTime, Utc};
use serde::Serialize;
use wa_protobuf::wa;

use super::serde_wire;
use super::MessageInfo;
use crate::wire::Jid;

/// A profile picture was set, changed or removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PictureUpdate {
    /// Whose picture (user or group).
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// Who changed it.
    #[serde(serialize_with = "serde_wire::jid")]
    pub author: Jid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The change, when known (from history sync).
    #[serde(serialize_with = "serde_wire::opt_proto")]
    pub photo_change: Option<wa::PhotoChange>,
}

/// A contact changed their about text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserAboutUpdate {
    /// Whose.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// The new text.
    pub status: String,
    /// When.
    pub timestamp: DateTime<Utc>,
}

/// A contact's push name differs from the one seen before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushNameUpdate {
    /// Whose.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// The message that carried the new name.
    pub message: Box<MessageInfo>,
    /// The previous name.
    pub old_push_name: String,
    /// The new name.
    pub new_push_name: String,
}

/// This account's own push name changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelfPushNameUpdated {
    /// True when the change came from the server (app state), false when set locally.
    pub from_server: bool,
    /// The previous name.
    pub old_name: String,
    /// The new name.
    pub new_name: String,
    /// True when it came with a full app-state sync (after pairing, or a snapshot), as for
    /// the other app-state events; false for a later change or a local one.
    pub from_full_sync: bool,
}
