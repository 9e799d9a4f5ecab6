//! [`MessageContext`]: what a message handler gets, with the ways to answer in the same chat.

use wa_protobuf::wa;
use wa_protocol::binary::Jid;

use crate::events::{MessageInfo, SharedData};
use crate::send::{reaction, reply_to, MessageRef, SendError, SentMessage};
use crate::Client;

/// One received message and the client it came to. Cheap to clone (the body is shared).
#[derive(Clone)]
pub struct MessageContext {
    client: Client,
    message: SharedData<wa::Message>,
    info: MessageInfo,
}

impl std::fmt::Debug for MessageContext {
    // The body may be private: only the envelope is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageContext")
            .field("id", &self.info.id)
            .field("chat", &self.info.source.chat)
            .field("sender", &self.info.source.sender)
            .finish_non_exhaustive()
    }
}

impl MessageContext {
    /// A context for `message` as `client` received it.
    pub fn new(client: Client, message: SharedData<wa::Message>, info: MessageInfo) -> Self {
        Self {
            client,
            message,
            info,
        }
    }

    /// The client, for anything the context has no shortcut for.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The decrypted content.
    pub fn message(&self) -> &wa::Message {
        &self.message
    }

    /// Id, sender, chat, time and push name.
    pub fn info(&self) -> &MessageInfo {
        &self.info
    }

    /// The chat: the other party of a direct chat, or the group.
    pub fn chat(&self) -> &Jid {
        &self.info.source.chat
    }

    /// Who sent it (the participant in groups).
    pub fn sender(&self) -> &Jid {
        &self.info.source.sender
    }

    /// The text of a plain or extended text message (a reply, a link preview), or a media
    /// caption; `None` for content without text.
    pub fn text(&self) -> Option<&str> {
        let m = &*self.message;
        m.conversation
            .as_deref()
            .or_else(|| {
                m.extended_text_message
                    .as_ref()
                    .and_then(|t| t.text.as_deref())
            })
            .or_else(|| m.image_message.as_ref().and_then(|i| i.caption.as_deref()))
            .or_else(|| m.video_message.as_ref().and_then(|v| v.caption.as_deref()))
    }

    /// This message as the target of a reply, reaction or edit.
    pub fn message_ref(&self) -> MessageRef {
        MessageRef {
            chat: self.info.source.chat.clone(),
            id: self.info.id.clone(),
            from_me: self.info.source.is_from_me,
            sender: Some(self.info.source.sender.clone()),
        }
    }

    /// Answers in the same chat with `text`, quoting this message, and resolves when the
    /// server acks it (see [`Client::send_message`]).
    pub async fn reply(&self, text: &str) -> Result<SentMessage, SendError> {
        let message = reply_to(text, &self.message_ref(), &self.message);
        self.client.send_message(self.chat(), message).await
    }

    /// Sends `text` to the same chat without quoting.
    pub async fn send_text(&self, text: &str) -> Result<SentMessage, SendError> {
        self.client.send_text(self.chat(), text).await
    }

    /// Reacts to this message with `emoji` (empty removes our reaction).
    pub async fn react(&self, emoji: &str) -> Result<SentMessage, SendError> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let message = reaction(&self.message_ref(), emoji, now_ms);
        self.client.send_message(self.chat(), message).await
    }
}
