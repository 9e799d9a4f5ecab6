//! The outgoing 1:1 `<message>` (messages.md §5.3), built by the client
//! ([`OutgoingMessage::to_node`]) and read by the server ([`ClientMessage::parse`]):
//!
//! ```text
//! <message id type to [edit]>
//!   <participants>
//!     <to jid=DEVICE><enc v="2" type="pkmsg|msg" [mediatype] [decrypt-fail="hide"]>…</enc></to> …
//!   </participants>
//!   [<device-identity>ADVSignedDeviceIdentity</device-identity>]   (when any enc is a pkmsg)
//! </message>
//! ```

use crate::binary::{Jid, Node};
use crate::message::{EditAttribute, EncNode, EncType};
use crate::signal::Ciphertext;
use crate::stanza::attrs::{expect_tag, opt_jid, opt_str, req_jid, req_str, StanzaError};

/// One device's ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEnc {
    /// The device (JID with device id).
    pub device: Jid,
    /// `pkmsg` or `msg`.
    pub enc_type: EncType,
    /// The Signal ciphertext.
    pub ciphertext: Vec<u8>,
}

impl DeviceEnc {
    /// `device`'s entry for a Signal ciphertext.
    pub fn new(device: Jid, ciphertext: &Ciphertext) -> Self {
        Self {
            device,
            enc_type: match ciphertext {
                Ciphertext::PreKey(_) => EncType::PreKey,
                Ciphertext::Whisper(_) => EncType::Whisper,
            },
            ciphertext: ciphertext.serialized().to_vec(),
        }
    }
}

/// A 1:1 message ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The message id (`3EB0…`).
    pub id: String,
    /// The chat: the recipient's user JID.
    pub to: Jid,
    /// `type`: see [`super::message_type`].
    pub message_type: String,
    /// `edit`, for edits and revokes.
    pub edit: EditAttribute,
    /// `mediatype` of every `<enc>`.
    pub media_type: Option<String>,
    /// `decrypt-fail="hide"` on every `<enc>`.
    pub hide_on_failure: bool,
    /// One entry per device, recipient's and our own.
    pub participants: Vec<DeviceEnc>,
    /// Our encoded `ADVSignedDeviceIdentity`, sent when a `pkmsg` needs it.
    pub device_identity: Option<Vec<u8>>,
}

impl OutgoingMessage {
    /// Whether any device gets a `pkmsg` (and so the stanza carries `<device-identity>`).
    pub fn has_prekey_message(&self) -> bool {
        self.participants
            .iter()
            .any(|p| p.enc_type == EncType::PreKey)
    }

    fn enc_node(&self, p: &DeviceEnc) -> Node {
        Node::build("enc")
            .attr("v", "2")
            .attr("type", p.enc_type.as_wire().to_owned())
            .attr_opt("mediatype", self.media_type.clone())
            .attr_opt("decrypt-fail", self.hide_on_failure.then_some("hide"))
            .bytes(p.ciphertext.clone())
            .finish()
    }

    /// The re-send of this message to its one participant after a retry receipt
    /// (messages.md §4.2): `<message id type to=DEVICE [edit]><enc … count=N/>
    /// [<device-identity>]</message>`, the `<enc>` directly under `<message>`. `None` unless
    /// there is exactly one participant.
    pub fn to_resend_node(&self, count: u32) -> Option<Node> {
        let [p] = self.participants.as_slice() else {
            return None;
        };
        let mut enc = self.enc_node(p);
        enc.set_attr("count", count.to_string());
        let mut children = vec![enc];
        if let (EncType::PreKey, Some(identity)) = (&p.enc_type, &self.device_identity) {
            children.push(device_identity_node(identity));
        }
        let edit = self.edit.as_wire();
        Some(
            Node::build("message")
                .attr("id", self.id.clone())
                .attr("type", self.message_type.clone())
                .attr("to", p.device.clone())
                .attr_opt("edit", (!edit.is_empty()).then(|| edit.to_owned()))
                .children(children)
                .finish(),
        )
    }

    /// The stanza.
    pub fn to_node(&self) -> Node {
        let to_nodes = self.participants.iter().map(|p| {
            Node::build("to")
                .attr("jid", p.device.clone())
                .child(self.enc_node(p))
                .finish()
        });
        let mut children = vec![Node::build("participants").children(to_nodes).finish()];
        if self.has_prekey_message() {
            if let Some(identity) = &self.device_identity {
                children.push(device_identity_node(identity));
            }
        }
        let edit = self.edit.as_wire();
        Node::build("message")
            .attr("id", self.id.clone())
            .attr("type", self.message_type.clone())
            .attr("to", self.to.clone())
            .attr_opt("edit", (!edit.is_empty()).then(|| edit.to_owned()))
            .children(children)
            .finish()
    }
}

/// Why the server could not read a client's `<message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendStanzaError {
    /// An attribute or child is missing or malformed.
    #[error(transparent)]
    Stanza(#[from] StanzaError),
    /// Neither `<participants>` nor a direct `<enc>`.
    #[error("<message> has no <participants> and no <enc>")]
    NoPayload,
}

/// A client's `<message>` as the server reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessage {
    /// `id`.
    pub id: String,
    /// `to`: the chat.
    pub to: Jid,
    /// `type`.
    pub message_type: String,
    /// `edit`.
    pub edit: EditAttribute,
    /// `<participants><to jid><enc/></to>…`, in order.
    pub participants: Vec<(Jid, EncNode)>,
    /// `<enc>` children of `<message>` itself (a re-send to one device, or a group `skmsg`).
    pub direct: Vec<EncNode>,
    /// `<device-identity>` content.
    pub device_identity: Option<Vec<u8>>,
    /// `phash`: the sender's participant hash (group sends).
    pub phash: Option<String>,
    /// `addressing_mode` (group sends).
    pub addressing_mode: Option<String>,
    /// `participant`: the one member device a group re-send is for.
    pub participant: Option<Jid>,
}

impl ClientMessage {
    /// Reads what [`OutgoingMessage::to_node`] builds. A `<to>` without an `<enc>` is an
    /// error, not skipped: the server must not ack a message it cannot deliver.
    pub fn parse(node: &Node) -> Result<Self, SendStanzaError> {
        expect_tag(node, "message")?;
        let id = req_str(node, "message", "id")?;
        let to = req_jid(node, "message", "to")?;
        let message_type = opt_str(node, "type").unwrap_or_default();
        let edit = EditAttribute::from_wire(&opt_str(node, "edit").unwrap_or_default());
        let mut participants = Vec::new();
        if let Some(list) = node.child("participants") {
            for to_node in list.children_by_tag("to") {
                let device = req_jid(to_node, "to", "jid")?;
                let enc = to_node.child("enc").ok_or(StanzaError::MissingChild {
                    tag: "to",
                    child: "enc",
                })?;
                participants.push((device, EncNode::parse(enc)?));
            }
        }
        let direct = node
            .children_by_tag("enc")
            .map(EncNode::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if participants.is_empty() && direct.is_empty() {
            return Err(SendStanzaError::NoPayload);
        }
        let device_identity = node
            .child("device-identity")
            .and_then(Node::content_bytes)
            .map(<[u8]>::to_vec);
        Ok(Self {
            id,
            to,
            message_type,
            edit,
            participants,
            direct,
            device_identity,
            phash: opt_str(node, "phash"),
            addressing_mode: opt_str(node, "addressing_mode"),
            participant: opt_jid(node, "message", "participant")?,
        })
    }
}

/// The `<device-identity>` child a message carries beside any `pkmsg` (our signed ADV
/// identity, so the recipient can check this companion belongs to the account).
pub(super) fn device_identity_node(identity: &[u8]) -> Node {
    Node::build("device-identity")
        .bytes(identity.to_vec())
        .finish()
}
