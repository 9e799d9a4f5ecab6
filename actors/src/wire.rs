//! Wire types shared with the protocol crate.
//!
//! TEMPORARY until `wa_protocol::binary` lands on main: a string stands in for `Jid` and `Node`.

/// A WhatsApp address (temporary stand-in).
pub type Jid = String;
/// TEMPORARY stand-in for `wa_protocol::binary::Node`.
pub type Node = String;

/// The `from` attribute of a node when it is JID-typed.
pub fn node_from(_node: &Node) -> Option<&Jid> {
    None
}
