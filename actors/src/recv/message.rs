//! `<message>` outcomes → `Message`, `UndecryptableMessage` and `PushNameUpdate` events.

use chrono::{DateTime, Utc};
use wa_protocol::message::{DecryptFailure, MessageContent, MessageStanza};

use super::unix_time;
use crate::events::{
    DecryptFailMode, Event, MessageInfo, MessageSource, PushNameUpdate, SharedData,
    UnavailableType, UndecryptableMessage,
};

/// Every `MessageInfo` field from the stanza. `now` stands in for a timestamp out of range.
pub(crate) fn message_info(stanza: &MessageStanza, now: DateTime<Utc>) -> MessageInfo {
    MessageInfo {
        id: stanza.id.clone(),
        source: MessageSource {
            sender: stanza.source.sender.clone(),
            chat: stanza.source.chat.clone(),
            is_from_me: stanza.source.is_from_me,
            is_bot: stanza.source.sender.is_bot(),
        },
        timestamp: unix_time(Some(stanza.timestamp), now),
        push_name: stanza.push_name.clone().unwrap_or_default(),
        is_group: stanza.source.is_group,
        category: stanza.category.clone().unwrap_or_default(),
    }
}

/// The `Message` event for one decrypted payload; `None` when nothing is left to show once
/// the sender-key distribution is taken out (the companion `pkmsg` of a group message).
pub(crate) fn message_event(info: &MessageInfo, content: MessageContent) -> Option<Event> {
    if content.is_empty() {
        return None;
    }
    Some(Event::Message(
        SharedData::new(content.message),
        info.clone(),
    ))
}

/// The `UndecryptableMessage` event: for a decryption `failure`, or, with `None`, for a
/// stanza whose content the server withheld (`<unavailable type>`, e.g. view-once).
pub(crate) fn undecryptable_event(
    stanza: &MessageStanza,
    info: &MessageInfo,
    failure: Option<&DecryptFailure>,
) -> Event {
    let (is_unavailable, unavailable_type, hide) = match failure {
        Some(f) => (f.is_unavailable, UnavailableType::Unknown, f.hide),
        None => (
            true,
            UnavailableType::from_wire(stanza.unavailable.as_deref().unwrap_or_default()),
            stanza.encs.iter().any(|e| e.hide_on_failure()),
        ),
    };
    Event::UndecryptableMessage(UndecryptableMessage {
        info: info.clone(),
        is_unavailable,
        unavailable_type,
        decrypt_fail_mode: if hide {
            DecryptFailMode::Hide
        } else {
            DecryptFailMode::Show
        },
    })
}

/// A `PushNameUpdate` when the message's `notify` differs from the name we had for the
/// sender (`previous`, `None` when unknown). whatsmeow ignores empty names and `-`.
pub(crate) fn push_name_update(info: &MessageInfo, previous: Option<&str>) -> Option<Event> {
    let new = info.push_name.as_str();
    if new.is_empty() || new == "-" || previous == Some(new) || info.source.is_from_me {
        return None;
    }
    Some(Event::PushNameUpdate(PushNameUpdate {
        jid: info.source.sender.to_non_ad(),
        message: Box::new(info.clone()),
        old_push_name: previous.unwrap_or_default().to_owned(),
        new_push_name: new.to_owned(),
    }))
}
