//! The client role of the Noise layer: intro and ClientHello out, ServerHello in (certificate
//! chain verified), ClientFinish out, then every frame sealed and opened with the transport
//! cipher. WebSocket messages go in and out; plaintext frames go up.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::error::NoiseLayerError;
use super::MAX_QUEUED_FRAMES;
use crate::crypto::{KeyPair, PublicKey};
use crate::noise::{ClientHandshake, FrameDecoder, FrameEncoder, NoiseConfig, TransportCipher};

/// What a client Noise machine needs besides its keys.
#[derive(Debug, Clone)]
pub struct NoiseClientConfig {
    /// Key that must have signed the server's certificate chain.
    pub trust_root: PublicKey,
    /// How long the handshake may take.
    pub handshake_timeout: Duration,
    /// Wall-clock time at `now` of [`NoiseClient::new`], unix seconds: certificate validity
    /// is checked against it (plus the time elapsed since).
    pub unix_time: u64,
}

/// What the Noise layer tells the layer above.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoiseEvent {
    /// The handshake finished: the server's static key was certified by the trust root.
    Established {
        /// The server's long-term static key.
        server_static: PublicKey,
    },
    /// One decrypted frame (flags byte and binary node).
    Frame(Vec<u8>),
}

enum Phase {
    Handshake(Box<ClientHandshake>),
    Transport(Box<TransportCipher>),
    Failed,
}

/// The client side of a connection's Noise layer.
pub struct NoiseClient {
    phase: Phase,
    encoder: FrameEncoder,
    decoder: FrameDecoder,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<NoiseEvent>,
    /// Plaintext frames sent before the handshake finished.
    early: Vec<Vec<u8>>,
    started: Instant,
    unix_time: u64,
    deadline: Option<Instant>,
}

impl std::fmt::Debug for NoiseClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let phase = match self.phase {
            Phase::Handshake(_) => "handshake",
            Phase::Transport(_) => "transport",
            Phase::Failed => "failed",
        };
        f.debug_struct("NoiseClient")
            .field("phase", &phase)
            .finish_non_exhaustive()
    }
}

impl NoiseClient {
    /// Starts a handshake at `now`: the intro and ClientHello are ready in
    /// [`poll_transmit`](Self::poll_transmit). `ephemeral` is this connection's fresh key,
    /// `static_key` the device's Noise key, `payload` the serialized `ClientPayload`.
    pub fn new(
        config: &NoiseClientConfig,
        ephemeral: KeyPair,
        static_key: KeyPair,
        payload: Vec<u8>,
        now: Instant,
    ) -> Self {
        let noise = NoiseConfig {
            trust_root: config.trust_root,
        };
        let hs = ClientHandshake::new(&noise, ephemeral, static_key, payload);
        let hello = hs.client_hello();
        let mut me = Self {
            phase: Phase::Handshake(Box::new(hs)),
            encoder: FrameEncoder::new(),
            decoder: FrameDecoder::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            early: Vec::new(),
            started: now,
            unix_time: config.unix_time,
            deadline: Some(now + config.handshake_timeout),
        };
        // A fresh encoder only refuses frames over 16 MiB; a hello is about 40 bytes. Should
        // it ever fail, the machine is failed and the first input says so.
        if me.frame_out(&hello).is_err() {
            me.fail();
        }
        me
    }

    /// Whether the handshake finished.
    pub fn is_established(&self) -> bool {
        matches!(self.phase, Phase::Transport(_))
    }

    fn fail(&mut self) -> NoiseLayerError {
        self.phase = Phase::Failed;
        self.deadline = None;
        NoiseLayerError::Failed
    }

    fn frame_out(&mut self, payload: &[u8]) -> Result<(), NoiseLayerError> {
        let framed = self.encoder.encode(payload)?;
        self.transmits.push_back(framed);
        Ok(())
    }

    fn guard<T>(&mut self, r: Result<T, NoiseLayerError>) -> Result<T, NoiseLayerError> {
        if r.is_err() {
            self.fail();
        }
        r
    }

    /// One WebSocket message from the server (any number of frames, or part of one). An error
    /// is fatal: the machine is failed and the connection must be dropped.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) -> Result<(), NoiseLayerError> {
        if matches!(self.phase, Phase::Failed) {
            return Err(NoiseLayerError::Failed);
        }
        self.decoder.push(data);
        loop {
            let frame = match self.decoder.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return self.guard(Err(e.into())),
            };
            let r = self.on_frame(now, frame);
            self.guard(r)?;
        }
    }

    fn on_frame(&mut self, now: Instant, frame: Vec<u8>) -> Result<(), NoiseLayerError> {
        match std::mem::replace(&mut self.phase, Phase::Failed) {
            Phase::Handshake(hs) => {
                let elapsed = now.saturating_duration_since(self.started).as_secs();
                let mut finished = hs.read_server_hello(&frame, self.unix_time + elapsed)?;
                let cipher = finished.take_cipher().ok_or(NoiseLayerError::Failed)?;
                self.frame_out(&finished.client_finish)?;
                self.phase = Phase::Transport(Box::new(cipher));
                self.deadline = None;
                self.events.push_back(NoiseEvent::Established {
                    server_static: finished.server_static,
                });
                for plain in std::mem::take(&mut self.early) {
                    self.send(&plain)?;
                }
                Ok(())
            }
            Phase::Transport(mut cipher) => {
                let plain = cipher.decrypt(&frame)?;
                self.phase = Phase::Transport(cipher);
                if self.events.len() >= MAX_QUEUED_FRAMES {
                    return Err(NoiseLayerError::QueueFull(self.events.len()));
                }
                self.events.push_back(NoiseEvent::Frame(plain));
                Ok(())
            }
            Phase::Failed => Err(NoiseLayerError::Failed),
        }
    }

    /// Seals one plaintext frame (flags byte and node) for the server. Before the handshake
    /// finishes it waits, and goes out right after the ClientFinish.
    pub fn send(&mut self, plain: &[u8]) -> Result<(), NoiseLayerError> {
        match &mut self.phase {
            Phase::Transport(cipher) => {
                let sealed = cipher.encrypt(plain);
                let sealed = self.guard(sealed.map_err(NoiseLayerError::from))?;
                let r = self.frame_out(&sealed);
                self.guard(r)
            }
            Phase::Handshake(_) => {
                if self.early.len() >= MAX_QUEUED_FRAMES {
                    return Err(NoiseLayerError::QueueFull(self.early.len()));
                }
                self.early.push(plain.to_vec());
                Ok(())
            }
            Phase::Failed => Err(NoiseLayerError::Failed),
        }
    }

    /// The handshake deadline, while the handshake runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time passed: a handshake still running at its deadline fails.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), NoiseLayerError> {
        match self.deadline {
            Some(deadline) if now >= deadline => {
                self.fail();
                Err(NoiseLayerError::HandshakeTimeout)
            }
            _ => Ok(()),
        }
    }

    /// The next WebSocket message to write.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// The next event for the layer above.
    pub fn poll_event(&mut self) -> Option<NoiseEvent> {
        self.events.pop_front()
    }
}
