//! Builders of the messages that point at an earlier one: replies, reactions, edits and
//! revokes (messages.md §5.7; whatsmeow `BuildReaction`, `BuildEdit`, `BuildRevoke`). The
//! stanza's `type`, `edit` and `decrypt-fail` follow from the content
//! (`wa_protocol::send::{message_type, edit_attribute, hides_on_failure}`).

use wa_protobuf::wa;
use wa_protocol::binary::Jid;

/// `ProtocolMessage.Type.REVOKE` (proto-subset.md).
const REVOKE: i32 = 0;
/// `ProtocolMessage.Type.MESSAGE_EDIT` (proto-subset.md).
const MESSAGE_EDIT: i32 = 14;

/// The message an edit, reaction, revoke or reply points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    /// The chat it is in.
    pub chat: Jid,
    /// Its id.
    pub id: String,
    /// Whether we sent it.
    pub from_me: bool,
    /// Its author, in groups (and for replies to the other party's message).
    pub sender: Option<Jid>,
}

impl MessageRef {
    /// The `MessageKey` naming it.
    pub fn key(&self) -> wa::MessageKey {
        wa::MessageKey {
            remote_jid: Some(self.chat.to_non_ad().to_string()),
            from_me: Some(self.from_me),
            id: Some(self.id.clone()),
            participant: self
                .sender
                .as_ref()
                .filter(|_| self.chat.is_group())
                .map(|s| s.to_non_ad().to_string()),
        }
    }
}

/// A text reply quoting `quoted` (whose content was `quoted_message`).
pub fn reply_to(text: &str, quoted: &MessageRef, quoted_message: &wa::Message) -> wa::Message {
    let participant = quoted
        .sender
        .clone()
        .unwrap_or_else(|| quoted.chat.clone())
        .to_non_ad()
        .to_string();
    wa::Message {
        extended_text_message: Some(Box::new(wa::ExtendedTextMessage {
            text: Some(text.to_owned()),
            context_info: Some(Box::new(wa::ContextInfo {
                stanza_id: Some(quoted.id.clone()),
                participant: Some(participant),
                quoted_message: Some(Box::new(quoted_message.clone())),
                ..Default::default()
            })),
            ..Default::default()
        })),
        ..Default::default()
    }
}

/// A reaction with `emoji` to `target` (an empty `emoji` removes ours), stamped `now_ms`.
pub fn reaction(target: &MessageRef, emoji: &str, now_ms: i64) -> wa::Message {
    wa::Message {
        reaction_message: Some(wa::ReactionMessage {
            key: Some(target.key()),
            text: Some(emoji.to_owned()),
            grouping_key: None,
            sender_timestamp_ms: Some(now_ms),
        }),
        ..Default::default()
    }
}

/// An edit of our message `target` to `new_content`, stamped `now_ms`, wrapped in
/// `editedMessage` as WhatsApp sends it.
pub fn edit_message(target: &MessageRef, new_content: wa::Message, now_ms: i64) -> wa::Message {
    let protocol = wa::Message {
        protocol_message: Some(Box::new(wa::ProtocolMessage {
            key: Some(target.key()),
            r#type: Some(MESSAGE_EDIT),
            edited_message: Some(Box::new(new_content)),
            timestamp_ms: Some(now_ms),
            ..Default::default()
        })),
        ..Default::default()
    };
    wa::Message {
        edited_message: Some(Box::new(wa::FutureProofMessage {
            message: Some(Box::new(protocol)),
        })),
        ..Default::default()
    }
}

/// Deletes `target` for everyone: our own message (`edit="7"`), or, for a group admin,
/// someone else's (`edit="8"`, decided by `target.from_me`).
pub fn revoke(target: &MessageRef) -> wa::Message {
    wa::Message {
        protocol_message: Some(Box::new(wa::ProtocolMessage {
            key: Some(target.key()),
            r#type: Some(REVOKE),
            ..Default::default()
        })),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use wa_protocol::message::EditAttribute;
    use wa_protocol::send::{edit_attribute, hides_on_failure, message_type};

    use super::*;

    fn target(from_me: bool) -> MessageRef {
        MessageRef {
            chat: Jid::pn("15550002"),
            id: "3EB0ABC".into(),
            from_me,
            sender: None,
        }
    }

    #[test]
    fn builders_make_the_stanza_attributes_they_need() {
        let r = reaction(&target(false), "👍", 5);
        assert_eq!(message_type(&r), "reaction");
        assert!(hides_on_failure(&r));
        assert_eq!(edit_attribute(&r), EditAttribute::None);
        let key = r
            .reaction_message
            .as_ref()
            .and_then(|m| m.key.clone())
            .expect("key");
        assert_eq!(key.id.as_deref(), Some("3EB0ABC"));
        assert_eq!(key.from_me, Some(false));
        assert_eq!(
            edit_attribute(&reaction(&target(true), "", 6)),
            EditAttribute::SenderRevoke
        );

        let e = edit_message(&target(true), text("new"), 7);
        assert_eq!(edit_attribute(&e), EditAttribute::MessageEdit);
        assert!(hides_on_failure(&e));
        assert_eq!(
            edit_attribute(&revoke(&target(true))),
            EditAttribute::SenderRevoke
        );
        assert_eq!(
            edit_attribute(&revoke(&target(false))),
            EditAttribute::AdminRevoke
        );

        let quoted = text("original");
        let reply = reply_to("answer", &target(false), &quoted);
        let ctx = reply
            .extended_text_message
            .as_ref()
            .and_then(|t| t.context_info.clone())
            .expect("context");
        assert_eq!(ctx.stanza_id.as_deref(), Some("3EB0ABC"));
        assert_eq!(ctx.participant.as_deref(), Some("15550002@s.whatsapp.net"));
        assert_eq!(ctx.quoted_message.as_deref(), Some(&quoted));
        assert_eq!(message_type(&reply), "text");
    }

    fn text(s: &str) -> wa::Message {
        wa::Message {
            conversation: Some(s.to_owned()),
            ..Default::default()
        }
    }
}
