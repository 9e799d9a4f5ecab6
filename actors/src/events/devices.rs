//! Changes of a contact's device list (`<notification type="devices">`).

use serde::Serialize;

use super::serde_wire;
use crate::wire::Jid;

/// What happened to the device list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DeviceListUpdateType {
    /// Devices were added (`<add>`).
    Add,
    /// Devices were removed (`<remove>`).
    Remove,
    /// The list changed in an unspecified way; re-fetch it (`<update hash=…>`).
    Update,
}

impl DeviceListUpdateType {
    /// Parses the child tag of the notification.
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "add" => Some(Self::Add),
            "remove" => Some(Self::Remove),
            "update" => Some(Self::Update),
            _ => None,
        }
    }
}

/// One `<device>` of the notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeviceNotificationInfo {
    /// Device number.
    pub device_id: u32,
    /// Its key index, when given.
    pub key_index: Option<u32>,
}

/// The `<key-index-list>` of the notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyIndexInfo {
    /// The `ts` attribute.
    pub timestamp: i64,
    /// The signed key-index list bytes, when present.
    pub signed_bytes: Option<Vec<u8>>,
}

/// A contact's device list changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceListUpdate {
    /// The user (`from`).
    #[serde(serialize_with = "serde_wire::jid")]
    pub user: Jid,
    /// The same user's LID, when the server sent it.
    #[serde(serialize_with = "serde_wire::opt_jid")]
    pub lid_user: Option<Jid>,
    /// Add, remove or update.
    pub update_type: DeviceListUpdateType,
    /// The devices concerned.
    pub devices: Vec<DeviceNotificationInfo>,
    /// The key index list, when present.
    pub key_index: Option<KeyIndexInfo>,
    /// The `hash` of an `<update>`.
    pub contact_hash: Option<String>,
}

/// A contact device's Signal identity key changed (whatsmeow `events.IdentityChange`; the
/// event spec has no such variant, this one follows whatsmeow). Sessions with the old key are
/// gone; a user who verified the contact's safety number should verify it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityChange {
    /// The device (or, for a server notification, the user) whose identity changed.
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// When the change was seen.
    pub timestamp: chrono::DateTime<chrono::Utc>,
    /// True when the change was noticed on a message (a `pkmsg` under a new identity key),
    /// false when the server announced it (`<notification type="encrypt"><identity/>`).
    pub implicit: bool,
}
