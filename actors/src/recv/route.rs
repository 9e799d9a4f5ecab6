//! Where an inbound stanza goes: the Signal actor (messages, identity changes), the Pairing
//! actor (pairing stanzas, while unpaired), the PreKeys actor (the low-count notification),
//! or straight to events through the pure mappings of this module's siblings. The Router
//! calls this for every stanza the stanza machine hands it.

use chrono::Utc;
use wa_protocol::binary::Node;
use wa_protocol::message::OwnJids;
use wa_protocol::stanza::notification::{Notification, NotificationKind};
use wa_protocol::stanza::presence::{IncomingChatState, IncomingPresence};
use wa_protocol::stanza::receipt::IncomingReceipt;

use super::connection::offline_events;
use super::notification::notification_events;
use super::presence::{chat_presence_event, presence_event};
use super::receipt::receipt_event;
use crate::events::Event;
use crate::store::DeviceData;

/// Where one inbound stanza goes.
#[derive(Debug)]
pub(crate) enum Destination {
    /// A `<message>`: the Signal actor decrypts, persists, then publishes and acks.
    Signal(Node),
    /// A pairing stanza.
    Pairing(Node),
    /// The server's prekey-count notification.
    PreKeys(Node),
    /// A contact's identity changed: publish these, and the Signal actor drops their sessions.
    IdentityChanged(Node, Vec<Event>),
    /// A `server_sync` notification: the app-state actor fetches the named collections.
    AppState(Node),
    /// The server's `<ack class="message">` for a message we sent: the Outbox resolves it.
    Outbox(Node),
    /// A retry receipt: publish these, and the Signal actor re-sends the message it names.
    RetryReceipt(Node, Vec<Event>),
    /// Publish these events (possibly none).
    Publish(Vec<Event>),
}

/// Our own JIDs, for telling our devices' stanzas apart; `None` before pairing.
pub(crate) fn own_jids(device: &DeviceData) -> Option<OwnJids> {
    Some(OwnJids {
        pn: device.jid.as_ref()?.to_non_ad(),
        lid: device.lid.as_ref().map(|l| l.to_non_ad()),
    })
}

/// Whether `node` belongs to the pairing flow.
pub(crate) fn is_pairing_stanza(node: &Node) -> bool {
    match node.tag.as_ref() {
        "iq" => node.child("pair-device").is_some() || node.child("pair-success").is_some(),
        "notification" => node.attr_str("type").as_deref() == Some("link_code_companion_reg"),
        _ => false,
    }
}

/// Decides where `node` goes; `own` is `None` before pairing, `pairing` whether a Pairing
/// actor runs on this connection.
pub(crate) fn destination(node: Node, own: Option<&OwnJids>, pairing: bool) -> Destination {
    if pairing && is_pairing_stanza(&node) {
        return Destination::Pairing(node);
    }
    if node.tag == "notification"
        && wa_protocol::stanza::prekeys::low_count_notification(&node).is_some()
    {
        return Destination::PreKeys(node);
    }
    if node.tag == "notification" && node.attr_str("type").as_deref() == Some("server_sync") {
        return Destination::AppState(node);
    }
    let now = Utc::now();
    let Some(own) = own else {
        return Destination::Publish(offline_events(&node));
    };
    let events = match node.tag.as_ref() {
        "message" => return Destination::Signal(node),
        "receipt" => match IncomingReceipt::parse(&node, own) {
            Ok(receipts) => {
                let events = receipts
                    .iter()
                    .filter_map(|r| receipt_event(r, own, now))
                    .collect();
                if receipts.iter().any(|r| r.retry.is_some()) {
                    return Destination::RetryReceipt(node, events);
                }
                events
            }
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
                    return Destination::IdentityChanged(node, events);
                }
                events
            }
            // Unknown shapes still reach the application as the raw fallback.
            Err(_) => vec![Event::Notification(node)],
        },
        "ib" => offline_events(&node),
        "ack" if node.attr_str("class").as_deref() == Some("message") => {
            return Destination::Outbox(node)
        }
        _ => Vec::new(),
    };
    Destination::Publish(events)
}

fn unreadable(tag: &str, e: &dyn std::fmt::Display) -> Vec<Event> {
    tracing::debug!(tag, error = %e, "unreadable stanza ignored");
    Vec::new()
}
