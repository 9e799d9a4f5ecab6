//! The outgoing group `<message>` (messages.md §5.4; whatsmeow `sendGroup`), built by the
//! client ([`GroupMessage::to_node`]) and read by the server with the same
//! [`super::ClientMessage::parse`]:
//!
//! ```text
//! <message id type to=GROUP phash="2:…" [addressing_mode] [edit]>
//!   <participants>                                  (only devices that lack our sender key)
//!     <to jid=DEVICE><enc v="2" type="pkmsg|msg" [decrypt-fail]>Message{senderKeyDistributionMessage}</enc></to> …
//!   </participants>
//!   <enc v="2" type="skmsg" [mediatype] [decrypt-fail]>…</enc>
//!   [<device-identity>…</device-identity>]         (when any enc is a pkmsg)
//! </message>
//! ```

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use wa_protobuf::wa;

use super::stanza::{device_identity_node, DeviceEnc};
use crate::binary::{Jid, Node};
use crate::message::{EditAttribute, EncType};
use crate::signal::SenderKeyDistributionMessage;

/// The participant hash of a send (whatsmeow `participantListHashV2`): `"2:"` + unpadded
/// standard base64 of the first 6 bytes of SHA-256 over the concatenated, sorted
/// `user.agent:device@server` forms of every device the message is for. Both sides compute it
/// from the same list, so the order given does not matter.
pub fn participant_hash(devices: &[Jid]) -> String {
    let mut forms: Vec<String> = devices.iter().map(ad_string).collect();
    forms.sort_unstable();
    let mut hasher = Sha256::new();
    for f in &forms {
        hasher.update(f.as_bytes());
    }
    let digest = hasher.finalize();
    format!("2:{}", STANDARD_NO_PAD.encode(&digest[..6]))
}

/// whatsmeow's `ADString`: agent and device always printed, even when 0.
fn ad_string(jid: &Jid) -> String {
    format!("{}.{}:{}@{}", jid.user, jid.agent, jid.device, jid.server)
}

/// `Message{senderKeyDistributionMessage{groupId, axolotlSenderKeyDistributionMessage}}`, the
/// 1:1 payload that hands our sender key for `group` to one member device (signal.md §5).
pub fn sender_key_distribution(group: &Jid, skdm: &SenderKeyDistributionMessage) -> wa::Message {
    wa::Message {
        sender_key_distribution_message: Some(wa::SenderKeyDistributionMessage {
            group_id: Some(group.to_non_ad().to_string()),
            axolotl_sender_key_distribution_message: Some(skdm.serialize()),
        }),
        ..Default::default()
    }
}

/// A group message ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMessage {
    /// The message id.
    pub id: String,
    /// The group.
    pub to: Jid,
    /// `type`: see [`super::message_type`].
    pub message_type: String,
    /// `edit`.
    pub edit: EditAttribute,
    /// `mediatype` of the `skmsg`.
    pub media_type: Option<String>,
    /// `decrypt-fail="hide"` on every `<enc>`.
    pub hide_on_failure: bool,
    /// The group's `addressing_mode`, repeated on the stanza when known.
    pub addressing_mode: Option<String>,
    /// [`participant_hash`] of every device the message is for.
    pub phash: String,
    /// The sender-key ciphertext every member device reads.
    pub skmsg: Vec<u8>,
    /// The distribution message, encrypted 1:1, for each device that lacks our sender key.
    pub participants: Vec<DeviceEnc>,
    /// Our encoded `ADVSignedDeviceIdentity`, sent when a `pkmsg` needs it.
    pub device_identity: Option<Vec<u8>>,
}

impl GroupMessage {
    fn enc(&self, enc_type: &EncType, media: bool, ciphertext: &[u8]) -> Node {
        Node::build("enc")
            .attr("v", "2")
            .attr("type", enc_type.as_wire().to_owned())
            .attr_opt(
                "mediatype",
                media.then(|| self.media_type.clone()).flatten(),
            )
            .attr_opt("decrypt-fail", self.hide_on_failure.then_some("hide"))
            .bytes(ciphertext.to_vec())
            .finish()
    }

    /// The stanza. `<participants>` is left out when every device already has our key.
    pub fn to_node(&self) -> Node {
        let mut children = Vec::new();
        if !self.participants.is_empty() {
            let to_nodes = self.participants.iter().map(|p| {
                Node::build("to")
                    .attr("jid", p.device.clone())
                    .child(self.enc(&p.enc_type, false, &p.ciphertext))
                    .finish()
            });
            children.push(Node::build("participants").children(to_nodes).finish());
        }
        children.push(self.enc(&EncType::SenderKey, true, &self.skmsg));
        let prekey = self
            .participants
            .iter()
            .any(|p| p.enc_type == EncType::PreKey);
        if let (true, Some(identity)) = (prekey, &self.device_identity) {
            children.push(device_identity_node(identity));
        }
        let edit = self.edit.as_wire();
        Node::build("message")
            .attr("id", self.id.clone())
            .attr("type", self.message_type.clone())
            .attr("to", self.to.to_non_ad())
            .attr("phash", self.phash.clone())
            .attr_opt("addressing_mode", self.addressing_mode.clone())
            .attr_opt("edit", (!edit.is_empty()).then(|| edit.to_owned()))
            .children(children)
            .finish()
    }
}

/// The re-send of a group message to the one member device that sent a retry receipt
/// (whatsmeow `handleRetryReceipt`): `<message id type to=GROUP participant=DEVICE [edit]>
/// <enc … count=N/>[<device-identity>]</message>`, the content encrypted 1:1 for that device.
pub fn group_resend_node(
    id: &str,
    group: &Jid,
    message_type: &str,
    edit: &EditAttribute,
    target: &DeviceEnc,
    count: u32,
    device_identity: Option<&[u8]>,
) -> Node {
    let mut children = vec![Node::build("enc")
        .attr("v", "2")
        .attr("type", target.enc_type.as_wire().to_owned())
        .attr("count", count.to_string())
        .bytes(target.ciphertext.clone())
        .finish()];
    if let (EncType::PreKey, Some(identity)) = (&target.enc_type, device_identity) {
        children.push(device_identity_node(identity));
    }
    let edit = edit.as_wire();
    Node::build("message")
        .attr("id", id.to_owned())
        .attr("type", message_type.to_owned())
        .attr("to", group.to_non_ad())
        .attr("participant", target.device.clone())
        .attr_opt("edit", (!edit.is_empty()).then(|| edit.to_owned()))
        .children(children)
        .finish()
}
