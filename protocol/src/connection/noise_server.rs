//! The server role of the Noise layer, for the fake server and the two-party tests: intro and
//! ClientHello in, ServerHello (with the certificate chain) out, ClientFinish in (the client's
//! static key and `ClientPayload` learned), then transport frames both ways.

use std::collections::VecDeque;

use wa_protobuf::wa::ClientPayload;

use super::error::NoiseLayerError;
use super::MAX_QUEUED_FRAMES;
use crate::crypto::{KeyPair, PublicKey};
use crate::noise::{
    FrameDecoder, FrameEncoder, ServerAwaitingFinish, ServerHandshake, TransportCipher,
};

/// What the server's Noise layer tells the layer above.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NoiseServerEvent {
    /// The client finished the handshake.
    Authenticated {
        /// The client's long-term Noise static key.
        client_static: PublicKey,
        /// Its login or registration payload.
        payload: Box<ClientPayload>,
    },
    /// One decrypted frame (flags byte and binary node).
    Frame(Vec<u8>),
}

enum Phase {
    Hello(Box<ServerHandshake>),
    Finish(Box<ServerAwaitingFinish>),
    Transport(Box<TransportCipher>),
    Failed,
}

/// The server side of a connection's Noise layer.
pub struct NoiseServer {
    phase: Phase,
    encoder: FrameEncoder,
    decoder: FrameDecoder,
    transmits: VecDeque<Vec<u8>>,
    events: VecDeque<NoiseServerEvent>,
}

impl std::fmt::Debug for NoiseServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let phase = match self.phase {
            Phase::Hello(_) => "hello",
            Phase::Finish(_) => "finish",
            Phase::Transport(_) => "transport",
            Phase::Failed => "failed",
        };
        f.debug_struct("NoiseServer")
            .field("phase", &phase)
            .finish_non_exhaustive()
    }
}

impl NoiseServer {
    /// A server waiting for a client's intro, with this connection's ephemeral key, its static
    /// key and the serialized `CertChain` certifying that key.
    pub fn new(ephemeral: KeyPair, static_key: KeyPair, cert_chain: Vec<u8>) -> Self {
        Self {
            phase: Phase::Hello(Box::new(ServerHandshake::new(
                ephemeral, static_key, cert_chain,
            ))),
            encoder: FrameEncoder::without_intro(),
            decoder: FrameDecoder::expecting_intro(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Routing info the client sent in its pre-intro, once read.
    pub fn routing_info(&self) -> Option<&[u8]> {
        self.decoder.routing_info()
    }

    /// Whether the handshake finished.
    pub fn is_established(&self) -> bool {
        matches!(self.phase, Phase::Transport(_))
    }

    /// One WebSocket message from the client. An error is fatal.
    pub fn handle_input(&mut self, data: &[u8]) -> Result<(), NoiseLayerError> {
        if matches!(self.phase, Phase::Failed) {
            return Err(NoiseLayerError::Failed);
        }
        self.decoder.push(data);
        loop {
            let r = match self.decoder.next_frame() {
                Ok(Some(frame)) => self.on_frame(frame),
                Ok(None) => return Ok(()),
                Err(e) => Err(e.into()),
            };
            if r.is_err() {
                self.phase = Phase::Failed;
            }
            r?;
        }
    }

    fn on_frame(&mut self, frame: Vec<u8>) -> Result<(), NoiseLayerError> {
        match std::mem::replace(&mut self.phase, Phase::Failed) {
            Phase::Hello(hs) => {
                let (hello, awaiting) = hs.read_client_hello(&frame)?;
                self.transmits.push_back(self.encoder.encode(&hello)?);
                self.phase = Phase::Finish(Box::new(awaiting));
            }
            Phase::Finish(awaiting) => {
                let mut finished = awaiting.read_client_finish(&frame)?;
                let cipher = finished.take_cipher().ok_or(NoiseLayerError::Failed)?;
                self.phase = Phase::Transport(Box::new(cipher));
                self.events.push_back(NoiseServerEvent::Authenticated {
                    client_static: finished.client_static,
                    payload: Box::new(finished.payload),
                });
            }
            Phase::Transport(mut cipher) => {
                let plain = cipher.decrypt(&frame)?;
                self.phase = Phase::Transport(cipher);
                if self.events.len() >= MAX_QUEUED_FRAMES {
                    return Err(NoiseLayerError::QueueFull(self.events.len()));
                }
                self.events.push_back(NoiseServerEvent::Frame(plain));
            }
            Phase::Failed => return Err(NoiseLayerError::Failed),
        }
        Ok(())
    }

    /// Seals one plaintext frame for the client (only after the handshake).
    pub fn send(&mut self, plain: &[u8]) -> Result<(), NoiseLayerError> {
        let Phase::Transport(cipher) = &mut self.phase else {
            return Err(NoiseLayerError::Failed);
        };
        let sealed = cipher.encrypt(plain)?;
        self.transmits.push_back(self.encoder.encode(&sealed)?);
        Ok(())
    }

    /// Frames raw bytes as they are, without encrypting: for tests that send garbage.
    pub fn send_unsealed(&mut self, bytes: &[u8]) -> Result<(), NoiseLayerError> {
        self.transmits.push_back(self.encoder.encode(bytes)?);
        Ok(())
    }

    /// The next WebSocket message to write.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmits.pop_front()
    }

    /// The next event for the layer above.
    pub fn poll_event(&mut self) -> Option<NoiseServerEvent> {
        self.events.pop_front()
    }
}
