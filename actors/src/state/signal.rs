//! The `Signal` actor: one mailbox, so stanzas are handled strictly in arrival order (and so
//! in order per sender device), each to its end before the next. It gets `<message>` stanzas
//! and identity-change notifications straight from the Router and sends its receipts and
//! acks straight to the live connection.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::signal::signal_address_user;
use wa_protocol::stanza::notification::Notification;

use super::inbound::{handle_message, Ctx, OutcomeKind};
use super::prune::Pruner;
use super::retries::RetryBook;
use crate::broadcaster::BroadcasterHandle;
use crate::counters::Counters;
use crate::events::{Event, IdentityChange};
use crate::link::{IdentityCell, Inbound, LiveConn};
use crate::store::{AccountId, Batch, Namespace, RetentionConfig, Store};

/// Messages of the Signal actor.
pub(crate) enum SignalMsg {
    /// A `<message>` (not acked yet: this actor acks it after persisting) or a contact's
    /// identity-change notification.
    Stanza(Inbound),
}

impl From<Inbound> for SignalMsg {
    fn from(i: Inbound) -> Self {
        SignalMsg::Stanza(i)
    }
}

impl TryFrom<SignalMsg> for Inbound {
    type Error = SignalMsg;
    fn try_from(m: SignalMsg) -> Result<Self, SignalMsg> {
        let SignalMsg::Stanza(i) = m;
        Ok(i)
    }
}

#[derive(Clone)]
pub(crate) struct SignalArgs {
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub broadcaster: BroadcasterHandle,
    pub live: LiveConn,
    pub identity: IdentityCell,
    pub counters: Arc<Counters>,
    pub retention: RetentionConfig,
    pub span: tracing::Span,
}

pub(crate) struct Signal;

pub(crate) struct SignalState {
    args: SignalArgs,
    retries: RetryBook,
    pruner: Pruner,
    failures: wa_protocol::signal::FailureLimiter,
    started: std::time::Instant,
}

impl SignalState {
    async fn on_message(&mut self, node: Node) -> Result<(), ActorProcessingErr> {
        let Some(device) = self.args.identity.get() else {
            return Err("no device identity".into());
        };
        let mut ctx = Ctx {
            store: &*self.args.store,
            account: &self.args.account_id,
            device: &device,
            retries: &mut self.retries,
            max_retry_prekeys: self.args.retention.max_retry_prekeys,
            failures: &mut self.failures,
            clock: self.started.elapsed(),
        };
        // A store failure fails this actor: StateSup restarts it and asks for a new
        // connection, so the un-acked stanza is delivered again.
        let outcome = handle_message(&mut ctx, &node)
            .await
            .map_err(|e| format!("store: {e}"))?;
        let c = &self.args.counters;
        match outcome.kind {
            OutcomeKind::Delivered => c.message_in(),
            OutcomeKind::Duplicate => c.duplicate(),
            OutcomeKind::Undecryptable => c.undecryptable(),
            OutcomeKind::Malformed => c.malformed(),
            OutcomeKind::Dropped => {}
        }
        if outcome.unverified_identity {
            c.unverified_identity();
        }
        let broadcaster = self.args.broadcaster.clone();
        let live = self.args.live.clone();
        let (events, replies) = (outcome.events, outcome.replies);
        let deliver = move || {
            for event in events {
                if !broadcaster.publish(event) {
                    tracing::warn!("broadcaster registry closed; event dropped");
                }
            }
            for reply in replies {
                if let Err(e) = live.send(reply) {
                    tracing::debug!(error = %e, "reply not sent; the server will redeliver");
                }
            }
        };
        if outcome.batch.is_empty() {
            deliver();
        } else {
            // Stored and published as one step: a crash (even this actor being killed while
            // it waits) can never leave the message marked processed but unpublished.
            self.args
                .store
                .apply_then(&self.args.account_id, outcome.batch, Box::new(deliver))
                .await
                .map_err(|e| format!("store: {e}"))?;
        }
        self.pruner
            .run_if_due(
                &*self.args.store,
                &self.args.account_id,
                chrono::Utc::now(),
                std::time::Instant::now(),
            )
            .await;
        Ok(())
    }

    async fn on_identity_changed(&mut self, jid: Jid) -> Result<(), ActorProcessingErr> {
        let user = signal_address_user(&jid.to_non_ad());
        let mut batch = Batch::new();
        for ns in [Namespace::SESSIONS, Namespace::IDENTITIES] {
            let prefix = format!("{user}.");
            let entries = self
                .args
                .store
                .scan_prefix(&self.args.account_id, ns, prefix.as_bytes())
                .await
                .map_err(|e| format!("store: {e}"))?;
            for (key, _) in entries {
                batch = batch.delete(ns, key);
            }
        }
        if !batch.is_empty() {
            tracing::info!(parent: &self.args.span, %jid, "identity changed; sessions dropped");
            self.args
                .store
                .apply(&self.args.account_id, batch)
                .await
                .map_err(|e| format!("store: {e}"))?;
        }
        let change = Event::IdentityChange(IdentityChange {
            jid,
            timestamp: chrono::Utc::now(),
            implicit: false,
        });
        if !self.args.broadcaster.publish(change) {
            tracing::warn!(parent: &self.args.span, "broadcaster registry closed; event dropped");
        }
        Ok(())
    }
}

impl Actor for Signal {
    type Msg = SignalMsg;
    type State = SignalState;
    type Arguments = SignalArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: SignalArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let r = &args.retention;
        Ok(SignalState {
            retries: RetryBook::new(r.max_tracked_retries, r.max_retry_prekeys),
            pruner: Pruner::new(r),
            failures: wa_protocol::signal::FailureLimiter::new(Default::default()),
            started: std::time::Instant::now(),
            args,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // The ticket is held until the stanza is done: a slow Signal actor slows the socket.
        let SignalMsg::Stanza(Inbound {
            node,
            ticket: _ticket,
        }) = msg;
        if node.tag == "notification" {
            return match Notification::parse(&node) {
                Ok(n) => state.on_identity_changed(n.from).await,
                Err(e) => {
                    tracing::debug!(parent: &state.args.span, error = %e, "unreadable notification");
                    Ok(())
                }
            };
        }
        state.on_message(node).await
    }
}
