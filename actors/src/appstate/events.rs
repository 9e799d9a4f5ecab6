//! Verified mutations as events: the typed ones of events.md, the rest as `AppStateUpdate`.

use chrono::{DateTime, TimeZone, Utc};
use wa_protocol::appstate::{DecodedMutation, Operation, SyncAction};

use crate::events::{
    AppStateUpdate, ArchiveUpdate, ContactUpdate, Event, MarkChatAsReadUpdate, MuteUpdate,
    PinUpdate, SelfPushNameUpdated,
};
use crate::wire::Jid;

fn timestamp(m: &DecodedMutation) -> DateTime<Utc> {
    m.value
        .timestamp
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .unwrap_or_default()
}

/// The event of one verified mutation. `push_name` holds our current push name and is
/// updated by a `setting_pushName`.
pub(super) fn event_for(
    collection: &str,
    m: &DecodedMutation,
    from_full_sync: bool,
    push_name: &mut String,
) -> Event {
    let timestamp = timestamp(m);
    let jid = |s: &str| s.parse::<Jid>().ok();
    let typed = match SyncAction::from_mutation(m) {
        SyncAction::Contact { jid: j, action } => jid(&j).map(|jid| {
            Event::ContactUpdate(ContactUpdate {
                jid,
                timestamp,
                action: Box::new(action),
                from_full_sync,
            })
        }),
        SyncAction::Pin { chat, action } => jid(&chat).map(|jid| {
            Event::PinUpdate(PinUpdate {
                jid,
                timestamp,
                action: Box::new(action),
                from_full_sync,
            })
        }),
        SyncAction::Mute { chat, action } => jid(&chat).map(|jid| {
            Event::MuteUpdate(MuteUpdate {
                jid,
                timestamp,
                action: Box::new(action),
                from_full_sync,
            })
        }),
        SyncAction::Archive { chat, action } => jid(&chat).map(|jid| {
            Event::ArchiveUpdate(ArchiveUpdate {
                jid,
                timestamp,
                action: Box::new(action),
                from_full_sync,
            })
        }),
        SyncAction::MarkChatAsRead { chat, action } => jid(&chat).map(|jid| {
            Event::MarkChatAsReadUpdate(MarkChatAsReadUpdate {
                jid,
                timestamp,
                action: Box::new(action),
                from_full_sync,
            })
        }),
        SyncAction::PushName { name } => {
            let old_name = std::mem::replace(push_name, name.clone());
            Some(Event::SelfPushNameUpdated(SelfPushNameUpdated {
                from_server: true,
                old_name,
                new_name: name,
                from_full_sync,
            }))
        }
        _ => None,
    };
    // A typed action whose JID does not parse still reaches the application, raw.
    typed.unwrap_or_else(|| {
        Event::AppStateUpdate(AppStateUpdate {
            collection: collection.to_owned(),
            index: m.index.clone(),
            set: m.operation == Operation::Set,
            timestamp,
            action: Box::new(m.value.clone()),
            from_full_sync,
        })
    })
}
