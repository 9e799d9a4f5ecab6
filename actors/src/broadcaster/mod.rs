//! The Broadcaster: the actor that owns the subscriber list and fans events out.
//!
//! Subscribers are actors (with an [`EventFilter`] checked here, so filtered-out events are
//! never cloned or sent), bounded [`EventStream`]s (slow consumers get a
//! [`StreamItem::Lagged`] notice; the broadcaster never waits), async closures run in their
//! own small actors (a panic removes that subscriber only), and [`EventHandler`]s through the
//! same closure adapter. Each subscriber sees events in publish order. ractor's `OutputPort`
//! is not used: it drops under bursts.
//!
//! Fan-out cost: subscribers are grouped by event kind whenever the list changes, so a
//! publish looks its kind up once and checks only chat sets per subscriber. Actors that take
//! a [`SharedEvent`] ([`Sink::shared_actor`]), streams and closures all get the same `Arc`
//! (one allocation per event); actors that take an owned [`Event`] ([`Sink::actor`]) cost a
//! deep copy each, made in the publisher. Every actor delivery is one ractor message, which
//! ractor boxes; that allocation is ractor's.
//!
//! ```text
//! publishers ──Publish(Event)──▶ Broadcaster ──filter──▶ ActorRef<M> / EventStream / closure actor
//! ```

mod handle;
mod handler_actor;
mod kind_index;
mod metrics;
mod registry;
mod sink;
mod stream;
mod target;

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

pub use handle::{BroadcasterError, BroadcasterHandle};
pub use handler_actor::HANDLER_QUEUE_LIMIT;
pub use metrics::{BroadcasterMetrics, BroadcasterStats};
pub use registry::Registry;
pub use sink::{EventCallback, SharedEvent, Sink};
pub use stream::{EventStream, StreamItem, DEFAULT_STREAM_CAPACITY};

use crate::events::{Event, EventFilter};
use crate::store::AccountId;
use handler_actor::{HandlerActor, HandlerState};
use sink::SinkKind;
use target::Target;

/// Identifies a subscription, for [`BroadcasterMsg::Unsubscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SubscriptionId(pub u64);

/// Messages of the [`Broadcaster`].
// `Publish` is the hot path and the big one: boxing it would cost an allocation per event to
// save a few hundred bytes on the rare subscribe messages.
#[allow(clippy::large_enum_variant)]
pub enum BroadcasterMsg {
    /// Deliver an event to every subscriber whose filter accepts it.
    Publish(Event),
    /// Add a subscriber; the reply carries its id.
    Subscribe {
        /// Where its events go.
        sink: Sink,
        /// Which events it wants.
        filter: EventFilter,
        /// Receives the new id (optional, so non-async code can subscribe too).
        reply: Option<RpcReplyPort<SubscriptionId>>,
    },
    /// Remove a subscriber (no effect if it is already gone).
    Unsubscribe(SubscriptionId),
    /// Prune dead subscribers now and reply with the counters.
    Stats(RpcReplyPort<BroadcasterStats>),
}

impl std::fmt::Debug for BroadcasterMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Publish(e) => write!(f, "Publish({})", e.kind()),
            Self::Subscribe { sink, filter, .. } => {
                write!(f, "Subscribe({sink:?}, {filter:?})")
            }
            Self::Unsubscribe(id) => write!(f, "Unsubscribe({})", id.0),
            Self::Stats(_) => f.write_str("Stats"),
        }
    }
}

/// Start-up arguments of the [`Broadcaster`]. Cloning shares the counters and the registry,
/// which is how a restarted broadcaster keeps every subscription.
#[derive(Clone)]
pub struct BroadcasterArgs {
    /// The account, for log spans.
    pub account: AccountId,
    /// Counters, shared with whoever keeps a clone.
    pub metrics: Arc<BroadcasterMetrics>,
    /// The subscriber list, shared with every handle (publishing happens through it).
    pub registry: Arc<Registry>,
}

impl BroadcasterArgs {
    /// Arguments with fresh counters.
    pub fn new(account: AccountId) -> Self {
        let metrics: Arc<BroadcasterMetrics> = Arc::default();
        Self {
            account,
            registry: Arc::new(Registry::new(Arc::clone(&metrics))),
            metrics,
        }
    }
}

/// The broadcaster actor. Spawn it with [`BroadcasterHandle::spawn`], or with ractor's
/// `spawn_linked` under a supervisor and wrap the ref in [`BroadcasterHandle::new`].
pub struct Broadcaster;

/// State of the [`Broadcaster`]: the account, and the subscriber registry it shares with
/// every [`BroadcasterHandle`].
pub struct BroadcasterState {
    account: AccountId,
    registry: Arc<Registry>,
}

impl BroadcasterState {
    async fn subscribe(
        &mut self,
        _myself: &ActorRef<BroadcasterMsg>,
        sink: Sink,
        filter: EventFilter,
    ) -> Result<SubscriptionId, ActorProcessingErr> {
        let target = match sink.0 {
            SinkKind::Actor(a) => Target::Actor(a),
            SinkKind::Stream(s) => Target::Stream(s),
            SinkKind::Callback(callback) => {
                // Not linked: a subscriber must outlive a restart of the broadcaster. One that
                // panicked is stopped, and the registry prunes it on the next publish.
                let queued = Arc::new(AtomicUsize::new(0));
                let (actor, _) = Actor::spawn(
                    None,
                    HandlerActor,
                    HandlerState {
                        callback,
                        queued: Arc::clone(&queued),
                    },
                )
                .await?;
                Target::Handler { actor, queued }
            }
        };
        let id = self
            .registry
            .add(filter, target)
            .ok_or("broadcaster registry closed")?;
        Ok(id)
    }
}

impl Actor for Broadcaster {
    type Msg = BroadcasterMsg;
    type State = BroadcasterState;
    type Arguments = BroadcasterArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<BroadcasterMsg>,
        args: BroadcasterArgs,
    ) -> Result<BroadcasterState, ActorProcessingErr> {
        tracing::debug!(account = %args.account, "broadcaster started");
        Ok(BroadcasterState {
            account: args.account,
            registry: args.registry,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<BroadcasterMsg>,
        message: BroadcasterMsg,
        state: &mut BroadcasterState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            BroadcasterMsg::Publish(event) => {
                let span =
                    tracing::trace_span!("publish", account = %state.account, kind = %event.kind());
                span.in_scope(|| state.registry.publish(event));
            }
            BroadcasterMsg::Subscribe {
                sink,
                filter,
                reply,
            } => {
                // Boxed: spawning a handler actor is a large future, and the actor's loop
                // future, sized for its largest handler, lives as long as the session.
                let id = Box::pin(state.subscribe(&myself, sink, filter)).await?;
                if let Some(reply) = reply {
                    // The caller may have given up waiting; the subscription stands.
                    let _ = reply.send(id);
                }
            }
            BroadcasterMsg::Unsubscribe(id) => {
                if let Some(sub) = state.registry.remove(id) {
                    if let Target::Handler { actor, .. } = sub.target {
                        actor.stop(Some("unsubscribed".into()));
                    }
                    tracing::debug!(account = %state.account, subscription = id.0, "unsubscribed");
                }
            }
            BroadcasterMsg::Stats(reply) => {
                if let Some(inner) = state.registry.lock().as_mut() {
                    inner.sweep();
                    let _ = reply.send(inner.metrics.snapshot());
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<BroadcasterMsg>,
        event: SupervisionEvent,
        state: &mut BroadcasterState,
    ) -> Result<(), ActorProcessingErr> {
        // Only closure-handler actors are linked here. Whatever ended one, its subscription
        // goes; the broadcaster itself carries on.
        let (cell, failure) = match &event {
            SupervisionEvent::ActorFailed(cell, err) => (cell, Some(err.to_string())),
            SupervisionEvent::ActorTerminated(cell, _, _) => (cell, None),
            _ => return Ok(()),
        };
        let dead = cell.get_id();
        let mut guard = state.registry.lock();
        let Some(inner) = guard.as_mut() else {
            return Ok(());
        };
        inner.retain(|s| match &s.target {
            Target::Handler { actor, .. } if actor.get_id() == dead => {
                match &failure {
                    Some(err) => tracing::warn!(
                        account = %state.account,
                        subscription = s.id.0,
                        error = %err,
                        "event handler panicked or failed; removed it"
                    ),
                    None => tracing::debug!(subscription = s.id.0, "event handler stopped"),
                }
                false
            }
            _ => true,
        });
        Ok(())
    }
}
