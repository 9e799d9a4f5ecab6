//! Acks the client owes the server: every `<message>`, `<receipt>`, `<notification>` and
//! `<call>` is answered with `<ack class=tag id to [participant] [type]>` (messages.md §2;
//! whatsmeow `receipt.go` `sendAck`).

use crate::binary::{AttrKeys, Node};

use super::read::StanzaNode;

/// Tags whose stanzas must be acked.
pub const ACKED_TAGS: [&str; 4] = ["message", "receipt", "notification", "call"];

/// The ack for `stanza` (an owned `&Node` or a viewed [`NodeRef`](crate::binary::NodeRef)),
/// or `None` when it needs none (other tags, or no `id`/`from`).
pub fn ack_for<'n, N: StanzaNode<'n>>(stanza: N) -> Option<Node> {
    // The class is one of the static tags, so the ack borrows it instead of copying.
    let tag = *ACKED_TAGS.iter().find(|t| stanza.tag_is(t))?;
    const KEYS: AttrKeys<5> = AttrKeys::new(["id", "from", "participant", "recipient", "type"]);
    let [id, from, participant, recipient, ty] = stanza.attrs_by_key(&KEYS);
    let mut b = Node::build("ack")
        .attr("class", tag)
        .attr("id", id?.to_attr_value())
        .attr("to", from?.to_attr_value());
    if let Some(p) = participant {
        b = b.attr("participant", p.to_attr_value());
    }
    if let Some(r) = recipient {
        b = b.attr("recipient", r.to_attr_value());
    }
    // whatsmeow copies `type` except for messages, whose type is the content kind.
    if tag != "message" {
        if let Some(t) = ty {
            b = b.attr("type", t.to_attr_value());
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
