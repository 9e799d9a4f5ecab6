//! Everything the client tells its users: the [`Event`] enum, its payload types, and the
//! [`EventKind`]/[`EventFilter`] used to subscribe to a subset.
//!
//! Every payload is `Debug + Clone + Serialize`. Large payloads (`Message`, `HistorySync`,
//! `JoinedGroup`) are shared behind an `Arc`, so handing one event to many subscribers copies
//! pointers, not data.

mod app_state;
mod business;
mod connection;
mod devices;
mod filter;
mod groups;
mod handler;
mod history;
mod kind;
mod messages;
mod pairing;
mod presence;
pub(crate) mod serde_wire;
mod shared;
mod user;

use std::time::Duration;

use chrono::{DateTime, Utc};

use serde::Serialize;
use wa_protobuf::wa;

pub use app_state::{
    AppStateUpdate, ArchiveUpdate, ContactUpdate, MarkChatAsReadUpdate, MuteUpdate, PinUpdate,
};
pub use business::{BusinessStatusUpdate, BusinessSubscription, BusinessUpdateType};
pub use connection::{
    ConnectFailure, ConnectFailureReason, Connected, Disconnected, StreamError, StreamReplaced,
    TempBanReason, TemporaryBan,
};
pub use devices::{
    DeviceListUpdate, DeviceListUpdateType, DeviceNotificationInfo, IdentityChange, KeyIndexInfo,
};
pub use filter::EventFilter;
pub use groups::{GroupChange, GroupLinkChange, GroupMember, GroupRole};
pub use handler::EventHandler;
pub use history::{
    HistoryChunk, HistoryError, HistoryFailure, HistorySync, HistorySyncFailed,
    OfflineSyncCompleted, OfflineSyncPreview, SyncType,
};
pub use kind::{EventKind, EventKindSet};
pub use messages::{
    DecryptFailMode, MessageId, MessageInfo, MessageSource, Receipt, ReceiptType, UnavailableType,
    UndecryptableMessage, UnknownMessage,
};
pub use pairing::{ClientOutdated, LoggedOut, PairError, PairSuccess, QrScannedWithoutMultidevice};
pub use presence::{ChatPresence, ChatPresenceMedia, ChatPresenceUpdate, PresenceUpdate};
pub use shared::{LazyConversation, SharedData};
pub use user::{PictureUpdate, PushNameUpdate, SelfPushNameUpdated, UserAboutUpdate};

use crate::wire::{Jid, Node};

/// Something that happened on the account. Subscribe through the broadcaster.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub enum Event {
    // Connection
    /// Logged in; sending is possible.
    Connected(Connected),
    /// Connection lost; the client reconnects by itself.
    Disconnected(Disconnected),
    /// Another client took over the session; no reconnect.
    StreamReplaced(StreamReplaced),
    /// A `<stream:error>` no other event covers.
    StreamError(StreamError),
    /// The server refused the login.
    ConnectFailure(ConnectFailure),
    /// The account is temporarily banned.
    TemporaryBan(TemporaryBan),

    // Pairing
    /// A QR code to show: scan it with the phone before `timeout` (60 s first, 20 s after).
    PairingQrCode {
        /// The QR payload (`ref,noise_pub,identity_pub,adv_secret` in base64).
        code: String,
        /// How long this code stays valid.
        timeout: Duration,
    },
    /// A pairing code to type on the phone (8 characters, valid about 180 s).
    PairingCode {
        /// The code.
        code: String,
        /// How long it stays valid.
        timeout: Duration,
    },
    /// Pairing succeeded.
    PairSuccess(PairSuccess),
    /// Pairing failed after the scan.
    PairError(PairError),
    /// The phone that scanned has no multi-device support.
    QrScannedWithoutMultidevice(QrScannedWithoutMultidevice),
    /// This client version is too old.
    ClientOutdated(ClientOutdated),
    /// The device was logged out; the session is wiped and the client stops.
    LoggedOut(LoggedOut),

    // Messages
    /// A decrypted message. The body is shared between subscribers (deref it like a `Box`).
    Message(
        #[serde(serialize_with = "serde_wire::proto")] SharedData<wa::Message>,
        MessageInfo,
    ),
    /// A receipt for messages we sent.
    Receipt(Receipt),
    /// A message that could not be decrypted or arrived without content.
    UndecryptableMessage(UndecryptableMessage),
    /// A decrypted message with content our `Message` schema does not model, with its raw
    /// bytes. When the message also had content we model, a `Message` event with that content
    /// comes first, for the same id.
    UnknownMessage(UnknownMessage),
    /// A `<notification>` no other event covers, as received.
    Notification(#[serde(serialize_with = "serde_wire::node")] Node),

    // Presence
    /// Typing or recording in a chat.
    ChatPresence(ChatPresenceUpdate),
    /// Online/offline and last seen of a contact.
    Presence(PresenceUpdate),

    // User updates
    /// A profile picture changed.
    PictureUpdate(PictureUpdate),
    /// A contact's about text changed.
    UserAboutUpdate(UserAboutUpdate),
    /// A contact's push name changed.
    PushNameUpdate(PushNameUpdate),
    /// Our own push name changed.
    SelfPushNameUpdated(SelfPushNameUpdated),

    // Groups
    /// We were added to (or created) a group; parsed on first access.
    JoinedGroup(LazyConversation),
    /// A group's metadata or membership changed (a `w:gp2` notification).
    GroupInfoUpdate {
        /// The group.
        #[serde(serialize_with = "serde_wire::jid")]
        jid: Jid,
        /// The notification's time as a `SyncActionValue` (the event model's field; that
        /// protobuf has no place for group changes, which are in `changes`).
        #[serde(serialize_with = "serde_wire::proto")]
        update: Box<wa::SyncActionValue>,
        /// Who made the changes (`participant`), when stated.
        #[serde(serialize_with = "serde_wire::opt_jid")]
        author: Option<Jid>,
        /// The author's push name (`notify`), when sent.
        author_name: Option<String>,
        /// When the changes were made.
        timestamp: DateTime<Utc>,
        /// What changed, in the notification's order.
        changes: Vec<GroupChange>,
    },

    // Contacts
    /// A contact entry changed.
    ContactUpdate(ContactUpdate),

    // Chat state
    /// A chat was pinned or unpinned.
    PinUpdate(PinUpdate),
    /// A chat was muted or unmuted.
    MuteUpdate(MuteUpdate),
    /// A chat was archived or unarchived.
    ArchiveUpdate(ArchiveUpdate),
    /// A chat was marked read or unread.
    MarkChatAsReadUpdate(MarkChatAsReadUpdate),

    // History sync
    /// A history-sync chunk from our phone (conversations decoded lazily).
    HistorySync(HistorySync),
    /// A history-sync chunk that could not be used.
    HistorySyncFailed(HistorySyncFailed),
    /// Preview of the offline queue.
    OfflineSyncPreview(OfflineSyncPreview),
    /// The offline queue was delivered.
    OfflineSyncCompleted(OfflineSyncCompleted),

    // Devices and business
    /// A contact's device list changed.
    DeviceListUpdate(DeviceListUpdate),
    /// A contact device's identity key changed.
    IdentityChange(IdentityChange),
    /// A business account's status changed.
    BusinessStatusUpdate(BusinessStatusUpdate),
    /// An app-state action without a typed event of its own.
    AppStateUpdate(AppStateUpdate),
}

impl Event {
    /// The variant, without its payload.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Connected(_) => EventKind::Connected,
            Event::Disconnected(_) => EventKind::Disconnected,
            Event::StreamReplaced(_) => EventKind::StreamReplaced,
            Event::StreamError(_) => EventKind::StreamError,
            Event::ConnectFailure(_) => EventKind::ConnectFailure,
            Event::TemporaryBan(_) => EventKind::TemporaryBan,
            Event::PairingQrCode { .. } => EventKind::PairingQrCode,
            Event::PairingCode { .. } => EventKind::PairingCode,
            Event::PairSuccess(_) => EventKind::PairSuccess,
            Event::PairError(_) => EventKind::PairError,
            Event::QrScannedWithoutMultidevice(_) => EventKind::QrScannedWithoutMultidevice,
            Event::ClientOutdated(_) => EventKind::ClientOutdated,
            Event::LoggedOut(_) => EventKind::LoggedOut,
            Event::Message(..) => EventKind::Message,
            Event::Receipt(_) => EventKind::Receipt,
            Event::UndecryptableMessage(_) => EventKind::UndecryptableMessage,
            Event::UnknownMessage(_) => EventKind::UnknownMessage,
            Event::Notification(_) => EventKind::Notification,
            Event::ChatPresence(_) => EventKind::ChatPresence,
            Event::Presence(_) => EventKind::Presence,
            Event::PictureUpdate(_) => EventKind::PictureUpdate,
            Event::UserAboutUpdate(_) => EventKind::UserAboutUpdate,
            Event::PushNameUpdate(_) => EventKind::PushNameUpdate,
            Event::SelfPushNameUpdated(_) => EventKind::SelfPushNameUpdated,
            Event::JoinedGroup(_) => EventKind::JoinedGroup,
            Event::GroupInfoUpdate { .. } => EventKind::GroupInfoUpdate,
            Event::ContactUpdate(_) => EventKind::ContactUpdate,
            Event::PinUpdate(_) => EventKind::PinUpdate,
            Event::MuteUpdate(_) => EventKind::MuteUpdate,
            Event::ArchiveUpdate(_) => EventKind::ArchiveUpdate,
            Event::MarkChatAsReadUpdate(_) => EventKind::MarkChatAsReadUpdate,
            Event::HistorySync(_) => EventKind::HistorySync,
            Event::HistorySyncFailed(_) => EventKind::HistorySyncFailed,
            Event::OfflineSyncPreview(_) => EventKind::OfflineSyncPreview,
            Event::OfflineSyncCompleted(_) => EventKind::OfflineSyncCompleted,
            Event::DeviceListUpdate(_) => EventKind::DeviceListUpdate,
            Event::IdentityChange(_) => EventKind::IdentityChange,
            Event::BusinessStatusUpdate(_) => EventKind::BusinessStatusUpdate,
            Event::AppStateUpdate(_) => EventKind::AppStateUpdate,
        }
    }

    /// The chat (or contact) the event is about, used by chat filters; `None` for
    /// account-wide events. A `JoinedGroup` answers `None` because its group id is inside
    /// the lazily parsed conversation.
    pub fn chat(&self) -> Option<&Jid> {
        match self {
            Event::Message(_, info) => Some(&info.source.chat),
            Event::Receipt(r) => Some(&r.source.chat),
            Event::UndecryptableMessage(u) => Some(&u.info.source.chat),
            Event::UnknownMessage(u) => Some(&u.info.source.chat),
            Event::Notification(node) => notification_from(node),
            Event::ChatPresence(p) => Some(&p.source.chat),
            Event::Presence(p) => Some(&p.from),
            Event::PictureUpdate(p) => Some(&p.jid),
            Event::UserAboutUpdate(u) => Some(&u.jid),
            Event::PushNameUpdate(p) => Some(&p.jid),
            Event::GroupInfoUpdate { jid, .. } => Some(jid),
            Event::ContactUpdate(c) => Some(&c.jid),
            Event::PinUpdate(p) => Some(&p.jid),
            Event::MuteUpdate(m) => Some(&m.jid),
            Event::ArchiveUpdate(a) => Some(&a.jid),
            Event::MarkChatAsReadUpdate(m) => Some(&m.jid),
            Event::DeviceListUpdate(d) => Some(&d.user),
            Event::IdentityChange(i) => Some(&i.jid),
            Event::BusinessStatusUpdate(b) => Some(&b.jid),
            Event::Connected(_)
            | Event::Disconnected(_)
            | Event::StreamReplaced(_)
            | Event::StreamError(_)
            | Event::ConnectFailure(_)
            | Event::TemporaryBan(_)
            | Event::PairingQrCode { .. }
            | Event::PairingCode { .. }
            | Event::PairSuccess(_)
            | Event::PairError(_)
            | Event::QrScannedWithoutMultidevice(_)
            | Event::ClientOutdated(_)
            | Event::LoggedOut(_)
            | Event::SelfPushNameUpdated(_)
            | Event::JoinedGroup(_)
            | Event::HistorySync(_)
            | Event::HistorySyncFailed(_)
            | Event::OfflineSyncPreview(_)
            | Event::OfflineSyncCompleted(_)
            | Event::AppStateUpdate(_) => None,
        }
    }
}

/// The sender of a notification, when the decoder produced it as a JID.
fn notification_from(node: &Node) -> Option<&Jid> {
    crate::wire::node_from(node)
}

#[cfg(test)]
mod tests;
