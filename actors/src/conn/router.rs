//! `Router`: drives [`StanzaClient`]. Frames from Noise go in; stanzas go straight to their
//! owners through the connection's [`Routes`]; iq replies go to whoever asked; outbound
//! frames go down to Noise; the machine's next deadline arms its timer. The login and the
//! connection's end are reported up. Every rule (acks, pings, keepalive, stream errors) is in
//! the machine.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, DerivedActorRef};
use tokio::sync::oneshot;
use wa_protocol::binary::{self, Node};
use wa_protocol::connection::{EndReason, StanzaClient, StanzaConfig, StanzaEvent};

use super::noise::{NoiseMsg, NoiseUp};
use super::routes::Routes;
use super::timer::DeadlineTimer;
use crate::counters::Counters;
use crate::link::{narrow, FlowTicket, IqError, LiveConn, Outbound};

/// Messages of the router.
pub(crate) enum RouterMsg {
    /// From Noise.
    Noise(NoiseUp),
    /// From anyone sending on this connection.
    Out(Outbound),
    /// The machine's deadline came.
    Due,
    /// Close after every node sent before this message.
    Close,
}

narrow!(RouterMsg, NoiseUp => Noise);
narrow!(RouterMsg, Outbound => Out);

/// What the router reports to its supervisor.
pub(crate) enum RouterReport {
    /// `<success>` arrived.
    LoggedIn(Node),
    /// The connection ended.
    Ended(EndReason),
}

pub(crate) struct RouterArgs {
    pub config: StanzaConfig,
    pub noise: ActorRef<NoiseMsg>,
    pub routes: Routes,
    pub up: DerivedActorRef<RouterReport>,
    /// Where this router is announced at login, before any stanza after `<success>` reaches
    /// an owner (whose replies must find it).
    pub live: LiveConn,
    pub generation: u64,
    pub counters: Arc<Counters>,
    pub span: tracing::Span,
}

pub(crate) struct Router;

pub(crate) struct RouterState {
    args: RouterArgs,
    machine: StanzaClient,
    me: DerivedActorRef<Outbound>,
    waiting: HashMap<String, oneshot::Sender<Result<Node, IqError>>>,
    timer: DeadlineTimer<RouterMsg>,
}

impl RouterState {
    /// Moves everything the machine produced: frames down, events to their owners, the next
    /// deadline to the timer.
    fn flush(&mut self, ticket: &FlowTicket) -> Result<(), ActorProcessingErr> {
        let mut frames = Vec::new();
        while let Some(frame) = self.machine.poll_transmit() {
            self.args.counters.node_out();
            frames.push(frame);
        }
        let msg = match frames.len() {
            0 => None,
            1 => frames.pop().map(NoiseMsg::Send),
            _ => Some(NoiseMsg::SendAll(frames)),
        };
        if let Some(msg) = msg {
            self.args.noise.cast(msg).map_err(|_| "noise is gone")?;
        }
        while let Some(event) = self.machine.poll_event() {
            self.on_event(event, ticket);
        }
        self.timer.arm(self.machine.poll_timeout());
        Ok(())
    }

    fn on_event(&mut self, event: StanzaEvent, ticket: &FlowTicket) {
        match event {
            StanzaEvent::Stanza(node) => {
                self.args.counters.node_in();
                tracing::trace!(parent: &self.args.span, node = %binary::render(&node), "recv");
                self.args.routes.dispatch(node, ticket.clone());
            }
            StanzaEvent::IqReply { id, result } => {
                self.args.counters.node_in();
                if let Some(port) = self.waiting.remove(&id) {
                    let _ = port.send(result.map_err(IqError::Server));
                }
            }
            StanzaEvent::IqTimedOut { id } => {
                if let Some(port) = self.waiting.remove(&id) {
                    let _ = port.send(Err(IqError::Timeout));
                }
            }
            StanzaEvent::BadFrame(bad) => {
                self.args.counters.bad_frame();
                tracing::warn!(parent: &self.args.span, error = %bad, "undecodable frame skipped");
            }
            StanzaEvent::LoggedIn(node) => {
                self.args.counters.node_in();
                self.args.live.attach(self.args.generation, self.me.clone());
                let _ = self.args.up.send_message(RouterReport::LoggedIn(*node));
            }
            StanzaEvent::Ended(reason) => {
                self.fail_waiting();
                let _ = self.args.up.send_message(RouterReport::Ended(reason));
            }
            _ => {}
        }
    }

    fn fail_waiting(&mut self) {
        for (_, port) in self.waiting.drain() {
            let _ = port.send(Err(IqError::Disconnected));
        }
    }

    fn send(&mut self, node: &Node) {
        tracing::trace!(parent: &self.args.span, node = %binary::render(node), "send");
        if let Err(e) = self.machine.send(node) {
            tracing::debug!(parent: &self.args.span, error = %e, "send refused");
        }
    }

    fn on_out(&mut self, out: Outbound) {
        let now = Instant::now();
        match out {
            Outbound::Send(node) => self.send(&node),
            Outbound::SendAll(nodes) => {
                for node in &nodes {
                    self.send(node);
                }
            }
            Outbound::Iq {
                node,
                timeout,
                reply,
            } => {
                self.waiting.retain(|_, p| !p.is_closed());
                match self.machine.send_iq(now, node, timeout) {
                    Ok(id) => {
                        self.waiting.insert(id, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Err(match e {
                            wa_protocol::connection::SendError::Encode(e) => IqError::Encode(e),
                            _ => IqError::Disconnected,
                        }));
                    }
                }
            }
        }
    }
}

impl Actor for Router {
    type Msg = RouterMsg;
    type State = RouterState;
    type Arguments = RouterArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: RouterArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let seed = rand::RngCore::next_u64(&mut rand::rngs::OsRng);
        Ok(RouterState {
            machine: StanzaClient::new(args.config, seed),
            me: myself.get_derived(),
            args,
            waiting: HashMap::new(),
            timer: DeadlineTimer::new(myself, || RouterMsg::Due),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let untracked = FlowTicket::none();
        match msg {
            RouterMsg::Noise(NoiseUp::Frame(plain, ticket)) => {
                state.machine.handle_frame(Instant::now(), &plain);
                state.flush(&ticket)?;
            }
            RouterMsg::Noise(NoiseUp::Ended(reason)) => {
                state.machine.handle_close(format!("socket: {reason}"));
                state.flush(&untracked)?;
            }
            RouterMsg::Out(out) => {
                state.on_out(out);
                state.flush(&untracked)?;
            }
            RouterMsg::Due => {
                state.machine.handle_timeout(Instant::now());
                state.flush(&untracked)?;
            }
            RouterMsg::Close => {
                let _ = state.args.noise.cast(NoiseMsg::Close);
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // A killed router skips this; its ports are dropped with the state, which callers
        // see as `Disconnected` too.
        state.fail_waiting();
        Ok(())
    }
}
