//! The subscriber registry: who gets which events. The broadcaster actor adds and removes
//! subscribers; publishing fans out inline, under the registry's lock, in the publisher's own
//! context. So once `publish` returns, every matching subscriber's mailbox or stream holds the
//! event: a publisher that is killed right after (or the broadcaster actor itself) cannot
//! lose it, and the Signal actor can make "stored" and "published" one step.

use std::sync::{Arc, Mutex, MutexGuard};

use super::kind_index::KindIndex;
use super::metrics::BroadcasterMetrics;
use super::stream::Delivery;
use super::target::{Payload, Subscriber, Target};
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
                by_kind: KindIndex::new(),
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
        inner.changed();
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

/// The subscriber list itself, behind the registry's lock.
pub(super) struct Inner {
    /// In subscription order. Changed only through the methods below, which keep `by_kind`
    /// in step.
    subscribers: Vec<Subscriber>,
    by_kind: KindIndex,
    pub(super) next_id: u64,
    pub(super) metrics: Arc<BroadcasterMetrics>,
    since_sweep: u32,
}

/// Publishes between sweeps for subscribers that died without an event reaching them.
const SWEEP_EVERY: u32 = 256;

/// What one publish did, for the counters.
#[derive(Default)]
struct Tally {
    delivered: u64,
    dropped: u64,
    gone: bool,
}

impl Tally {
    fn add(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Delivered => self.delivered += 1,
            Delivery::Dropped => self.dropped += 1,
            Delivery::Gone => self.gone = true,
        }
    }
}

impl Inner {
    pub(super) fn publish(&mut self, event: Event) {
        let list = self.by_kind.get(event.kind());
        let subscribers = &mut self.subscribers;
        let mut tally = Tally::default();
        let accepts = |sub: &Subscriber, check_chat: bool, event: &Event| {
            !check_chat || sub.filter.matches_chat(event)
        };
        if list.shared {
            // One allocation per publish; every subscriber gets a count of it, and those that
            // need an owned `Event` clone it from here.
            let shared = Arc::new(event);
            for entry in &list.entries {
                let sub = &mut subscribers[entry.at as usize];
                if accepts(sub, entry.check_chat, &shared) {
                    tally.add(sub.deliver(Payload::Shared(&shared)));
                }
            }
        } else {
            // Everyone wants an owned event: clone for every accepting subscriber but the
            // last, which gets the original.
            let mut pending: Option<usize> = None;
            for entry in &list.entries {
                if accepts(&subscribers[entry.at as usize], entry.check_chat, &event) {
                    if let Some(prev) = pending.replace(entry.at as usize) {
                        tally.add(subscribers[prev].deliver(Payload::Owned(event.clone())));
                    }
                }
            }
            if let Some(last) = pending {
                tally.add(subscribers[last].deliver(Payload::Owned(event)));
            }
        }
        self.metrics.record_publish(tally.delivered, tally.dropped);
        self.since_sweep += 1;
        if tally.gone || self.since_sweep >= SWEEP_EVERY {
            self.sweep();
        }
    }

    pub(super) fn sweep(&mut self) {
        self.since_sweep = 0;
        self.retain(|s| {
            let gone = s.is_gone();
            if gone {
                tracing::debug!(subscription = s.id.0, "pruned a subscriber that is gone");
            }
            !gone
        });
    }

    /// Keeps the subscribers `keep` accepts; the rest count as pruned.
    pub(super) fn retain(&mut self, keep: impl FnMut(&Subscriber) -> bool) {
        let before = self.subscribers.len();
        self.subscribers.retain(keep);
        let removed = before - self.subscribers.len();
        if removed > 0 {
            self.metrics.record_pruned(removed as u64);
            self.changed();
        }
    }

    pub(super) fn remove(&mut self, id: SubscriptionId) -> Option<Subscriber> {
        let at = self.subscribers.iter().position(|s| s.id == id)?;
        let sub = self.subscribers.remove(at);
        self.changed();
        Some(sub)
    }

    /// Follows a change of the subscriber list: the kind index and the gauge.
    fn changed(&mut self) {
        self.by_kind.rebuild(&self.subscribers);
        self.metrics.set_subscribers(self.subscribers.len());
    }
}
