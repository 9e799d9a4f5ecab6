//! The node corpus, built once with wa-protocol's builder and packed to frame bytes; wacore's
//! owned nodes are decoded from the same bytes, so both sides start from identical inputs.

#[path = "../../benches/common/nodes.rs"]
mod nodes;

pub use nodes::inbound;
use nodes::{ack, big_payload, message, receipt, usync};
use wa_protocol::binary::Node;

/// One corpus entry: a name, our node and its frame body (flags byte, then the node).
pub struct Entry {
    pub name: &'static str,
    pub node: Node,
    pub frame: Vec<u8>,
    /// Whether the encode paths are measured for this entry (the table encodes ack,
    /// message and usync only).
    pub encode: bool,
}

/// The corpus of the table.
pub fn corpus() -> Vec<Entry> {
    [
        ("ack", ack(), true),
        ("receipt", receipt(), false),
        ("message_enc", message(), true),
        ("usync_300", usync(300), true),
        ("payload_64k", big_payload(), false),
    ]
    .into_iter()
    .map(|(name, node, encode)| Entry {
        name,
        frame: wa_protocol::binary::pack(&node),
        node,
        encode,
    })
    .collect()
}
