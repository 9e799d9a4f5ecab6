//! `Socket`: owns the transport connection. A reader task forwards every inbound WebSocket
//! message to `Noise`, then `Eof`; the actor itself writes outbound messages.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::task::JoinHandle;

use super::noise::NoiseMsg;
use crate::transport::{FrameSink, Transport};

/// Messages of the socket actor.
pub(crate) enum SocketMsg {
    /// Write one WebSocket binary message.
    Send(Bytes),
    /// Close the connection after everything sent before this message was written.
    Close,
}

pub(crate) struct SocketArgs {
    pub transport: Arc<dyn Transport>,
    pub url: String,
    pub connect_timeout: Duration,
    pub noise: ActorRef<NoiseMsg>,
    pub span: tracing::Span,
}

pub(crate) struct Socket;

/// Aborts the reader task when the actor's state is dropped, also when the actor is killed
/// (killed actors run no `post_stop`).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) struct SocketState {
    sink: Box<dyn FrameSink>,
    _reader: AbortOnDrop,
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
        tracing::debug!(parent: &args.span, url = %args.url, "connecting");
        let connected =
            tokio::time::timeout(args.connect_timeout, args.transport.connect(&args.url)).await;
        let (sink, mut source) = match connected {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(format!("connect: {e}").into()),
            Err(_) => return Err("connect: timed out".into()),
        };
        tracing::debug!(parent: &args.span, "connected");
        let noise = args.noise.clone();
        let span = args.span.clone();
        let reader = tokio::spawn(async move {
            let reason = loop {
                match source.recv().await {
                    Some(Ok(data)) => {
                        if noise.cast(NoiseMsg::FrameIn(data)).is_err() {
                            return;
                        }
                    }
                    Some(Err(e)) => break e.to_string(),
                    None => break "closed by peer".to_string(),
                }
            };
            tracing::debug!(parent: &span, %reason, "socket ended");
            let _ = noise.cast(NoiseMsg::Eof(reason));
        });
        Ok(SocketState {
            sink,
            _reader: AbortOnDrop(reader),
            span: args.span,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SocketMsg::Send(data) => {
                if let Err(e) = state.sink.send(data).await {
                    // The reader sees the same breakage and reports it in order; a failed
                    // write only needs a log line.
                    tracing::debug!(parent: &state.span, error = %e, "write failed");
                }
            }
            // `post_stop` closes the sink.
            SocketMsg::Close => myself.stop(Some("closed by the client".into())),
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.sink.close().await;
        Ok(())
    }
}
