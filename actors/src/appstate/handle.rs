//! Where the Signal actor, the routing table and the client find the current app-state actor
//! (it is replaced when `StateSup` restarts it).

use std::sync::{Arc, RwLock};

use ractor::ActorRef;

use super::AppStateMsg;

/// A shared, replaceable address of the `AppStateSync` actor.
#[derive(Clone, Default)]
pub(crate) struct AppStateHandle(Arc<RwLock<Option<ActorRef<AppStateMsg>>>>);

impl AppStateHandle {
    /// Points the handle at a new actor.
    pub(crate) fn set(&self, actor: ActorRef<AppStateMsg>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(actor);
    }

    /// The current actor, if one runs.
    pub(crate) fn get(&self) -> Option<ActorRef<AppStateMsg>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sends `msg`; false when no actor runs or it is gone.
    pub(crate) fn send(&self, msg: AppStateMsg) -> bool {
        self.get().is_some_and(|a| a.send_message(msg).is_ok())
    }
}
