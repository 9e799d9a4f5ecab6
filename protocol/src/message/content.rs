//! From decrypted bytes to the `Message` protobuf the user sees: unpad (v=2), decode, unwrap
//! `deviceSentMessage`, and set aside the sender-key distribution message for the caller
//! (signal.md §5–§7; whatsmeow `handleDecryptedMessage`, `processProtocolParts`).

use prost::Message as _;
use wa_protobuf::wa;

use super::error::DecryptError;
use super::unknown::{find_unknown, UnknownContent};
use crate::signal::padding::unpad;

/// Where an own-device copy was sent (`deviceSentMessage`, signal.md §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSentMeta {
    /// The chat the original went to (`destinationJid`, a JID string).
    pub destination_jid: String,
    /// `phash` of the original send, when given.
    pub phash: Option<String>,
}

/// A sender-key distribution message found in a decrypted `Message`: the caller processes it
/// into the sender-key record of (chat, sender) before decrypting that sender's `skmsg`.
#[derive(Clone, PartialEq, Eq)]
pub struct SenderKeyDistribution {
    /// `groupId` as sent (whatsmeow uses the stanza's chat, not this, as the key).
    pub group_id: Option<String>,
    /// The Signal-level `SenderKeyDistributionMessage` bytes (`0x33 ‖ protobuf`).
    pub axolotl: Vec<u8>,
}

impl std::fmt::Debug for SenderKeyDistribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The axolotl bytes carry a chain key: never print them.
        f.debug_struct("SenderKeyDistribution")
            .field("group_id", &self.group_id)
            .field("axolotl_len", &self.axolotl.len())
            .finish()
    }
}

/// A decoded message payload.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageContent {
    /// The message to deliver: `deviceSentMessage.message` for own-device copies, otherwise
    /// the decoded message. The sender-key distribution field is removed (it is in
    /// [`sender_key_distribution`](Self::sender_key_distribution)).
    pub message: wa::Message,
    /// Set when the payload was a `deviceSentMessage` wrapper.
    pub device_sent: Option<DeviceSentMeta>,
    /// A sender-key distribution message to process.
    pub sender_key_distribution: Option<SenderKeyDistribution>,
    /// Fields of the received bytes that [`message`](Self::message) lacks because our schema
    /// does not model them, with the raw bytes; `None` when everything was understood.
    pub unknown: Option<UnknownContent>,
}

impl MessageContent {
    /// True when nothing is left to show once the distribution message is taken out (the
    /// `pkmsg` that accompanies a group `skmsg` often carries only that): no event is due.
    pub fn is_empty(&self) -> bool {
        let mut rest = self.message.clone();
        // Context info travels alongside every message and carries no content by itself.
        rest.message_context_info = None;
        rest == wa::Message::default()
    }
}

/// Strips the padding of a `v=2` payload; `v=3` (Armadillo) is not padded (signal.md §6).
pub fn unpad_payload(version: u32, plaintext: &[u8]) -> Result<&[u8], DecryptError> {
    if version == 3 {
        Ok(plaintext)
    } else {
        unpad(plaintext).map_err(|_| DecryptError::BadPadding)
    }
}

/// Decodes an unpadded `Message` protobuf and takes it apart for delivery, noting any
/// content our schema does not model (prost would drop it without a trace).
pub fn decode_message(bytes: &[u8]) -> Result<MessageContent, DecryptError> {
    let message = wa::Message::decode(bytes).map_err(|_| DecryptError::BadProtobuf)?;
    Ok(MessageContent {
        unknown: find_unknown(bytes),
        ..split_message(message)
    })
}

/// Unwraps `deviceSentMessage` (keeping its destination) and takes out the sender-key
/// distribution message, which may sit on the outer message or inside the wrapper. A decoded
/// message has no raw bytes left, so [`MessageContent::unknown`] is `None` here.
pub fn split_message(mut message: wa::Message) -> MessageContent {
    let mut skdm = message.sender_key_distribution_message.take();
    let mut device_sent = None;
    if let Some(dsm) = message.device_sent_message.take() {
        let dsm = *dsm;
        match dsm.message {
            Some(inner) => {
                device_sent = Some(DeviceSentMeta {
                    destination_jid: dsm.destination_jid.unwrap_or_default(),
                    phash: dsm.phash,
                });
                // The wrapper's context info belongs to the original (signal.md §7); keep the
                // inner one when it has its own.
                let outer_context = message.message_context_info.take();
                message = *inner;
                if message.message_context_info.is_none() {
                    message.message_context_info = outer_context;
                }
                if let Some(inner_skdm) = message.sender_key_distribution_message.take() {
                    skdm.get_or_insert(inner_skdm);
                }
            }
            // A wrapper without a message has nothing to unwrap; leave what we have.
            None => {
                message.device_sent_message = Some(Box::new(wa::DeviceSentMessage {
                    message: None,
                    ..dsm
                }))
            }
        }
    }
    let sender_key_distribution = skdm.and_then(|s| {
        s.axolotl_sender_key_distribution_message
            .map(|axolotl| SenderKeyDistribution {
                group_id: s.group_id,
                axolotl,
            })
    });
    MessageContent {
        message,
        device_sent,
        sender_key_distribution,
        unknown: None,
    }
}
