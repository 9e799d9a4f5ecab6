//! `Socket`: the transport connection and nothing else. A reader task takes a backpressure
//! ticket, reads one WebSocket message and hands both up; the actor writes what it is given.
//!
//! The connect runs in `post_start`, not `pre_start`: spawning returns at once, so the
//! connection supervisor is never blocked for the connect timeout (a `Close` or an actor-ids
//! query is answered meanwhile), and a failed connect is an ordinary stop with its reason
//! rather than a start-up failure. Sends that arrive while connecting wait in the mailbox.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ractor::{Actor, ActorProcessingErr, ActorRef, DerivedActorRef};
use tokio::task::JoinHandle;

use crate::link::{Flow, FlowTicket};
use crate::transport::{FrameSink, Transport};

/// Messages of the socket actor.
pub(crate) enum SocketMsg {
    /// Write one WebSocket binary message.
    Send(Bytes),
    /// Write several, in order, in one go where the transport can.
    SendAll(Vec<Bytes>),
    /// Close after everything sent before this message was written.
    Close,
}

/// What the socket reports to the layer above, in order.
pub(crate) enum SocketEvent {
    /// The transport is up: the handshake may start. Comes before any `Data`.
    Connected,
    /// One inbound WebSocket message and its queue place.
    Data(Bytes, FlowTicket),
    /// The connection ended, after every `Data` it delivered.
    Ended(String),
}

pub(crate) struct SocketArgs {
    pub transport: Arc<dyn Transport>,
    pub url: String,
    pub connect_timeout: Duration,
    pub up: DerivedActorRef<SocketEvent>,
    pub flow: Arc<Flow>,
    pub span: tracing::Span,
}

pub(crate) struct Socket;

/// Aborts the reader when the actor's state is dropped, also when the actor is killed.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) struct SocketState {
    /// Taken by `post_start`.
    args: Option<SocketArgs>,
    /// `None` until connected.
    sink: Option<Box<dyn FrameSink>>,
    _reader: Option<AbortOnDrop>,
    span: tracing::Span,
}

impl Actor for Socket {
    type Msg = SocketMsg;
    type State = SocketState;
    type Arguments = SocketArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: SocketArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(SocketState {
            span: args.span.clone(),
            args: Some(args),
            sink: None,
            _reader: None,
        })
    }

    async fn post_start(
        &self,
        myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let Some(args) = state.args.take() else {
            return Ok(());
        };
        tracing::debug!(parent: &args.span, url = %args.url, "connecting");
        let connected =
            tokio::time::timeout(args.connect_timeout, args.transport.connect(&args.url)).await;
        let (sink, mut source) = match connected {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                tracing::debug!(parent: &args.span, error = %e, "connect failed");
                myself.stop(Some(format!("connect: {e}")));
                return Ok(());
            }
            Err(_) => {
                tracing::debug!(parent: &args.span, "connect timed out");
                myself.stop(Some("connect: timed out".into()));
                return Ok(());
            }
        };
        tracing::debug!(parent: &args.span, "connected");
        let (up, flow, span) = (args.up, args.flow, args.span);
        if up.send_message(SocketEvent::Connected).is_err() {
            myself.stop(Some("noise is gone".into()));
            return Ok(());
        }
        let reader = tokio::spawn(async move {
            let reason = loop {
                // The place is taken before reading: at the mark, nothing more is read and
                // TCP pushes back on the server.
                let ticket = flow.acquire().await;
                match source.recv().await {
                    Some(Ok(data)) => {
                        if up.send_message(SocketEvent::Data(data, ticket)).is_err() {
                            return;
                        }
                    }
                    Some(Err(e)) => break e.to_string(),
                    None => break "closed by peer".to_string(),
                }
            };
            tracing::debug!(parent: &span, %reason, "socket ended");
            let _ = up.send_message(SocketEvent::Ended(reason));
        });
        state.sink = Some(sink);
        state._reader = Some(AbortOnDrop(reader));
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SocketMsg::Send(data) => {
                let Some(sink) = state.sink.as_mut() else {
                    // Only a failed connect leaves no sink, and it stops this actor.
                    return Ok(());
                };
                if let Err(e) = sink.send(data).await {
                    // The reader sees the same breakage and reports it in order.
                    tracing::debug!(parent: &state.span, error = %e, "write failed");
                }
            }
            SocketMsg::SendAll(data) => {
                let Some(sink) = state.sink.as_mut() else {
                    return Ok(());
                };
                if let Err(e) = sink.send_all(data).await {
                    tracing::debug!(parent: &state.span, error = %e, "write failed");
                }
            }
            SocketMsg::Close => myself.stop(Some("closed by the client".into())),
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(sink) = state.sink.as_mut() {
            sink.close().await;
        }
        Ok(())
    }
}
