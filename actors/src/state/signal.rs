//! The `Signal` actor: one mailbox, so stanzas are handled strictly in arrival order (and so
//! in order per sender device), each to its end before the next.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::signal::signal_address_user;

use super::inbound::{handle_message, Ctx, OutcomeKind};
use super::prune::Pruner;
use super::retries::RetryBook;
use crate::broadcaster::BroadcasterHandle;
use crate::client::counters::Counters;
use crate::client::supervisor::ClientSupMsg;
use crate::store::{AccountId, Batch, DeviceData, Namespace, RetentionConfig, Store};

/// Messages of the Signal actor.
pub(crate) enum SignalMsg {
    /// An inbound `<message>` stanza (not acked yet: this actor acks it after persisting).
    Message(Node),
    /// A contact's identity key changed: forget their sessions and identities.
    IdentityChanged(Jid),
    /// The device identity changed (pairing finished): reload it before the next stanza.
    DeviceChanged,
}

pub(crate) struct SignalArgs {
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub broadcaster: BroadcasterHandle,
    pub client: ActorRef<ClientSupMsg>,
    pub counters: Arc<Counters>,
    pub retention: RetentionConfig,
    pub span: tracing::Span,
}

pub(crate) struct Signal;

pub(crate) struct SignalState {
    args: SignalArgs,
    device: Option<DeviceData>,
    retries: RetryBook,
    pruner: Pruner,
}

impl SignalState {
    async fn device(&mut self) -> Result<&DeviceData, ActorProcessingErr> {
        if self.device.is_none() {
            let loaded = self
                .args
                .store
                .load_device(&self.args.account_id)
                .await
                .map_err(|e| format!("load device: {e}"))?;
            self.device = loaded;
        }
        self.device
            .as_ref()
            .ok_or_else(|| "no device identity in the store".into())
    }

    async fn on_message(&mut self, node: Node) -> Result<(), ActorProcessingErr> {
        self.device().await?;
        let Some(device) = self.device.as_ref() else {
            return Ok(());
        };
        let mut ctx = Ctx {
            store: &*self.args.store,
            account: &self.args.account_id,
            device,
            retries: &mut self.retries,
            max_retry_prekeys: self.args.retention.max_retry_prekeys,
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
            OutcomeKind::Dropped => {}
        }
        let broadcaster = self.args.broadcaster.clone();
        let client = self.args.client.clone();
        let (events, replies) = (outcome.events, outcome.replies);
        let deliver = move || {
            for event in events {
                if !broadcaster.publish(event) {
                    tracing::warn!("broadcaster is gone; event dropped");
                }
            }
            for reply in replies {
                let _ = client.cast(ClientSupMsg::Outbound(reply));
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
            args,
            device: None,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SignalMsg::Message(node) => state.on_message(node).await,
            SignalMsg::IdentityChanged(jid) => state.on_identity_changed(jid).await,
            SignalMsg::DeviceChanged => {
                state.device = None;
                Ok(())
            }
        }
    }
}
