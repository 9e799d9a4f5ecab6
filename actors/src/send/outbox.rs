//! The `Outbox` actor: every send in flight, by message id, with the caller's reply port.
//! Preparation runs in a task per send so a slow device list or bundle fetch never holds up
//! acks; the actor itself only registers, resolves and expires.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::oneshot;
use wa_protobuf::wa;
use wa_protocol::binary::Jid;
use wa_protocol::send::{message_id, AckOutcome, MessageAck};

use super::prepare::{prepare, PrepareCtx, Written};
use super::{SendError, SentMessage};
use crate::link::Inbound;
use crate::state::{GroupWritten, SignalMsg};

type Reply = oneshot::Sender<Result<SentMessage, SendError>>;

/// One send asked for.
#[derive(Clone)]
pub(crate) struct SendRequest {
    pub to: Jid,
    pub message: wa::Message,
    /// The id to use; one is made when `None`.
    pub id: Option<String>,
}

/// Messages of the `Outbox`.
pub(crate) enum OutboxMsg {
    /// A new send.
    Send(Box<SendRequest>, Reply),
    /// An `<ack>` from the server.
    Ack(Inbound),
    /// A send's preparation ended: `Ok` carries the generation of the connection the
    /// stanza was written on.
    Prepared {
        id: String,
        attempt: u32,
        result: Result<Written, SendError>,
    },
    /// A written send's ack deadline passed.
    Expired { id: String, attempt: u32 },
    /// Look for written sends whose connection ended before their ack.
    Watch,
}

impl From<Inbound> for OutboxMsg {
    fn from(i: Inbound) -> Self {
        OutboxMsg::Ack(i)
    }
}

impl TryFrom<OutboxMsg> for Inbound {
    type Error = OutboxMsg;
    fn try_from(m: OutboxMsg) -> Result<Self, OutboxMsg> {
        match m {
            OutboxMsg::Ack(i) => Ok(i),
            other => Err(other),
        }
    }
}

/// The current `Outbox`, for the `Client` handle; `ClientSup` points it at each incarnation.
#[derive(Clone, Default)]
pub(crate) struct OutboxHandle(Arc<RwLock<Option<ActorRef<OutboxMsg>>>>);

impl OutboxHandle {
    pub(crate) fn set(&self, actor: ActorRef<OutboxMsg>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(actor);
    }

    /// Sends and waits for the outcome.
    pub(crate) async fn send(&self, request: SendRequest) -> Result<SentMessage, SendError> {
        let actor = self
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(SendError::Stopped)?;
        let (tx, rx) = oneshot::channel();
        actor
            .send_message(OutboxMsg::Send(Box::new(request), tx))
            .map_err(|_| SendError::Stopped)?;
        rx.await.map_err(|_| SendError::Stopped)?
    }
}

pub(crate) struct OutboxArgs {
    pub ctx: PrepareCtx,
    pub span: tracing::Span,
}

pub(crate) struct Outbox;

/// How often written sends are checked against the live connection.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

struct Pending {
    reply: Reply,
    request: SendRequest,
    /// Writes so far after the first (re-sends on a new connection).
    attempt: u32,
    /// The connection generation the current attempt was written on, once written.
    written_on: Option<u64>,
    /// A group send's participant hash and sender-key handout, once written.
    group: Option<GroupWritten>,
    /// A phash mismatch already caused the one re-send.
    phash_resent: bool,
    /// A group send's ack that came before its preparation reported back (the stanza is
    /// written in the store's commit hook, before the task hears of it): handled once the
    /// participant hash it is checked against is known.
    early_ack: Option<MessageAck>,
}

pub(crate) struct OutboxState {
    args: OutboxArgs,
    pending: HashMap<String, Pending>,
    watching: bool,
}

impl OutboxState {
    fn new_id(&self) -> String {
        let user = self
            .args
            .ctx
            .identity
            .get()
            .and_then(|d| d.jid.as_ref().map(|j| j.user.clone()))
            .unwrap_or_default();
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        message_id(now, &user, &rand::random::<[u8; 16]>())
    }

    fn on_send(&mut self, myself: &ActorRef<OutboxMsg>, request: SendRequest, reply: Reply) {
        let max = self.args.ctx.config.max_pending;
        if self.pending.len() >= max {
            let _ = reply.send(Err(SendError::TooManyPending(max)));
            return;
        }
        let id = request.id.clone().unwrap_or_else(|| self.new_id());
        if self.pending.contains_key(&id) {
            let _ = reply.send(Err(SendError::DuplicateId(id)));
            return;
        }
        self.pending.insert(
            id.clone(),
            Pending {
                reply,
                request,
                attempt: 0,
                written_on: None,
                group: None,
                phash_resent: false,
                early_ack: None,
            },
        );
        self.start(myself, &id);
    }

    /// Prepares and writes the current attempt of send `id` in a task of its own.
    fn start(&self, myself: &ActorRef<OutboxMsg>, id: &str) {
        let Some(p) = self.pending.get(id) else {
            return;
        };
        let (attempt, request) = (p.attempt, p.request.clone());
        let ctx = self.args.ctx.clone();
        let me = myself.clone();
        let id = id.to_owned();
        tokio::spawn(async move {
            let deadline = ctx.deadline();
            let work = prepare(ctx, id.clone(), request.to, request.message);
            let result = match tokio::time::timeout(deadline, work).await {
                Ok(r) => r,
                Err(_) => Err(SendError::Timeout),
            };
            let _ = me.send_message(OutboxMsg::Prepared {
                id,
                attempt,
                result,
            });
        });
    }

    fn on_prepared(
        &mut self,
        myself: &ActorRef<OutboxMsg>,
        id: String,
        attempt: u32,
        result: Result<Written, SendError>,
    ) {
        let Some(p) = self.pending.get_mut(&id) else {
            return;
        };
        if p.attempt != attempt {
            return;
        }
        match result {
            Ok(Written { generation, group }) => {
                p.written_on = Some(generation);
                p.group = group;
                if let Some(ack) = p.early_ack.take() {
                    self.handle_ack(myself, ack);
                    return;
                }
                let timeout = self.args.ctx.config.ack_timeout;
                myself.send_after(timeout, move || OutboxMsg::Expired { id, attempt });
                if !self.watching {
                    self.watching = true;
                    myself.send_after(WATCH_EVERY, || OutboxMsg::Watch);
                }
            }
            // Lost with the connection before it was written: nothing reached the server, so
            // prepare it again (waiting for the next connection), within the same bound.
            Err(e) if e.is_connection_loss() && p.attempt < self.args.ctx.config.max_resends => {
                p.attempt += 1;
                self.start(myself, &id);
            }
            Err(e) => self.resolve(&id, Err(e)),
        }
    }

    /// Writes again, with the same id, every send whose connection ended before its ack;
    /// waits while there is no connection at all.
    fn on_watch(&mut self, myself: &ActorRef<OutboxMsg>) {
        let Some(live) = self.args.ctx.live.generation() else {
            myself.send_after(WATCH_EVERY, || OutboxMsg::Watch);
            return;
        };
        let max = self.args.ctx.config.max_resends;
        let mut again = Vec::new();
        let mut lost = Vec::new();
        for (id, p) in &mut self.pending {
            match p.written_on {
                Some(g) if g != live && p.attempt >= max => lost.push((id.clone(), p.attempt)),
                Some(g) if g != live => {
                    p.attempt += 1;
                    p.written_on = None;
                    again.push(id.clone());
                }
                _ => {}
            }
        }
        for (id, attempts) in lost {
            self.resolve(&id, Err(SendError::ConnectionLost(attempts + 1)));
        }
        for id in &again {
            tracing::debug!(parent: &self.args.span, %id, "connection ended before the ack; writing again");
            self.start(myself, id);
        }
        self.watching = self.pending.values().any(|p| p.written_on.is_some());
        if self.watching || !again.is_empty() {
            self.watching = true;
            myself.send_after(WATCH_EVERY, || OutboxMsg::Watch);
        }
    }

    fn resolve(&mut self, id: &str, result: Result<SentMessage, SendError>) {
        if let Some(p) = self.pending.remove(id) {
            let _ = p.reply.send(result);
        }
    }

    fn on_ack(&mut self, myself: &ActorRef<OutboxMsg>, node: &wa_protocol::binary::Node) {
        let ack = match MessageAck::parse(node) {
            Ok(Some(ack)) => ack,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(parent: &self.args.span, error = %e, "unreadable message ack");
                return;
            }
        };
        if let Some(p) = self.pending.get_mut(&ack.id) {
            if p.written_on.is_none() && p.request.to.is_group() {
                p.early_ack = Some(ack);
                return;
            }
        }
        self.handle_ack(myself, ack);
    }

    fn handle_ack(&mut self, myself: &ActorRef<OutboxMsg>, ack: MessageAck) {
        let result = match ack.outcome {
            AckOutcome::Accepted => {
                if self.phash_mismatch(myself, &ack) {
                    return;
                }
                if let Some(g) = self.pending.get_mut(&ack.id).and_then(|p| p.group.take()) {
                    // Only now do these devices count as holding our key (encrypt_group.rs).
                    let _ = self
                        .args
                        .ctx
                        .signal
                        .send(SignalMsg::SenderKeyShared(g.shared));
                }
                Ok(SentMessage {
                    id: ack.id.clone(),
                    timestamp: ack.t.unwrap_or_else(|| chrono::Utc::now().timestamp()),
                    server_id: ack.server_id,
                })
            }
            AckOutcome::Refused(code) => Err(SendError::Server { code }),
        };
        self.resolve(&ack.id, result);
    }

    /// A group send acked with another participant hash than ours was sent to a stale list:
    /// forget the group's metadata and its members' device lists and send it once more, same
    /// id. True when that re-send was started.
    fn phash_mismatch(&mut self, myself: &ActorRef<OutboxMsg>, ack: &MessageAck) -> bool {
        let Some(p) = self.pending.get_mut(&ack.id) else {
            return false;
        };
        let (Some(g), Some(theirs)) = (&p.group, &ack.phash) else {
            return false;
        };
        if *theirs == g.phash || p.phash_resent {
            return false;
        }
        let group = g.shared.group.clone();
        p.phash_resent = true;
        p.attempt += 1;
        p.written_on = None;
        p.group = None;
        tracing::info!(parent: &self.args.span, id = %ack.id, %group, "participant hash mismatch; refreshing and sending again");
        let directory = &self.args.ctx.directory;
        if let Some(info) = directory.cached_group(&group) {
            for member in &info.participants {
                directory.invalidate_devices(&member.jid);
            }
        }
        directory.invalidate_group(&group);
        let id = ack.id.clone();
        self.start(myself, &id);
        true
    }
}

impl Actor for Outbox {
    type Msg = OutboxMsg;
    type State = OutboxState;
    type Arguments = OutboxArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<OutboxMsg>,
        args: OutboxArgs,
    ) -> Result<OutboxState, ActorProcessingErr> {
        Ok(OutboxState {
            args,
            pending: HashMap::new(),
            watching: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<OutboxMsg>,
        msg: OutboxMsg,
        state: &mut OutboxState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            OutboxMsg::Send(request, reply) => state.on_send(&myself, *request, reply),
            OutboxMsg::Ack(Inbound {
                node,
                ticket: _ticket,
            }) => state.on_ack(&myself, &node),
            OutboxMsg::Prepared {
                id,
                attempt,
                result,
            } => state.on_prepared(&myself, id, attempt, result),
            OutboxMsg::Expired { id, attempt } => {
                if state.pending.get(&id).is_some_and(|p| p.attempt == attempt) {
                    state.resolve(&id, Err(SendError::Timeout));
                }
            }
            OutboxMsg::Watch => state.on_watch(&myself),
        }
        Ok(())
    }
}
