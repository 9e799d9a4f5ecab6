//! Client role of the XX handshake (transport.md §3.2).

use prost::Message;
use wa_protobuf::wa::handshake_message::{ClientFinish, ClientHello};
use wa_protobuf::wa::HandshakeMessage;

use super::cert::{verify_cert_chain, VerifiedChain};
use super::error::HandshakeError;
use super::symmetric::SymmetricState;
use super::transport::{TransportCipher, TransportKeys};
use super::{NoiseConfig, WA_HEADER};
use crate::crypto::{KeyPair, PublicKey};

/// A client handshake waiting for the ServerHello.
///
/// Created with the ephemeral key for this connection, the long-term Noise static key and the
/// serialized `ClientPayload` to send at the end; consumed by [`read_server_hello`], so a failed
/// handshake cannot be resumed.
///
/// [`read_server_hello`]: ClientHandshake::read_server_hello
#[derive(Debug)]
// Clone only in fuzz builds: a copied handshake would reuse its ephemeral key.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct ClientHandshake {
    state: SymmetricState,
    trust_root: PublicKey,
    ephemeral: KeyPair,
    static_key: KeyPair,
    payload: Vec<u8>,
}

/// Result of a successful client handshake.
#[derive(Debug)]
pub struct ClientFinished {
    /// The `HandshakeMessage{clientFinish}` frame payload to send.
    pub client_finish: Vec<u8>,
    /// The transport keys (`split` output).
    pub keys: TransportKeys,
    /// The server's static key, as certified by the verified chain.
    pub server_static: PublicKey,
    /// What the certificate verification learned.
    pub chain: VerifiedChain,
    /// Set once the transport cipher was handed out.
    pub(crate) cipher_taken: bool,
}

impl ClientFinished {
    /// The client's transport cipher for these keys, both counters at 0. Only the first call
    /// returns it: a second cipher on the same keys would reuse nonces.
    pub fn take_cipher(&mut self) -> Option<TransportCipher> {
        if std::mem::replace(&mut self.cipher_taken, true) {
            return None;
        }
        Some(TransportCipher::client(&self.keys))
    }
}

/// Decodes a handshake field that must be a 32-byte public key.
pub(crate) fn key_field(bytes: &[u8], what: &'static str) -> Result<PublicKey, HandshakeError> {
    PublicKey::from_slice(bytes).ok_or(HandshakeError::KeyLength {
        what,
        len: bytes.len(),
    })
}

impl ClientHandshake {
    /// Starts a handshake: mixes the prologue (the WA header) and our ephemeral key.
    pub fn new(
        config: &NoiseConfig,
        ephemeral: KeyPair,
        static_key: KeyPair,
        payload: Vec<u8>,
    ) -> Self {
        let mut state = SymmetricState::new();
        state.mix_hash(&WA_HEADER);
        state.mix_hash(ephemeral.public.as_bytes());
        Self {
            state,
            trust_root: config.trust_root,
            ephemeral,
            static_key,
            payload,
        }
    }

    /// The `HandshakeMessage{clientHello{ephemeral}}` frame payload (the frame encoder adds the
    /// connection header in front of this first frame).
    pub fn client_hello(&self) -> Vec<u8> {
        HandshakeMessage {
            client_hello: Some(ClientHello {
                ephemeral: Some(self.ephemeral.public.as_bytes().to_vec()),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec()
    }

    /// Processes the ServerHello frame payload: derives the server's static key, verifies its
    /// certificate chain against the trust root at time `now` (unix seconds), and produces the
    /// ClientFinish with our encrypted static key and payload, plus the transport keys.
    pub fn read_server_hello(
        mut self,
        frame: &[u8],
        now: u64,
    ) -> Result<ClientFinished, HandshakeError> {
        let message = HandshakeMessage::decode(frame)?;
        let hello = message
            .server_hello
            .ok_or(HandshakeError::Missing("serverHello"))?;
        let server_ephemeral = key_field(
            hello
                .ephemeral
                .as_deref()
                .ok_or(HandshakeError::Missing("serverHello.ephemeral"))?,
            "server ephemeral",
        )?;
        let encrypted_static = hello
            .r#static
            .as_deref()
            .ok_or(HandshakeError::Missing("serverHello.static"))?;
        let encrypted_payload = hello
            .payload
            .as_deref()
            .ok_or(HandshakeError::Missing("serverHello.payload"))?;

        let state = &mut self.state;
        state.mix_hash(server_ephemeral.as_bytes());
        state.mix_shared_secret(&self.ephemeral.private, &server_ephemeral);
        let static_bytes = state
            .decrypt_and_hash(encrypted_static)
            .ok_or(HandshakeError::Decrypt("serverHello.static"))?;
        let server_static = key_field(&static_bytes, "server static")?;
        state.mix_shared_secret(&self.ephemeral.private, &server_static);
        let cert_bytes = state
            .decrypt_and_hash(encrypted_payload)
            .ok_or(HandshakeError::Decrypt("serverHello.payload"))?;
        let chain = verify_cert_chain(&cert_bytes, &self.trust_root, &server_static, now)?;

        let encrypted_own_static = state.encrypt_and_hash(self.static_key.public.as_bytes());
        state.mix_shared_secret(&self.static_key.private, &server_ephemeral);
        let encrypted_own_payload = state.encrypt_and_hash(&self.payload);
        let client_finish = HandshakeMessage {
            client_finish: Some(ClientFinish {
                r#static: Some(encrypted_own_static),
                payload: Some(encrypted_own_payload),
            }),
            ..Default::default()
        }
        .encode_to_vec();
        let (write, read) = state.split();
        Ok(ClientFinished {
            client_finish,
            keys: TransportKeys {
                client_to_server: *write,
                server_to_client: *read,
            },
            server_static,
            chain,
            cipher_taken: false,
        })
    }
}
