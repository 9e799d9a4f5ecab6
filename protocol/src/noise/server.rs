//! Server role of the XX handshake, for the in-process fake server and for tests.

use prost::Message;
use wa_protobuf::wa::handshake_message::ServerHello;
use wa_protobuf::wa::{ClientPayload, HandshakeMessage};

use super::client::key_field;
use super::error::HandshakeError;
use super::symmetric::SymmetricState;
use super::transport::{TransportCipher, TransportKeys};
use super::WA_HEADER;
use crate::crypto::{KeyPair, PublicKey};

/// A server handshake waiting for the ClientHello.
#[derive(Debug)]
// Clone only in fuzz builds: a copied handshake would reuse its ephemeral key.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct ServerHandshake {
    ephemeral: KeyPair,
    static_key: KeyPair,
    cert_chain: Vec<u8>,
}

/// A server handshake that sent its ServerHello and waits for the ClientFinish.
#[derive(Debug)]
// Clone only in fuzz builds: a copied handshake would reuse its ephemeral key.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct ServerAwaitingFinish {
    state: SymmetricState,
    ephemeral: KeyPair,
}

/// Result of a successful server handshake.
#[derive(Debug)]
pub struct ServerFinished {
    /// The client's long-term Noise static key.
    pub client_static: PublicKey,
    /// The decoded `ClientPayload` (login or registration).
    pub payload: ClientPayload,
    /// The transport keys (`split` output).
    pub keys: TransportKeys,
    /// Set once the transport cipher was handed out.
    pub(crate) cipher_taken: bool,
}

impl ServerFinished {
    /// The server's transport cipher for these keys, both counters at 0. Only the first call
    /// returns it: a second cipher on the same keys would reuse nonces.
    pub fn take_cipher(&mut self) -> Option<TransportCipher> {
        if std::mem::replace(&mut self.cipher_taken, true) {
            return None;
        }
        Some(TransportCipher::server(&self.keys))
    }
}

impl ServerHandshake {
    /// A server with an ephemeral key for this connection, its static key, and the serialized
    /// `CertChain` certifying that static key (see [`build_cert_chain`](super::build_cert_chain)).
    pub fn new(ephemeral: KeyPair, static_key: KeyPair, cert_chain: Vec<u8>) -> Self {
        Self {
            ephemeral,
            static_key,
            cert_chain,
        }
    }

    /// Processes the ClientHello frame payload (connection header already stripped by the frame
    /// decoder) and returns the ServerHello frame payload.
    pub fn read_client_hello(
        self,
        frame: &[u8],
    ) -> Result<(Vec<u8>, ServerAwaitingFinish), HandshakeError> {
        let message = HandshakeMessage::decode(frame)?;
        let hello = message
            .client_hello
            .ok_or(HandshakeError::Missing("clientHello"))?;
        let client_ephemeral = key_field(
            hello
                .ephemeral
                .as_deref()
                .ok_or(HandshakeError::Missing("clientHello.ephemeral"))?,
            "client ephemeral",
        )?;

        let mut state = SymmetricState::new();
        state.mix_hash(&WA_HEADER);
        state.mix_hash(client_ephemeral.as_bytes());
        state.mix_hash(self.ephemeral.public.as_bytes());
        state.mix_shared_secret(&self.ephemeral.private, &client_ephemeral);
        let encrypted_static = state.encrypt_and_hash(self.static_key.public.as_bytes());
        state.mix_shared_secret(&self.static_key.private, &client_ephemeral);
        let encrypted_payload = state.encrypt_and_hash(&self.cert_chain);
        let server_hello = HandshakeMessage {
            server_hello: Some(ServerHello {
                ephemeral: Some(self.ephemeral.public.as_bytes().to_vec()),
                r#static: Some(encrypted_static),
                payload: Some(encrypted_payload),
            }),
            ..Default::default()
        }
        .encode_to_vec();
        Ok((
            server_hello,
            ServerAwaitingFinish {
                state,
                ephemeral: self.ephemeral,
            },
        ))
    }
}

impl ServerAwaitingFinish {
    /// Processes the ClientFinish frame payload: learns the client's static key, decrypts and
    /// decodes its `ClientPayload`, and derives the transport keys.
    pub fn read_client_finish(mut self, frame: &[u8]) -> Result<ServerFinished, HandshakeError> {
        let message = HandshakeMessage::decode(frame)?;
        let finish = message
            .client_finish
            .ok_or(HandshakeError::Missing("clientFinish"))?;
        let encrypted_static = finish
            .r#static
            .as_deref()
            .ok_or(HandshakeError::Missing("clientFinish.static"))?;
        let encrypted_payload = finish
            .payload
            .as_deref()
            .ok_or(HandshakeError::Missing("clientFinish.payload"))?;

        let state = &mut self.state;
        let static_bytes = state
            .decrypt_and_hash(encrypted_static)
            .ok_or(HandshakeError::Decrypt("clientFinish.static"))?;
        let client_static = key_field(&static_bytes, "client static")?;
        state.mix_shared_secret(&self.ephemeral.private, &client_static);
        let payload_bytes = state
            .decrypt_and_hash(encrypted_payload)
            .ok_or(HandshakeError::Decrypt("clientFinish.payload"))?;
        let payload =
            ClientPayload::decode(payload_bytes.as_slice()).map_err(HandshakeError::Payload)?;
        let (client_to_server, server_to_client) = state.split();
        Ok(ServerFinished {
            client_static,
            payload,
            keys: TransportKeys {
                client_to_server: *client_to_server,
                server_to_client: *server_to_client,
            },
            cipher_taken: false,
        })
    }
}
