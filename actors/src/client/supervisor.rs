//! `ClientSup`: the root actor of one account. It owns the configuration, the store and the
//! account state, keeps the `Broadcaster` alive for the client's whole life, and decides every
//! connection restart: at once for 515, after a Fibonacci backoff for losses, never after a
//! logout, a takeover, a ban or an outdated client; too many restarts in a window stop it.

use std::sync::Arc;
use std::time::Instant;

use ractor::rpc::CallResult;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use rand::Rng;
use tokio::task::JoinHandle;
use wa_protocol::binary::Node;
use wa_protocol::stanza::iq;
use wa_protocol::stanza::stream_error::ConnectionOutcome;

use super::config::ClientConfig;
use super::counters::Counters;
use super::events_map::events_for_down;
use super::inbound::{route, Route};
use super::payload::client_payload;
use crate::broadcaster::BroadcasterHandle;
use crate::conn::{
    ConnActorIds, ConnDown, ConnParams, ConnRole, ConnSup, ConnSupArgs, ConnSupMsg, IqError,
    LoginParams, PairingParams,
};
use crate::events::Event;
use crate::pairing::{PairingError, PairingReport};
use crate::state::{SignalMsg, StateSup, StateSupArgs, StateSupMsg};
use crate::store::{AccountId, DeviceData, Store};
use crate::supervision::{Backoff, RestartWindow};
use crate::transport::Transport;

const DISCONNECTED_BY_USER: &str = "disconnected by the user";

/// Where the account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    /// No paired identity yet: connections register (a Pairing child will drive the QR flow).
    Unpaired,
    /// Paired: connections log in.
    Paired,
    /// The server logged this device out; the session was wiped and nothing reconnects.
    LoggedOut,
}

/// What the connection is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not asked to connect yet.
    Idle,
    /// A connection is being set up.
    Connecting,
    /// Logged in (`<success>` received).
    Connected,
    /// Waiting out a backoff before the next attempt.
    WaitingToReconnect,
    /// Not connected and not going to reconnect, with the reason.
    Stopped(String),
}

/// A snapshot of the client's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientStatus {
    /// The account state.
    pub account: AccountState,
    /// The connection state.
    pub connection: ConnectionState,
    /// Generation of the current (or last) connection: 1 for the first, +1 per restart.
    pub generation: u64,
}

/// Messages of the client supervisor.
pub(crate) enum ClientSupMsg {
    /// From a `ConnSup`: logged in.
    ConnUp { generation: u64, success: Node },
    /// From a `ConnSup`: the connection ended.
    ConnDown { generation: u64, down: ConnDown },
    /// From a `ConnSup`: a stanza for the layers above.
    Inbound { generation: u64, node: Node },
    /// From a `ConnSup`: how pairing went.
    Pairing {
        generation: u64,
        report: PairingReport,
    },
    /// From the Signal actor: a receipt or ack to send on the live connection (dropped while
    /// disconnected: the server then redelivers, and the store recognises the stanza).
    Outbound(Node),
    /// From `StateSup`: the Signal actor was restarted; renew the connection so what it was
    /// handling is redelivered.
    StateRestarted,
    /// API: change our push name (stored, announced, and published as
    /// `SelfPushNameUpdated`).
    SetPushName(String, RpcReplyPort<Result<(), String>>),
    /// API: send our presence with the stored push name.
    SendPresence(bool, RpcReplyPort<Result<(), IqError>>),
    /// API: ask for a phone-number pairing code.
    PairPhone(String, RpcReplyPort<Result<String, PairingError>>),
    /// Backoff elapsed: connect again (if still wanted).
    Reconnect { generation: u64 },
    /// API: send a node on the live connection.
    Send(Node, RpcReplyPort<Result<(), IqError>>),
    /// API: send an iq and wait for its reply.
    Iq(Node, RpcReplyPort<Result<Node, IqError>>),
    /// API: the actors of the live connection.
    ConnActors(RpcReplyPort<Option<ConnActorIds>>),
    /// API: state snapshot.
    Status(RpcReplyPort<ClientStatus>),
    /// API: start connecting (no-op unless idle or stopped by the user).
    Connect(RpcReplyPort<()>),
    /// API: the broadcaster's ref.
    Broadcaster(RpcReplyPort<BroadcasterHandle>),
    /// API: disconnect and stay disconnected.
    Disconnect(RpcReplyPort<()>),
}

pub(crate) struct ClientSupArgs {
    pub config: ClientConfig,
    pub store: Arc<dyn Store>,
    pub transport: Arc<dyn Transport>,
    pub counters: Arc<Counters>,
}

pub(crate) struct ClientSup;

pub(crate) struct ClientSupState {
    config: ClientConfig,
    store: Arc<dyn Store>,
    account_id: AccountId,
    transport: Arc<dyn Transport>,
    counters: Arc<Counters>,
    span: tracing::Span,
    device: Option<DeviceData>,
    account: AccountState,
    connection: ConnectionState,
    broadcaster: BroadcasterHandle,
    state_sup: Option<ActorRef<StateSupMsg>>,
    conn: Option<ActorRef<ConnSupMsg>>,
    generation: u64,
    backoff: Backoff,
    restarts: RestartWindow,
    timer: Option<JoinHandle<()>>,
}

impl ClientSupState {
    fn publish(&self, event: Event) {
        if !self.broadcaster.publish(event) {
            tracing::warn!(parent: &self.span, "broadcaster is gone; event dropped");
        }
    }

    async fn start_connection(&mut self, myself: &ActorRef<ClientSupMsg>) {
        let Some(device) = &self.device else {
            self.connection = ConnectionState::Stopped("no device identity".into());
            return;
        };
        let Some(payload) = client_payload(&self.config.payload, device) else {
            self.connection = ConnectionState::Stopped("stored JID is not a phone number".into());
            return;
        };
        let role = if device.is_paired() {
            ConnRole::Login(Box::new(LoginParams {
                device: device.clone(),
                store: self.store.clone(),
                account_id: self.account_id.clone(),
                prekeys: self.config.prekeys,
            }))
        } else {
            let [os, browser, _] = &self.config.payload.browser;
            ConnRole::Pair(Box::new(PairingParams {
                device: device.clone(),
                config: self.config.pairing.clone(),
                store: self.store.clone(),
                account_id: self.account_id.clone(),
                broadcaster: self.broadcaster.clone(),
                platform_id: wa_protocol::pairing::companion_platform_id(os, browser),
                platform_display: format!("{browser} ({os})"),
            }))
        };
        self.generation += 1;
        if self.generation > 1 {
            self.counters.reconnect();
        }
        let params = ConnParams {
            generation: self.generation,
            account: self.config.account.clone(),
            url: self.config.url.clone(),
            transport: self.transport.clone(),
            noise_key: device.noise_key.clone(),
            payload,
            trust_root: self.config.trust_root,
            connect_timeout: self.config.connect_timeout,
            handshake_timeout: self.config.handshake_timeout,
            keepalive: self.config.keepalive,
            counters: self.counters.clone(),
            role,
        };
        self.connection = ConnectionState::Connecting;
        match Actor::spawn_linked(
            None,
            ConnSup,
            ConnSupArgs {
                params,
                client: myself.clone(),
            },
            myself.get_cell(),
        )
        .await
        {
            Ok((conn, _)) => self.conn = Some(conn),
            Err(e) => {
                tracing::error!(parent: &self.span, error = %e, "could not spawn ConnSup");
                self.schedule_reconnect(myself, true, "spawn failed");
            }
        }
    }

    /// Lets go of the live connection gracefully: everything already sent on it (an error
    /// reply, say) is written before the socket closes. Its later reports are ignored.
    fn close_connection(&mut self) {
        if let Some(conn) = self.conn.take() {
            if conn.cast(ConnSupMsg::Close).is_err() {
                conn.stop(Some("connection closed".into()));
            }
        }
    }

    fn stop_connection(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Stopping ConnSup kills its children; their state (socket, pending iq ports) is
            // dropped with them.
            conn.stop(Some("connection replaced".into()));
        }
    }

    /// Plans the next attempt; `failure` advances the backoff, otherwise it is immediate.
    fn schedule_reconnect(&mut self, myself: &ActorRef<ClientSupMsg>, failure: bool, why: &str) {
        if self.restarts.record(Instant::now()) {
            let reason = format!(
                "meltdown: more than {} restarts in {:?} (last: {why})",
                self.config.meltdown.max_restarts, self.config.meltdown.window
            );
            tracing::error!(parent: &self.span, %reason, "giving up");
            self.connection = ConnectionState::Stopped(reason.clone());
            myself.stop(Some(reason));
            return;
        }
        let delay = if failure {
            self.counters.failure();
            self.backoff.next_delay(rand::thread_rng().gen::<f64>())
        } else {
            std::time::Duration::ZERO
        };
        tracing::info!(parent: &self.span, ?delay, %why, "reconnecting");
        self.connection = ConnectionState::WaitingToReconnect;
        let generation = self.generation;
        if let Some(t) = self.timer.take() {
            t.abort();
        }
        let me = myself.clone();
        self.timer = Some(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = me.cast(ClientSupMsg::Reconnect { generation });
        }));
    }

    async fn on_down(&mut self, myself: &ActorRef<ClientSupMsg>, down: ConnDown) {
        self.stop_connection();
        for event in events_for_down(&down) {
            self.publish(event);
        }
        match down {
            ConnDown::Lost(reason) => self.schedule_reconnect(myself, true, &reason),
            ConnDown::Outcome(outcome, _) => {
                if let ConnectionOutcome::LoggedOut { .. } = outcome {
                    self.log_out().await;
                }
                if outcome.should_reconnect() {
                    let why = format!("{outcome:?}");
                    self.schedule_reconnect(myself, outcome.uses_backoff(), &why);
                } else {
                    self.connection = ConnectionState::Stopped(format!("{outcome:?}"));
                }
            }
        }
    }

    fn on_pairing(&mut self, report: PairingReport) {
        match report {
            PairingReport::Paired(device) => {
                // The server now ends this stream with 515; the restart logs in with it.
                self.device = Some(*device);
                self.to_signal(SignalMsg::DeviceChanged);
                self.account = AccountState::Paired;
            }
            PairingReport::QrExhausted => {
                self.close_connection();
                self.publish(Event::Disconnected(Default::default()));
                self.connection =
                    ConnectionState::Stopped("pairing: every QR code expired unscanned".into());
            }
            PairingReport::Failed(reason) => {
                self.close_connection();
                self.publish(Event::Disconnected(Default::default()));
                self.connection = ConnectionState::Stopped(format!("pairing failed: {reason}"));
            }
        }
    }

    fn to_signal(&self, msg: SignalMsg) {
        match &self.state_sup {
            Some(s) => {
                if s.cast(StateSupMsg::Signal(msg)).is_err() {
                    tracing::warn!(parent: &self.span, "state supervisor is gone");
                }
            }
            None => tracing::warn!(parent: &self.span, "no state supervisor"),
        }
    }

    fn send_live(&self, node: Node) -> Result<(), IqError> {
        match (&self.conn, &self.connection) {
            (Some(conn), ConnectionState::Connected) => conn
                .cast(ConnSupMsg::Send(node))
                .map_err(|_| IqError::Disconnected),
            _ => Err(IqError::Disconnected),
        }
    }

    async fn spawn_state(&mut self, myself: &ActorRef<ClientSupMsg>) -> Result<(), String> {
        let (s, _) = Actor::spawn_linked(
            None,
            StateSup,
            StateSupArgs {
                store: self.store.clone(),
                account_id: self.account_id.clone(),
                broadcaster: self.broadcaster.clone(),
                client: myself.clone(),
                counters: self.counters.clone(),
                meltdown: self.config.meltdown,
                retention: self.config.retention,
            },
            myself.get_cell(),
        )
        .await
        .map_err(|e| format!("spawn state supervisor: {e}"))?;
        self.state_sup = Some(s);
        Ok(())
    }

    async fn set_push_name(&mut self, name: String) -> Result<(), String> {
        let Some(device) = self.device.as_mut() else {
            return Err("no device identity".into());
        };
        let old = std::mem::replace(&mut device.push_name, name.clone());
        self.store
            .save_device(&self.account_id, device)
            .await
            .map_err(|e| e.to_string())?;
        self.to_signal(SignalMsg::DeviceChanged);
        if let Some(event) = crate::recv::message::self_push_name_event(&old, &name, false) {
            self.publish(event);
        }
        // Contacts learn the name from our presence; offline, the next one carries it.
        let presence = wa_protocol::stanza::presence::own_presence(true, Some(&name));
        let _ = self.send_live(presence);
        Ok(())
    }

    async fn log_out(&mut self) {
        self.account = AccountState::LoggedOut;
        self.device = None;
        if let Err(e) = self.store.delete_account(&self.account_id).await {
            tracing::error!(parent: &self.span, error = %e, "could not wipe the session");
        }
    }
}

impl Actor for ClientSup {
    type Msg = ClientSupMsg;
    type State = ClientSupState;
    type Arguments = ClientSupArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: ClientSupArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let span = tracing::info_span!("client", account = %args.config.account);
        let account_id = AccountId::new(args.config.account.clone());
        let (device, created) =
            crate::store::Device::load_or_create(&*args.store, &account_id, &mut rand::rngs::OsRng)
                .await
                .map_err(|e| format!("store: {e}"))?;
        tracing::info!(parent: &span, created, paired = device.is_paired(), "device identity ready");
        let account = if device.is_paired() {
            AccountState::Paired
        } else {
            AccountState::Unpaired
        };
        let (broadcaster, _) =
            BroadcasterHandle::spawn_linked(account_id.clone(), myself.get_cell())
                .await
                .map_err(|e| format!("spawn broadcaster: {e}"))?;
        Ok(ClientSupState {
            backoff: Backoff::new(args.config.backoff),
            restarts: RestartWindow::new(args.config.meltdown),
            config: args.config,
            store: args.store,
            account_id,
            transport: args.transport,
            counters: args.counters,
            span,
            device: Some(device),
            account,
            connection: ConnectionState::Idle,
            broadcaster,
            state_sup: None,
            conn: None,
            generation: 0,
            timer: None,
        })
    }

    async fn post_start(
        &self,
        myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.spawn_state(&myself).await?;
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            ClientSupMsg::ConnUp {
                generation,
                success,
            } => {
                if generation != state.generation || state.conn.is_none() {
                    return Ok(());
                }
                tracing::info!(
                    parent: &state.span,
                    generation,
                    lid = success.attr_str("lid").as_deref().unwrap_or(""),
                    "connected"
                );
                state.counters.connected();
                state.backoff.reset();
                state.connection = ConnectionState::Connected;
                if let Some(conn) = &state.conn {
                    // Tell the server this client is active (README lifecycle step 5); the
                    // reply needs no handling.
                    let active = iq::build_iq(
                        String::new(),
                        iq::IqType::Set,
                        "passive",
                        iq::SERVER,
                        vec![Node::new("active")],
                    );
                    let _ = conn.cast(ConnSupMsg::Send(active));
                }
                state.publish(Event::Connected(Default::default()));
            }
            ClientSupMsg::ConnDown { generation, down } => {
                if generation == state.generation && state.conn.is_some() {
                    state.on_down(&myself, down).await;
                }
            }
            ClientSupMsg::Inbound { generation, node } => {
                if generation == state.generation {
                    let own = state.device.as_ref().and_then(crate::state::own_jids);
                    match route(node, own.as_ref()) {
                        Route::Decrypt(node) => state.to_signal(SignalMsg::Message(node)),
                        Route::IdentityChanged(jid, events) => {
                            state.to_signal(SignalMsg::IdentityChanged(jid));
                            for event in events {
                                state.publish(event);
                            }
                        }
                        Route::Publish(events) => {
                            for event in events {
                                state.publish(event);
                            }
                        }
                    }
                }
            }
            ClientSupMsg::SendPresence(available, port) => {
                // The stored name (set at pairing or by `set_push_name`), else the configured one.
                let name = state
                    .device
                    .as_ref()
                    .map(|d| d.push_name.clone())
                    .filter(|n| !n.is_empty())
                    .or_else(|| state.config.payload.push_name.clone());
                let node = wa_protocol::stanza::presence::own_presence(available, name.as_deref());
                let result = state.send_live(node);
                if result.is_ok() {
                    state.counters.message_out();
                }
                let _ = port.send(result);
            }
            ClientSupMsg::SetPushName(name, port) => {
                let result = state.set_push_name(name).await;
                let _ = port.send(result);
            }
            ClientSupMsg::Outbound(node) => {
                if let Err(e) = state.send_live(node) {
                    tracing::debug!(parent: &state.span, error = %e, "reply not sent; the server will redeliver");
                }
            }
            ClientSupMsg::StateRestarted => {
                if state.conn.is_some() {
                    state.stop_connection();
                    state.publish(Event::Disconnected(Default::default()));
                    state.schedule_reconnect(&myself, false, "state actor restarted");
                }
            }
            ClientSupMsg::Pairing { generation, report } => {
                if generation == state.generation && state.conn.is_some() {
                    state.on_pairing(report);
                }
            }
            ClientSupMsg::PairPhone(phone, port) => match (&state.conn, state.account) {
                (_, AccountState::Paired) => {
                    let _ = port.send(Err(PairingError::AlreadyPaired));
                }
                (Some(conn), AccountState::Unpaired) => {
                    if let Err(e) = conn.cast(ConnSupMsg::PairPhone(phone, port)) {
                        tracing::debug!(parent: &state.span, error = %e, "connection is gone");
                    }
                }
                _ => {
                    let _ = port.send(Err(PairingError::NotConnected));
                }
            },
            ClientSupMsg::Reconnect { generation } => {
                let wanted = matches!(state.connection, ConnectionState::WaitingToReconnect);
                if generation == state.generation && wanted && state.conn.is_none() {
                    state.timer = None;
                    state.start_connection(&myself).await;
                }
            }
            ClientSupMsg::Send(node, port) => {
                let result = state.send_live(node);
                if result.is_ok() {
                    state.counters.message_out();
                }
                let _ = port.send(result);
            }
            ClientSupMsg::Iq(node, port) => match (&state.conn, &state.connection) {
                (Some(conn), ConnectionState::Connected) => {
                    let _ = conn.cast(ConnSupMsg::Iq(node, port));
                }
                _ => {
                    let _ = port.send(Err(IqError::Disconnected));
                }
            },
            ClientSupMsg::ConnActors(port) => {
                let ids = match &state.conn {
                    Some(conn) => match conn
                        .call(ConnSupMsg::Actors, Some(std::time::Duration::from_secs(5)))
                        .await
                    {
                        Ok(CallResult::Success(ids)) => Some(ids),
                        _ => None,
                    },
                    None => None,
                };
                let _ = port.send(ids);
            }
            ClientSupMsg::Status(port) => {
                let _ = port.send(ClientStatus {
                    account: state.account,
                    connection: state.connection.clone(),
                    generation: state.generation,
                });
            }
            ClientSupMsg::Connect(port) => {
                // Any stop (by the user, a failed or expired pairing, a refused login) can be
                // retried on request, except a logout: that identity is gone.
                let idle = matches!(state.connection, ConnectionState::Idle)
                    || (matches!(state.connection, ConnectionState::Stopped(_))
                        && state.account != AccountState::LoggedOut);
                if idle && state.conn.is_none() {
                    state.start_connection(&myself).await;
                }
                let _ = port.send(());
            }
            ClientSupMsg::Broadcaster(port) => {
                let _ = port.send(state.broadcaster.clone());
            }
            ClientSupMsg::Disconnect(port) => {
                if let Some(t) = state.timer.take() {
                    t.abort();
                }
                state.stop_connection();
                state.connection = ConnectionState::Stopped(DISCONNECTED_BY_USER.into());
                let _ = port.send(());
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, reason) = match event {
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                (cell, reason.unwrap_or_else(|| "stopped".into()))
            }
            SupervisionEvent::ActorFailed(cell, err) => {
                state.counters.actor_failure();
                (cell, format!("failed: {err}"))
            }
            _ => return Ok(()),
        };
        let id = cell.get_id();
        if id == state.broadcaster.actor().get_id() {
            // Permanent child: bring it back at once. Subscribers registered with the dead
            // one are lost and logged; the client itself stays up.
            tracing::error!(parent: &state.span, %reason, "broadcaster exited; restarting it");
            let (b, _) =
                BroadcasterHandle::spawn_linked(state.account_id.clone(), myself.get_cell())
                    .await
                    .map_err(|e| format!("respawn broadcaster: {e}"))?;
            state.broadcaster = b;
        } else if state.state_sup.as_ref().is_some_and(|s| s.get_id() == id) {
            // Its Signal actor melted down; start over from the store, and renew the
            // connection so nothing un-acked is stranded.
            tracing::error!(parent: &state.span, %reason, "state supervisor exited; restarting it");
            state.spawn_state(&myself).await?;
            if state.conn.is_some() {
                state.stop_connection();
                state.schedule_reconnect(&myself, true, "state supervisor restarted");
            }
        } else if state.conn.as_ref().is_some_and(|c| c.get_id() == id) {
            // ConnSup itself died without reporting (a bug or a panic): treat as a loss.
            state
                .on_down(
                    &myself,
                    ConnDown::Lost(format!("connection supervisor {reason}")),
                )
                .await;
        }
        // Anything else is an old ConnSup we stopped ourselves.
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(t) = state.timer.take() {
            t.abort();
        }
        Ok(())
    }
}
