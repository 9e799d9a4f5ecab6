//! `<presence>` and `<chatstate>` → `Presence` and `ChatPresence` events.

use wa_protocol::stanza::presence::{ChatState, IncomingChatState, IncomingPresence};

use chrono::DateTime;

use crate::events::{
    ChatPresence, ChatPresenceMedia, ChatPresenceUpdate, Event, MessageSource, PresenceUpdate,
};

/// The `Presence` event.
pub(crate) fn presence_event(p: &IncomingPresence) -> Event {
    Event::Presence(PresenceUpdate {
        from: p.from.clone(),
        unavailable: p.unavailable,
        // An out-of-range time is dropped rather than replaced by "now": it is not known.
        last_seen: p.last_seen.and_then(|t| DateTime::from_timestamp(t, 0)),
    })
}

/// The `ChatPresence` event.
pub(crate) fn chat_presence_event(c: &IncomingChatState) -> Event {
    Event::ChatPresence(ChatPresenceUpdate {
        source: MessageSource::from(&c.source),
        state: match c.state {
            ChatState::Composing => ChatPresence::Composing,
            ChatState::Paused => ChatPresence::Paused,
        },
        media: if c.audio {
            ChatPresenceMedia::Audio
        } else {
            ChatPresenceMedia::Text
        },
    })
}
