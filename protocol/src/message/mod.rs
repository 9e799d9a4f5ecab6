//! Receiving messages, sans IO: parse a `<message>` stanza ([`MessageStanza`]), decrypt its
//! `<enc>` payloads over explicit Signal state ([`decrypt_stanza`], or the single steps
//! [`decrypt_direct`], [`decrypt_group`], [`process_distribution`], [`decode_payload`]), and
//! take the decoded `Message` apart for delivery ([`MessageContent`]: `deviceSentMessage`
//! unwrapped, the sender-key distribution message set aside, content outside our schema kept
//! as [`UnknownContent`]).
//!
//! Nothing here stores anything: every state change comes back in [`StateChanges`] (or, with
//! [`decrypt_stanza_in_place`], in the caller's own records, [`Moved`] saying which) so the
//! caller persists it in one batch before acknowledging (messages.md §1.1, signal.md §4–§8).

pub mod address;
pub mod content;
pub mod decrypt;
pub mod device_identity;
pub mod error;
pub mod source;
pub mod stanza;
pub mod unknown;

#[cfg(test)]
mod tests;

pub use address::{sender_key_name, signal_address};
pub use content::{
    decode_message, split_message, unpad_payload, DeviceSentMeta, MessageContent,
    SenderKeyDistribution,
};
pub use decrypt::{
    decode_payload, decrypt_direct, decrypt_group, decrypt_stanza, decrypt_stanza_in_place,
    process_distribution, DecryptFailure, Decryption, DirectDecrypted, IgnoredEnc, Moved, RecvKeys,
    StateChanges,
};
pub use error::DecryptError;
pub use source::{parse_source, AddressingMode, OwnJids, Source};
pub use stanza::{EditAttribute, EncNode, EncType, MessageStanza};
pub use unknown::{find_unknown, UnknownContent};
