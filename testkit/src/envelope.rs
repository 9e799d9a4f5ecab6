//! The `<message>` stanza as our device receives it from a contact (messages.md §1, §5.3/5.4
//! seen from the receiving side): ids, attributes, `<enc>` children.

use std::fmt;

use prost::Message as _;
use sha2::{Digest, Sha256};
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::signal::pad;

/// A message id as the server and the client use it (`3EB0…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub String);

impl MessageId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A new id the way WhatsApp Web makes them (messages.md §5.1; whatsmeow
    /// `GenerateMessageID`): `3EB0` and the first 9 bytes of
    /// `SHA-256(u64be(now) ‖ user ‖ "@c.us" ‖ 16 random bytes)` in upper-case hex.
    pub fn generate(now: u64, user: &str) -> Self {
        let mut h = Sha256::new();
        h.update(now.to_be_bytes());
        h.update(user.as_bytes());
        h.update(b"@c.us");
        h.update(rand::random::<[u8; 16]>());
        let digest = h.finalize();
        let hex: String = digest.iter().take(9).map(|b| format!("{b:02X}")).collect();
        Self(format!("3EB0{hex}"))
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for MessageId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// The stanza attributes of one sent message; a re-sent message keeps them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Envelope {
    pub id: MessageId,
    /// The chat as the receiver sees it: the contact, or the group.
    pub from: Jid,
    /// The sending contact, in groups.
    pub participant: Option<Jid>,
    pub t: u64,
    /// `text`, `media`, `reaction`, `poll`.
    pub kind: &'static str,
    /// The sender's push name at send time.
    pub notify: String,
    /// The sender's LID, named as `sender_lid` (1:1) or `participant_lid` (groups) when the
    /// contact announces it.
    pub sender_lid: Option<Jid>,
}

/// The `type` attribute for `message` (whatsmeow `getTypeFromMessage`, wrappers unwrapped).
pub(crate) fn message_kind(message: &wa::Message) -> &'static str {
    let inner = [
        &message.view_once_message,
        &message.ephemeral_message,
        &message.view_once_message_v2,
        &message.view_once_message_v2_extension,
        &message.document_with_caption_message,
        &message.edited_message,
    ]
    .into_iter()
    .flatten()
    .find_map(|w| w.message.as_deref());
    if let Some(inner) = inner {
        return message_kind(inner);
    }
    if message.reaction_message.is_some() || message.enc_reaction_message.is_some() {
        "reaction"
    } else if message.poll_creation_message.is_some() || message.poll_update_message.is_some() {
        "poll"
    } else if message.image_message.is_some()
        || message.video_message.is_some()
        || message.audio_message.is_some()
        || message.document_message.is_some()
        || message.sticker_message.is_some()
        || message.location_message.is_some()
        || message.contact_message.is_some()
    {
        "media"
    } else {
        "text"
    }
}

/// The serialized, WhatsApp-padded plaintext of `message` (signal.md §6).
pub(crate) fn padded(message: &wa::Message) -> Vec<u8> {
    pad(&message.encode_to_vec(), &mut rand::rngs::OsRng)
}

/// `<enc v="2" type=.. [count=..]>ciphertext</enc>`.
pub(crate) fn enc_node(enc_type: &str, ciphertext: Vec<u8>, count: Option<u32>) -> Node {
    Node::build("enc")
        .attr("v", "2")
        .attr("type", enc_type.to_owned())
        .attr_opt("count", count.map(|c| c.to_string()))
        .bytes(ciphertext)
        .finish()
}

/// `<message id from [participant] [sender_lid|participant_lid] type t notify>encs</message>`.
pub(crate) fn message_node(env: &Envelope, encs: Vec<Node>) -> Node {
    let lid_attr = if env.participant.is_some() {
        "participant_lid"
    } else {
        "sender_lid"
    };
    Node::build("message")
        .attr("id", env.id.0.clone())
        .attr("from", env.from.clone())
        .attr_opt("participant", env.participant.clone())
        .attr_opt(lid_attr, env.sender_lid.clone())
        .attr("type", env.kind)
        .attr("t", env.t.to_string())
        .attr("notify", env.notify.clone())
        .children(encs)
        .finish()
}

/// Flips the last byte (the MAC of a `pkmsg`/`msg`, the signature of a `skmsg`), so the
/// receiver's decryption fails while the framing still parses.
pub(crate) fn corrupt(ciphertext: &mut [u8]) {
    if let Some(last) = ciphertext.last_mut() {
        *last ^= 0x01;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_web_ids_and_differ() {
        let a = MessageId::generate(1_700_000_000, "15550001111");
        let b = MessageId::generate(1_700_000_000, "15550001111");
        assert_eq!(a.as_str().len(), 22);
        assert!(a.as_str().starts_with("3EB0"));
        assert!(a.as_str()[4..]
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn message_kinds_follow_the_content() {
        let text = wa::Message {
            conversation: Some("hi".into()),
            ..Default::default()
        };
        assert_eq!(message_kind(&text), "text");
        let image = wa::Message {
            image_message: Some(Default::default()),
            ..Default::default()
        };
        assert_eq!(message_kind(&image), "media");
        let wrapped = wa::Message {
            ephemeral_message: Some(Box::new(wa::FutureProofMessage {
                message: Some(Box::new(image)),
            })),
            ..Default::default()
        };
        assert_eq!(message_kind(&wrapped), "media");
        let reaction = wa::Message {
            reaction_message: Some(Default::default()),
            ..Default::default()
        };
        assert_eq!(message_kind(&reaction), "reaction");
    }
}
