//! One inbound stanza on its way to its owner.

use wa_protocol::binary::Node;

use super::flow::FlowTicket;

/// A stanza the Router hands to the actor that owns it, with the backpressure ticket the
/// owner drops once it is done (and before it waits on the connection for anything).
#[derive(Debug)]
pub(crate) struct Inbound {
    /// The stanza.
    pub node: Node,
    /// Its place in the inbound queue.
    pub ticket: FlowTicket,
}

impl Inbound {
    /// A stanza with no queue place (made locally, or in tests).
    #[allow(dead_code)]
    pub(crate) fn untracked(node: Node) -> Self {
        Self {
            node,
            ticket: FlowTicket::none(),
        }
    }
}
