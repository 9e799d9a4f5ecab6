//! The `History` actor: works through pending history chunks one at a time, in arrival order.
//! It holds no state that is not in the store, so `StateSup` restarts it alone after a crash
//! and it picks up the rows where the last incarnation stopped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef};

use super::config::HistoryConfig;
use super::pending::decode;
use super::process::{process, Ctx, Step};
use crate::broadcaster::BroadcasterHandle;
use crate::link::{IdentityCell, LiveConn};
use crate::media::Media;
use crate::store::{AccountId, Batch, Namespace, Store};

/// Messages of the history actor.
#[derive(Debug)]
pub(crate) enum HistoryMsg {
    /// Pending rows were committed (or a retry is due): process what is there.
    Wake,
}

#[derive(Clone)]
pub(crate) struct HistoryArgs {
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub broadcaster: BroadcasterHandle,
    pub live: LiveConn,
    pub identity: IdentityCell,
    pub media: Media,
    pub directory: crate::directory::Directory,
    pub config: HistoryConfig,
    pub span: tracing::Span,
}

pub(crate) struct History;

pub(crate) struct HistoryState {
    args: HistoryArgs,
    /// Transient download failures per pending row, and when it may be tried again (in
    /// memory: a restart starts over).
    attempts: HashMap<Vec<u8>, (u32, Instant)>,
    /// A retry wake is already scheduled.
    retry_scheduled: bool,
}

impl HistoryState {
    async fn drain(&mut self, myself: &ActorRef<HistoryMsg>) -> Result<(), ActorProcessingErr> {
        let a = &self.args;
        let Some(own) = a.identity.get().and_then(|d| d.jid.clone()) else {
            let _ = myself.drain();
            return Ok(());
        };
        let rows = a
            .store
            .scan_prefix(&a.account_id, Namespace::HISTORY_PENDING, b"")
            .await
            .map_err(|e| format!("store: {e}"))?;
        let ctx = Ctx {
            store: &*a.store,
            account: &a.account_id,
            media: &a.media,
            directory: &a.directory,
            broadcaster: &a.broadcaster,
            live: &a.live,
            config: &a.config,
            own,
        };
        let mut retry = false;
        for (key, value) in rows {
            let Some(row) = decode(key.clone(), &value) else {
                tracing::warn!(parent: &a.span, "unreadable pending history row; dropped");
                let batch = Batch::new().delete(Namespace::HISTORY_PENDING, key);
                a.store
                    .apply(&a.account_id, batch)
                    .await
                    .map_err(|e| format!("store: {e}"))?;
                continue;
            };
            let (attempt, due) = self
                .attempts
                .get(&key)
                .copied()
                .unwrap_or((0, Instant::now()));
            if due > Instant::now() {
                // Woken by another chunk: this one waits for its own retry time.
                retry = true;
                continue;
            }
            let step = process(&ctx, row, attempt)
                .await
                .map_err(|e| format!("store: {e}"))?;
            match step {
                Step::Finished => {
                    self.attempts.remove(&key);
                }
                Step::Offline => retry = true,
                Step::RetryLater => {
                    let due = Instant::now() + a.config.retry_after;
                    self.attempts.insert(key, (attempt + 1, due));
                    retry = true;
                }
            }
        }
        if !retry && self.attempts.is_empty() {
            // Nothing pending: go, and let `StateSup` start a new incarnation on the next
            // wake. Wakes already queued are still handled before the drain marker.
            let _ = myself.drain();
            return Ok(());
        }
        if retry && !self.retry_scheduled {
            self.retry_scheduled = true;
            let me = myself.clone();
            let after = a.config.retry_after;
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = me.send_message(HistoryMsg::Wake);
            });
        }
        Ok(())
    }
}

impl Actor for History {
    type Msg = HistoryMsg;
    type State = HistoryState;
    type Arguments = HistoryArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: HistoryArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        // `StateSup` starts this actor with a wake: rows left by an earlier run are read then.
        Ok(HistoryState {
            args,
            attempts: HashMap::new(),
            retry_scheduled: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            HistoryMsg::Wake => {
                state.retry_scheduled = false;
                // Boxed: the actor's loop future is sized for its largest handler and stays
                // allocated in every idle session.
                Box::pin(state.drain(&myself)).await
            }
        }
    }
}
