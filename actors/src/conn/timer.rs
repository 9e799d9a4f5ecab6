//! The Router's one timer: the stanza machine's next deadline (keepalive pings, iq timeouts).
//! It was an actor of its own; as a task owned by the Router it costs one sleeping task
//! instead of an actor's two channels and loop future in every idle session.

use std::time::Instant;

use ractor::ActorRef;
use tokio::task::JoinHandle;

/// At most one armed sleep that sends `due` to the Router when it ends.
pub(super) struct DeadlineTimer<M: ractor::Message> {
    armed: Option<(Instant, JoinHandle<()>)>,
    target: ActorRef<M>,
    due: fn() -> M,
}

impl<M: ractor::Message> DeadlineTimer<M> {
    pub(super) fn new(target: ActorRef<M>, due: fn() -> M) -> Self {
        Self {
            armed: None,
            target,
            due,
        }
    }

    /// Fires at `at` (replacing any earlier arming), or never. Re-arming at the same instant
    /// keeps the running sleep, which is the common case after each stanza.
    pub(super) fn arm(&mut self, at: Option<Instant>) {
        if self.armed.as_ref().map(|(t, _)| *t) == at {
            return;
        }
        if let Some((_, task)) = self.armed.take() {
            task.abort();
        }
        if let Some(at) = at {
            let (target, due) = (self.target.clone(), self.due);
            let task = tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let _ = target.send_message(due());
            });
            self.armed = Some((at, task));
        }
    }
}

impl<M: ractor::Message> Drop for DeadlineTimer<M> {
    fn drop(&mut self) {
        if let Some((_, task)) = self.armed.take() {
            task.abort();
        }
    }
}
