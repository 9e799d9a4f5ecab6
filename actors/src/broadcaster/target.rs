//! One registered subscriber and how an event reaches it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ractor::ActorRef;

use super::handler_actor::HANDLER_QUEUE_LIMIT;
use super::sink;
use super::stream::{Delivery, StreamSink};
use super::SubscriptionId;
use crate::events::{Event, EventFilter};

/// The event as handed to one subscriber: the publisher's own copy (given to the last
/// subscriber when nobody shares), or the one `Arc` every subscriber of this publish shares.
// Owned is the event moved by value on its way into one mailbox; boxing it would add the very
// allocation per delivery this path avoids.
#[allow(clippy::large_enum_variant)]
pub(super) enum Payload<'a> {
    Owned(Event),
    Shared(&'a Arc<Event>),
}

impl Payload<'_> {
    /// An owned event: moved when it is ours, else a deep clone (what `From<Event>`
    /// subscribers cost).
    pub(super) fn into_event(self) -> Event {
        match self {
            Payload::Owned(event) => event,
            Payload::Shared(shared) => Event::clone(shared),
        }
    }

    /// A shared event: a reference count when it already is one. The registry wraps the event
    /// before delivery whenever a subscriber of its kind wants it shared, so the `Owned` arm
    /// is a fallback, not the hot path.
    pub(super) fn into_shared(self) -> Arc<Event> {
        match self {
            Payload::Owned(event) => Arc::new(event),
            Payload::Shared(shared) => Arc::clone(shared),
        }
    }
}

/// The event itself: moved out when this was the last holder, else copied. Runs on the
/// subscriber's side (stream consumer, closure actor), not in the publisher.
pub(super) fn unshare(event: Arc<Event>) -> Event {
    Arc::try_unwrap(event).unwrap_or_else(|shared| Event::clone(&shared))
}

/// Where one subscriber's events go.
pub(super) enum Target {
    Actor(Box<dyn sink::ActorSink>),
    Stream(StreamSink),
    Handler {
        actor: ActorRef<Arc<Event>>,
        queued: Arc<AtomicUsize>,
    },
}

impl Target {
    /// True when this target takes the event as an `Arc`, so cloning it costs one count.
    pub(super) fn wants_shared(&self) -> bool {
        match self {
            Target::Actor(a) => a.wants_shared(),
            // Both unwrap (or, if still shared, clone) on their own task, not the publisher's.
            Target::Stream(_) | Target::Handler { .. } => true,
        }
    }
}

/// A subscription: its id, filter and target.
pub(super) struct Subscriber {
    pub(super) id: SubscriptionId,
    pub(super) filter: EventFilter,
    pub(super) target: Target,
}

impl Subscriber {
    pub(super) fn deliver(&mut self, event: Payload<'_>) -> Delivery {
        match &mut self.target {
            Target::Actor(a) => a.deliver(event),
            Target::Stream(s) => s.deliver(event.into_shared()),
            Target::Handler { actor, queued } => {
                if queued.load(Ordering::Acquire) >= HANDLER_QUEUE_LIMIT {
                    return Delivery::Dropped;
                }
                queued.fetch_add(1, Ordering::AcqRel);
                match actor.send_message(event.into_shared()) {
                    Ok(()) => Delivery::Delivered,
                    Err(_) => Delivery::Gone,
                }
            }
        }
    }

    pub(super) fn is_gone(&self) -> bool {
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
