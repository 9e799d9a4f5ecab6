//! [`Sink`]: where a subscriber wants its events delivered.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use futures::future::BoxFuture;
use ractor::{ActorId, ActorRef, ActorStatus, Message};

use super::stream::{self, Delivery, EventStream, StreamSink};
use super::target::Payload;
use crate::events::{Event, EventHandler};

/// An async event callback, type-erased. Built by [`Sink::handler`] and friends.
pub type EventCallback = Arc<dyn Fn(Event) -> BoxFuture<'static, ()> + Send + Sync>;

/// A shared event: what [`Sink::shared_actor`] subscribers receive. Every subscriber of one
/// publish holds the same allocation, so fan-out costs a reference count per subscriber
/// instead of a deep copy of the event.
pub type SharedEvent = Arc<Event>;

/// Delivery into an actor's mailbox; implemented for `ActorRef<M>` plus a conversion.
pub(super) trait ActorSink: Send + Sync + 'static {
    /// Converts and sends.
    fn deliver(&self, event: Payload<'_>) -> Delivery;
    /// True when the conversion takes a [`SharedEvent`].
    fn wants_shared(&self) -> bool;
    /// False once the actor is stopping or stopped.
    fn is_alive(&self) -> bool;
    /// The actor, for logs.
    fn actor_id(&self) -> ActorId;
}

/// What an actor subscriber's conversion takes: an owned [`Event`] or a [`SharedEvent`].
pub(super) trait Incoming: Send + 'static {
    /// True for [`SharedEvent`].
    const SHARED: bool;
    /// This form of `event`.
    fn take(event: Payload<'_>) -> Self;
}

impl Incoming for Event {
    const SHARED: bool = false;
    fn take(event: Payload<'_>) -> Self {
        event.into_event()
    }
}

impl Incoming for SharedEvent {
    const SHARED: bool = true;
    fn take(event: Payload<'_>) -> Self {
        event.into_shared()
    }
}

struct RefSink<M: Message, F, In> {
    actor: ActorRef<M>,
    map: F,
    _in: PhantomData<fn(In)>,
}

impl<M, F, In> ActorSink for RefSink<M, F, In>
where
    M: Message,
    F: Fn(In) -> M + Send + Sync + 'static,
    In: Incoming,
{
    fn deliver(&self, event: Payload<'_>) -> Delivery {
        // The conversion is the subscriber's code, running in the publisher's context (a
        // commit hook): a panic in it loses this subscriber's copy of the event, and nothing
        // else (not the other subscribers, not the publisher).
        let converted =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.map)(In::take(event))));
        match converted {
            Ok(message) => match self.actor.send_message(message) {
                Ok(()) => Delivery::Delivered,
                Err(_) => Delivery::Gone,
            },
            Err(_) => {
                tracing::error!(actor = %self.actor.get_id(), "event conversion panicked; event dropped for this subscriber");
                Delivery::Dropped
            }
        }
    }

    fn wants_shared(&self) -> bool {
        In::SHARED
    }

    fn is_alive(&self) -> bool {
        !matches!(
            self.actor.get_status(),
            ActorStatus::Stopping | ActorStatus::Stopped
        )
    }

    fn actor_id(&self) -> ActorId {
        self.actor.get_id()
    }
}

pub(super) enum SinkKind {
    Actor(Box<dyn ActorSink>),
    Stream(StreamSink),
    Callback(EventCallback),
}

/// Where a subscriber's events go. Build one with the constructors below and pass it to
/// [`BroadcasterMsg::Subscribe`](super::BroadcasterMsg::Subscribe) or the
/// [`BroadcasterHandle`](super::BroadcasterHandle) methods.
pub struct Sink(pub(super) SinkKind);

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            SinkKind::Actor(a) => write!(f, "Sink::Actor({})", a.actor_id()),
            SinkKind::Stream(_) => f.write_str("Sink::Stream"),
            SinkKind::Callback(_) => f.write_str("Sink::Callback"),
        }
    }
}

impl Sink {
    /// An actor whose message type can be built from an [`Event`]. It is not linked to the
    /// broadcaster (that would re-parent it); when it stops, it is pruned at the next delivery
    /// attempt or sweep. Each one costs the publisher a deep copy of every event it accepts;
    /// [`Sink::shared_actor`] does not.
    pub fn actor<M>(actor: ActorRef<M>) -> Self
    where
        M: Message + From<Event>,
    {
        Self::actor_with(actor, M::from)
    }

    /// An actor plus a function that wraps each event into its message type.
    pub fn actor_with<M, F>(actor: ActorRef<M>, map: F) -> Self
    where
        M: Message,
        F: Fn(Event) -> M + Send + Sync + 'static,
    {
        Self(SinkKind::Actor(Box::new(RefSink {
            actor,
            map,
            _in: PhantomData::<fn(Event)>,
        })))
    }

    /// An actor that takes [`SharedEvent`]s: the cheapest actor subscriber, since the
    /// broadcaster hands every such subscriber the same allocation. Otherwise like
    /// [`Sink::actor`].
    pub fn shared_actor<M>(actor: ActorRef<M>) -> Self
    where
        M: Message + From<SharedEvent>,
    {
        Self::shared_actor_with(actor, M::from)
    }

    /// An actor plus a function that wraps each [`SharedEvent`] into its message type.
    pub fn shared_actor_with<M, F>(actor: ActorRef<M>, map: F) -> Self
    where
        M: Message,
        F: Fn(SharedEvent) -> M + Send + Sync + 'static,
    {
        Self(SinkKind::Actor(Box::new(RefSink {
            actor,
            map,
            _in: PhantomData::<fn(SharedEvent)>,
        })))
    }

    /// A bounded channel of `capacity` events and the [`EventStream`] reading it.
    pub fn stream(capacity: usize) -> (Self, EventStream) {
        let (sink, stream) = stream::channel(capacity);
        (Self(SinkKind::Stream(sink)), stream)
    }

    /// An async closure run for every event, one at a time and in order, in its own actor
    /// (a panic there removes this subscriber and nothing else). `ctx` is cloned into each
    /// call: the bot builder passes its client handle here.
    pub fn handler<C, F, Fut>(ctx: C, f: F) -> Self
    where
        C: Clone + Send + Sync + 'static,
        F: Fn(Event, C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self::callback(Arc::new(move |event| {
            Box::pin(f(event, ctx.clone())) as BoxFuture<'static, ()>
        }))
    }

    /// A type-erased async callback (what [`Sink::handler`] builds).
    pub fn callback(callback: EventCallback) -> Self {
        Self(SinkKind::Callback(callback))
    }

    /// An [`EventHandler`] of the callback-style API, run in its own actor.
    pub fn event_handler(handler: Arc<dyn EventHandler>) -> Self {
        Self::callback(Arc::new(move |event| {
            handler.handle_event(&event);
            Box::pin(futures::future::ready(())) as BoxFuture<'static, ()>
        }))
    }
}
