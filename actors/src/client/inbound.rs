//! Where an inbound stanza goes once it reaches `ClientSup`: messages to the Signal actor
//! (they need the ratchets), everything else straight to events through the pure mappings of
//! `crate::recv`.

use chrono::Utc;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::message::OwnJids;
use wa_protocol::stanza::notification::{Notification, NotificationKind};
use wa_protocol::stanza::presence::{IncomingChatState, IncomingPresence};
use wa_protocol::stanza::receipt::IncomingReceipt;

use super::events_map::offline_events;
use crate::events::Event;
use crate::recv::notification::notification_events;
use crate::recv::presence::{chat_presence_event, presence_event};
use crate::recv::receipt::receipt_event;

/// What to do with one inbound stanza.
#[derive(Debug)]
pub(crate) enum Route {
    /// A `<message>`: the Signal actor decrypts, persists, then publishes and acks.
    Decrypt(Node),
    /// A contact's identity changed: the Signal actor drops their sessions.
    IdentityChanged(Jid, Vec<Event>),
    /// Publish these events (possibly none).
    Publish(Vec<Event>),
}

/// Routes `node`; `own` is `None` before pairing (only connection-level stanzas then).
pub(crate) fn route(node: Node, own: Option<&OwnJids>) -> Route {
    let now = Utc::now();
    let Some(own) = own else {
        return Route::Publish(offline_events(&node));
    };
    let events = match node.tag.as_ref() {
        "message" => return Route::Decrypt(node),
        "receipt" => match IncomingReceipt::parse(&node, own) {
            Ok(receipts) => receipts
                .iter()
                .filter_map(|r| receipt_event(r, own, now))
                .collect(),
            Err(e) => unreadable("receipt", &e),
        },
        "presence" => match IncomingPresence::parse(&node) {
            Ok(p) => vec![presence_event(&p)],
            Err(e) => unreadable("presence", &e),
        },
        "chatstate" => match IncomingChatState::parse(&node, own) {
            Ok(c) => vec![chat_presence_event(&c)],
            Err(e) => unreadable("chatstate", &e),
        },
        "notification" => match Notification::parse(&node) {
            Ok(n) => {
                let events = notification_events(&node, &n, own, now);
                if n.kind == NotificationKind::IdentityChange {
                    return Route::IdentityChanged(n.from, events);
                }
                events
            }
            // Unknown shapes still reach the application as the raw fallback.
            Err(_) => vec![Event::Notification(node)],
        },
        "ib" => offline_events(&node),
        _ => Vec::new(),
    };
    Route::Publish(events)
}

fn unreadable(tag: &str, e: &dyn std::fmt::Display) -> Vec<Event> {
    tracing::debug!(tag, error = %e, "unreadable stanza ignored");
    Vec::new()
}
