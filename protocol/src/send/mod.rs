//! Sending messages, sans IO (messages.md §5, signal.md §6–§7): the message id
//! ([`message_id`]), what each device is sent ([`plaintext_for`], the `deviceSentMessage` copy
//! for our own other devices), the stanza's `type`/`mediatype`/`edit` attributes
//! ([`message_type`], [`media_type`]), the outgoing `<message>` with its `<participants>`
//! ([`OutgoingMessage`]), the one-iq bundle fetch ([`bundles`]) and the server's
//! `<ack class="message">` ([`MessageAck`]); the group `<message>` with its `skmsg`, the
//! sender-key distribution for the devices that lack it and the participant hash
//! ([`group`]).
//!
//! Both roles live here: the fake server reads a client's `<message>` with
//! [`ClientMessage::parse`] and answers with [`message_ack_node`], so neither side has its own
//! reading of the stanza.

pub mod ack;
pub mod bundles;
pub mod group;
pub mod id;
pub mod kind;
pub mod plaintext;
pub mod stanza;

#[cfg(test)]
mod group_tests;
#[cfg(test)]
mod tests;

pub use ack::{message_ack_node, AckOutcome, MessageAck};
pub use bundles::{key_fetch_iq, parse_key_fetch_reply, BundleError, FetchedBundle};
pub use group::{group_resend_node, participant_hash, sender_key_distribution, GroupMessage};
pub use id::{message_id, MESSAGE_ID_PREFIX};
pub use kind::{edit_attribute, hides_on_failure, media_type, message_type};
pub use plaintext::{device_sent_message, plaintext_for};
pub use stanza::{ClientMessage, DeviceEnc, OutgoingMessage, SendStanzaError};
