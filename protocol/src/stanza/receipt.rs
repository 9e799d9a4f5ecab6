//! `<receipt>` stanzas: parsing incoming ones (all types, `<list>` ids, grouped group receipts,
//! retry requests) and building ours: delivery, read/played, and retry receipts
//! (messages.md §3–§4; whatsmeow `receipt.go` `parseReceipt`, `sendMessageReceipt`, `MarkRead`,
//! `retry.go` `sendRetryReceipt`, `handleRetryReceipt`).

use crate::binary::{AttrKeys, Jid, Node, Server};
use crate::crypto::PublicKey;
use crate::message::source::{parse_source_from, source_keys, OwnJids, Source, SourceAttrs};
use crate::message::MessageStanza;
use crate::signal::{PreKey, PreKeyBundle, SignedPreKey};

use super::attrs::{
    expect_tag, int_of, jid_of, need, opt_int, opt_str, req_int, req_jid, req_str, str_of, AttrRef,
    StanzaError, StanzaNode,
};
use super::prekey_nodes::{
    identity_node, key_type_node, parse_bundle, parse_registration, prekey_node, registration_node,
    signed_prekey_node,
};

/// Retry receipts stop once the count reaches this (whatsmeow `retryCount >= 5`; Baileys
/// `maxMsgRetryCount` 5).
pub const MAX_RETRY_COUNT: u32 = 5;

/// The `type` of a receipt (messages.md §3.1; whatsmeow `types.ReceiptType`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReceiptKind {
    /// No `type`: delivered to a device.
    Delivery,
    /// `sender`: a message we sent from another device reached this one.
    Sender,
    /// `retry`: the recipient could not decrypt.
    Retry,
    /// `read`.
    Read,
    /// `read-self`: read on our own device while read receipts are off.
    ReadSelf,
    /// `played`: voice or view-once media played.
    Played,
    /// `played-self`: played on our own device while receipts are off.
    PlayedSelf,
    /// `server-error`: the server could not deliver.
    ServerError,
    /// `inactive`: delivered while the recipient was not active.
    Inactive,
    /// `peer_msg`: delivery of an own-device protocol message.
    PeerMsg,
    /// `hist_sync`: a history-sync blob was received.
    HistSync,
    /// Any other value, verbatim.
    Other(String),
}

impl ReceiptKind {
    /// Parses the `type` attribute (`None` or empty → `Delivery`).
    pub fn from_wire(s: Option<&str>) -> Self {
        match s.unwrap_or("") {
            "" => Self::Delivery,
            "sender" => Self::Sender,
            "retry" => Self::Retry,
            "read" => Self::Read,
            "read-self" => Self::ReadSelf,
            "played" => Self::Played,
            "played-self" => Self::PlayedSelf,
            "server-error" => Self::ServerError,
            "inactive" => Self::Inactive,
            "peer_msg" => Self::PeerMsg,
            "hist_sync" => Self::HistSync,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The `type` attribute value; `None` for `Delivery`, which has none.
    pub fn as_wire(&self) -> Option<&str> {
        Some(match self {
            Self::Delivery => return None,
            Self::Sender => "sender",
            Self::Retry => "retry",
            Self::Read => "read",
            Self::ReadSelf => "read-self",
            Self::Played => "played",
            Self::PlayedSelf => "played-self",
            Self::ServerError => "server-error",
            Self::Inactive => "inactive",
            Self::PeerMsg => "peer_msg",
            Self::HistSync => "hist_sync",
            Self::Other(s) => s,
        })
    }
}

/// The `<retry>` part of an incoming retry receipt: what the peer failed to decrypt, and the
/// keys it sent so we can build a fresh session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryRequest {
    /// The message to re-send (`<retry id>`).
    pub message_id: String,
    /// How many retries the peer has asked for so far (`count`, from 1).
    pub count: u32,
    /// The original message's timestamp (`<retry t>`).
    pub original_timestamp: Option<i64>,
    /// `v`.
    pub version: Option<u32>,
    /// The peer's registration id (`<registration>`), when sent.
    pub registration_id: Option<u32>,
    /// The peer device's prekey bundle (`<keys>`), when sent: start a new session from it.
    pub bundle: Option<PreKeyBundle>,
    /// The peer's `ADVSignedDeviceIdentity` (`<keys><device-identity>`), when sent.
    pub device_identity: Option<Vec<u8>>,
}

/// One incoming receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingReceipt {
    /// The stanza id (what the ack names).
    pub stanza_id: String,
    /// Who sent it and in which chat.
    pub source: Source,
    /// The acknowledged message ids: `id`, then any `<list><item id>`s.
    pub message_ids: Vec<String>,
    /// Unix seconds (`t`), when given.
    pub timestamp: Option<i64>,
    /// The receipt type.
    pub kind: ReceiptKind,
    /// `recipient`: for receipts about messages another of our devices sent, their sender.
    pub recipient: Option<Jid>,
    /// The retry request of a `retry` receipt.
    pub retry: Option<RetryRequest>,
}

impl IncomingReceipt {
    /// Parses a `<receipt>`. A grouped group receipt (no `participant`, one `<participants
    /// key=msgid>` per message listing `<user jid t>`s) yields one receipt per user.
    ///
    /// `node` is an owned `&Node` or a [`NodeRef`](crate::binary::NodeRef) of a borrowed
    /// view (same result, without building the owned tree).
    pub fn parse<'n, N: StanzaNode<'n>>(node: N, own: &OwnJids) -> Result<Vec<Self>, StanzaError> {
        expect_tag(node, "receipt")?;
        const KEYS: AttrKeys<13> = source_keys!("from", "type", "t", "id");
        let slots = node.attrs_by_key(&KEYS);
        let [from, ty, t, id, ..] = slots;
        let src = SourceAttrs::from_slots(&slots);
        let from = need(jid_of(from, "receipt", "from")?, "receipt", "from")?;
        let kind = ReceiptKind::from_wire(ty.map(AttrRef::text).as_deref());
        let timestamp = int_of(t, "receipt", "t")?;
        let recipient = jid_of(src.recipient, "receipt", "recipient")?;
        let grouped = (from.is_group() || from.is_broadcast()) && src.participant.is_none();
        if grouped {
            let stanza_id = str_of(id).unwrap_or_default();
            return parse_grouped(node, own, &from, &kind, recipient, stanza_id, &src);
        }
        let source = parse_source_from(node, "receipt", own, from, None, &src)?;
        let id = need(str_of(id), "receipt", "id")?;
        let mut message_ids = vec![id.clone()];
        if let Some(list) = node.child("list") {
            message_ids.extend(
                list.children_by_tag("item")
                    .filter_map(|item| opt_str(item, "id")),
            );
        }
        let retry = match kind {
            ReceiptKind::Retry => Some(parse_retry(node)?),
            _ => None,
        };
        Ok(vec![Self {
            stanza_id: id,
            source,
            message_ids,
            timestamp,
            kind,
            recipient,
            retry,
        }])
    }
}

fn parse_grouped<'n, N: StanzaNode<'n>>(
    node: N,
    own: &OwnJids,
    from: &Jid,
    kind: &ReceiptKind,
    recipient: Option<Jid>,
    stanza_id: String,
    src: &SourceAttrs<'n>,
) -> Result<Vec<IncomingReceipt>, StanzaError> {
    let mut out = Vec::new();
    let mut groups = node.children_by_tag("participants").peekable();
    if groups.peek().is_none() {
        return Err(StanzaError::MissingChild {
            tag: "receipt",
            child: "participants",
        });
    }
    for participants in groups {
        let key = req_str(participants, "participants", "key")?;
        for user in participants.children_by_tag("user") {
            let jid = req_jid(user, "user", "jid")?;
            let source = parse_source_from(node, "receipt", own, from.clone(), Some(jid), src)?;
            out.push(IncomingReceipt {
                stanza_id: stanza_id.clone(),
                source,
                message_ids: vec![key.clone()],
                timestamp: opt_int(user, "user", "t")?,
                kind: kind.clone(),
                recipient: recipient.clone(),
                retry: None,
            });
        }
    }
    Ok(out)
}

fn parse_retry<'n, N: StanzaNode<'n>>(node: N) -> Result<RetryRequest, StanzaError> {
    let retry = node.child("retry").ok_or(StanzaError::MissingChild {
        tag: "receipt",
        child: "retry",
    })?;
    let registration_id = match node.child("registration") {
        Some(_) => Some(parse_registration(node, "receipt")?),
        None => None,
    };
    let (bundle, device_identity) = match node.child("keys") {
        Some(keys) => (
            Some(parse_bundle(node, "receipt")?),
            keys.child("device-identity")
                .and_then(StanzaNode::content_bytes)
                .map(std::borrow::Cow::into_owned),
        ),
        None => (None, None),
    };
    Ok(RetryRequest {
        message_id: req_str(retry, "retry", "id")?,
        count: req_int(retry, "retry", "count")?,
        original_timestamp: opt_int(retry, "retry", "t")?,
        version: opt_int(retry, "retry", "v")?,
        registration_id,
        bundle,
        device_identity,
    })
}

/// `id`, `to` = the message's `from`, and its `recipient`/`participant` as received
/// (whatsmeow `buildBaseReceipt`).
fn base_receipt(msg: &MessageStanza) -> crate::binary::NodeBuilder {
    Node::build("receipt")
        .attr("id", msg.id.clone())
        .attr("to", msg.from.clone())
        .attr_opt("recipient", msg.recipient.clone())
        .attr_opt("participant", msg.participant.clone())
}

/// The delivery receipt for a message we decrypted (messages.md §3.2): type `sender` for our
/// own devices' messages (`peer_msg` for peer messages), `inactive` while we are not marked
/// active, none otherwise.
pub fn delivery_receipt(msg: &MessageStanza, active: bool) -> Node {
    let ty = if msg.source.is_from_me {
        Some(if msg.message_type.as_deref() == Some("peer_msg") {
            "peer_msg"
        } else {
            "sender"
        })
    } else if !active {
        Some("inactive")
    } else {
        None
    };
    base_receipt(msg).attr_opt("type", ty).finish()
}

/// Builds a read or played receipt for `ids` in `chat` (messages.md §3.3; whatsmeow
/// `MarkRead`). `sender` is the messages' sender, named as `participant` in group chats.
/// `read` becomes `read-self` in newsletters or when `read_receipts_off` (privacy setting
/// "none"). `None` when `ids` is empty.
pub fn read_receipt(
    chat: &Jid,
    sender: Option<&Jid>,
    ids: &[String],
    kind: ReceiptKind,
    timestamp: i64,
    read_receipts_off: bool,
) -> Option<Node> {
    let (first, rest) = ids.split_first()?;
    let kind = match kind {
        ReceiptKind::Read if chat.is_newsletter() || read_receipts_off => ReceiptKind::ReadSelf,
        other => other,
    };
    let direct = matches!(
        chat.server,
        Server::DefaultUser | Server::Lid | Server::Messenger
    );
    let participant = sender.filter(|_| !direct).map(Jid::to_non_ad);
    let mut b = Node::build("receipt")
        .attr("id", first.clone())
        .attr_opt("type", kind.as_wire().map(str::to_owned))
        .attr("to", chat.clone())
        .attr("t", timestamp)
        .attr_opt("participant", participant);
    if !rest.is_empty() {
        b = b.child(
            Node::build("list").children(
                rest.iter()
                    .map(|id| Node::build("item").attr("id", id.clone()).finish()),
            ),
        );
    }
    Some(b.finish())
}

/// Our keys for a retry receipt's `<keys>`: the peer starts a fresh session from them.
#[derive(Debug, Clone, Copy)]
pub struct RetryKeys<'a> {
    /// Our identity public key.
    pub identity: &'a PublicKey,
    /// A fresh one-time prekey (the caller generates and stores it first).
    pub prekey: &'a PreKey,
    /// Our current signed prekey.
    pub signed_prekey: &'a SignedPreKey,
    /// Our `ADVSignedDeviceIdentity` bytes (with the account signature key).
    pub device_identity: &'a [u8],
}

/// The retry count for our next retry receipt for a message: `local` is how many we already
/// sent for it in this process, `enc_count` the stanza's `<enc count>` (a re-sent message
/// carries the count it answers, which survives our restarts). `None` once the limit is
/// reached: send no more (whatsmeow `sendRetryReceipt`).
pub fn next_retry_count(local: u32, enc_count: Option<u32>) -> Option<u32> {
    let mut count = local.saturating_add(1);
    if count == 1 {
        if let Some(c) = enc_count.filter(|&c| c > 0) {
            count = c.saturating_add(1);
        }
    }
    (count < MAX_RETRY_COUNT).then_some(count)
}

/// Whether a retry receipt with `count` must carry our keys: from the second retry on, or at
/// once when the message is unavailable for lack of a sender key (whatsmeow
/// `retryCount > 1 || forceIncludeIdentity`).
pub fn retry_needs_keys(count: u32, force: bool) -> bool {
    count > 1 || force
}

/// The retry receipt for a message we could not decrypt (messages.md §4.1):
/// `<receipt id to [participant] [recipient] type="retry" [category="peer"]><retry count id t
/// v="1"/><registration/>[<keys>…</keys>]</receipt>`. Pass `keys` when
/// [`retry_needs_keys`] says so.
pub fn retry_receipt(
    msg: &MessageStanza,
    count: u32,
    registration_id: u32,
    keys: Option<RetryKeys<'_>>,
) -> Node {
    let peer = msg.message_type.as_deref() == Some("peer_msg") && msg.source.is_from_me;
    let mut children = vec![
        Node::build("retry")
            .attr("count", count)
            .attr("id", msg.id.clone())
            .attr("t", msg.timestamp)
            .attr("v", "1")
            .finish(),
        registration_node(registration_id),
    ];
    if let Some(k) = keys {
        children.push(
            Node::build("keys")
                .children([
                    key_type_node(),
                    identity_node(k.identity),
                    prekey_node(k.prekey),
                    signed_prekey_node(k.signed_prekey),
                    Node::build("device-identity")
                        .bytes(k.device_identity.to_vec())
                        .finish(),
                ])
                .finish(),
        );
    }
    base_receipt(msg)
        .attr("type", "retry")
        .attr_opt("category", peer.then_some("peer"))
        .children(children)
        .finish()
}

#[cfg(test)]
#[path = "receipt_tests.rs"]
mod tests;
