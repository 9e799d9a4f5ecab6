//! Wire types of the protocol crate that events and the store carry, re-exported so users of
//! this crate name them without depending on `wa-protocol` directly.

pub use wa_protocol::binary::{AttrValue, Content, Jid, Node, Server};

/// The `from` attribute of a node when the decoder produced it as a JID (it always does for
/// stanzas from the server).
pub(crate) fn node_from(node: &Node) -> Option<&Jid> {
    node.attr("from").and_then(AttrValue::as_jid)
}
