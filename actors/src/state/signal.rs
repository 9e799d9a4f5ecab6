//! The `Signal` actor: one mailbox, so stanzas are handled strictly in arrival order (and so
//! in order per sender device). It gets `<message>` stanzas and identity-change notifications
//! straight from the Router and sends its receipts and acks straight to the live connection.
//! `<message>`s are committed in groups (`signal_recv`); everything else first commits the
//! open group, so sends and notifications see only durable state.

use std::sync::{Arc, RwLock};

use ractor::{Actor, ActorProcessingErr, ActorRef};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::signal::signal_address_user;
use wa_protocol::stanza::notification::Notification;
use wa_protocol::stanza::receipt::IncomingReceipt;

use tokio::sync::oneshot;

use super::encrypt::{encrypt, missing_sessions, EncryptJob, Encrypted};
use super::encrypt_group::{encrypt_group, forget_holder, mark_shared, GroupJob, SharedKey};
use super::prune::Pruner;
use super::resend::{answer_retry, ResendBook};
use super::retries::RetryBook;
use super::staged::Staged;
use crate::broadcaster::BroadcasterHandle;
use crate::counters::Counters;
use crate::events::{Event, IdentityChange};
use crate::link::{IdentityCell, Inbound, LiveConn};
use crate::send::sent_log::SentLog;
use crate::send::SendError;
use crate::store::{AccountId, Namespace, RetentionConfig, Store};

/// Messages of the Signal actor.
pub(crate) enum SignalMsg {
    /// A `<message>` (not acked yet: this actor acks it after persisting) or a contact's
    /// identity-change notification.
    Stanza(Inbound),
    /// Which of these devices have no session yet.
    MissingSessions(Vec<Jid>, oneshot::Sender<Result<Vec<Jid>, SendError>>),
    /// Encrypt, store, then write a message.
    Encrypt(Box<EncryptJob>),
    /// Encrypt, store, then write a peer message to our own phone.
    Peer(Box<super::peer::PeerJob>),
    /// Encrypt, store, then write a group message.
    EncryptGroup(Box<GroupJob>),
    /// The server acked a group message: these devices hold our sender key.
    SenderKeyShared(SharedKey),
    /// Commit the open batch of received messages (queued by its first stanza).
    Flush,
    /// The decoded-records cache may have gone idle (see `decoded::IdleTrim`).
    Trim,
}

impl From<Inbound> for SignalMsg {
    fn from(i: Inbound) -> Self {
        SignalMsg::Stanza(i)
    }
}

impl TryFrom<SignalMsg> for Inbound {
    type Error = SignalMsg;
    fn try_from(m: SignalMsg) -> Result<Self, SignalMsg> {
        match m {
            SignalMsg::Stanza(i) => Ok(i),
            other => Err(other),
        }
    }
}

/// The current Signal actor, for the send path (which needs more than the `Inbound` the
/// routing slot carries). `StateSup` points it at each incarnation.
#[derive(Clone, Default)]
pub(crate) struct SignalHandle(Arc<RwLock<Option<ActorRef<SignalMsg>>>>);

impl SignalHandle {
    pub(crate) fn set(&self, actor: ActorRef<SignalMsg>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(actor);
    }

    /// Sends `msg` to the current incarnation; false when there is none.
    pub(crate) fn send(&self, msg: SignalMsg) -> bool {
        let actor = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        actor.is_some_and(|a| a.send_message(msg).is_ok())
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
    /// How many sent messages stay stored for retry receipts.
    pub keep_sent: usize,
    /// Told when app-state keys from our phone were stored.
    pub app_state: crate::appstate::AppStateHandle,
    /// Woken once a batch with pending history chunks commits.
    pub history: crate::history::HistoryHandle,
    /// At most this many received stanzas are committed together.
    pub max_batch: usize,
    pub span: tracing::Span,
}

pub(crate) struct Signal;

pub(crate) struct SignalState {
    args: SignalArgs,
    retries: RetryBook,
    pruner: Pruner,
    failures: wa_protocol::signal::FailureLimiter,
    sent_log: SentLog,
    resends: ResendBook,
    started: std::time::Instant,
    /// The open batch's writes, read before the store.
    staged: Staged,
    /// What the open batch publishes and sends once committed.
    open: recv::Open,
    /// The connection that was live when this incarnation started (see `recv::fenced`).
    fence: Option<u64>,
    /// Sessions and sender keys this actor wrote lately, decoded (see `decoded`).
    decoded: super::decoded::DecodedRecords,
    /// When `decoded` is dropped for want of stanzas.
    trim: super::decoded::IdleTrim,
}

#[path = "signal_recv.rs"]
mod recv;

impl SignalState {
    async fn on_encrypt(&mut self, job: EncryptJob) {
        let Some(device) = self.args.identity.get() else {
            let _ = job.reply.send(Err(SendError::NotPaired));
            return;
        };
        let (store, account) = (&*self.args.store, &self.args.account_id);
        let result = encrypt(store, account, &device, &self.sent_log, &job).await;
        let EncryptJob { id, reply, .. } = job;
        self.store_then_write(id, result.map(|e| (e, ())), reply)
            .await;
    }

    async fn on_encrypt_group(&mut self, job: GroupJob) {
        let Some(device) = self.args.identity.get() else {
            let _ = job.reply.send(Err(SendError::NotPaired));
            return;
        };
        let (store, account) = (&*self.args.store, &self.args.account_id);
        let result = encrypt_group(store, account, &device, &self.sent_log, &job).await;
        let GroupJob { id, reply, .. } = job;
        self.store_then_write(id, result, reply).await;
    }

    /// Stores the send's batch, then writes its stanza in the commit hook and answers
    /// `reply` with `done`; nothing is written when the store fails.
    async fn store_then_write<T: Send + 'static>(
        &mut self,
        id: String,
        result: Result<(Encrypted, T), SendError>,
        reply: oneshot::Sender<Result<T, SendError>>,
    ) {
        let (encrypted, done) = match result {
            Ok(e) => e,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let (store, account) = (&*self.args.store, &self.args.account_id);
        // The reply goes with the hook; if the store fails, the hook never runs and the
        // error is sent from here instead.
        let reply = Arc::new(std::sync::Mutex::new(Some((reply, done))));
        let hook_reply = reply.clone();
        let live = self.args.live.clone();
        let counters = self.args.counters.clone();
        let span = self.args.span.clone();
        let Encrypted {
            stanza,
            batch,
            devices,
        } = encrypted;
        let hook = move || {
            let result = live.send(stanza).map_err(|_| SendError::NotWritten);
            if result.is_ok() {
                counters.message_out();
                tracing::debug!(parent: &span, %id, devices, "message written");
            }
            if let Some((r, done)) = hook_reply.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = r.send(result.map(|()| done));
            }
        };
        match store.apply_then(account, batch, Box::new(hook)).await {
            Ok(()) => self.sent_log.committed(),
            Err(e) => {
                tracing::warn!(parent: &self.args.span, error = %e, "send not stored; not written");
                if let Some((r, _)) = reply.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    let _ = r.send(Err(SendError::Store(e)));
                }
            }
        }
    }

    async fn on_peer(&mut self, job: super::peer::PeerJob) {
        let Some(device) = self.args.identity.get() else {
            let _ = job.reply.send(Err(SendError::NotPaired));
            return;
        };
        let (store, account) = (&*self.args.store, &self.args.account_id);
        let (stanza, batch) = match super::peer::encrypt_peer(store, account, &device, &job).await {
            Ok(s) => s,
            Err(e) => {
                let _ = job.reply.send(Err(e));
                return;
            }
        };
        let reply = Arc::new(std::sync::Mutex::new(Some(job.reply)));
        let hook_reply = reply.clone();
        let live = self.args.live.clone();
        let hook = move || {
            let result = live.send(stanza).map_err(|_| SendError::NotWritten);
            if let Some(r) = hook_reply.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = r.send(result);
            }
        };
        if let Err(e) = store.apply_then(account, batch, Box::new(hook)).await {
            if let Some(r) = reply.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = r.send(Err(SendError::Store(e)));
            }
        }
    }

    async fn on_retry_receipt(&mut self, node: &Node) {
        let Some(device) = self.args.identity.get() else {
            return;
        };
        let Some(own) = crate::recv::route::own_jids(&device) else {
            return;
        };
        let receipts = match IncomingReceipt::parse(node, &own) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(parent: &self.args.span, error = %e, "unreadable retry receipt");
                return;
            }
        };
        let (store, account) = (&*self.args.store, &self.args.account_id);
        for receipt in receipts.iter().filter(|r| r.retry.is_some()) {
            match answer_retry(store, account, &device, &mut self.resends, receipt).await {
                Ok(Some((stanza, batch))) => {
                    let live = self.args.live.clone();
                    let hook = move || {
                        if let Err(e) = live.send(stanza) {
                            tracing::debug!(error = %e, "re-send not written");
                        }
                    };
                    if let Err(e) = store.apply_then(account, batch, Box::new(hook)).await {
                        tracing::warn!(parent: &self.args.span, error = %e, "re-send not stored");
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(parent: &self.args.span, error = %e, "retry not answered"),
            }
        }
    }

    async fn on_identity_changed(&mut self, jid: Jid) -> Result<(), ActorProcessingErr> {
        let user = signal_address_user(&jid.to_non_ad());
        let mut batch = forget_holder(&*self.args.store, &self.args.account_id, &user)
            .await
            .map_err(|e| format!("store: {e}"))?;
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
        let sent_log = SentLog::load(&*args.store, &args.account_id, args.keep_sent)
            .await
            .map_err(|e| format!("store: {e}"))?;
        Ok(SignalState {
            sent_log,
            resends: ResendBook::default(),
            retries: RetryBook::new(r.max_tracked_retries, r.max_retry_prekeys),
            pruner: Pruner::new(r),
            failures: wa_protocol::signal::FailureLimiter::new(Default::default()),
            started: std::time::Instant::now(),
            staged: Staged::new(args.store.clone(), args.account_id.clone()),
            open: recv::Open::default(),
            fence: args.live.generation(),
            decoded: Default::default(),
            trim: Default::default(),
            args,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // The ticket is held until the stanza is done (for a `<message>`, until its batch
        // commits): a slow Signal actor slows the socket.
        // Every arm is boxed: the actor's loop future is sized for its largest handler and
        // stays allocated in every idle session (`many_accounts`); one allocation per stanza
        // is nothing beside a decrypt and a commit.
        let msg = match msg {
            SignalMsg::Stanza(Inbound { node, ticket })
                if node.tag != "receipt" && node.tag != "notification" =>
            {
                return Box::pin(state.on_message(&myself, node, ticket)).await;
            }
            SignalMsg::Flush => {
                state.open.flush_queued = false;
                return Box::pin(state.commit()).await;
            }
            SignalMsg::Trim => {
                state.on_trim(&myself);
                return Ok(());
            }
            other => {
                // Anything else reads or writes state the open batch may have changed.
                Box::pin(state.commit()).await?;
                other
            }
        };
        let (node, _ticket) = match msg {
            SignalMsg::Stanza(Inbound { node, ticket }) => (node, ticket),
            SignalMsg::MissingSessions(devices, reply) => {
                let r = Box::pin(missing_sessions(
                    &*state.args.store,
                    &state.args.account_id,
                    &devices,
                ))
                .await;
                let _ = reply.send(r);
                return Ok(());
            }
            SignalMsg::Encrypt(job) => {
                Box::pin(state.on_encrypt(*job)).await;
                return Ok(());
            }
            SignalMsg::Peer(job) => {
                Box::pin(state.on_peer(*job)).await;
                return Ok(());
            }
            SignalMsg::EncryptGroup(job) => {
                Box::pin(state.on_encrypt_group(*job)).await;
                return Ok(());
            }
            SignalMsg::SenderKeyShared(shared) => {
                let (store, account) = (&*state.args.store, &state.args.account_id);
                if let Err(e) = Box::pin(mark_shared(store, account, &shared)).await {
                    // Unmarked devices get the key again on the next send.
                    tracing::warn!(parent: &state.args.span, error = %e, "sender-key holders not stored");
                }
                return Ok(());
            }
            SignalMsg::Flush | SignalMsg::Trim => return Ok(()),
        };
        if node.tag == "receipt" {
            Box::pin(state.on_retry_receipt(&node)).await;
            return Ok(());
        }
        if node.tag == "notification" {
            return match Notification::parse(&node) {
                Ok(n) => Box::pin(state.on_identity_changed(n.from)).await,
                Err(e) => {
                    tracing::debug!(parent: &state.args.span, error = %e, "unreadable notification");
                    Ok(())
                }
            };
        }
        // Only receipts and notifications are left here.
        Ok(())
    }
}
