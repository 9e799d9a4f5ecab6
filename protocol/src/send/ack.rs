//! The server's answer to a sent message (server.md §5):
//! `<ack class="message" id from t [phash] [error] [server_id] [refresh_lid]/>`.

use crate::binary::{AttrKeys, Jid, Node};
use crate::stanza::attrs::{expect_tag, int_of, jid_of, need, str_of, StanzaError, StanzaNode};

/// Whether the server took the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckOutcome {
    /// Accepted.
    Accepted,
    /// Refused with the server's code (e.g. 463 missing privacy token, 479 malformed or
    /// stale session, 400, 404).
    Refused(u16),
}

/// A parsed `<ack class="message">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAck {
    /// The message id it answers.
    pub id: String,
    /// `from`: the chat the message went to, when named.
    pub from: Option<Jid>,
    /// `t`: the server's timestamp (unix seconds), when given.
    pub t: Option<i64>,
    /// Accepted, or the error code.
    pub outcome: AckOutcome,
    /// `phash`: the server's hash of the participant list, when it sends one.
    pub phash: Option<String>,
    /// `server_id`, when given.
    pub server_id: Option<i64>,
}

impl MessageAck {
    /// Reads an ack (owned, or a [`NodeRef`](crate::binary::NodeRef) of a borrowed view);
    /// `Ok(None)` for an ack of another class (receipts, notifications).
    pub fn parse<'n, N: StanzaNode<'n>>(node: N) -> Result<Option<Self>, StanzaError> {
        expect_tag(node, "ack")?;
        const KEYS: AttrKeys<7> =
            AttrKeys::new(["class", "id", "error", "from", "t", "phash", "server_id"]);
        let [class, id, error, from, t, phash, server_id] = node.attrs_by_key(&KEYS);
        if !class.is_some_and(|c| c.eq_str("message")) {
            return Ok(None);
        }
        let id = need(str_of(id), "ack", "id")?;
        let outcome = match int_of::<u16>(error, "ack", "error")? {
            Some(code) => AckOutcome::Refused(code),
            None => AckOutcome::Accepted,
        };
        Ok(Some(Self {
            id,
            from: jid_of(from, "ack", "from")?,
            t: int_of(t, "ack", "t")?,
            outcome,
            phash: str_of(phash),
            server_id: int_of(server_id, "ack", "server_id")?,
        }))
    }
}

/// The server's ack for a client's message `id` to `chat`: accepted at `t`, or refused with
/// `error`.
pub fn message_ack_node(id: &str, chat: &Jid, t: u64, error: Option<u16>) -> Node {
    Node::build("ack")
        .attr("class", "message")
        .attr("id", id.to_owned())
        .attr("from", chat.clone())
        .attr("t", t.to_string())
        .attr_opt("error", error.map(|e| e.to_string()))
        .finish()
}
