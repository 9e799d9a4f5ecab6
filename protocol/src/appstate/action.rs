//! Decoded mutations as typed actions (app-state.md §6). An index whose name or value we do
//! not model becomes [`SyncAction::Other`] with the raw index and value, so nothing is dropped.

use wa_protobuf::wa;

use super::decode::{DecodedMutation, Operation};

/// A message named by a `star` / `deleteMessageForMe` index: `[name, chat, id, fromMe, sender]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageIndex {
    /// The chat JID.
    pub chat: String,
    /// The message id.
    pub id: String,
    /// Whether we sent the message.
    pub from_me: bool,
    /// The sender in a group (`"0"` or empty otherwise).
    pub sender: String,
}

/// One app-state action, typed where the spec has a type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SyncAction {
    /// `contact`: a contact's name in our address book.
    Contact {
        /// The contact's JID.
        jid: String,
        /// The names and linked JIDs.
        action: wa::ContactAction,
    },
    /// `pin_v1`: a chat pinned or unpinned.
    Pin {
        /// The chat.
        chat: String,
        /// The pin state.
        action: wa::PinAction,
    },
    /// `mute`: a chat muted until a time (negative = forever) or unmuted.
    Mute {
        /// The chat.
        chat: String,
        /// The mute state.
        action: wa::MuteAction,
    },
    /// `archive`: a chat archived or unarchived.
    Archive {
        /// The chat.
        chat: String,
        /// The archive state and the message range it covers.
        action: wa::ArchiveChatAction,
    },
    /// `markChatAsRead`: a chat marked read or unread.
    MarkChatAsRead {
        /// The chat.
        chat: String,
        /// The read state and the message range.
        action: wa::MarkChatAsReadAction,
    },
    /// `setting_pushName`: our own push name.
    PushName {
        /// The new name.
        name: String,
    },
    /// `star`: a message starred or unstarred.
    Star {
        /// The message.
        message: MessageIndex,
        /// The star state.
        action: wa::StarAction,
    },
    /// `deleteMessageForMe`: a message deleted on our devices only.
    DeleteMessageForMe {
        /// The message.
        message: MessageIndex,
        /// Details.
        action: wa::DeleteMessageForMeAction,
    },
    /// `clearChat`: a chat's messages cleared.
    ClearChat {
        /// The chat.
        chat: String,
        /// The range cleared.
        action: wa::ClearChatAction,
    },
    /// `deleteChat`: a chat deleted.
    DeleteChat {
        /// The chat.
        chat: String,
        /// The range deleted.
        action: wa::DeleteChatAction,
    },
    /// `setting_unarchiveChats`: whether new messages unarchive a chat.
    UnarchiveChatsSetting {
        /// The setting.
        action: wa::UnarchiveChatsSetting,
    },
    /// `userStatusMute`: a contact's status updates muted.
    UserStatusMute {
        /// The contact.
        jid: String,
        /// The mute state.
        action: wa::UserStatusMuteAction,
    },
    /// `label_edit`: a label created, renamed or deleted.
    LabelEdit {
        /// The label id.
        label_id: String,
        /// The label.
        action: wa::LabelEditAction,
    },
    /// `label_jid`: a label put on or taken off a chat.
    LabelChat {
        /// The label id.
        label_id: String,
        /// The chat.
        chat: String,
        /// Whether the label is set.
        action: wa::LabelAssociationAction,
    },
    /// `label_message`: a label put on or taken off a message.
    LabelMessage {
        /// The label id.
        label_id: String,
        /// The chat.
        chat: String,
        /// The message id.
        message_id: String,
        /// Whether the label is set.
        action: wa::LabelAssociationAction,
    },
    /// Any other index, or a known index whose value field is absent, or a REMOVE.
    Other {
        /// The raw index array.
        index: Vec<String>,
        /// The raw value.
        value: Box<wa::SyncActionValue>,
        /// SET or REMOVE.
        operation: Operation,
    },
}

fn message_index(index: &[String]) -> Option<MessageIndex> {
    Some(MessageIndex {
        chat: index.get(1)?.clone(),
        id: index.get(2)?.clone(),
        from_me: index.get(3).is_some_and(|s| s == "1"),
        sender: index.get(4).cloned().unwrap_or_default(),
    })
}

fn typed(m: &DecodedMutation) -> Option<SyncAction> {
    if m.operation != Operation::Set {
        return None;
    }
    let ix = &m.index;
    let v = &m.value;
    let arg = |i: usize| ix.get(i).cloned();
    Some(match ix.first()?.as_str() {
        "contact" => SyncAction::Contact {
            jid: arg(1)?,
            action: v.contact_action.clone()?,
        },
        "pin_v1" => SyncAction::Pin {
            chat: arg(1)?,
            action: v.pin_action?,
        },
        "mute" => SyncAction::Mute {
            chat: arg(1)?,
            action: v.mute_action?,
        },
        "archive" => SyncAction::Archive {
            chat: arg(1)?,
            action: v.archive_chat_action.clone()?,
        },
        "markChatAsRead" => SyncAction::MarkChatAsRead {
            chat: arg(1)?,
            action: v.mark_chat_as_read_action.clone()?,
        },
        "setting_pushName" => SyncAction::PushName {
            name: v.push_name_setting.as_ref()?.name.clone()?,
        },
        "star" => SyncAction::Star {
            message: message_index(ix)?,
            action: v.star_action?,
        },
        "deleteMessageForMe" => SyncAction::DeleteMessageForMe {
            message: message_index(ix)?,
            action: v.delete_message_for_me_action?,
        },
        "clearChat" => SyncAction::ClearChat {
            chat: arg(1)?,
            action: v.clear_chat_action.clone()?,
        },
        "deleteChat" => SyncAction::DeleteChat {
            chat: arg(1)?,
            action: v.delete_chat_action.clone()?,
        },
        "setting_unarchiveChats" => SyncAction::UnarchiveChatsSetting {
            action: v.unarchive_chats_setting?,
        },
        "userStatusMute" => SyncAction::UserStatusMute {
            jid: arg(1)?,
            action: v.user_status_mute_action?,
        },
        "label_edit" => SyncAction::LabelEdit {
            label_id: arg(1)?,
            action: v.label_edit_action.clone()?,
        },
        "label_jid" => SyncAction::LabelChat {
            label_id: arg(1)?,
            chat: arg(2)?,
            action: v.label_association_action?,
        },
        "label_message" => SyncAction::LabelMessage {
            label_id: arg(1)?,
            chat: arg(2)?,
            message_id: arg(3)?,
            action: v.label_association_action?,
        },
        _ => return None,
    })
}

impl SyncAction {
    /// The typed action of a decoded mutation; [`SyncAction::Other`] when untyped.
    pub fn from_mutation(m: &DecodedMutation) -> SyncAction {
        typed(m).unwrap_or_else(|| SyncAction::Other {
            index: m.index.clone(),
            value: Box::new(m.value.clone()),
            operation: m.operation,
        })
    }
}
