//! `Noise`: drives [`NoiseClient`]. Socket data goes in, WebSocket messages go back to the
//! socket, decrypted frames go up with their queue place. Every rule is in the machine.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ractor::{Actor, ActorProcessingErr, ActorRef, DerivedActorRef};
use wa_protocol::connection::{NoiseClient, NoiseClientConfig, NoiseEvent};
use wa_protocol::crypto::KeyPair;

use super::socket::{SocketEvent, SocketMsg};
use crate::link::{narrow, FlowTicket};

/// Messages of the Noise actor.
pub(crate) enum NoiseMsg {
    /// The socket to write to and the router to hand frames to. The handshake starts once
    /// this and the socket's `Connected` have both come, in either order.
    Begin(ActorRef<SocketMsg>, DerivedActorRef<NoiseUp>),
    /// From the socket.
    Socket(SocketEvent),
    /// One outbound plaintext frame.
    Send(Vec<u8>),
    /// Several, in order; they reach the socket as one write.
    SendAll(Vec<Vec<u8>>),
    /// The handshake deadline may have passed.
    Timeout,
    /// Close the socket once everything sent before is out.
    Close,
}

narrow!(NoiseMsg, SocketEvent => Socket);

/// What the Noise layer hands up, in order.
pub(crate) enum NoiseUp {
    /// One decrypted frame and the queue place of the message it came in.
    Frame(Vec<u8>, FlowTicket),
    /// The socket ended.
    Ended(String),
}

pub(crate) struct NoiseArgs {
    pub config: NoiseClientConfig,
    pub noise_key: KeyPair,
    pub payload: Vec<u8>,
    pub span: tracing::Span,
}

pub(crate) struct Noise;

pub(crate) struct NoiseState {
    args: NoiseArgs,
    machine: Option<NoiseClient>,
    socket: Option<ActorRef<SocketMsg>>,
    up: Option<DerivedActorRef<NoiseUp>>,
    /// The socket reported `Connected`.
    connected: bool,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl NoiseState {
    /// Writes what the machine has for the socket, and hands its events up.
    fn flush(&mut self, ticket: &FlowTicket) -> Result<(), ActorProcessingErr> {
        let Self {
            args,
            machine,
            socket,
            up,
            ..
        } = self;
        let Some(machine) = machine.as_mut() else {
            return Ok(());
        };
        if let Some(socket) = socket {
            let mut out: Vec<Bytes> = Vec::new();
            while let Some(msg) = machine.poll_transmit() {
                out.push(Bytes::from(msg));
            }
            let msg = match out.len() {
                0 => None,
                1 => out.pop().map(SocketMsg::Send),
                _ => Some(SocketMsg::SendAll(out)),
            };
            if let Some(msg) = msg {
                socket.cast(msg).map_err(|_| "socket is gone")?;
            }
        }
        while let Some(event) = machine.poll_event() {
            match event {
                NoiseEvent::Frame(frame) => up
                    .as_ref()
                    .ok_or("frame before the handshake started")?
                    .send_message(NoiseUp::Frame(frame, ticket.clone()))
                    .map_err(|_| "router is gone")?,
                NoiseEvent::Established { .. } => {
                    tracing::debug!(parent: &args.span, "noise handshake complete")
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Starts the handshake once the socket is connected and the router is known; the
    /// handshake deadline counts from here, not from the connect.
    fn start_if_ready(&mut self, myself: &ActorRef<NoiseMsg>) -> Result<(), ActorProcessingErr> {
        if !self.connected || self.up.is_none() || self.machine.is_some() {
            return Ok(());
        }
        let mut config = self.args.config.clone();
        config.unix_time = unix_now();
        self.machine = Some(NoiseClient::new(
            &config,
            KeyPair::generate(&mut rand::rngs::OsRng),
            self.args.noise_key.clone(),
            std::mem::take(&mut self.args.payload),
            Instant::now(),
        ));
        myself.send_after(config.handshake_timeout, || NoiseMsg::Timeout);
        self.flush(&FlowTicket::none())
    }

    fn machine(&mut self) -> Result<&mut NoiseClient, ActorProcessingErr> {
        self.machine
            .as_mut()
            .ok_or_else(|| "no handshake started".into())
    }
}

impl Actor for Noise {
    type Msg = NoiseMsg;
    type State = NoiseState;
    type Arguments = NoiseArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: NoiseArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(NoiseState {
            args,
            machine: None,
            socket: None,
            up: None,
            connected: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let untracked = FlowTicket::none();
        match msg {
            NoiseMsg::Begin(socket, up) => {
                state.socket = Some(socket);
                state.up = Some(up);
                state.start_if_ready(&myself)?;
            }
            NoiseMsg::Socket(SocketEvent::Connected) => {
                state.connected = true;
                state.start_if_ready(&myself)?;
            }
            NoiseMsg::Socket(SocketEvent::Data(data, ticket)) => {
                state.machine()?.handle_input(Instant::now(), &data)?;
                state.flush(&ticket)?;
            }
            NoiseMsg::Socket(SocketEvent::Ended(reason)) => {
                // Through the router, so it comes after every frame already handed up.
                if let Some(up) = &state.up {
                    let _ = up.send_message(NoiseUp::Ended(reason));
                }
            }
            NoiseMsg::Send(plain) => {
                state.machine()?.send(&plain)?;
                state.flush(&untracked)?;
            }
            NoiseMsg::SendAll(frames) => {
                let machine = state.machine()?;
                for plain in &frames {
                    machine.send(plain)?;
                }
                state.flush(&untracked)?;
            }
            NoiseMsg::Timeout => {
                if let Some(machine) = state.machine.as_mut() {
                    machine.handle_timeout(Instant::now())?;
                }
            }
            NoiseMsg::Close => {
                if let Some(socket) = &state.socket {
                    let _ = socket.cast(SocketMsg::Close);
                }
            }
        }
        Ok(())
    }
}
