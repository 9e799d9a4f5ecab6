//! `Router`: decodes inbound frames into nodes and encodes outbound ones, matches iq replies to
//! waiting callers, answers server pings, acks what must be acked, and hands everything that
//! ends the connection to `ConnSup`.

use std::collections::HashMap;
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use wa_protocol::binary::{self, Node};
use wa_protocol::stanza::{ack, iq, stream_error};

use super::noise::NoiseMsg;
use super::supervisor::ConnSupMsg;
use super::{ConnDown, IqError};
use crate::client::counters::Counters;

/// Messages of the router.
pub(crate) enum RouterMsg {
    /// The Noise actor to send through (set once, right after spawn).
    Attach(ActorRef<NoiseMsg>),
    /// One decrypted frame: flags byte and binary node.
    FrameIn(Vec<u8>),
    /// The socket ended (after every frame it delivered).
    Eof(String),
    /// Send a node, no reply expected.
    Send(Node),
    /// Send an iq and route its reply (or error) to the port. A missing or empty `id` is
    /// filled in.
    Iq(Node, RpcReplyPort<Result<Node, IqError>>),
    /// Close the connection after every node sent before this message.
    Close,
}

pub(crate) struct RouterArgs {
    pub conn_sup: ActorRef<ConnSupMsg>,
    pub counters: Arc<Counters>,
    pub span: tracing::Span,
}

pub(crate) struct Router;

pub(crate) struct RouterState {
    args: RouterArgs,
    noise: Option<ActorRef<NoiseMsg>>,
    ids: iq::IqIdGenerator,
    pending: HashMap<String, RpcReplyPort<Result<Node, IqError>>>,
    /// Set once a connection-ending stanza or the socket end was reported.
    ended: bool,
}

impl RouterState {
    fn send(&mut self, node: &Node) -> Result<(), IqError> {
        let noise = self.noise.as_ref().ok_or(IqError::Disconnected)?;
        let packed = binary::try_pack(node).map_err(|e| IqError::Encode(e.to_string()))?;
        tracing::trace!(parent: &self.args.span, node = %binary::render(node), "send");
        noise
            .cast(NoiseMsg::SendPlain(packed))
            .map_err(|_| IqError::Disconnected)?;
        self.args.counters.node_out();
        Ok(())
    }

    fn report(&mut self, down: ConnDown) {
        if !self.ended {
            self.ended = true;
            let _ = self.args.conn_sup.cast(ConnSupMsg::Down(down));
        }
    }

    fn on_node(&mut self, node: Node) {
        self.args.counters.node_in();
        tracing::trace!(parent: &self.args.span, node = %binary::render(&node), "recv");
        if let Some((id, reply)) = iq::parse_reply(&node) {
            if let Some(port) = self.pending.remove(&id) {
                let result = match reply {
                    iq::IqReply::Result => Ok(node),
                    iq::IqReply::Error(e) => Err(IqError::Server(e)),
                };
                let _ = port.send(result);
                return;
            }
        }
        if iq::is_server_ping(&node) {
            if let Some(pong) = iq::result_for(&node) {
                let _ = self.send(&pong);
            }
            return;
        }
        if let Some(classified) = stream_error::classify(&node) {
            match classified {
                Ok(outcome) => self.report(ConnDown::Outcome(outcome, node)),
                Err(e) => self.report(ConnDown::Lost(format!("unreadable {}: {e}", node.tag))),
            }
            return;
        }
        if node.tag == "success" {
            let _ = self.args.conn_sup.cast(ConnSupMsg::LoggedIn(node));
            return;
        }
        if let Some(ack) = ack::ack_for(&node) {
            let _ = self.send(&ack);
        }
        let _ = self.args.conn_sup.cast(ConnSupMsg::Inbound(node));
    }

    fn fail_pending(&mut self) {
        for (_, port) in self.pending.drain() {
            let _ = port.send(Err(IqError::Disconnected));
        }
    }
}

impl Actor for Router {
    type Msg = RouterMsg;
    type State = RouterState;
    type Arguments = RouterArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: RouterArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let mut seed = [0u8; 2];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        Ok(RouterState {
            args,
            noise: None,
            ids: iq::IqIdGenerator::new(seed),
            pending: HashMap::new(),
            ended: false,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RouterMsg::Attach(noise) => state.noise = Some(noise),
            RouterMsg::FrameIn(plain) => {
                // A frame that does not decode is a broken connection: fail, and let the
                // supervisors rebuild it.
                let node = binary::unpack(&plain).map_err(|e| format!("bad node frame: {e}"))?;
                state.on_node(node);
            }
            RouterMsg::Eof(reason) => {
                state.fail_pending();
                state.report(ConnDown::Lost(format!("socket: {reason}")));
            }
            RouterMsg::Send(node) => {
                if let Err(e) = state.send(&node) {
                    tracing::debug!(parent: &state.args.span, error = %e, "send failed");
                }
            }
            RouterMsg::Close => {
                if let Some(noise) = &state.noise {
                    let _ = noise.cast(NoiseMsg::Close);
                }
            }
            RouterMsg::Iq(mut node, port) => {
                state.pending.retain(|_, p| !p.is_closed());
                let id = match node.attr_str("id") {
                    Some(id) if !id.is_empty() => id.into_owned(),
                    _ => {
                        let id = state.ids.next_id();
                        node.set_attr("id", id.clone());
                        id
                    }
                };
                match state.send(&node) {
                    Ok(()) => {
                        state.pending.insert(id, port);
                    }
                    Err(e) => {
                        let _ = port.send(Err(e));
                    }
                }
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // Killed routers skip this, but then the ports are dropped with the state and every
        // caller sees its channel close, which `Client::iq` maps to `Disconnected` too.
        state.fail_pending();
        Ok(())
    }
}
