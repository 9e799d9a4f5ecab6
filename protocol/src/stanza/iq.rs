//! `<iq>` helpers: request ids, request and response builders, response classification, and
//! the keepalive / server-ping shapes (transport.md §5–§6).

use crate::binary::{AttrValue, Jid, Node};

/// The server's own address, the `to` of most iqs.
pub const SERVER: &str = "s.whatsapp.net";
/// Namespace of the client's keepalive ping (whatsmeow `keepalive.go`).
pub const KEEPALIVE_XMLNS: &str = "w:p";
/// Namespace of the server's ping to the client.
pub const SERVER_PING_XMLNS: &str = "urn:xmpp:ping";

/// Makes request ids of the whatsmeow shape `"<r1>.<r2>-<counter>"` (`client.go` `uniqueID`,
/// `request.go` `generateRequestID`). The two random bytes are passed in.
#[derive(Debug, Clone)]
pub struct IqIdGenerator {
    prefix: String,
    counter: u64,
}

impl IqIdGenerator {
    /// A generator for one connection, seeded with two random bytes.
    pub fn new(random: [u8; 2]) -> Self {
        Self {
            prefix: format!("{}.{}-", random[0], random[1]),
            counter: 0,
        }
    }

    /// The next id; never repeats within this generator.
    pub fn next_id(&mut self) -> String {
        self.counter = self.counter.wrapping_add(1);
        format!("{}{}", self.prefix, self.counter)
    }
}

/// The `type` of an iq request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IqType {
    /// A read.
    Get,
    /// A write.
    Set,
}

impl IqType {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            IqType::Get => "get",
            IqType::Set => "set",
        }
    }
}

/// Builds `<iq id type xmlns to>children</iq>`.
pub fn build_iq(
    id: impl Into<String>,
    ty: IqType,
    xmlns: &str,
    to: &str,
    children: Vec<Node>,
) -> Node {
    let mut b = Node::build("iq")
        .attr("id", id.into())
        .attr("type", ty.as_str())
        .attr("xmlns", xmlns.to_string())
        .attr("to", to.to_string());
    if !children.is_empty() {
        b = b.children(children);
    }
    b.finish()
}

/// A client request without an `id`: the stanza machine assigns one when it sends it
/// (`StanzaClient::send_iq`), so builders need not invent ids.
pub fn request(ty: IqType, xmlns: &str, to: impl Into<AttrValue>, children: Vec<Node>) -> Node {
    Node::build("iq")
        .attr("xmlns", xmlns.to_string())
        .attr("type", ty.as_str())
        .attr("to", to)
        .children(children)
        .finish()
}

/// The client's keepalive ping: `<iq id xmlns="w:p" type="get" to="s.whatsapp.net"/>`.
pub fn keepalive_ping(id: impl Into<String>) -> Node {
    build_iq(id, IqType::Get, KEEPALIVE_XMLNS, SERVER, Vec::new())
}

/// True for the server's `<iq type="get" xmlns="urn:xmpp:ping">` that the client must answer.
pub fn is_server_ping(node: &Node) -> bool {
    node.tag == "iq"
        && node.attr("type").is_some_and(|t| t.eq_str("get"))
        && node
            .attr("xmlns")
            .is_some_and(|x| x.eq_str(SERVER_PING_XMLNS))
}

/// A bare `<iq type="result" id to>` answering `request` (pong, or an empty ack of a set).
/// `None` when the request has no id.
pub fn result_for(request: &Node) -> Option<Node> {
    let id = request.attr_str("id")?.into_owned();
    let to = request
        .attr_str("from")
        .map(|f| f.into_owned())
        .unwrap_or_else(|| SERVER.to_string());
    Some(
        Node::build("iq")
            .attr("id", id)
            .attr("type", "result")
            .attr("to", to)
            .finish(),
    )
}

/// What kind of reply an inbound `<iq>` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IqReply {
    /// `type="result"`.
    Result,
    /// `type="error"` with its `<error code text>` child.
    Error(IqErrorReply),
}

/// The `<error code text/>` of an iq error response (whatsmeow `errors.go` `parseIQError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("iq error {code}: {text}")]
pub struct IqErrorReply {
    /// The numeric code (400 bad-request, 401 not-authorized, 404 item-not-found, 429
    /// rate-overlimit, 500, 503, …); 0 when absent or not numeric.
    pub code: u16,
    /// The `text` attribute, empty when absent.
    pub text: String,
}

/// The id of a reply (`<iq type=result|error>`), and which kind it is; `None` for anything
/// that is not a reply (requests, other tags, missing id).
pub fn parse_reply(node: &Node) -> Option<(String, IqReply)> {
    if node.tag != "iq" {
        return None;
    }
    let id = node.attr_str("id")?.into_owned();
    let ty = node.attr("type")?;
    if ty.eq_str("result") {
        Some((id, IqReply::Result))
    } else if ty.eq_str("error") {
        Some((id, IqReply::Error(parse_error(node))))
    } else {
        None
    }
}

/// The `<error code text/>` of an error reply (or of a failed `<user>` of a key fetch); code 0
/// and empty text when the child or its attributes are missing.
pub fn parse_error(parent: &Node) -> IqErrorReply {
    let err = parent.child("error");
    let code = err
        .and_then(|e| e.attr_str("code"))
        .and_then(|c| c.trim().parse::<u16>().ok())
        .unwrap_or(0);
    let text = err
        .and_then(|e| e.attr_str("text"))
        .map(|t| t.into_owned())
        .unwrap_or_default();
    IqErrorReply { code, text }
}

/// `<error code text/>` (whatsmeow `errors.go`, Baileys `getBinaryNodeChild(node, 'error')`).
pub fn error_node(code: u16, text: &str) -> Node {
    Node::build("error")
        .attr("code", code.to_string())
        .attr("text", text.to_owned())
        .finish()
}

/// The client's error answer to a server iq: `<iq to=server type="error" id><error/></iq>`
/// (whatsmeow `sendPairError` and friends).
pub fn client_error_reply(id: &str, code: u16, text: &str) -> Node {
    Node::build("iq")
        .attr("to", Jid::server_jid())
        .attr("type", "error")
        .attr("id", id.to_owned())
        .child(error_node(code, text))
        .finish()
}

/// The server's error answer to a client iq: `<iq id type="error" from=server><error/></iq>`.
pub fn server_error_reply(id: &str, code: u16, text: &str) -> Node {
    Node::build("iq")
        .attr("id", id.to_owned())
        .attr("type", "error")
        .attr("from", SERVER)
        .child(error_node(code, text))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_prefix_and_never_repeat() {
        let mut g = IqIdGenerator::new([7, 200]);
        let a = g.next_id();
        let b = g.next_id();
        assert_eq!(a, "7.200-1");
        assert_eq!(b, "7.200-2");
    }

    #[test]
    fn keepalive_shape() {
        let n = keepalive_ping("1.2-3");
        assert_eq!(n.tag, "iq");
        assert_eq!(n.attr_str("xmlns").as_deref(), Some("w:p"));
        assert_eq!(n.attr_str("type").as_deref(), Some("get"));
        assert_eq!(n.attr_str("to").as_deref(), Some("s.whatsapp.net"));
        assert_eq!(n.attr_str("id").as_deref(), Some("1.2-3"));
        assert!(n.children().is_empty());
    }

    #[test]
    fn server_ping_is_recognised_and_answered() {
        let ping = Node::build("iq")
            .attr("id", "abc")
            .attr("type", "get")
            .attr("xmlns", "urn:xmpp:ping")
            .attr("from", "s.whatsapp.net")
            .finish();
        assert!(is_server_ping(&ping));
        assert!(!is_server_ping(&keepalive_ping("x")));
        let pong = result_for(&ping).unwrap();
        assert_eq!(pong.attr_str("id").as_deref(), Some("abc"));
        assert_eq!(pong.attr_str("type").as_deref(), Some("result"));
        assert_eq!(pong.attr_str("to").as_deref(), Some("s.whatsapp.net"));
        assert!(result_for(&Node::new("iq")).is_none());
    }

    #[test]
    fn replies_are_parsed() {
        let ok = Node::build("iq")
            .attr("id", "1")
            .attr("type", "result")
            .finish();
        assert_eq!(parse_reply(&ok), Some(("1".into(), IqReply::Result)));
        let err = Node::build("iq")
            .attr("id", "2")
            .attr("type", "error")
            .child(
                Node::build("error")
                    .attr("code", "429")
                    .attr("text", "rate-overlimit")
                    .finish(),
            )
            .finish();
        assert_eq!(
            parse_reply(&err),
            Some((
                "2".into(),
                IqReply::Error(IqErrorReply {
                    code: 429,
                    text: "rate-overlimit".into()
                })
            ))
        );
        let bare_err = Node::build("iq")
            .attr("id", "3")
            .attr("type", "error")
            .finish();
        assert_eq!(
            parse_reply(&bare_err),
            Some((
                "3".into(),
                IqReply::Error(IqErrorReply {
                    code: 0,
                    text: String::new()
                })
            ))
        );
        for reply in [
            client_error_reply("5", 401, "hmac-mismatch"),
            server_error_reply("5", 401, "hmac-mismatch"),
        ] {
            assert_eq!(
                parse_reply(&reply),
                Some((
                    "5".into(),
                    IqReply::Error(IqErrorReply {
                        code: 401,
                        text: "hmac-mismatch".into()
                    })
                ))
            );
        }
        assert_eq!(
            client_error_reply("5", 500, "x").attr_jid("to"),
            Some(Jid::server_jid())
        );
        assert_eq!(
            server_error_reply("5", 500, "x")
                .attr_str("from")
                .as_deref(),
            Some(SERVER)
        );
        assert_eq!(parse_reply(&keepalive_ping("4")), None);
        assert_eq!(parse_reply(&Node::new("message")), None);
        let no_id = Node::build("iq").attr("type", "result").finish();
        assert_eq!(parse_reply(&no_id), None);
    }
}
