//! `Keepalive`: the timer of the stanza machine. The Router arms it with the machine's next
//! deadline (keepalive pings, iq timeouts) after every step; when the deadline comes it tells
//! the Router, which lets the machine decide what is due. No keepalive rule lives here.

use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, DerivedActorRef};
use tokio::task::JoinHandle;

pub use wa_protocol::connection::KeepaliveConfig;

/// Messages of the timer.
pub(crate) enum KeepaliveMsg {
    /// Whom to tell (sent once, right after the router starts).
    Target(DerivedActorRef<Due>),
    /// Fire at this instant (replacing any earlier arming), or never.
    Arm(Option<Instant>),
}

/// The timer's one report: a deadline came.
pub(crate) struct Due;

pub(crate) struct Keepalive;

pub(crate) struct KeepaliveState {
    up: Option<DerivedActorRef<Due>>,
    armed: Option<(Instant, JoinHandle<()>)>,
}

impl Drop for KeepaliveState {
    fn drop(&mut self) {
        if let Some((_, task)) = self.armed.take() {
            task.abort();
        }
    }
}

impl Actor for Keepalive {
    type Msg = KeepaliveMsg;
    type State = KeepaliveState;
    type Arguments = Option<DerivedActorRef<Due>>;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        up: Option<DerivedActorRef<Due>>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(KeepaliveState { up, armed: None })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let at = match msg {
            KeepaliveMsg::Target(up) => {
                state.up = Some(up);
                return Ok(());
            }
            KeepaliveMsg::Arm(at) => at,
        };
        if state.armed.as_ref().map(|(t, _)| *t) == at {
            return Ok(());
        }
        if let Some((_, task)) = state.armed.take() {
            task.abort();
        }
        if let (Some(at), Some(up)) = (at, state.up.clone()) {
            let task = tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let _ = up.send_message(Due);
            });
            state.armed = Some((at, task));
        }
        Ok(())
    }
}
