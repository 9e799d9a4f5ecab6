//! [`Client`], the handle applications hold.

use std::sync::Arc;
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{ActorId, ActorRef};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::stanza::presence::{chat_state, subscribe_presence, ChatState};
use wa_protocol::stanza::receipt::{read_receipt, ReceiptKind};

use super::api::ApiMsg;
use super::builder::ClientBuilder;
use super::config::ClientConfig;
use super::status::ClientStatus;
use super::supervisor::ClientSupMsg;
use crate::broadcaster::{BroadcasterError, BroadcasterHandle, EventStream, SubscriptionId};
use crate::conn::ConnActorIds;
use crate::counters::{CounterSnapshot, Counters};
use crate::events::{EventFilter, EventHandler};
use crate::link::{Flow, IdentityCell, IqError, LiveConn};
use crate::media::{Media, MediaError};
use crate::pairing::PairingError;
use crate::send::outbox::OutboxHandle;
use crate::store::StoreError;
use crate::transport::TransportError;

/// Deadline of the client's own queries to its root actor.
pub(super) const API_TIMEOUT: Duration = Duration::from_secs(10);
/// Deadline of `pair_phone`: key stretching plus a server round trip.
const PAIR_PHONE_TIMEOUT: Duration = Duration::from_secs(45);

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The transport could not be set up.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The client's actors could not start.
    #[error("could not start the client: {0}")]
    Spawn(#[from] ractor::SpawnErr),
    /// The client has stopped (shut down, or gave up after a meltdown).
    #[error("the client is not running")]
    Stopped,
    /// No answer from the client's root actor in time.
    #[error("the client did not answer in time")]
    Timeout,
    /// There is no device identity (the server logged this device out).
    #[error("no device identity")]
    NoIdentity,
    /// The media HTTP client could not be set up.
    #[error("media: {0}")]
    Media(#[from] MediaError),
    /// An app-state change could not be uploaded (no keys yet, refused, or not verified).
    #[error("app state: {0}")]
    AppState(#[source] crate::appstate::MutationError),
}

/// A running client: one account, one supervision tree. Cheap to clone; every clone talks to
/// the same actors.
#[derive(Clone)]
pub struct Client {
    sup: ActorRef<ClientSupMsg>,
    broadcaster: BroadcasterHandle,
    counters: Arc<Counters>,
    flow: Arc<Flow>,
    live: LiveConn,
    /// Read-only view of the device identity (`ClientSup` owns it).
    identity: IdentityCell,
    pub(super) outbox: OutboxHandle,
    /// The app-state actor (mutations).
    pub(crate) app_state: crate::appstate::AppStateHandle,
    /// Device lists, LIDs and group metadata (see `crate::directory`).
    pub(super) directory: crate::directory::Directory,
    /// The current Signal actor (peer messages such as history requests).
    pub(crate) signal: crate::state::SignalHandle,
    config: Arc<ClientConfig>,
    media: Media,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("account", &self.config.account)
            .field("actor", &self.sup.get_id())
            .finish_non_exhaustive()
    }
}

/// The parts `ClientBuilder::build` makes and both the handle and the actors read.
pub(super) struct ClientShared {
    pub counters: Arc<Counters>,
    pub flow: Arc<Flow>,
    pub live: LiveConn,
    pub identity: IdentityCell,
    pub outbox: OutboxHandle,
    pub directory: crate::directory::Directory,
    pub app_state: crate::appstate::AppStateHandle,
    pub signal: crate::state::SignalHandle,
}

/// Raw access to the live connection, for stanzas this library does not model yet.
/// From [`Client::raw`].
#[derive(Debug, Clone, Copy)]
pub struct RawConnection<'a> {
    client: &'a Client,
}

impl RawConnection<'_> {
    /// Sends a stanza on the logged-in connection; fails fast while disconnected.
    pub fn send_node(&self, node: Node) -> Result<(), IqError> {
        self.client.live.send(node)
    }

    /// Sends an `<iq>` (its `id` is filled in when empty) and waits for the reply, at most
    /// the configured `iq_timeout`.
    pub async fn iq(&self, node: Node) -> Result<Node, IqError> {
        self.iq_with_timeout(node, self.client.config.iq_timeout)
            .await
    }

    /// [`RawConnection::iq`] with an explicit deadline.
    pub async fn iq_with_timeout(&self, node: Node, timeout: Duration) -> Result<Node, IqError> {
        self.client.live.iq(node, timeout).await
    }
}

impl Client {
    // One argument per shared piece the builder made; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        sup: ActorRef<ClientSupMsg>,
        broadcaster: BroadcasterHandle,
        shared: ClientShared,
        config: Arc<ClientConfig>,
        media: Media,
    ) -> Self {
        Self {
            sup,
            broadcaster,
            counters: shared.counters,
            flow: shared.flow,
            live: shared.live,
            identity: shared.identity,
            outbox: shared.outbox,
            app_state: shared.app_state,
            directory: shared.directory,
            signal: shared.signal,
            config,
            media,
        }
    }

    /// The device identity, once loaded.
    pub(crate) fn device(&self) -> Option<Arc<crate::store::DeviceData>> {
        self.identity.get()
    }

    /// The media transfers of this client.
    pub(crate) fn media(&self) -> &Media {
        &self.media
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configuration the client runs with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Reads the counters (stanzas in/out, connections, reconnects, failures, the inbound
    /// queue gauge).
    pub fn counters(&self) -> CounterSnapshot {
        self.counters.snapshot_with(&self.flow)
    }

    /// The broadcaster that delivers this client's events.
    pub fn broadcaster(&self) -> &BroadcasterHandle {
        &self.broadcaster
    }

    /// The broadcaster's actor id (it changes only if the broadcaster is restarted).
    pub fn broadcaster_id(&self) -> ActorId {
        self.broadcaster.actor().get_id()
    }

    /// Every event of this client as a bounded [`Stream`](futures::Stream); a consumer that
    /// falls behind is told how many it missed instead of slowing the client.
    pub fn events(&self) -> EventStream {
        self.broadcaster.events()
    }

    /// Filtered events as a stream with room for `capacity` unread events.
    pub fn events_with(&self, capacity: usize, filter: EventFilter) -> EventStream {
        self.broadcaster.events_with(capacity, filter)
    }

    /// Subscribes an actor (its message type is built from an [`Event`](crate::events::Event))
    /// to the events passing `filter`. The subscription outlives reconnects and broadcaster
    /// restarts; it ends when the actor stops or on [`Client::unsubscribe`].
    pub async fn subscribe_actor<M>(
        &self,
        actor: ActorRef<M>,
        filter: EventFilter,
    ) -> Result<SubscriptionId, BroadcasterError>
    where
        M: ractor::Message + From<crate::events::Event>,
    {
        self.broadcaster.subscribe_actor(actor, filter).await
    }

    /// [`Client::subscribe_actor`] for a [`SharedEvent`](crate::broadcaster::SharedEvent)
    /// actor: such subscribers share one allocation per event (the cheapest fan-out).
    pub async fn subscribe_shared_actor<M>(
        &self,
        actor: ActorRef<M>,
        filter: EventFilter,
    ) -> Result<SubscriptionId, BroadcasterError>
    where
        M: ractor::Message + From<crate::broadcaster::SharedEvent>,
    {
        self.broadcaster.subscribe_shared_actor(actor, filter).await
    }

    /// Runs `f(event, client)` for every event passing `filter`, one at a time, in its own
    /// actor (a panic there removes the subscription, nothing else).
    pub async fn on_event<F, Fut>(
        &self,
        filter: EventFilter,
        f: F,
    ) -> Result<SubscriptionId, BroadcasterError>
    where
        F: Fn(crate::events::Event, Client) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.broadcaster.on_event(self.clone(), filter, f).await
    }

    /// Registers a callback-style [`EventHandler`] (the old event-bus interface).
    pub async fn add_handler(
        &self,
        handler: Arc<dyn EventHandler>,
    ) -> Result<SubscriptionId, BroadcasterError> {
        self.broadcaster.add_handler(handler).await
    }

    /// Ends a subscription.
    pub fn unsubscribe(&self, id: SubscriptionId) {
        self.broadcaster.unsubscribe(id);
    }

    /// Whether the root actor is still running.
    pub fn is_running(&self) -> bool {
        matches!(
            self.sup.get_status(),
            ractor::ActorStatus::Running | ractor::ActorStatus::Starting
        )
    }

    async fn ask<T: Send + 'static>(
        &self,
        build: impl FnOnce(ractor::RpcReplyPort<T>) -> ApiMsg,
        timeout: Duration,
    ) -> Result<T, ClientError> {
        match self
            .sup
            .call(|port| ClientSupMsg::Api(build(port)), Some(timeout))
            .await
        {
            Ok(CallResult::Success(v)) => Ok(v),
            Ok(CallResult::Timeout) => Err(ClientError::Timeout),
            Ok(CallResult::SenderError) | Err(_) => Err(ClientError::Stopped),
        }
    }

    /// The account and connection state.
    pub async fn status(&self) -> Result<ClientStatus, ClientError> {
        self.ask(ApiMsg::Status, API_TIMEOUT).await
    }

    /// The actors of the live connection (`None` while disconnected). Each reconnect builds
    /// new ones, so their ids change; the broadcaster's does not.
    pub async fn connection_actors(&self) -> Result<Option<ConnActorIds>, ClientError> {
        self.ask(ApiMsg::ConnActors, API_TIMEOUT).await
    }

    /// Raw stanzas and iqs on the live connection, for what this library does not model.
    pub fn raw(&self) -> RawConnection<'_> {
        RawConnection { client: self }
    }

    /// Connects (a no-op when already connected or connecting). [`ClientBuilder::start`]
    /// calls it; [`ClientBuilder::build`] leaves it to the application so subscribers can be
    /// registered before the first event.
    pub async fn connect(&self) -> Result<(), ClientError> {
        self.ask(ApiMsg::Connect, API_TIMEOUT).await
    }

    /// Marks messages as read: one `read` receipt for `ids` in `chat` (`sender` names their
    /// author in groups). Fails fast while disconnected.
    pub async fn mark_read(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        ids: &[String],
    ) -> Result<(), IqError> {
        let now = chrono::Utc::now().timestamp();
        match read_receipt(chat, sender, ids, ReceiptKind::Read, now, false) {
            Some(node) => self.live.send(node),
            None => Ok(()),
        }
    }

    /// Tells the server (and contacts) whether this client is online, with our push name
    /// (the stored one, else the configured one).
    pub async fn send_presence(&self, available: bool) -> Result<(), IqError> {
        let name = self
            .identity
            .get()
            .map(|d| d.push_name.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| self.config.payload.push_name.clone());
        let node = wa_protocol::stanza::presence::own_presence(available, name.as_deref());
        self.live.send(node)?;
        self.counters.message_out();
        Ok(())
    }

    /// Changes our push name: stored with the device, announced with our presence,
    /// published as `Event::SelfPushNameUpdated` (`from_server: false`), and, once app-state
    /// keys are held, written to app state so our other devices learn it (a failure there is
    /// logged; the local change stands).
    pub async fn set_push_name(&self, name: &str) -> Result<(), ClientError> {
        let owned = name.to_owned();
        self.ask(|p| ApiMsg::SetPushName(owned, p), API_TIMEOUT)
            .await??;
        if let Err(e) = self.set_push_name_app_state(name).await {
            tracing::debug!(error = %e, "push name not written to app state");
        }
        Ok(())
    }

    /// Asks for `jid`'s presence updates; they arrive as `Event::Presence`.
    pub async fn subscribe_presence(&self, jid: &Jid) -> Result<(), IqError> {
        self.live.send(subscribe_presence(jid, None))
    }

    /// Sends our typing state in `chat` (`audio`: recording a voice note).
    pub async fn send_chat_presence(
        &self,
        chat: &Jid,
        state: ChatState,
        audio: bool,
    ) -> Result<(), IqError> {
        self.live.send(chat_state(chat, state, audio))
    }

    /// Links this (unpaired, connected) device by phone number instead of a QR code: asks the
    /// server for a pairing code for `phone` (international digits, no `+`), publishes it as
    /// `Event::PairingCode` and returns it. The user types it on the phone under *Linked
    /// devices → Link with phone number*; pairing then ends with `PairSuccess` like a scan.
    pub async fn pair_phone(&self, phone: &str) -> Result<String, PairingError> {
        let phone = phone.trim_start_matches('+').to_owned();
        match self
            .ask(|p| ApiMsg::PairPhone(phone, p), PAIR_PHONE_TIMEOUT)
            .await
        {
            Ok(r) => r,
            Err(ClientError::Timeout) => Err(PairingError::Server(IqError::Timeout)),
            Err(_) => Err(PairingError::NotConnected),
        }
    }

    /// Closes the connection and stops reconnecting; the client (and its broadcaster) stay
    /// up until [`Client::stop`].
    pub async fn disconnect(&self) -> Result<(), ClientError> {
        self.ask(ApiMsg::Disconnect, API_TIMEOUT).await
    }

    /// Simulates a crash, for fault tests: every actor of this client stops at once, in the
    /// middle of whatever it was doing, without flushing or closing anything. What the store
    /// committed stays; the server redelivers what was not acked. Applications use
    /// [`Client::stop`].
    #[cfg(feature = "testing")]
    pub async fn kill(&self) {
        let _ = self.sup.kill_and_wait(Some(API_TIMEOUT)).await;
    }

    /// Stops the whole client and waits until its actors are gone.
    pub async fn stop(&self) {
        let _ = self
            .sup
            .stop_and_wait(Some("stopped by the application".into()), Some(API_TIMEOUT))
            .await;
    }
}
