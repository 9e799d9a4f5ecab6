//! [`LiveConn`]: how actors that outlive a connection send on whichever connection is live.
//! The connection supervisor puts its Router here when the connection starts and takes it out
//! when it ends; a send with no live connection fails at once with `Disconnected` (the server
//! redelivers what was not acked, so a lost receipt or ack is never a lost message).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use ractor::DerivedActorRef;
use tokio::sync::oneshot;
use wa_protocol::binary::Node;

use super::error::IqError;

/// What an owner asks of the live connection.
pub(crate) enum Outbound {
    /// Send a node, no reply expected.
    Send(Node),
    /// Send several, in order, as one write (a committed batch's receipts and acks).
    SendAll(Vec<Node>),
    /// Send an iq and deliver its reply (a missing `id` is filled in).
    Iq {
        node: Node,
        timeout: Duration,
        reply: oneshot::Sender<Result<Node, IqError>>,
    },
}

/// A connection's generation and its Router.
type Slot = Option<(u64, DerivedActorRef<Outbound>)>;

/// The live connection's Router, shared by everyone who sends.
#[derive(Clone, Default)]
pub(crate) struct LiveConn(Arc<RwLock<Slot>>);

impl std::fmt::Debug for LiveConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LiveConn").field(&self.generation()).finish()
    }
}

impl LiveConn {
    /// Makes connection `generation`'s router the live one.
    pub(crate) fn attach(&self, generation: u64, router: DerivedActorRef<Outbound>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some((generation, router));
    }

    /// Forgets connection `generation` (a newer one that attached meanwhile stays).
    pub(crate) fn detach(&self, generation: u64) {
        let mut slot = self.0.write().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|(g, _)| *g == generation) {
            *slot = None;
        }
    }

    /// The generation of the live connection.
    pub(crate) fn generation(&self) -> Option<u64> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(g, _)| *g)
    }

    fn router(&self) -> Option<DerivedActorRef<Outbound>> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(_, r)| r.clone())
    }

    /// Sends `node` on the live connection.
    pub(crate) fn send(&self, node: Node) -> Result<(), IqError> {
        let router = self.router().ok_or(IqError::Disconnected)?;
        router
            .send_message(Outbound::Send(node))
            .map_err(|_| IqError::Disconnected)
    }

    /// Sends `nodes` in order on the live connection, in one socket write.
    pub(crate) fn send_all(&self, nodes: Vec<Node>) -> Result<(), IqError> {
        let router = self.router().ok_or(IqError::Disconnected)?;
        router
            .send_message(Outbound::SendAll(nodes))
            .map_err(|_| IqError::Disconnected)
    }

    /// Sends an iq on the live connection and waits for its reply, at most `timeout`.
    pub(crate) async fn iq(&self, node: Node, timeout: Duration) -> Result<Node, IqError> {
        let router = self.router().ok_or(IqError::Disconnected)?;
        let (reply, rx) = oneshot::channel();
        router
            .send_message(Outbound::Iq {
                node,
                timeout,
                reply,
            })
            .map_err(|_| IqError::Disconnected)?;
        // The router answers every request: a reply, its own timeout, or the connection's
        // end. The outer deadline only guards against a router that was killed.
        match tokio::time::timeout(timeout + Duration::from_secs(1), rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(IqError::Disconnected),
            Err(_) => Err(IqError::Timeout),
        }
    }
}
