//! [`BroadcasterHandle`]: the typed front of the broadcaster actor that the client and users
//! hold.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{Actor, ActorCell, ActorRef, Message};
use tokio::task::JoinHandle;

use super::sink::SinkKind;
use super::target::Target;
use super::{
    Broadcaster, BroadcasterArgs, BroadcasterMetrics, BroadcasterMsg, BroadcasterStats,
    EventStream, Registry, SharedEvent, Sink, SubscriptionId, DEFAULT_STREAM_CAPACITY,
};
use crate::events::{Event, EventFilter, EventHandler};
use crate::store::AccountId;

/// How long a subscribe call waits for the broadcaster's answer.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a call to the broadcaster failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BroadcasterError {
    /// The broadcaster actor has stopped.
    #[error("the broadcaster has stopped")]
    Stopped,
    /// It did not answer in time.
    #[error("the broadcaster did not answer in time")]
    Timeout,
    /// It could not be started.
    #[error("the broadcaster could not start: {0}")]
    Spawn(String),
}

/// A cloneable handle to a running [`Broadcaster`]: publish, subscribe, read counters.
#[derive(Clone)]
pub struct BroadcasterHandle {
    /// Shared by every clone, so a restarted broadcaster is reached through old handles too.
    actor: Arc<RwLock<ActorRef<BroadcasterMsg>>>,
    metrics: Arc<BroadcasterMetrics>,
    registry: Arc<Registry>,
}

impl std::fmt::Debug for BroadcasterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BroadcasterHandle")
            .field("actor", &self.actor().get_id())
            .finish()
    }
}

impl BroadcasterHandle {
    /// Wraps an already spawned broadcaster (e.g. one a supervisor spawned linked) with the
    /// metrics and registry passed in its [`BroadcasterArgs`].
    pub fn new(
        actor: ActorRef<BroadcasterMsg>,
        metrics: Arc<BroadcasterMetrics>,
        registry: Arc<Registry>,
    ) -> Self {
        Self {
            actor: Arc::new(RwLock::new(actor)),
            metrics,
            registry,
        }
    }

    /// Spawns a broadcaster actor on existing `args` (a restart keeps the registry, and with
    /// it every subscription), linked under `supervisor`.
    pub async fn spawn_actor(
        args: BroadcasterArgs,
        supervisor: ActorCell,
    ) -> Result<ActorRef<BroadcasterMsg>, BroadcasterError> {
        let (actor, _) = Actor::spawn_linked(None, Broadcaster, args, supervisor)
            .await
            .map_err(|e| BroadcasterError::Spawn(e.to_string()))?;
        Ok(actor)
    }

    /// Points every clone of this handle at `actor` (a restarted broadcaster).
    pub fn replace_actor(&self, actor: ActorRef<BroadcasterMsg>) {
        *self.actor.write().unwrap_or_else(|e| e.into_inner()) = actor;
    }

    /// Spawns an unsupervised broadcaster for `account`.
    pub async fn spawn(account: AccountId) -> Result<(Self, JoinHandle<()>), BroadcasterError> {
        let args = BroadcasterArgs::new(account);
        let metrics = Arc::clone(&args.metrics);
        let registry = Arc::clone(&args.registry);
        let (actor, join) = Actor::spawn(None, Broadcaster, args)
            .await
            .map_err(|e| BroadcasterError::Spawn(e.to_string()))?;
        Ok((Self::new(actor, metrics, registry), join))
    }

    /// Spawns a broadcaster for `account` linked under `supervisor`.
    pub async fn spawn_linked(
        account: AccountId,
        supervisor: ActorCell,
    ) -> Result<(Self, JoinHandle<()>), BroadcasterError> {
        Self::spawn_linked_with(BroadcasterArgs::new(account), supervisor).await
    }

    /// Spawns a broadcaster on `args` linked under `supervisor`.
    pub async fn spawn_linked_with(
        args: BroadcasterArgs,
        supervisor: ActorCell,
    ) -> Result<(Self, JoinHandle<()>), BroadcasterError> {
        let metrics = Arc::clone(&args.metrics);
        let registry = Arc::clone(&args.registry);
        let (actor, join) = Actor::spawn_linked(None, Broadcaster, args, supervisor)
            .await
            .map_err(|e| BroadcasterError::Spawn(e.to_string()))?;
        Ok((Self::new(actor, metrics, registry), join))
    }

    /// The broadcaster actor (the current one, after restarts).
    pub fn actor(&self) -> ActorRef<BroadcasterMsg> {
        self.actor.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Delivers `event` to every matching subscriber before returning (into their mailboxes
    /// or streams; nothing waits for them to process it). The registry outlives the
    /// broadcaster actor, so an event published while the client is being killed still
    /// reaches subscribers that live outside it. False once the registry is closed.
    ///
    /// Inside the client only its own actors publish; applications and tests get this with
    /// the `testing` feature (raw events bypass the protocol that normally produces them).
    #[cfg(feature = "testing")]
    pub fn publish(&self, event: Event) -> bool {
        self.registry.publish(event)
    }

    /// Delivers `event` to every matching subscriber before returning (into their mailboxes
    /// or streams; nothing waits for them to process it). The registry outlives the
    /// broadcaster actor, so an event published while the client is being killed still
    /// reaches subscribers that live outside it. False once the registry is closed.
    #[cfg(not(feature = "testing"))]
    pub(crate) fn publish(&self, event: Event) -> bool {
        self.registry.publish(event)
    }

    /// Adds a subscriber and returns its id once the broadcaster has registered it (events
    /// published after this returns reach it).
    pub async fn subscribe(
        &self,
        sink: Sink,
        filter: EventFilter,
    ) -> Result<SubscriptionId, BroadcasterError> {
        let answer = self
            .actor()
            .call(
                |reply| BroadcasterMsg::Subscribe {
                    sink,
                    filter,
                    reply: Some(reply),
                },
                Some(CALL_TIMEOUT),
            )
            .await
            .map_err(|_| BroadcasterError::Stopped)?;
        match answer {
            CallResult::Success(id) => Ok(id),
            CallResult::Timeout => Err(BroadcasterError::Timeout),
            CallResult::SenderError => Err(BroadcasterError::Stopped),
        }
    }

    /// Subscribes an actor whose message type can be built from an [`Event`].
    pub async fn subscribe_actor<M>(
        &self,
        actor: ActorRef<M>,
        filter: EventFilter,
    ) -> Result<SubscriptionId, BroadcasterError>
    where
        M: Message + From<Event>,
    {
        self.subscribe(Sink::actor(actor), filter).await
    }

    /// Subscribes an actor whose message type can be built from a [`SharedEvent`]: every
    /// such subscriber of one publish shares one allocation of the event, the cheapest way to
    /// fan out to many actors.
    pub async fn subscribe_shared_actor<M>(
        &self,
        actor: ActorRef<M>,
        filter: EventFilter,
    ) -> Result<SubscriptionId, BroadcasterError>
    where
        M: Message + From<SharedEvent>,
    {
        self.subscribe(Sink::shared_actor(actor), filter).await
    }

    /// Every event as a [`Stream`](futures::Stream) with room for
    /// [`DEFAULT_STREAM_CAPACITY`] unread events.
    pub fn events(&self) -> EventStream {
        self.events_with(DEFAULT_STREAM_CAPACITY, EventFilter::all())
    }

    /// Filtered events as a stream with room for `capacity` unread events. Registration is
    /// queued before any event published after this call returns, so none are missed.
    pub fn events_with(&self, capacity: usize, filter: EventFilter) -> EventStream {
        let (sink, stream) = Sink::stream(capacity);
        // Registered right here, so no event published after this returns is missed. If the
        // broadcaster is gone, the sink is dropped and the stream ends at once.
        match sink.0 {
            SinkKind::Stream(s) => {
                self.registry.add(filter, Target::Stream(s));
            }
            other => {
                let _ = self.actor().send_message(BroadcasterMsg::Subscribe {
                    sink: Sink(other),
                    filter,
                    reply: None,
                });
            }
        }
        stream
    }

    /// Runs `f(event, ctx.clone())` for every event matching `filter`, one at a time, in its
    /// own actor. This is the mechanism behind the bot builder's `on_event`.
    pub async fn on_event<C, F, Fut>(
        &self,
        ctx: C,
        filter: EventFilter,
        f: F,
    ) -> Result<SubscriptionId, BroadcasterError>
    where
        C: Clone + Send + Sync + 'static,
        F: Fn(Event, C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.subscribe(Sink::handler(ctx, f), filter).await
    }

    /// Registers a callback-style [`EventHandler`] for every event.
    pub async fn add_handler(
        &self,
        handler: Arc<dyn EventHandler>,
    ) -> Result<SubscriptionId, BroadcasterError> {
        self.subscribe(Sink::event_handler(handler), EventFilter::all())
            .await
    }

    /// Removes a subscription.
    pub fn unsubscribe(&self, id: SubscriptionId) {
        // Removed here, so nothing published after this returns reaches it; a closure
        // handler's actor is stopped too.
        if let Some(sub) = self.registry.remove(id) {
            if let Target::Handler { actor, .. } = sub.target {
                actor.stop(Some("unsubscribed".into()));
            }
        }
    }

    /// The counters right now (no message round trip; dead subscribers not yet noticed are
    /// still counted).
    pub fn metrics(&self) -> BroadcasterStats {
        self.metrics.snapshot()
    }

    /// Asks the broadcaster to prune dead subscribers, then returns the counters; ordered
    /// after every message sent before it.
    pub async fn stats(&self) -> Result<BroadcasterStats, BroadcasterError> {
        match self
            .actor()
            .call(BroadcasterMsg::Stats, Some(CALL_TIMEOUT))
            .await
            .map_err(|_| BroadcasterError::Stopped)?
        {
            CallResult::Success(stats) => Ok(stats),
            CallResult::Timeout => Err(BroadcasterError::Timeout),
            CallResult::SenderError => Err(BroadcasterError::Stopped),
        }
    }
}
