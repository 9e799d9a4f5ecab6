//! The subscriber registry: who gets which events. The broadcaster actor adds and removes
//! subscribers; publishing fans out inline, under the registry's lock, in the publisher's own
//! context. So once `publish` returns, every matching subscriber's mailbox or stream holds the
//! event: a publisher that is killed right after (or the broadcaster actor itself) cannot
//! lose it, and the Signal actor can make "stored" and "published" one step.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ractor::ActorRef;

use super::handler_actor::HANDLER_QUEUE_LIMIT;
use super::metrics::BroadcasterMetrics;
use super::sink;
use super::stream::{Delivery, StreamSink};
use super::SubscriptionId;
use crate::events::{Event, EventFilter};

/// The shared subscriber list.
#[derive(Default)]
pub struct Registry {
    inner: Mutex<Option<Inner>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registry")
    }
}

impl Registry {
    /// An empty registry counting into `metrics`.
    pub(super) fn new(metrics: Arc<BroadcasterMetrics>) -> Self {
        Self {
            inner: Mutex::new(Some(Inner {
                subscribers: Vec::new(),
                next_id: 0,
                metrics,
                since_sweep: 0,
            })),
        }
    }

    /// The list; a publisher that panicked while holding the lock does not wedge the rest.
    pub(super) fn lock(&self) -> MutexGuard<'_, Option<Inner>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a subscriber at once: events published after this returns reach it. `None` once
    /// the registry is closed.
    pub(super) fn add(&self, filter: EventFilter, target: Target) -> Option<SubscriptionId> {
        let mut guard = self.lock();
        let inner = guard.as_mut()?;
        inner.next_id += 1;
        let id = SubscriptionId(inner.next_id);
        inner.subscribers.push(Subscriber { id, filter, target });
        inner.metrics.set_subscribers(inner.subscribers.len());
        tracing::debug!(subscription = id.0, "subscribed");
        Some(id)
    }

    /// Removes a subscriber at once; events published after this returns no longer reach it.
    pub(super) fn remove(&self, id: SubscriptionId) -> Option<Subscriber> {
        self.lock().as_mut().and_then(|i| i.remove(id))
    }

    /// Delivers `event` to every matching subscriber now; false once the registry is closed.
    pub(super) fn publish(&self, event: Event) -> bool {
        match self.lock().as_mut() {
            Some(inner) => {
                inner.publish(event);
                true
            }
            None => false,
        }
    }
}

pub(super) enum Target {
    Actor(Box<dyn sink::ActorSink>),
    Stream(StreamSink),
    Handler {
        actor: ActorRef<Event>,
        queued: Arc<AtomicUsize>,
    },
}

pub(super) struct Subscriber {
    pub(super) id: SubscriptionId,
    pub(super) filter: EventFilter,
    pub(super) target: Target,
}

impl Subscriber {
    fn deliver(&mut self, event: Event) -> Delivery {
        match &mut self.target {
            Target::Actor(a) => a.deliver(event),
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

/// The subscriber list itself, behind the registry's lock.
pub(super) struct Inner {
    pub(super) subscribers: Vec<Subscriber>,
    pub(super) next_id: u64,
    pub(super) metrics: Arc<BroadcasterMetrics>,
    since_sweep: u32,
}

/// Publishes between sweeps for subscribers that died without an event reaching them.
const SWEEP_EVERY: u32 = 256;

impl Inner {
    pub(super) fn publish(&mut self, event: Event) {
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

    pub(super) fn sweep(&mut self) {
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

    pub(super) fn remove(&mut self, id: SubscriptionId) -> Option<Subscriber> {
        let at = self.subscribers.iter().position(|s| s.id == id)?;
        let sub = self.subscribers.remove(at);
        self.metrics.set_subscribers(self.subscribers.len());
        Some(sub)
    }

    pub(super) fn after_prune(&mut self, before: usize) {
        let removed = before - self.subscribers.len();
        if removed > 0 {
            self.metrics.record_pruned(removed as u64);
        }
        self.metrics.set_subscribers(self.subscribers.len());
    }
}
