//! Wire types shared with the protocol crate.

pub use wa_protocol::binary::{Jid, Node};

/// The `from` attribute of a node when it is JID-typed.
pub fn node_from(node: &Node) -> Option<&Jid> {
    node.attr("from").and_then(|a| a.as_jid())
}
