//! Messages our clients send (messages.md §5.3, server.md §5): the server reads the
//! `<message>` with the protocol's own reader (`wa_protocol::send::ClientMessage`), queues one
//! `<message>` with that device's single `<enc>` for each of our devices in
//! `<participants>`, hands the others to the contact devices they name (which decrypt them),
//! and answers the sender with `<ack class="message" id from t>`, or with the error code a
//! test asked for (the message is then delivered to no one).

use std::collections::VecDeque;

use wa_protocol::binary::{Jid, Node};
use wa_protocol::message::EncNode;
use wa_protocol::send::{message_ack_node, ClientMessage, SendStanzaError};

use crate::contact_devices::{receive, Envelope};
use crate::group_outgoing::deliver_group;
use crate::own_phone::receive_on_phone;
use crate::server::{unix_now, FakeServer};
use crate::state::{DeviceKey, Shared, State};

/// A `<message>` one of our clients sent, as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSent {
    /// The sending device.
    pub from: Jid,
    /// The message as read.
    pub message: Option<ClientMessage>,
    /// The error code it was acked with, if any.
    pub error: Option<u16>,
    /// The stanza as received.
    pub node: Node,
}

/// What the server keeps about client sends.
#[derive(Debug, Default)]
pub(crate) struct Outgoing {
    /// Every client `<message>`, in arrival order.
    pub sent: Vec<ClientSent>,
    /// Error codes for the next acks, one per message.
    pub ack_errors: VecDeque<u16>,
    /// Participant hashes for the next group messages' acks: such a message is delivered to
    /// no one and acked with that `phash`, as for a sender with a stale member list.
    pub phash_mismatches: VecDeque<String>,
}

/// The `<message>` our device `to` gets for one `<enc>` of a client's send: from the sending
/// device, and, for the sender's own other devices, `recipient` = the chat.
fn delivery_node(msg: &ClientMessage, from: &Jid, own_copy: bool, t: u64, enc: &EncNode) -> Node {
    let edit = msg.edit.as_wire();
    let enc_node = Node::build("enc")
        .attr("v", enc.version.to_string())
        .attr("type", enc.enc_type.as_wire().to_owned())
        .attr_opt("mediatype", enc.media_type.clone())
        .attr_opt("decrypt-fail", enc.decrypt_fail.clone())
        .bytes(enc.ciphertext.clone())
        .finish();
    Node::build("message")
        .attr("id", msg.id.clone())
        .attr("from", from.clone())
        .attr_opt("recipient", own_copy.then(|| msg.to.clone()))
        .attr("type", msg.message_type.clone())
        .attr("t", t.to_string())
        .attr_opt("edit", (!edit.is_empty()).then(|| edit.to_owned()))
        .child(enc_node)
        .finish()
}

/// Hands one device's `<enc>` to it: queued for our devices, decrypted by contact devices
/// and our accounts' phones.
fn deliver_enc(
    st: &mut State,
    sender: DeviceKey,
    from: &Jid,
    msg: &ClientMessage,
    device: &Jid,
    enc: &EncNode,
    now: u64,
) {
    if let Some(key) = st.device_key(device) {
        let own_copy = device.same_user(from);
        let stanza = delivery_node(msg, from, own_copy, now, enc);
        st.enqueue(key, stanza);
        return;
    }
    let env = Envelope {
        id: &msg.id,
        message_type: &msg.message_type,
        edit: msg.edit.as_wire(),
        from,
    };
    if !receive(st, sender, device, &env, enc) && !receive_on_phone(st, sender, device, &env, enc) {
        tracing::debug!(%device, "message for a device nobody has");
    }
}

fn msg_is_group(parsed: &Result<ClientMessage, SendStanzaError>) -> bool {
    parsed.as_ref().is_ok_and(|m| m.to.is_group())
}

/// Handles a client's `<message>` from our device `sender`; returns the ack.
pub(crate) fn on_client_message(shared: &Shared, sender: DeviceKey, node: &Node) -> Node {
    let now = unix_now();
    let mut mismatch = None;
    let ack = {
        let mut st = shared.state();
        let from = st
            .devices
            .get(&sender)
            .map(|d| d.jid.clone())
            .unwrap_or_else(|| Jid::pn(sender.0.to_string()));
        let parsed = ClientMessage::parse(node);
        let chat = node.attr_jid("to").unwrap_or_else(Jid::server_jid);
        let id = node
            .attr_str("id")
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let error = match &parsed {
            Err(e) => {
                tracing::debug!(error = %e, "unreadable client message");
                Some(400)
            }
            Ok(_) => st.outgoing.ack_errors.pop_front(),
        };
        let error = match (&parsed, error) {
            (Ok(msg), None) if msg.to.is_group() => {
                if let Some(p) = st.outgoing.phash_mismatches.pop_front() {
                    mismatch = Some(p);
                    None
                } else if deliver_group(&mut st, sender, &from, msg, now) {
                    None
                } else {
                    Some(404)
                }
            }
            (_, e) => e,
        };
        if let (Ok(msg), None, false) = (&parsed, error, msg_is_group(&parsed)) {
            // A re-send after a retry receipt has its one `<enc>` directly, for `to`.
            let direct = msg.direct.iter().map(|enc| (&msg.to, enc));
            let fanned = msg.participants.iter().map(|(d, enc)| (d, enc));
            for (device, enc) in fanned.chain(direct) {
                deliver_enc(&mut st, sender, &from, msg, device, enc, now);
            }
        }
        st.outgoing.sent.push(ClientSent {
            from,
            message: parsed.ok(),
            error,
            node: node.clone(),
        });
        let mut ack = message_ack_node(&id, &chat, now, error);
        if let Some(p) = mismatch {
            ack.set_attr("phash", p);
        }
        ack
    };
    shared.notify();
    ack
}

impl FakeServer {
    /// Acks the next message a client sends with `<ack error=code>` instead of delivering
    /// it (463, 479, …); several calls queue several codes.
    pub fn fail_next_message(&self, code: u16) {
        self.shared.state().outgoing.ack_errors.push_back(code);
    }

    /// Acks the next group message a client sends with a participant hash other than its
    /// own and delivers it to no one (the sender's member list is stale); several calls
    /// queue several.
    pub fn mismatch_next_phash(&self) {
        self.shared
            .state()
            .outgoing
            .phash_mismatches
            .push_back("2:c3RhbGUh".to_owned());
    }

    /// Every `<message>` our clients sent, in arrival order.
    pub fn client_messages(&self) -> Vec<ClientSent> {
        self.shared.state().outgoing.sent.clone()
    }
}

/// Routes a receipt our device `from` sent for a message of one of our other clients (its
/// `to` names that account) to every other registered device of that account, as
/// `<receipt from=<device> id t [type]>` with the same `<list>`, queued until acked.
pub(crate) fn route_receipt(st: &mut crate::state::State, from: DeviceKey, node: &Node) {
    let Some(to) = node.attr_jid("to") else {
        return;
    };
    let Some(sender) = st.devices.get(&from).map(|d| d.jid.clone()) else {
        return;
    };
    let mut targets: Vec<DeviceKey> = st
        .devices
        .iter()
        .filter(|(k, d)| **k != from && (d.jid.same_user(&to) || d.lid.same_user(&to)))
        .map(|(k, _)| *k)
        .collect();
    targets.sort_unstable();
    let receipt = Node::build("receipt")
        .attr("from", sender)
        .attr_opt("id", node.attr("id").cloned())
        .attr_opt("type", node.attr("type").cloned())
        .attr("t", unix_now().to_string())
        .children(node.child("list").cloned())
        .finish();
    for target in targets {
        st.enqueue(target, receipt.clone());
    }
}
