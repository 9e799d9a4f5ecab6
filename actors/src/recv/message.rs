//! `<message>` outcomes → `Message`, `UnknownMessage`, `UndecryptableMessage` and
//! `PushNameUpdate` events.

use chrono::{DateTime, Utc};
use wa_protocol::message::{DecryptFailure, MessageContent, MessageStanza};

use super::unix_time;
use crate::events::{
    DecryptFailMode, Event, MessageInfo, MessageSource, PushNameUpdate, SharedData,
    UnavailableType, UndecryptableMessage, UnknownMessage,
};

/// Every `MessageInfo` field from the stanza. `now` stands in for a timestamp out of range.
pub(crate) fn message_info(stanza: &MessageStanza, now: DateTime<Utc>) -> MessageInfo {
    MessageInfo {
        id: stanza.id.clone(),
        source: MessageSource::from(&stanza.source),
        timestamp: unix_time(Some(stanza.timestamp), now),
        push_name: stanza.push_name.clone().unwrap_or_default(),
        is_group: stanza.source.is_group,
        category: stanza.category.clone().unwrap_or_default(),
    }
}

/// The events for one decrypted payload: `Message` for the content we model, unless nothing
/// is left once the sender-key distribution is taken out (the companion `pkmsg` of a group
/// message) or what is left is only wrappers around content we do not model; then
/// `UnknownMessage` with the raw bytes when it carried fields we do not model. So no content
/// is receipted and lost, even of kinds newer than our schema.
pub(crate) fn message_events(info: &MessageInfo, content: MessageContent) -> Vec<Event> {
    let mut out = Vec::new();
    // A message of an unknown kind, maybe inside wrappers we model (`ephemeralMessage`), is
    // published once, as `UnknownMessage`, not also as a `Message` of empty wrappers.
    let modelled = content
        .unknown
        .as_ref()
        .is_none_or(|u| u.has_modelled_content);
    if modelled && !content.is_empty() {
        out.push(Event::Message(
            SharedData::new(content.message),
            info.clone(),
        ));
    }
    if let Some(unknown) = content.unknown {
        tracing::debug!(id = %info.id, fields = ?unknown.fields, "message content we do not model");
        out.push(Event::UnknownMessage(UnknownMessage {
            info: info.clone(),
            fields: unknown.fields,
            raw: unknown.raw,
        }));
    }
    out
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

/// What the Signal actor does with a decrypted (or failed) `<message>`, after it persisted
/// [`Decryption::changes`](wa_protocol::message::Decryption): emit `events` in order, send
/// `receipt`, send a retry receipt when `retry` says so, then ack the stanza.
#[derive(Debug)]
pub(crate) struct MessagePlan {
    /// Events in delivery order.
    pub events: Vec<Event>,
    /// Our delivery receipt; `None` when nothing was delivered or a retry is owed instead.
    pub receipt: Option<wa_protocol::binary::Node>,
    /// A retry receipt is owed; `force_keys` when it must carry our keys at once.
    pub retry: Option<RetryNeed>,
}

/// A retry receipt to send (count and keys are the caller's: it tracks retries per id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryNeed {
    /// Include `<keys>` even on the first retry (missing sender key).
    pub force_keys: bool,
}

/// Decides events and receipts for a `<message>` (whatsmeow `decryptMessages`):
/// * content withheld (`<unavailable>`, no `<enc>`): `UndecryptableMessage{is_unavailable}`,
///   no receipt and no retry (the phone is asked for the content instead);
/// * a decryption failure: the messages decrypted before it, then `UndecryptableMessage`,
///   and a retry receipt;
/// * otherwise one `Message` per payload with content (and `UnknownMessage` for content we do
///   not model) and a delivery receipt (also for pure duplicates, so a redelivery the server
///   still waits for is settled).
pub(crate) fn plan_message(
    stanza: &MessageStanza,
    decryption: wa_protocol::message::Decryption,
    active: bool,
    now: DateTime<Utc>,
) -> MessagePlan {
    let info = message_info(stanza, now);
    if stanza.is_unavailable() {
        return MessagePlan {
            events: vec![undecryptable_event(stanza, &info, None)],
            receipt: None,
            retry: None,
        };
    }
    let delivered = !decryption.contents.is_empty();
    let duplicate = decryption.ignored.iter().any(|i| i.reason.is_duplicate());
    let mut events: Vec<Event> = decryption
        .contents
        .into_iter()
        .flat_map(|c| message_events(&info, c))
        .collect();
    match decryption.failure {
        Some(f) => {
            events.push(undecryptable_event(stanza, &info, Some(&f)));
            MessagePlan {
                events,
                receipt: None,
                retry: Some(RetryNeed {
                    force_keys: f.is_unavailable,
                }),
            }
        }
        None => MessagePlan {
            events,
            receipt: (delivered || duplicate)
                .then(|| wa_protocol::stanza::receipt::delivery_receipt(stanza, active)),
            retry: None,
        },
    }
}

/// `SelfPushNameUpdated` for a change of our own push name (from the app-state
/// `setting_pushName` mutation when `from_server`, or set locally); `None` when unchanged.
pub(crate) fn self_push_name_event(old: &str, new: &str, from_server: bool) -> Option<Event> {
    (old != new).then(|| {
        Event::SelfPushNameUpdated(crate::events::SelfPushNameUpdated {
            from_server,
            old_name: old.to_owned(),
            new_name: new.to_owned(),
            from_full_sync: false,
        })
    })
}
