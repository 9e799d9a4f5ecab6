//! Sending messages: the public result and error types, the message builders (reply,
//! reaction, edit, revoke), the device lister the fan-out asks, and the `Outbox` actor that
//! owns every pending send.
//!
//! A send goes: `Client::send_message` → `Outbox` (the id, a pending entry with the caller's
//! reply port, bounded by [`SendConfig::max_pending`]) → a task that waits for the connection
//! (at most [`SendConfig::connect_wait`]), lists the devices of the recipient and of our own
//! account, fetches the bundles of devices we have no session with in one iq (each verified),
//! and asks the Signal actor to encrypt. The Signal actor, the one owner of Signal state,
//! stores the new ratchets (and the sent message, for retry receipts) and writes the stanza in
//! that batch's commit hook, so nothing is on the wire that the store does not know. The
//! server's `<ack class="message">` is routed to the `Outbox`, which resolves the caller.
//!
//! A group send lists the members from the group's metadata and encrypts once with our
//! sender key (`state::encrypt_group`); the devices that got the key in it are marked as
//! holding it when the ack comes, and an ack whose `phash` differs from ours makes the
//! `Outbox` refresh the members and write the message once more under the same id.
//!
//! Addresses, kept simple: a 1:1 message goes to the JID the caller gave, phone number or
//! LID (the chat is whatever the user chose; give the LID for a LID chat); a group's members
//! are named as its metadata names them, so a LID-addressed group (`addressing_mode="lid"`)
//! is sent to LID devices and our sender key there is named by our LID.
//!
//! Exactly once, as far as the peer can tell: when the connection a message was written on
//! ends before its ack, the `Outbox` writes it again (re-encrypted, same id) on the next
//! connection, at most [`SendConfig::max_resends`] times; the server may have lost it, and a
//! recipient keeps one message per id, so a copy that did arrive is not shown twice. A send
//! whose iqs or write died with the connection is prepared again the same way. Within one
//! connection nothing is written twice: without an ack within [`SendConfig::ack_timeout`] the
//! send fails with [`SendError::Timeout`] (the message may or may not have been delivered).
//! `tests/e2e_send_faults.rs` drops sockets before and after the server reads a message.

mod build;
mod config;
mod error;
mod lister;
pub(crate) mod outbox;
pub(crate) mod prepare;
pub(crate) mod sent_log;

pub use build::{edit_message, reaction, reply_to, revoke, MessageRef};
pub use config::SendConfig;
pub use error::{SendError, SentMessage};
pub use lister::{DeviceLister, DeviceListerError, StaticDevices};
pub use sent_log::{find_sent, SentRecord};
