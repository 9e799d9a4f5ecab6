//! What each device is sent (signal.md §6–§7): the recipient's devices get the message, our
//! own other devices a `deviceSentMessage` naming the chat, both WhatsApp-padded.

use prost::Message as _;
use rand_core::CryptoRngCore;
use wa_protobuf::wa;

use crate::binary::Jid;
use crate::signal::pad;

/// `Message{deviceSentMessage{destinationJid, message}, messageContextInfo}`: the copy our
/// own other devices get, so they show the message in the right chat. The context info stays
/// outside too, as whatsmeow's `marshalMessage` does, so the message secret reaches them.
pub fn device_sent_message(chat: &Jid, message: &wa::Message) -> wa::Message {
    wa::Message {
        device_sent_message: Some(Box::new(wa::DeviceSentMessage {
            destination_jid: Some(chat.to_non_ad().to_string()),
            message: Some(Box::new(message.clone())),
            phash: None,
        })),
        message_context_info: message.message_context_info.clone(),
        ..Default::default()
    }
}

/// The padded plaintexts of one 1:1 send to `chat`: the first for the recipient's devices,
/// the second for our own other devices.
pub fn plaintext_for(
    chat: &Jid,
    message: &wa::Message,
    rng: &mut impl CryptoRngCore,
) -> (Vec<u8>, Vec<u8>) {
    let to_them = pad(&message.encode_to_vec(), rng);
    let to_us = pad(&device_sent_message(chat, message).encode_to_vec(), rng);
    (to_them, to_us)
}
