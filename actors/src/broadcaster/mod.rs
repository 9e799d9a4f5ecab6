//! The Broadcaster: the actor that owns the subscriber list and fans events out.
//!
//! Subscribers are actors (with an [`EventFilter`] checked here, so filtered-out events are
//! never cloned or sent), bounded [`EventStream`]s (slow consumers get a
//! [`StreamItem::Lagged`] notice; the broadcaster never waits), async closures run in their
//! own small actors (a panic removes that subscriber only), and [`EventHandler`]s through the
//! same closure adapter. Each subscriber sees events in publish order. ractor's `OutputPort`
//! is not used: it drops under bursts.
//!
//! ```text
//! publishers ──Publish(Event)──▶ Broadcaster ──filter──▶ ActorRef<M> / EventStream / closure actor
//! ```

mod handle;
mod handler_actor;
mod metrics;
mod sink;
mod stream;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

pub use handle::{BroadcasterError, BroadcasterHandle};
pub use handler_actor::HANDLER_QUEUE_LIMIT;
pub use metrics::{BroadcasterMetrics, BroadcasterStats};
pub use sink::{EventCallback, Sink};
pub use stream::{EventStream, StreamItem, DEFAULT_STREAM_CAPACITY};

use crate::events::{Event, EventFilter};
use crate::store::AccountId;
use handler_actor::{HandlerActor, HandlerState};
use sink::SinkKind;
use stream::{Delivery, StreamSink};

/// Identifies a subscription, for [`BroadcasterMsg::Unsubscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SubscriptionId(pub u64);

/// Messages of the [`Broadcaster`].
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

/// Start-up arguments of the [`Broadcaster`].
pub struct BroadcasterArgs {
    /// The account, for log spans.
    pub account: AccountId,
    /// Counters, shared with whoever keeps a clone.
    pub metrics: Arc<BroadcasterMetrics>,
}

impl BroadcasterArgs {
    /// Arguments with fresh counters.
    pub fn new(account: AccountId) -> Self {
        Self {
            account,
            metrics: Arc::default(),
        }
    }
}

/// The broadcaster actor. Spawn it with [`BroadcasterHandle::spawn`], or with ractor's
/// `spawn_linked` under a supervisor and wrap the ref in [`BroadcasterHandle::new`].
pub struct Broadcaster;

enum Target {
    Actor(Box<dyn sink::ActorSink>),
    Stream(StreamSink),
    Handler {
        actor: ActorRef<Event>,
        queued: Arc<AtomicUsize>,
    },
}

struct Subscriber {
    id: SubscriptionId,
    filter: EventFilter,
    target: Target,
}

impl Subscriber {
    fn deliver(&mut self, event: Event) -> Delivery {
        match &mut self.target {
            Target::Actor(a) => {
                if a.deliver(event) {
                    Delivery::Delivered
                } else {
                    Delivery::Gone
                }
            }
            Target::Stream(s) => s.deliver(event),
            Target::Handler { actor, queued } => {
                if queued.load(Ordering::Acquire) >= HANDLER_QUEUE_LIMIT {
                    return Delivery::Dropped;
                }
                queued.fetch_add(1, Ordering::AcqRel);
                match actor.send_message(event) {
                    Ok(()) => Delivery::Delivered,
                    Err(_) => Delivery::Gone,
                }
            }
        }
    }

    fn is_gone(&self) -> bool {
        match &self.target {
            Target::Actor(a) => !a.is_alive(),
            Target::Stream(s) => s.is_gone(),
            Target::Handler { actor, .. } => matches!(
                actor.get_status(),
                ractor::ActorStatus::Stopping | ractor::ActorStatus::Stopped
            ),
        }
    }
}

/// State of the [`Broadcaster`].
pub struct BroadcasterState {
    account: AccountId,
    subscribers: Vec<Subscriber>,
    next_id: u64,
    metrics: Arc<BroadcasterMetrics>,
    since_sweep: u32,
}

/// Publishes between sweeps for subscribers that died without an event reaching them.
const SWEEP_EVERY: u32 = 256;

impl BroadcasterState {
    fn publish(&mut self, event: Event) {
        let mut delivered = 0u64;
        let mut dropped = 0u64;
        let mut gone = false;
        // Clone for every matching subscriber but the last, which gets the original.
        let mut pending: Option<usize> = None;
        let mut settle = |sub: &mut Subscriber, event: Event| match sub.deliver(event) {
            Delivery::Delivered => delivered += 1,
            Delivery::Dropped => dropped += 1,
            Delivery::Gone => gone = true,
        };
        for i in 0..self.subscribers.len() {
            if self.subscribers[i].filter.matches(&event) {
                if let Some(prev) = pending.replace(i) {
                    settle(&mut self.subscribers[prev], event.clone());
                }
            }
        }
        if let Some(last) = pending {
            settle(&mut self.subscribers[last], event);
        }
        self.metrics.record_publish(delivered, dropped);
        self.since_sweep += 1;
        if gone || self.since_sweep >= SWEEP_EVERY {
            self.sweep();
        }
    }

    fn sweep(&mut self) {
        self.since_sweep = 0;
        let before = self.subscribers.len();
        self.subscribers.retain(|s| {
            let gone = s.is_gone();
            if gone {
                tracing::debug!(subscription = s.id.0, "pruned a subscriber that is gone");
            }
            !gone
        });
        self.after_prune(before);
    }

    fn remove(&mut self, id: SubscriptionId) -> Option<Subscriber> {
        let at = self.subscribers.iter().position(|s| s.id == id)?;
        let sub = self.subscribers.remove(at);
        self.metrics.set_subscribers(self.subscribers.len());
        Some(sub)
    }

    fn after_prune(&mut self, before: usize) {
        let removed = before - self.subscribers.len();
        if removed > 0 {
            self.metrics.record_pruned(removed as u64);
        }
        self.metrics.set_subscribers(self.subscribers.len());
    }

    async fn subscribe(
        &mut self,
        myself: &ActorRef<BroadcasterMsg>,
        sink: Sink,
        filter: EventFilter,
    ) -> Result<SubscriptionId, ActorProcessingErr> {
        self.next_id += 1;
        let id = SubscriptionId(self.next_id);
        let target = match sink.0 {
            SinkKind::Actor(a) => Target::Actor(a),
            SinkKind::Stream(s) => Target::Stream(s),
            SinkKind::Callback(callback) => {
                // Linked to the broadcaster: these actors are its own helpers, and a panic
                // arrives as a supervision event that removes the subscriber at once.
                let queued = Arc::new(AtomicUsize::new(0));
                let (actor, _) = Actor::spawn_linked(
                    None,
                    HandlerActor,
                    HandlerState {
                        callback,
                        queued: Arc::clone(&queued),
                    },
                    myself.get_cell(),
                )
                .await?;
                Target::Handler { actor, queued }
            }
        };
        self.subscribers.push(Subscriber { id, filter, target });
        self.metrics.set_subscribers(self.subscribers.len());
        tracing::debug!(subscription = id.0, "subscribed");
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
            subscribers: Vec::new(),
            next_id: 0,
            metrics: args.metrics,
            since_sweep: 0,
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
                span.in_scope(|| state.publish(event));
            }
            BroadcasterMsg::Subscribe {
                sink,
                filter,
                reply,
            } => {
                let id = state.subscribe(&myself, sink, filter).await?;
                if let Some(reply) = reply {
                    // The caller may have given up waiting; the subscription stands.
                    let _ = reply.send(id);
                }
            }
            BroadcasterMsg::Unsubscribe(id) => {
                if let Some(sub) = state.remove(id) {
                    if let Target::Handler { actor, .. } = sub.target {
                        actor.stop(Some("unsubscribed".into()));
                    }
                    tracing::debug!(account = %state.account, subscription = id.0, "unsubscribed");
                }
            }
            BroadcasterMsg::Stats(reply) => {
                state.sweep();
                let _ = reply.send(state.metrics.snapshot());
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
        let before = state.subscribers.len();
        state.subscribers.retain(|s| match &s.target {
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
        state.after_prune(before);
        Ok(())
    }
}
