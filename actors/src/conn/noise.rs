//! `Noise`: runs the client side of the XX handshake, then encrypts and decrypts every frame.
//! The protocol logic is `wa_protocol::noise`; this actor only moves bytes between `Socket`
//! and `Router` and keeps the cipher state.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::noise::{
    ClientHandshake, FrameDecoder, FrameEncoder, NoiseConfig, TransportCipher,
};

use super::router::RouterMsg;
use super::socket::SocketMsg;

/// Messages of the Noise actor.
pub(crate) enum NoiseMsg {
    /// The socket is up: send the ClientHello through it.
    Begin(ActorRef<SocketMsg>),
    /// One inbound WebSocket message (any number of frames, or part of one).
    FrameIn(Bytes),
    /// The socket ended, after every `FrameIn` it delivered.
    Eof(String),
    /// One outbound plaintext frame (flags byte and node) to encrypt and send.
    SendPlain(Vec<u8>),
    /// The handshake deadline passed.
    HandshakeDeadline,
    /// Close the socket once every frame sent before this message is out.
    Close,
}

pub(crate) struct NoiseArgs {
    pub noise_key: KeyPair,
    pub payload: Vec<u8>,
    pub trust_root: PublicKey,
    pub handshake_timeout: Duration,
    pub router: ActorRef<RouterMsg>,
    pub span: tracing::Span,
}

pub(crate) struct Noise;

enum Phase {
    /// Waiting for the socket.
    Idle,
    /// ClientHello sent; waiting for the ServerHello.
    Handshake(Box<ClientHandshake>),
    /// Transport keys in place.
    Transport(Box<TransportCipher>),
    /// The handshake failed or the state was consumed by an error.
    Broken,
}

pub(crate) struct NoiseState {
    args: NoiseArgs,
    phase: Phase,
    socket: Option<ActorRef<SocketMsg>>,
    encoder: FrameEncoder,
    decoder: FrameDecoder,
    /// Outbound frames queued before the handshake completed.
    pending: Vec<Vec<u8>>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl NoiseState {
    fn send_frame(&mut self, payload: &[u8]) -> Result<(), ActorProcessingErr> {
        let framed = self
            .encoder
            .encode(payload)
            .map_err(|e| format!("frame encode: {e}"))?;
        if let Some(socket) = &self.socket {
            socket
                .cast(SocketMsg::Send(Bytes::from(framed)))
                .map_err(|_| "socket is gone")?;
        }
        Ok(())
    }

    fn send_plain(&mut self, plain: &[u8]) -> Result<(), ActorProcessingErr> {
        let Phase::Transport(cipher) = &mut self.phase else {
            self.pending.push(plain.to_vec());
            return Ok(());
        };
        let sealed = cipher.encrypt(plain).map_err(|e| format!("encrypt: {e}"))?;
        self.send_frame(&sealed)
    }

    fn on_frame(&mut self, frame: Vec<u8>) -> Result<(), ActorProcessingErr> {
        match std::mem::replace(&mut self.phase, Phase::Broken) {
            Phase::Handshake(hs) => {
                let mut finished = hs
                    .read_server_hello(&frame, unix_now())
                    .map_err(|e| format!("handshake: {e}"))?;
                let cipher = Box::new(
                    finished
                        .take_cipher()
                        .ok_or("handshake: transport cipher already taken")?,
                );
                self.send_frame(&finished.client_finish)?;
                self.phase = Phase::Transport(cipher);
                tracing::debug!(parent: &self.args.span, "noise handshake complete");
                for plain in std::mem::take(&mut self.pending) {
                    self.send_plain(&plain)?;
                }
                Ok(())
            }
            Phase::Transport(mut cipher) => {
                let plain = cipher
                    .decrypt(&frame)
                    .map_err(|e| format!("decrypt: {e}"))?;
                self.phase = Phase::Transport(cipher);
                self.args
                    .router
                    .cast(RouterMsg::FrameIn(plain))
                    .map_err(|_| "router is gone")?;
                Ok(())
            }
            Phase::Idle | Phase::Broken => Err("frame before the handshake started".into()),
        }
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
            phase: Phase::Idle,
            socket: None,
            encoder: FrameEncoder::new(),
            decoder: FrameDecoder::new(),
            pending: Vec::new(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            NoiseMsg::Begin(socket) => {
                state.socket = Some(socket);
                let ephemeral = KeyPair::generate(&mut rand::rngs::OsRng);
                let config = NoiseConfig {
                    trust_root: state.args.trust_root,
                };
                let hs = ClientHandshake::new(
                    &config,
                    ephemeral,
                    state.args.noise_key.clone(),
                    std::mem::take(&mut state.args.payload),
                );
                let hello = hs.client_hello();
                state.phase = Phase::Handshake(Box::new(hs));
                state.send_frame(&hello)?;
                myself.send_after(state.args.handshake_timeout, || NoiseMsg::HandshakeDeadline);
            }
            NoiseMsg::FrameIn(data) => {
                state.decoder.push(&data);
                while let Some(frame) = state
                    .decoder
                    .next_frame()
                    .map_err(|e| format!("frame decode: {e}"))?
                {
                    state.on_frame(frame)?;
                }
            }
            NoiseMsg::Eof(reason) => {
                // Forwarded through the router so it arrives after every decoded node.
                let _ = state.args.router.cast(RouterMsg::Eof(reason));
            }
            NoiseMsg::SendPlain(plain) => state.send_plain(&plain)?,
            NoiseMsg::Close => {
                if let Some(socket) = &state.socket {
                    let _ = socket.cast(SocketMsg::Close);
                }
            }
            NoiseMsg::HandshakeDeadline => {
                if !matches!(state.phase, Phase::Transport(_)) {
                    return Err("noise handshake timed out".into());
                }
            }
        }
        Ok(())
    }
}
