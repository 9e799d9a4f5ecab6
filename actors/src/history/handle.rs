//! Where the Signal actor finds the current history actor.

use std::sync::{Arc, RwLock};

use ractor::ActorRef;

use super::actor::HistoryMsg;

/// The current history actor; `StateSup` points it at each incarnation. A wake sent while
/// there is none is not lost: the next incarnation reads the pending rows when it starts.
#[derive(Clone, Default)]
pub(crate) struct HistoryHandle(Arc<RwLock<Option<ActorRef<HistoryMsg>>>>);

impl HistoryHandle {
    pub(crate) fn set(&self, actor: ActorRef<HistoryMsg>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(actor);
    }

    /// Tells the actor that pending rows were committed.
    pub(crate) fn wake(&self) {
        let actor = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(a) = actor {
            let _ = a.send_message(HistoryMsg::Wake);
        }
    }
}
