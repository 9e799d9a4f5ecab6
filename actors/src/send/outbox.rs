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

use super::prepare::{prepare, PrepareCtx};
use super::{SendError, SentMessage};
use crate::link::Inbound;

type Reply = oneshot::Sender<Result<SentMessage, SendError>>;

/// One send asked for.
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
    /// A send's preparation ended: `Ok` means the stanza was written.
    Prepared {
        id: String,
        result: Result<(), SendError>,
    },
    /// A written send's ack deadline passed.
    Expired { id: String },
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

struct Pending {
    reply: Reply,
}

pub(crate) struct OutboxState {
    args: OutboxArgs,
    pending: HashMap<String, Pending>,
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
        let id = request.id.unwrap_or_else(|| self.new_id());
        if self.pending.contains_key(&id) {
            let _ = reply.send(Err(SendError::DuplicateId(id)));
            return;
        }
        self.pending.insert(id.clone(), Pending { reply });
        let ctx = self.args.ctx.clone();
        let me = myself.clone();
        tokio::spawn(async move {
            let deadline = ctx.deadline();
            let work = prepare(ctx, id.clone(), request.to, request.message);
            let result = match tokio::time::timeout(deadline, work).await {
                Ok(r) => r,
                Err(_) => Err(SendError::Timeout),
            };
            let _ = me.send_message(OutboxMsg::Prepared { id, result });
        });
    }

    fn resolve(&mut self, id: &str, result: Result<SentMessage, SendError>) {
        if let Some(p) = self.pending.remove(id) {
            let _ = p.reply.send(result);
        }
    }

    fn on_ack(&mut self, node: &wa_protocol::binary::Node) {
        let ack = match MessageAck::parse(node) {
            Ok(Some(ack)) => ack,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(parent: &self.args.span, error = %e, "unreadable message ack");
                return;
            }
        };
        let result = match ack.outcome {
            AckOutcome::Accepted => Ok(SentMessage {
                id: ack.id.clone(),
                timestamp: ack.t.unwrap_or_else(|| chrono::Utc::now().timestamp()),
                server_id: ack.server_id,
            }),
            AckOutcome::Refused(code) => Err(SendError::Server { code }),
        };
        self.resolve(&ack.id, result);
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
            }) => state.on_ack(&node),
            OutboxMsg::Prepared { id, result: Ok(()) } => {
                if state.pending.contains_key(&id) {
                    let timeout = state.args.ctx.config.ack_timeout;
                    myself.send_after(timeout, move || OutboxMsg::Expired { id });
                }
            }
            OutboxMsg::Prepared { id, result: Err(e) } => state.resolve(&id, Err(e)),
            OutboxMsg::Expired { id } => state.resolve(&id, Err(SendError::Timeout)),
        }
        Ok(())
    }
}
