//! Acks the client owes the server: every `<message>`, `<receipt>`, `<notification>` and
//! `<call>` is answered with `<ack class=tag id to [participant] [type]>` (messages.md §2;
//! whatsmeow `receipt.go` `sendAck`).

use crate::binary::Node;

use super::read::StanzaNode;

/// Tags whose stanzas must be acked.
pub const ACKED_TAGS: [&str; 4] = ["message", "receipt", "notification", "call"];

/// The ack for `stanza` (an owned `&Node` or a viewed [`NodeRef`](crate::binary::NodeRef)),
/// or `None` when it needs none (other tags, or no `id`/`from`).
pub fn ack_for<'n, N: StanzaNode<'n>>(stanza: N) -> Option<Node> {
    // The class is one of the static tags, so the ack borrows it instead of copying.
    let tag = *ACKED_TAGS.iter().find(|t| stanza.tag_is(t))?;
    let id = stanza.attr_value("id")?;
    let from = stanza.attr_value("from")?;
    let mut b = Node::build("ack")
        .attr("class", tag)
        .attr("id", id)
        .attr("to", from);
    if let Some(p) = stanza.attr_value("participant") {
        b = b.attr("participant", p);
    }
    if let Some(r) = stanza.attr_value("recipient") {
        b = b.attr("recipient", r);
    }
    // whatsmeow copies `type` except for messages, whose type is the content kind.
    if tag != "message" {
        if let Some(t) = stanza.attr_value("type") {
            b = b.attr("type", t);
        }
    }
    Some(b.finish())
}

/// The `error` code of an ack refusing a stanza the client could not parse (Baileys
/// `NACK_REASONS.ParsingError`).
pub const NACK_PARSING_ERROR: u16 = 487;

/// An ack that refuses `stanza` with `code` (a "nack"): the server stops redelivering it,
/// and learns why. `None` when the stanza has no `id` or `from` to answer.
pub fn nack_for<'n, N: StanzaNode<'n>>(stanza: N, code: u16) -> Option<Node> {
    let mut ack = ack_for(stanza)?;
    ack.set_attr("error", code.to_string());
    Some(ack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nack_carries_the_error_code() {
        let m = Node::build("message")
            .attr("id", "M1")
            .attr("from", "5@s.whatsapp.net")
            .finish();
        let nack = nack_for(&m, NACK_PARSING_ERROR).unwrap();
        assert_eq!(nack.attr_str("error").as_deref(), Some("487"));
        assert_eq!(nack.attr_str("id").as_deref(), Some("M1"));
        assert!(nack_for(&Node::build("message").attr("id", "1").finish(), 487).is_none());
    }

    #[test]
    fn receipt_ack_copies_type_and_participant() {
        let r = Node::build("receipt")
            .attr("id", "ABC")
            .attr("from", "123@g.us")
            .attr("participant", "5@s.whatsapp.net")
            .attr("type", "read")
            .finish();
        let ack = ack_for(&r).unwrap();
        assert_eq!(ack.tag, "ack");
        assert_eq!(ack.attr_str("class").as_deref(), Some("receipt"));
        assert_eq!(ack.attr_str("id").as_deref(), Some("ABC"));
        assert_eq!(ack.attr_str("to").as_deref(), Some("123@g.us"));
        assert_eq!(
            ack.attr_str("participant").as_deref(),
            Some("5@s.whatsapp.net")
        );
        assert_eq!(ack.attr_str("type").as_deref(), Some("read"));
    }

    #[test]
    fn message_ack_drops_type() {
        let m = Node::build("message")
            .attr("id", "M1")
            .attr("from", "5@s.whatsapp.net")
            .attr("type", "text")
            .finish();
        let ack = ack_for(&m).unwrap();
        assert_eq!(ack.attr_str("class").as_deref(), Some("message"));
        assert!(ack.attr("type").is_none());
    }

    #[test]
    fn no_ack_for_other_tags_or_missing_ids() {
        assert!(ack_for(&Node::build("iq").attr("id", "1").attr("from", "x").finish()).is_none());
        assert!(ack_for(&Node::build("message").attr("from", "x").finish()).is_none());
        assert!(ack_for(&Node::build("message").attr("id", "1").finish()).is_none());
    }
}
