//! The send calls of [`Client`]: every message goes through the `Outbox` (see
//! [`crate::send`]).

use wa_protobuf::wa;
use wa_protocol::binary::Jid;

use super::handle::Client;
use crate::send::outbox::SendRequest;
use crate::send::{SendError, SentMessage};

impl Client {
    /// Sends `message` to the user `to` (every device of theirs and our own other devices),
    /// or to the group `to` (every member device, one `skmsg` with our sender key), and
    /// resolves when the server acks it, with the id and the server's timestamp.
    ///
    /// While disconnected it waits up to [`SendConfig::connect_wait`](crate::send::SendConfig::connect_wait) for a connection, then
    /// fails with [`SendError::NotConnected`]. If the connection ends before the ack, the
    /// message is written again with the same id on the next one (the recipient keeps one
    /// message per id; see [`crate::send`]); without an ack within [`SendConfig::ack_timeout`](crate::send::SendConfig::ack_timeout) on
    /// a connection that stays up it fails with [`SendError::Timeout`] (it may have arrived). A refusal keeps the server's
    /// code ([`SendError::Server`]). Build replies, reactions, edits and revokes with
    /// [`crate::send`]'s builders.
    pub async fn send_message(
        &self,
        to: &Jid,
        message: wa::Message,
    ) -> Result<SentMessage, SendError> {
        self.send_message_with_id(to, message, None).await
    }

    /// [`Client::send_message`] under a chosen id (`None` makes one in WhatsApp's form).
    pub async fn send_message_with_id(
        &self,
        to: &Jid,
        message: wa::Message,
        id: Option<String>,
    ) -> Result<SentMessage, SendError> {
        let request = SendRequest {
            to: to.to_non_ad(),
            message,
            id,
        };
        self.outbox.send(request).await
    }

    /// Sends `Message{conversation: text}` (see [`Client::send_message`]).
    pub async fn send_text(&self, to: &Jid, text: &str) -> Result<SentMessage, SendError> {
        let message = wa::Message {
            conversation: Some(text.to_owned()),
            ..Default::default()
        };
        self.send_message(to, message).await
    }
}
