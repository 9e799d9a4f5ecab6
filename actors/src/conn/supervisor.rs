//! `ConnSup`: builds one connection's actors, reports how the connection went to `ClientSup`,
//! and turns any child's exit into a single "connection down" report. It never restarts a
//! child itself: a connection is restarted as a whole, by `ClientSup`, which stops this actor
//! (and with it every child) and spawns a fresh one.

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use wa_protocol::binary::Node;

use super::keepalive::{Keepalive, KeepaliveArgs, KeepaliveMsg};
use super::noise::{Noise, NoiseArgs, NoiseMsg};
use super::router::{Router, RouterArgs, RouterMsg};
use super::socket::{Socket, SocketArgs, SocketMsg};
use super::{ConnActorIds, ConnDown, ConnParams, ConnRole, IqError};
use crate::client::supervisor::ClientSupMsg;
use crate::pairing::{
    is_pairing_stanza, Pairing, PairingArgs, PairingError, PairingMsg, PairingReport,
};
use crate::prekeys::{PreKeys, PreKeysArgs, PreKeysMsg};

/// How long a graceful close may take before the subtree is stopped anyway.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Messages of the connection supervisor.
pub(crate) enum ConnSupMsg {
    /// From the router: `<success>` arrived.
    LoggedIn(Node),
    /// From the router: the connection ended, and why.
    Down(ConnDown),
    /// From the router: a stanza for the layers above.
    Inbound(Node),
    /// From `ClientSup`: send a node.
    Send(Node),
    /// From `ClientSup`: send an iq and route the reply.
    Iq(Node, RpcReplyPort<Result<Node, IqError>>),
    /// Which actors make up this connection.
    Actors(RpcReplyPort<ConnActorIds>),
    /// From the pairing child: how pairing went.
    Pairing(PairingReport),
    /// From `ClientSup`: close after flushing what was sent, then stop (nothing is reported:
    /// `ClientSup` already let go of this connection).
    Close,
    /// From `ClientSup`: the application asks for a phone-number pairing code.
    PairPhone(String, RpcReplyPort<Result<String, PairingError>>),
}

pub(crate) struct ConnSupArgs {
    pub params: ConnParams,
    pub client: ActorRef<ClientSupMsg>,
}

pub(crate) struct ConnSup;

pub(crate) struct ConnSupState {
    params: ConnParams,
    client: ActorRef<ClientSupMsg>,
    span: tracing::Span,
    socket: Option<ActorRef<SocketMsg>>,
    noise: Option<ActorRef<NoiseMsg>>,
    router: Option<ActorRef<RouterMsg>>,
    keepalive: Option<ActorRef<KeepaliveMsg>>,
    pairing: Option<ActorRef<PairingMsg>>,
    prekeys: Option<ActorRef<PreKeysMsg>>,
    /// A graceful close was asked: the next child exit stops this supervisor.
    closing: bool,
    /// Set once the connection's end was reported; later child exits are consequences.
    reported: bool,
}

impl ConnSupState {
    fn report_down(&mut self, down: ConnDown) {
        if self.reported {
            return;
        }
        self.reported = true;
        tracing::debug!(parent: &self.span, ?down, "connection down");
        let _ = self.client.cast(ClientSupMsg::ConnDown {
            generation: self.params.generation,
            down,
        });
    }

    async fn spawn_children(&mut self, myself: &ActorRef<ConnSupMsg>) -> Result<(), String> {
        let cell = myself.get_cell();
        let p = &self.params;
        let (router, _) = Actor::spawn_linked(
            None,
            Router,
            RouterArgs {
                conn_sup: myself.clone(),
                counters: p.counters.clone(),
                span: tracing::info_span!(parent: &self.span, "router"),
            },
            cell.clone(),
        )
        .await
        .map_err(|e| format!("spawn router: {e}"))?;
        self.router = Some(router.clone());
        if let ConnRole::Pair(pp) = &p.role {
            let pp = (**pp).clone();
            let (pairing, _) = Actor::spawn_linked(
                None,
                Pairing,
                PairingArgs {
                    router: router.clone(),
                    conn_sup: myself.clone(),
                    broadcaster: pp.broadcaster,
                    store: pp.store,
                    account_id: pp.account_id,
                    device: pp.device,
                    config: pp.config,
                    platform_id: pp.platform_id,
                    platform_display: pp.platform_display,
                    span: tracing::info_span!(parent: &self.span, "pairing"),
                },
                cell.clone(),
            )
            .await
            .map_err(|e| format!("spawn pairing: {e}"))?;
            self.pairing = Some(pairing);
        }
        let (noise, _) = Actor::spawn_linked(
            None,
            Noise,
            NoiseArgs {
                noise_key: p.noise_key.clone(),
                payload: p.payload.clone(),
                trust_root: p.trust_root,
                handshake_timeout: p.handshake_timeout,
                router: router.clone(),
                span: tracing::info_span!(parent: &self.span, "noise"),
            },
            cell.clone(),
        )
        .await
        .map_err(|e| format!("spawn noise: {e}"))?;
        self.noise = Some(noise.clone());
        router
            .cast(RouterMsg::Attach(noise.clone()))
            .map_err(|_| "router died at start".to_string())?;
        let (socket, _) = Actor::spawn_linked(
            None,
            Socket,
            SocketArgs {
                transport: p.transport.clone(),
                url: p.url.clone(),
                connect_timeout: p.connect_timeout,
                noise: noise.clone(),
                span: tracing::info_span!(parent: &self.span, "socket"),
            },
            cell,
        )
        .await
        .map_err(|e| format!("socket: {e}"))?;
        self.socket = Some(socket.clone());
        noise
            .cast(NoiseMsg::Begin(socket))
            .map_err(|_| "noise died at start".to_string())?;
        Ok(())
    }
}

impl Actor for ConnSup {
    type Msg = ConnSupMsg;
    type State = ConnSupState;
    type Arguments = ConnSupArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: ConnSupArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let span = tracing::info_span!(
            "conn",
            account = %args.params.account,
            generation = args.params.generation
        );
        Ok(ConnSupState {
            params: args.params,
            client: args.client,
            span,
            socket: None,
            noise: None,
            router: None,
            keepalive: None,
            pairing: None,
            prekeys: None,
            closing: false,
            reported: false,
        })
    }

    async fn post_start(
        &self,
        myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.params.counters.connection_attempt();
        if let Err(reason) = state.spawn_children(&myself).await {
            state.report_down(ConnDown::Lost(reason));
        }
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            ConnSupMsg::LoggedIn(node) => {
                if let Some(router) = state.router.clone() {
                    match Actor::spawn_linked(
                        None,
                        Keepalive,
                        KeepaliveArgs {
                            router,
                            config: state.params.keepalive,
                            span: tracing::info_span!(parent: &state.span, "keepalive"),
                        },
                        myself.get_cell(),
                    )
                    .await
                    {
                        Ok((k, _)) => state.keepalive = Some(k),
                        Err(e) => {
                            state.report_down(ConnDown::Lost(format!("spawn keepalive: {e}")));
                            return Ok(());
                        }
                    }
                }
                if let ConnRole::Login(lp) = &state.params.role {
                    if let Some(router) = state.router.clone() {
                        let lp = (**lp).clone();
                        match Actor::spawn_linked(
                            None,
                            PreKeys,
                            PreKeysArgs {
                                router,
                                store: lp.store,
                                account_id: lp.account_id,
                                device: lp.device,
                                config: lp.prekeys,
                                counters: state.params.counters.clone(),
                                span: tracing::info_span!(parent: &state.span, "prekeys"),
                            },
                            myself.get_cell(),
                        )
                        .await
                        {
                            Ok((p, _)) => state.prekeys = Some(p),
                            Err(e) => {
                                state.report_down(ConnDown::Lost(format!("spawn prekeys: {e}")));
                                return Ok(());
                            }
                        }
                    }
                }
                let _ = state.client.cast(ClientSupMsg::ConnUp {
                    generation: state.params.generation,
                    success: node,
                });
            }
            ConnSupMsg::Down(down) => state.report_down(down),
            ConnSupMsg::Inbound(node) => {
                if let Some(pairing) = state.pairing.as_ref().filter(|_| is_pairing_stanza(&node)) {
                    let _ = pairing.cast(PairingMsg::Stanza(node));
                    return Ok(());
                }
                if let Some(n) = wa_protocol::stanza::prekeys::low_count_notification(&node) {
                    if let Some(prekeys) = &state.prekeys {
                        let _ = prekeys.cast(PreKeysMsg::LowCount(n));
                    }
                    return Ok(());
                }
                let _ = state.client.cast(ClientSupMsg::Inbound {
                    generation: state.params.generation,
                    node,
                });
            }
            ConnSupMsg::Send(node) => {
                if let Some(router) = &state.router {
                    let _ = router.cast(RouterMsg::Send(node));
                }
            }
            ConnSupMsg::Iq(node, port) => match &state.router {
                Some(router) => {
                    let _ = router.cast(RouterMsg::Iq(node, port));
                }
                None => {
                    let _ = port.send(Err(IqError::Disconnected));
                }
            },
            ConnSupMsg::Actors(port) => {
                let _ = port.send(ConnActorIds {
                    conn_sup: myself.get_id(),
                    socket: state.socket.as_ref().map(|a| a.get_id()),
                    noise: state.noise.as_ref().map(|a| a.get_id()),
                    router: state.router.as_ref().map(|a| a.get_id()),
                    keepalive: state.keepalive.as_ref().map(|a| a.get_id()),
                    pairing: state.pairing.as_ref().map(|a| a.get_id()),
                    prekeys: state.prekeys.as_ref().map(|a| a.get_id()),
                });
            }
            ConnSupMsg::Close => match (&state.router, state.closing) {
                (Some(router), false) => {
                    state.closing = true;
                    let _ = router.cast(RouterMsg::Close);
                    // A socket that never closes must not keep this subtree alive: a second
                    // `Close` after the grace period stops it regardless.
                    myself.send_after(CLOSE_GRACE, || ConnSupMsg::Close);
                }
                _ => myself.stop(Some("closed".into())),
            },
            ConnSupMsg::Pairing(report) => {
                let _ = state.client.cast(ClientSupMsg::Pairing {
                    generation: state.params.generation,
                    report,
                });
            }
            ConnSupMsg::PairPhone(phone, reply) => match &state.pairing {
                Some(pairing) => {
                    if let Err(e) = pairing.cast(PairingMsg::PairPhone { phone, reply }) {
                        tracing::warn!(parent: &state.span, error = %e, "pairing actor is gone");
                    }
                }
                None => {
                    let _ = reply.send(Err(PairingError::AlreadyPaired));
                }
            },
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if state.closing
            && matches!(
                event,
                SupervisionEvent::ActorTerminated(..) | SupervisionEvent::ActorFailed(..)
            )
        {
            myself.stop(Some("closed".into()));
            return Ok(());
        }
        // Any child leaving ends this connection; the first report wins.
        match event {
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                let who = cell.get_id();
                state.report_down(ConnDown::Lost(format!(
                    "child {who} stopped: {}",
                    reason.unwrap_or_else(|| "no reason".into())
                )));
            }
            SupervisionEvent::ActorFailed(cell, err) => {
                state.params.counters.actor_failure();
                let who = cell.get_id();
                tracing::warn!(parent: &state.span, %who, error = %err, "child failed");
                state.report_down(ConnDown::Lost(format!("child {who} failed: {err}")));
            }
            _ => {}
        }
        Ok(())
    }
}
