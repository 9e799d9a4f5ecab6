//! [`OwnerSlot`]: the address of a stanza owner that may be restarted (the Signal actor under
//! `StateSup`). Its supervisor puts each new incarnation here, so routing tables handed to
//! connections keep working across restarts.

use std::sync::{Arc, RwLock};

use ractor::DerivedActorRef;

use super::inbound::Inbound;

/// The current incarnation of a restartable stanza owner.
#[derive(Clone, Default)]
pub(crate) struct OwnerSlot(Arc<RwLock<Option<DerivedActorRef<Inbound>>>>);

impl std::fmt::Debug for OwnerSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OwnerSlot")
    }
}

impl OwnerSlot {
    /// Points the slot at a new incarnation.
    pub(crate) fn set(&self, owner: DerivedActorRef<Inbound>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(owner);
    }

    /// Hands `inbound` to the current incarnation; false when there is none or it is gone
    /// (the stanza is then not acked, and the server redelivers it).
    pub(crate) fn send(&self, inbound: Inbound) -> bool {
        let owner = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        owner.is_some_and(|o| o.send_message(inbound).is_ok())
    }
}
