//! The address of an actor that runs only while it has work.
//!
//! Most of an idle session's memory is its actors (each a task, a loop future and its
//! channels), and some actors are idle nearly always: history sync, app-state sync, prekey
//! refills. Such an actor drains itself ([`ActorRef::drain`]) when its queue is empty; its
//! supervisor starts a new one when the next message comes. The message is never lost on the
//! way: a draining actor still handles what was queued before its drain marker, and anything
//! sent after it is rejected with the message handed back ([`MessagingErr::SendErr`]), which
//! this handle then gives to the supervisor's starter.

use std::sync::{Arc, RwLock};

use ractor::{ActorId, ActorRef, MessagingErr};

type Starter<M> = Box<dyn Fn(M) -> bool + Send + Sync>;

/// Where senders find an on-demand actor; shared by every sender and its supervisor.
pub(crate) struct OnDemand<M: ractor::Message> {
    inner: Arc<Inner<M>>,
}

struct Inner<M> {
    actor: RwLock<Option<ActorRef<M>>>,
    /// Hands a message to the supervisor, which starts the actor (or queues the message
    /// while the last one finishes draining). False when the supervisor is gone.
    starter: RwLock<Option<Starter<M>>>,
}

impl<M: ractor::Message> Clone for OnDemand<M> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<M: ractor::Message> Default for OnDemand<M> {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                actor: RwLock::new(None),
                starter: RwLock::new(None),
            }),
        }
    }
}

impl<M: ractor::Message> OnDemand<M> {
    /// Points the handle at a running actor.
    pub(crate) fn set(&self, actor: ActorRef<M>) {
        *self.inner.actor.write().unwrap_or_else(|e| e.into_inner()) = Some(actor);
    }

    /// Forgets the actor `id` once it has exited (a newer one stays), so its memory goes.
    pub(crate) fn clear(&self, id: ActorId) {
        let mut actor = self.inner.actor.write().unwrap_or_else(|e| e.into_inner());
        if actor.as_ref().is_some_and(|a| a.get_id() == id) {
            *actor = None;
        }
    }

    /// Sets how a message reaches the supervisor when no actor takes it.
    pub(crate) fn set_starter(&self, starter: impl Fn(M) -> bool + Send + Sync + 'static) {
        *self
            .inner
            .starter
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(Box::new(starter));
    }

    /// The running actor, if there is one.
    pub(crate) fn get(&self) -> Option<ActorRef<M>> {
        self.inner
            .actor
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Delivers `msg` to the running actor, or through the supervisor to a new one. False
    /// only when neither can take it (the client is stopping).
    pub(crate) fn send(&self, msg: M) -> bool {
        let msg = match self.get() {
            Some(actor) => match actor.send_message(msg) {
                Ok(()) => return true,
                // Draining or stopped: the message comes back and goes the other way.
                Err(MessagingErr::SendErr(msg)) => msg,
                Err(_) => return false,
            },
            None => msg,
        };
        let starter = self.inner.starter.read().unwrap_or_else(|e| e.into_inner());
        starter.as_ref().is_some_and(|start| start(msg))
    }
}

/// A supervisor's side of one on-demand child: the running incarnation and what arrived
/// while the last one was draining (delivered, in order, to the next).
pub(crate) struct LazyChild<M: ractor::Message> {
    pub handle: OnDemand<M>,
    pub running: Option<ActorRef<M>>,
    pub queued: Vec<M>,
}

impl<M: ractor::Message> LazyChild<M> {
    pub(crate) fn new(handle: OnDemand<M>) -> Self {
        Self {
            handle,
            running: None,
            queued: Vec::new(),
        }
    }

    /// A message came through the starter. `None`: it was delivered or queued behind a
    /// draining incarnation. `Some(msg)`: nothing runs; start one and give it `msg`.
    pub(crate) fn offer(&mut self, msg: M) -> Option<M> {
        let Some(actor) = &self.running else {
            return Some(msg);
        };
        match actor.send_message(msg) {
            Ok(()) => None,
            Err(MessagingErr::SendErr(msg)) => {
                self.queued.push(msg);
                None
            }
            Err(_) => None,
        }
    }

    /// Whether `id` is the running incarnation.
    pub(crate) fn is(&self, id: ActorId) -> bool {
        self.running.as_ref().is_some_and(|a| a.get_id() == id)
    }

    /// The running incarnation exited: forget it. Returns what waits for the next one.
    pub(crate) fn exited(&mut self) -> Vec<M> {
        if let Some(actor) = self.running.take() {
            self.handle.clear(actor.get_id());
        }
        std::mem::take(&mut self.queued)
    }

    /// A new incarnation runs: point everyone at it and hand it `msgs` in order.
    pub(crate) fn started(&mut self, actor: ActorRef<M>, msgs: Vec<M>) {
        for msg in msgs {
            let _ = actor.send_message(msg);
        }
        self.handle.set(actor.clone());
        self.running = Some(actor);
    }
}

#[cfg(test)]
#[path = "on_demand_tests.rs"]
mod tests;
