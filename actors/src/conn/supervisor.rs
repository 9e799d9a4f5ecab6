//! `ConnSup`: builds one connection's actors, announces the logged-in connection, and turns
//! the connection's end (or any child's exit) into a single report to `ClientSup`. It never
//! restarts a child: a connection is restarted whole, by `ClientSup`. It is not on the data
//! path: stanzas go from the Router to their owners and back without passing through here.

use ractor::{
    Actor, ActorProcessingErr, ActorRef, DerivedActorRef, RpcReplyPort, SupervisionEvent,
};

use super::noise::{Noise, NoiseArgs, NoiseMsg};
use super::router::{Router, RouterArgs, RouterMsg, RouterReport};
use super::routes::Routes;
use super::socket::{Socket, SocketArgs, SocketMsg};
use super::{ConnActorIds, ConnDown, ConnParams, ConnReport, ConnRole};
use crate::link::{narrow, LiveConn};
use crate::pairing::{Pairing, PairingArgs, PairingError, PairingMsg, PairingReport};
use crate::prekeys::{PreKeys, PreKeysArgs, PreKeysHandle, PreKeysMsg};
use crate::supervision::LazyChild;

/// How long a graceful close may take before the subtree is stopped anyway.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Messages of the connection supervisor.
pub(crate) enum ConnSupMsg {
    /// From the router.
    Router(RouterReport),
    /// From the pairing child.
    Pairing(PairingReport),
    /// Which actors make up this connection.
    Actors(RpcReplyPort<ConnActorIds>),
    /// Close after flushing what was sent, then stop (nothing more is reported).
    Close,
    /// The application asks for a phone-number pairing code.
    PairPhone(String, RpcReplyPort<Result<String, PairingError>>),
    /// Work for the prekeys child, which runs only while it has some.
    PreKeys(PreKeysMsg),
}

narrow!(ConnSupMsg, RouterReport => Router);
narrow!(ConnSupMsg, PairingReport => Pairing);

pub(crate) struct ConnSupArgs {
    pub params: ConnParams,
    pub up: DerivedActorRef<ConnReport>,
}

pub(crate) struct ConnSup;

#[derive(Default)]
struct Children {
    socket: Option<ActorRef<SocketMsg>>,
    noise: Option<ActorRef<NoiseMsg>>,
    router: Option<ActorRef<RouterMsg>>,
    pairing: Option<ActorRef<PairingMsg>>,
    /// On a paired device's connection: the on-demand prekeys child and its arguments.
    prekeys: Option<(LazyChild<PreKeysMsg>, PreKeysArgs)>,
}

pub(crate) struct ConnSupState {
    params: ConnParams,
    up: DerivedActorRef<ConnReport>,
    span: tracing::Span,
    /// This connection's router, for its own children (before and after login).
    link: LiveConn,
    children: Children,
    /// A graceful close was asked: the next child exit stops this supervisor.
    closing: bool,
    /// Set once the connection's end was reported; later child exits are consequences.
    reported: bool,
}

fn spawn_err(what: &str) -> impl FnOnce(ractor::SpawnErr) -> String + '_ {
    move |e| format!("spawn {what}: {e}")
}

impl ConnSupState {
    fn report_down(&mut self, down: ConnDown) {
        if std::mem::replace(&mut self.reported, true) {
            return;
        }
        self.params.live.detach(self.params.generation);
        tracing::debug!(parent: &self.span, ?down, "connection down");
        let generation = self.params.generation;
        let _ = self.up.send_message(ConnReport::Down { generation, down });
    }

    async fn spawn_children(&mut self, myself: &ActorRef<ConnSupMsg>) -> Result<(), String> {
        let cell = myself.get_cell();
        let p = self.params.clone();
        let span = |name: &str| tracing::info_span!(parent: &self.span, "actor", name);
        let mut routes = Routes {
            signal: p.signal.clone(),
            outbox: p.outbox.clone(),
            app_state: p.app_state.clone(),
            pairing: None,
            prekeys: None,
            broadcaster: p.broadcaster.clone(),
            identity: p.identity.clone(),
            directory: p.directory.clone(),
        };
        match &p.role {
            ConnRole::Pair(pp) => {
                let args = PairingArgs {
                    link: self.link.clone(),
                    up: myself.get_derived(),
                    broadcaster: p.broadcaster.clone(),
                    store: p.store.clone(),
                    account_id: p.account_id.clone(),
                    device: p.identity.get().ok_or("no device identity")?,
                    config: pp.config.clone(),
                    platform_id: pp.platform_id,
                    platform_display: pp.platform_display.clone(),
                    span: span("pairing"),
                };
                let (pairing, _) = Actor::spawn_linked(None, Pairing, args, cell.clone())
                    .await
                    .map_err(spawn_err("pairing"))?;
                routes.pairing = Some(pairing.get_derived());
                self.children.pairing = Some(pairing);
            }
            ConnRole::Login(config) => {
                let args = PreKeysArgs {
                    link: self.link.clone(),
                    store: p.store.clone(),
                    account_id: p.account_id.clone(),
                    device: p.identity.get().ok_or("no device identity")?,
                    config: *config,
                    counters: p.counters.clone(),
                    span: span("prekeys"),
                };
                let handle = PreKeysHandle::default();
                let sup = myself.clone();
                handle.set_starter(move |m| sup.send_message(ConnSupMsg::PreKeys(m)).is_ok());
                routes.prekeys = Some(handle.clone());
                self.children.prekeys = Some((LazyChild::new(handle), args));
            }
        }
        let noise_args = NoiseArgs {
            config: wa_protocol::connection::NoiseClientConfig {
                trust_root: p.trust_root,
                handshake_timeout: p.handshake_timeout,
                unix_time: 0,
            },
            noise_key: p.noise_key.clone(),
            payload: p.payload.clone(),
            span: span("noise"),
        };
        let (noise, _) = Actor::spawn_linked(None, Noise, noise_args, cell.clone())
            .await
            .map_err(spawn_err("noise"))?;
        self.children.noise = Some(noise.clone());
        let router_args = RouterArgs {
            config: p.stanza,
            noise: noise.clone(),
            routes,
            up: myself.get_derived(),
            live: p.live.clone(),
            generation: p.generation,
            counters: p.counters.clone(),
            span: span("router"),
        };
        let (router, _) = Actor::spawn_linked(None, Router, router_args, cell.clone())
            .await
            .map_err(spawn_err("router"))?;
        self.link.attach(p.generation, router.get_derived());
        self.children.router = Some(router.clone());
        let socket_args = SocketArgs {
            transport: p.transport.clone(),
            url: p.url.clone(),
            connect_timeout: p.connect_timeout,
            up: noise.get_derived(),
            flow: p.flow.clone(),
            span: span("socket"),
        };
        // Returns at once: the socket connects in its own `post_start`.
        let (socket, _) = Actor::spawn_linked(None, Socket, socket_args, cell)
            .await
            .map_err(spawn_err("socket"))?;
        self.children.socket = Some(socket.clone());
        noise
            .cast(NoiseMsg::Begin(socket, router.get_derived()))
            .map_err(|_| "noise died at start".to_string())
    }

    /// Starts a prekeys child for `msgs`; a failure to spawn ends the connection.
    async fn start_prekeys(&mut self, myself: &ActorRef<ConnSupMsg>, msgs: Vec<PreKeysMsg>) {
        let Some((prekeys, args)) = self.children.prekeys.as_mut() else {
            return;
        };
        match Actor::spawn_linked(None, PreKeys, args.clone(), myself.get_cell()).await {
            Ok((actor, _)) => prekeys.started(actor, msgs),
            Err(e) => self.report_down(ConnDown::Lost(format!("spawn prekeys: {e}"))),
        }
    }

    fn on_router(&mut self, report: RouterReport) {
        match report {
            RouterReport::LoggedIn(success) => {
                // The router announced itself on `LiveConn` already.
                if let Some((prekeys, _)) = &self.children.prekeys {
                    prekeys.handle.send(PreKeysMsg::Check);
                }
                let generation = self.params.generation;
                let _ = self.up.send_message(ConnReport::Up {
                    generation,
                    success,
                });
            }
            RouterReport::Ended(reason) => self.report_down(ConnDown::Ended(reason)),
        }
    }

    fn ids(&self, myself: &ActorRef<ConnSupMsg>) -> ConnActorIds {
        let c = &self.children;
        ConnActorIds {
            conn_sup: myself.get_id(),
            socket: c.socket.as_ref().map(|a| a.get_id()),
            noise: c.noise.as_ref().map(|a| a.get_id()),
            router: c.router.as_ref().map(|a| a.get_id()),
            pairing: c.pairing.as_ref().map(|a| a.get_id()),
            prekeys: c
                .prekeys
                .as_ref()
                .and_then(|(p, _)| p.running.as_ref().map(|a| a.get_id())),
        }
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
        let p = &args.params;
        let span = tracing::info_span!("conn", account = %p.account, generation = p.generation);
        Ok(ConnSupState {
            params: args.params,
            up: args.up,
            span,
            link: LiveConn::default(),
            children: Children::default(),
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
            ConnSupMsg::Router(report) => state.on_router(report),
            ConnSupMsg::Pairing(report) => {
                let generation = state.params.generation;
                let _ = state
                    .up
                    .send_message(ConnReport::Pairing { generation, report });
            }
            ConnSupMsg::Actors(port) => {
                let _ = port.send(state.ids(&myself));
            }
            ConnSupMsg::Close => match (&state.children.router, state.closing) {
                (Some(router), false) => {
                    state.closing = true;
                    state.params.live.detach(state.params.generation);
                    let _ = router.cast(RouterMsg::Close);
                    // A socket that never closes must not keep this subtree alive.
                    myself.send_after(CLOSE_GRACE, || ConnSupMsg::Close);
                }
                _ => myself.stop(Some("closed".into())),
            },
            ConnSupMsg::PreKeys(m) => {
                if let Some(m) = state
                    .children
                    .prekeys
                    .as_mut()
                    .and_then(|(p, _)| p.offer(m))
                {
                    Box::pin(state.start_prekeys(&myself, vec![m])).await;
                }
            }
            ConnSupMsg::PairPhone(phone, reply) => match &state.children.pairing {
                Some(pairing) => {
                    let _ = pairing.cast(PairingMsg::PairPhone { phone, reply });
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
        if let (SupervisionEvent::ActorTerminated(cell, _, _), Some((prekeys, _))) =
            (&event, state.children.prekeys.as_mut())
        {
            if prekeys.is(cell.get_id()) {
                // It drained itself; start the next one if requests came meanwhile.
                let queued = prekeys.exited();
                if !queued.is_empty() && !state.closing {
                    Box::pin(state.start_prekeys(&myself, queued)).await;
                }
                return Ok(());
            }
        }
        let down = match event {
            SupervisionEvent::ActorTerminated(cell, _, reason) => format!(
                "child {} stopped: {}",
                cell.get_id(),
                reason.unwrap_or_else(|| "no reason".into())
            ),
            SupervisionEvent::ActorFailed(cell, err) => {
                state.params.counters.actor_failure();
                tracing::warn!(parent: &state.span, who = %cell.get_id(), error = %err, "child failed");
                format!("child {} failed: {err}", cell.get_id())
            }
            _ => return Ok(()),
        };
        if state.closing {
            myself.stop(Some("closed".into()));
        } else {
            // Any child leaving ends this connection; the first report wins.
            state.report_down(ConnDown::Lost(down));
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.params.live.detach(state.params.generation);
        Ok(())
    }
}
