//! Message, receipt and decryption-failure events.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::serde_wire;
use crate::wire::Jid;

/// A message id as sent on the wire.
pub type MessageId = String;

/// Who sent a message and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageSource {
    /// The sending user (device JID in groups: the `participant`).
    #[serde(serialize_with = "serde_wire::jid")]
    pub sender: Jid,
    /// The chat: the group, or the other party of a direct chat.
    #[serde(serialize_with = "serde_wire::jid")]
    pub chat: Jid,
    /// True when sent by this account (from any of its devices).
    pub is_from_me: bool,
    /// True when the sender is a bot.
    pub is_bot: bool,
    /// The sender's other address, when the stanza named it: the LID of a phone-number
    /// sender or the phone number of a LID sender (`sender_lid`, `participant_pn`, …).
    #[serde(serialize_with = "serde_wire::opt_jid")]
    pub sender_alt: Option<Jid>,
}

impl From<&wa_protocol::message::Source> for MessageSource {
    fn from(s: &wa_protocol::message::Source) -> Self {
        Self {
            sender: s.sender.clone(),
            chat: s.chat.clone(),
            is_from_me: s.is_from_me,
            is_bot: s.sender.is_bot(),
            sender_alt: s.sender_alt.clone(),
        }
    }
}

/// Metadata of a received message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageInfo {
    /// The message id.
    pub id: MessageId,
    /// Sender and chat.
    pub source: MessageSource,
    /// Server timestamp (`t`).
    pub timestamp: DateTime<Utc>,
    /// The sender's push name (`notify`), empty when absent.
    pub push_name: String,
    /// True for group chats.
    pub is_group: bool,
    /// The `category` attribute (e.g. `peer`), empty when absent.
    pub category: String,
}

/// The kind of a receipt (`type` attribute of `<receipt>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ReceiptType {
    /// Delivered to a device (no `type` attribute).
    Delivery,
    /// Read (`read`).
    Read,
    /// Read on one of our own devices while read receipts are off (`read-self`).
    ReadSelf,
    /// Voice or view-once media played (`played`).
    Played,
    /// A message we sent from another device reached this one (`sender`).
    Sender,
    /// The recipient could not decrypt and asks for a resend (`retry`).
    Retry,
    /// The server could not deliver (`server-error`).
    ServerError,
    /// Delivered while the recipient was not active (`inactive`).
    Inactive,
}

impl ReceiptType {
    /// The `type` attribute for this kind; empty for `Delivery`, which has none.
    pub fn as_wire(&self) -> &'static str {
        match self {
            Self::Delivery => "",
            Self::Read => "read",
            Self::ReadSelf => "read-self",
            Self::Played => "played",
            Self::Sender => "sender",
            Self::Retry => "retry",
            Self::ServerError => "server-error",
            Self::Inactive => "inactive",
        }
    }

    /// Parses a `type` attribute (`""` or absent → `Delivery`); `None` for types this enum
    /// does not model (`played-self`, `peer_msg`, `hist_sync`).
    pub fn from_wire(value: &str) -> Option<Self> {
        Some(match value {
            "" => Self::Delivery,
            "read" => Self::Read,
            "read-self" => Self::ReadSelf,
            "played" => Self::Played,
            "sender" => Self::Sender,
            "retry" => Self::Retry,
            "server-error" => Self::ServerError,
            "inactive" => Self::Inactive,
            _ => return None,
        })
    }
}

/// Delivery, read or played receipts for messages we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// Who sent the receipt and in which chat.
    pub source: MessageSource,
    /// The acknowledged message ids (the `id` plus any `<list><item>`s).
    pub message_ids: Vec<MessageId>,
    /// When (`t`).
    pub timestamp: DateTime<Utc>,
    /// What kind of receipt.
    pub r#type: ReceiptType,
    /// The sender of the acknowledged messages (ourselves, or `recipient` for peer receipts).
    #[serde(serialize_with = "serde_wire::jid")]
    pub message_sender: Jid,
}

/// Why a message arrived without content (`type` of `<unavailable>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum UnavailableType {
    /// Not stated or not recognised.
    Unknown,
    /// View-once media already viewed on another device (`view_once`).
    ViewOnce,
}

impl UnavailableType {
    /// Parses the `type` attribute.
    pub fn from_wire(value: &str) -> Self {
        match value {
            "view_once" => Self::ViewOnce,
            _ => Self::Unknown,
        }
    }
}

/// Whether the app should show a placeholder for an undecryptable message (`decrypt-fail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum DecryptFailMode {
    /// Show a "waiting for this message" placeholder (default).
    #[default]
    Show,
    /// Hide it (`decrypt-fail="hide"`).
    Hide,
}

impl DecryptFailMode {
    /// Parses the `decrypt-fail` attribute; anything but `hide` means `Show`.
    pub fn from_wire(value: &str) -> Self {
        match value {
            "hide" => Self::Hide,
            _ => Self::Show,
        }
    }
}

/// A message that could not be decrypted, or arrived without content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndecryptableMessage {
    /// Metadata of the message.
    pub info: MessageInfo,
    /// True when the stanza carried `<unavailable>` instead of `<enc>`.
    pub is_unavailable: bool,
    /// Why it is unavailable.
    pub unavailable_type: UnavailableType,
    /// Whether to show a placeholder.
    pub decrypt_fail_mode: DecryptFailMode,
}

/// A decrypted message whose content our `Message` schema does not model (a kind of message
/// newer than it). It was receipted like any other; decode `raw` with a newer schema to read it.
/// `Debug` shows the length of `raw`, not its bytes (they may hold the message secret).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct UnknownMessage {
    /// Metadata of the message.
    pub info: MessageInfo,
    /// The top-level `Message` field numbers we do not model (also inside wrappers such as
    /// `ephemeralMessage`), ascending; at most 16.
    pub fields: Vec<u32>,
    /// The decrypted, unpadded `Message` protobuf as received.
    #[serde(serialize_with = "serde_wire::bytes")]
    pub raw: bytes::Bytes,
}

impl std::fmt::Debug for UnknownMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnknownMessage")
            .field("info", &self.info)
            .field("fields", &self.fields)
            .field("raw_len", &self.raw.len())
            .finish()
    }
}
