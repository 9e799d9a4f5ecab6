//! `ClientSup`: the root actor of one account. It owns the lifecycle: the device identity,
//! the login role, the backoff, the meltdown limit, restarts of its permanent children and the
//! outcome of each connection. It is not on the data path: stanzas go from the Router to their
//! owners, and replies from the owners to the live connection, without passing through here.
//! The public API calls arrive as [`ApiMsg`](super::api::ApiMsg) (see `api.rs`).

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};
use tokio::task::JoinHandle;

use super::api::ApiMsg;
use super::config::ClientConfig;
use super::status::{AccountState, ConnectionState};
use crate::broadcaster::{BroadcasterArgs, BroadcasterHandle};
use crate::conn::{ConnReport, ConnSupMsg};
use crate::counters::Counters;
use crate::link::{narrow, Flow, IdentityCell, LiveConn, OwnerSlot};
use crate::send::outbox::{Outbox, OutboxArgs, OutboxHandle, OutboxMsg};
use crate::send::prepare::PrepareCtx;
use crate::send::DeviceLister;
use crate::state::{SignalArgs, SignalHandle, StateReport, StateSup, StateSupArgs};
use crate::store::{AccountId, Store};
use crate::supervision::{Backoff, RestartWindow};
use crate::transport::Transport;

/// Messages of the client supervisor.
pub(crate) enum ClientSupMsg {
    /// From the live `ConnSup`.
    Conn(ConnReport),
    /// From `StateSup`.
    State(StateReport),
    /// From the application.
    Api(ApiMsg),
    /// Backoff elapsed: connect again (if still wanted).
    Reconnect { generation: u64 },
}

narrow!(ClientSupMsg, ConnReport => Conn);
narrow!(ClientSupMsg, StateReport => State);

/// What `ClientSup` is started with; the shared parts are made by `ClientBuilder::build` so
/// the `Client` handle reads the same ones.
pub(crate) struct ClientSupArgs {
    pub config: ClientConfig,
    pub store: Arc<dyn Store>,
    pub transport: Arc<dyn Transport>,
    pub counters: Arc<Counters>,
    pub flow: Arc<Flow>,
    pub live: LiveConn,
    /// Empty until `pre_start` loads the device; this actor is its one writer.
    pub identity: IdentityCell,
    /// Where the `Client` finds the Outbox.
    pub outbox: OutboxHandle,
    /// Where the client and the connections find the app-state actor.
    pub app_state: crate::appstate::AppStateHandle,
    /// Who the send path asks for device lists.
    pub lister: Arc<dyn DeviceLister>,
    /// Device lists, LIDs and group metadata, shared with every connection.
    pub directory: crate::directory::Directory,
    /// Media transfers (history chunks, app-state snapshots and large patches).
    pub media: crate::media::Media,
    /// Where the send path (and `Client::request_history`) finds the Signal actor.
    pub signal_handle: SignalHandle,
}

pub(crate) struct ClientSup;

pub(crate) struct ClientSupState {
    pub(super) config: ClientConfig,
    pub(super) store: Arc<dyn Store>,
    pub(super) account_id: AccountId,
    pub(super) transport: Arc<dyn Transport>,
    pub(super) counters: Arc<Counters>,
    pub(super) flow: Arc<Flow>,
    pub(super) live: LiveConn,
    pub(super) span: tracing::Span,
    /// The device identity: this actor is its one writer.
    pub(super) identity: IdentityCell,
    pub(super) directory: crate::directory::Directory,
    pub(super) media: crate::media::Media,
    pub(super) history: crate::history::HistoryHandle,
    pub(super) account: AccountState,
    pub(super) connection: ConnectionState,
    pub(super) broadcaster: BroadcasterHandle,
    pub(super) broadcaster_args: BroadcasterArgs,
    pub(super) signal: OwnerSlot,
    pub(super) signal_handle: SignalHandle,
    pub(super) outbox: OutboxHandle,
    pub(super) app_state: crate::appstate::AppStateHandle,
    /// Where the routing tables send message acks: the current Outbox.
    pub(super) outbox_acks: OwnerSlot,
    pub(super) outbox_actor: Option<ActorRef<OutboxMsg>>,
    pub(super) lister: Arc<dyn DeviceLister>,
    pub(super) state_sup: Option<ActorRef<crate::state::StateSupMsg>>,
    pub(super) conn: Option<ActorRef<ConnSupMsg>>,
    pub(super) generation: u64,
    pub(super) backoff: Backoff,
    pub(super) restarts: RestartWindow,
    pub(super) timer: Option<JoinHandle<()>>,
}

impl ClientSupState {
    async fn spawn_state(&mut self, myself: &ActorRef<ClientSupMsg>) -> Result<(), String> {
        let signal = SignalArgs {
            store: self.store.clone(),
            account_id: self.account_id.clone(),
            broadcaster: self.broadcaster.clone(),
            live: self.live.clone(),
            identity: self.identity.clone(),
            counters: self.counters.clone(),
            retention: self.config.retention,
            keep_sent: self.config.send.keep_sent,
            app_state: self.app_state.clone(),
            history: self.history.clone(),
            max_batch: self.config.receive_batch,
            span: tracing::info_span!(parent: &self.span, "signal"),
        };
        let history = crate::history::HistoryArgs {
            store: self.store.clone(),
            account_id: self.account_id.clone(),
            broadcaster: self.broadcaster.clone(),
            live: self.live.clone(),
            identity: self.identity.clone(),
            media: self.media.clone(),
            directory: self.directory.clone(),
            config: self.config.history,
            span: tracing::info_span!(parent: &self.span, "history"),
        };
        let args = StateSupArgs {
            signal,
            slot: self.signal.clone(),
            handle: self.signal_handle.clone(),
            up: myself.get_derived(),
            meltdown: self.config.meltdown,
            app_state: crate::appstate::AppStateArgs {
                store: self.store.clone(),
                account_id: self.account_id.clone(),
                broadcaster: self.broadcaster.clone(),
                live: self.live.clone(),
                media: self.media.clone(),
                identity: self.identity.clone(),
                counters: self.counters.clone(),
                span: tracing::info_span!(parent: &self.span, "app_state"),
                push_name: Default::default(),
            },
            app_state_handle: self.app_state.clone(),
            history,
            history_handle: self.history.clone(),
        };
        let (s, _) = Actor::spawn_linked(None, StateSup, args, myself.get_cell())
            .await
            .map_err(|e| format!("spawn state supervisor: {e}"))?;
        self.state_sup = Some(s);
        Ok(())
    }

    async fn spawn_outbox(&mut self, myself: &ActorRef<ClientSupMsg>) -> Result<(), String> {
        let args = OutboxArgs {
            ctx: PrepareCtx {
                live: self.live.clone(),
                signal: self.signal_handle.clone(),
                identity: self.identity.clone(),
                lister: self.lister.clone(),
                directory: self.directory.clone(),
                config: self.config.send,
                iq_timeout: self.config.iq_timeout,
            },
            span: tracing::info_span!(parent: &self.span, "outbox"),
        };
        let (outbox, _) = Actor::spawn_linked(None, Outbox, args, myself.get_cell())
            .await
            .map_err(|e| format!("spawn outbox: {e}"))?;
        self.outbox_acks.set(outbox.get_derived());
        self.outbox.set(outbox.clone());
        self.outbox_actor = Some(outbox);
        Ok(())
    }

    async fn respawn_broadcaster(&mut self, myself: &ActorRef<ClientSupMsg>) -> Result<(), String> {
        let actor =
            BroadcasterHandle::spawn_actor(self.broadcaster_args.clone(), myself.get_cell())
                .await
                .map_err(|e| format!("respawn broadcaster: {e}"))?;
        // Every handle (the Client's, the Signal actor's) sees the new actor; the registry,
        // and with it every subscription, is the same one.
        self.broadcaster.replace_actor(actor);
        Ok(())
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
        let broadcaster_args = BroadcasterArgs::new(account_id.clone());
        let (broadcaster, _) =
            BroadcasterHandle::spawn_linked_with(broadcaster_args.clone(), myself.get_cell())
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
            flow: args.flow,
            live: args.live,
            span,
            identity: {
                args.identity.set(Some(device));
                args.identity
            },
            directory: args.directory,
            media: args.media,
            history: Default::default(),
            account,
            connection: ConnectionState::Idle,
            broadcaster,
            broadcaster_args,
            signal: OwnerSlot::default(),
            signal_handle: args.signal_handle,
            outbox: args.outbox,
            app_state: args.app_state,
            outbox_acks: OwnerSlot::default(),
            outbox_actor: None,
            lister: args.lister,
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
        state.spawn_outbox(&myself).await?;
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            // The long arms are boxed: the actor's loop future is sized for its largest
            // handler and stays allocated in every idle session.
            ClientSupMsg::Conn(report) => Box::pin(state.on_conn_report(&myself, report)).await,
            ClientSupMsg::State(StateReport::SignalRestarted) => {
                // Whatever it was handling was not acked: a new connection gets it again.
                if state.conn.is_some() {
                    state.stop_connection();
                    state.publish(crate::events::Event::Disconnected(Default::default()));
                    state.schedule_reconnect(&myself, false, "state actor restarted");
                }
            }
            ClientSupMsg::Api(api) => Box::pin(state.on_api(&myself, api)).await,
            ClientSupMsg::Reconnect { generation } => {
                let wanted = matches!(state.connection, ConnectionState::WaitingToReconnect);
                if generation == state.generation && wanted && state.conn.is_none() {
                    state.timer = None;
                    Box::pin(state.start_connection(&myself)).await;
                }
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
            // Permanent child: back at once, on the same registry, so no subscriber is lost.
            tracing::error!(parent: &state.span, %reason, "broadcaster exited; restarting it");
            Box::pin(state.respawn_broadcaster(&myself)).await?;
        } else if state.state_sup.as_ref().is_some_and(|s| s.get_id() == id) {
            // Its Signal actor melted down; start over from the store, and renew the
            // connection so nothing un-acked is stranded.
            tracing::error!(parent: &state.span, %reason, "state supervisor exited; restarting it");
            Box::pin(state.spawn_state(&myself)).await?;
            if state.conn.is_some() {
                state.stop_connection();
                state.schedule_reconnect(&myself, true, "state supervisor restarted");
            }
        } else if state
            .outbox_actor
            .as_ref()
            .is_some_and(|o| o.get_id() == id)
        {
            // Its pending sends are lost (their callers see `Stopped`); new ones work again.
            tracing::error!(parent: &state.span, %reason, "outbox exited; restarting it");
            Box::pin(state.spawn_outbox(&myself)).await?;
        } else if state.conn.as_ref().is_some_and(|c| c.get_id() == id) {
            // ConnSup itself died without reporting (a bug or a panic): a loss.
            let down = crate::conn::ConnDown::Lost(format!("connection supervisor {reason}"));
            Box::pin(state.on_down(&myself, down)).await;
        }
        // Anything else is an old ConnSup we stopped ourselves, or a closure subscriber.
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
        state.live.detach(state.generation);
        Ok(())
    }
}
