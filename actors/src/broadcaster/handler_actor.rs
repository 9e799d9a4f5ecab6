//! The small actor that runs one closure subscriber, so its panics and slowness stay its own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};

use super::sink::EventCallback;
use super::target::unshare;
use crate::events::Event;

/// Most events a closure subscriber may have queued before new ones are dropped for it.
pub const HANDLER_QUEUE_LIMIT: usize = 10_000;

/// Runs a callback per event, in mailbox order.
pub(super) struct HandlerActor;

pub(super) struct HandlerState {
    pub(super) callback: EventCallback,
    /// Events sent to this actor and not yet finished (shared with the broadcaster).
    pub(super) queued: Arc<AtomicUsize>,
}

impl Actor for HandlerActor {
    // Shared: the publisher pays a count, and the deep copy the callback needs (when other
    // subscribers still hold the event) is made here, on this actor's task.
    type Msg = Arc<Event>;
    type State = HandlerState;
    type Arguments = HandlerState;

    async fn pre_start(
        &self,
        _myself: ActorRef<Arc<Event>>,
        args: HandlerState,
    ) -> Result<HandlerState, ActorProcessingErr> {
        Ok(args)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Arc<Event>>,
        event: Arc<Event>,
        state: &mut HandlerState,
    ) -> Result<(), ActorProcessingErr> {
        (state.callback)(unshare(event)).await;
        state.queued.fetch_sub(1, Ordering::AcqRel);
        Ok(())
    }
}
