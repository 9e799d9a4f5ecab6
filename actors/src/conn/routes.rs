//! The routing table a connection starts with: which actor owns which inbound stanza. The
//! decision is the pure `recv::route::destination`; this only holds the addresses.

use ractor::DerivedActorRef;
use wa_protocol::binary::Node;

use crate::broadcaster::BroadcasterHandle;
use crate::link::{FlowTicket, IdentityCell, Inbound, OwnerSlot};
use crate::recv::route::{destination, Destination};

/// Where a connection's inbound stanzas go.
#[derive(Clone)]
pub(crate) struct Routes {
    /// `<message>` stanzas and identity changes: the Signal actor.
    pub signal: OwnerSlot,
    /// Acks of the messages we sent: the Outbox.
    pub outbox: OwnerSlot,
    /// `server_sync` notifications: the app-state actor.
    pub app_state: crate::appstate::AppStateHandle,
    /// Pairing stanzas, while unpaired.
    pub pairing: Option<DerivedActorRef<Inbound>>,
    /// The server's prekey-count notifications, on a paired device's connection (the actor
    /// is started for each one).
    pub prekeys: Option<crate::prekeys::PreKeysHandle>,
    /// Stanzas that only become events.
    pub broadcaster: BroadcasterHandle,
    /// Our own identity, to tell our devices from others.
    pub identity: IdentityCell,
    /// Learns LIDs from messages and drops device lists and groups that events invalidate,
    /// before the owner or a subscriber sees them.
    pub directory: crate::directory::Directory,
}

impl Routes {
    /// Hands `node` to its owner. The ticket goes with it; it is dropped here for stanzas
    /// that are done once published.
    pub(crate) fn dispatch(&self, node: Node, ticket: FlowTicket) {
        let device = self.identity.get();
        let own = device.as_deref().and_then(crate::recv::route::own_jids);
        let to = |owner: &DerivedActorRef<Inbound>, node: Node, ticket: FlowTicket| {
            if owner.send_message(Inbound { node, ticket }).is_err() {
                tracing::warn!("stanza owner is gone; the server will redeliver");
            }
        };
        match destination(node, own.as_ref(), self.pairing.is_some()) {
            Destination::Signal(node) => {
                if let Some(own) = &own {
                    self.directory.observe_stanza(&node, own);
                }
                self.to_signal(node, ticket)
            }
            Destination::Pairing(node) => match &self.pairing {
                Some(p) => to(p, node, ticket),
                None => tracing::debug!("pairing stanza after pairing; ignored"),
            },
            Destination::PreKeys(node) => match &self.prekeys {
                Some(p) => {
                    let msg = crate::prekeys::PreKeysMsg::Stanza(Inbound { node, ticket });
                    if !p.send(msg) {
                        tracing::debug!("connection closing; prekey notification ignored");
                    }
                }
                None => tracing::debug!("prekey notification before login; ignored"),
            },
            Destination::IdentityChanged(node, events) => {
                self.publish(events);
                self.to_signal(node, ticket);
            }
            Destination::RetryReceipt(node, events) => {
                self.publish(events);
                self.to_signal(node, ticket);
            }
            Destination::AppState(node) => {
                let msg = crate::appstate::AppStateMsg::Stanza(Inbound { node, ticket });
                if !self.app_state.send(msg) {
                    tracing::debug!("app-state actor not running; server_sync ignored");
                }
            }
            Destination::Outbox(node) => {
                if !self.outbox.send(Inbound { node, ticket }) {
                    tracing::warn!("outbox is gone; message ack dropped");
                }
            }
            Destination::Publish(events) => {
                self.directory.observe_events(&events);
                self.publish(events)
            }
        }
    }

    fn to_signal(&self, node: Node, ticket: FlowTicket) {
        if !self.signal.send(Inbound { node, ticket }) {
            tracing::warn!("signal actor is gone; the server will redeliver");
        }
    }

    fn publish(&self, events: Vec<crate::events::Event>) {
        for event in events {
            if !self.broadcaster.publish(event) {
                tracing::warn!("broadcaster registry closed; event dropped");
            }
        }
    }
}
