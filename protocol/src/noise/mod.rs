//! Noise XX handshake (client and server roles), certificate chain, transport cipher and frames.
//!
//! Everything here is sans-IO: the handshake roles take and return frame payloads, the frame
//! codec turns websocket messages into frames and back, and the transport cipher encrypts and
//! decrypts frame payloads. Time (`now`, unix seconds) and key material come in as parameters.
//!
//! A client connection runs:
//! 1. [`FrameEncoder::new`] / [`FrameDecoder::new`] for the socket;
//! 2. [`ClientHandshake::new`] → [`ClientHandshake::client_hello`] → send;
//! 3. receive the ServerHello frame → [`ClientHandshake::read_server_hello`] → send the
//!    ClientFinish payload; keep the returned [`TransportCipher`];
//! 4. every later frame goes through [`TransportCipher`] (or its [`split`](TransportCipher::split)
//!    halves).
//!
//! Protocol facts: `shared/protocol/transport.md` §2–§4.

pub mod cert;
pub mod cert_builder;
pub mod client;
pub mod error;
pub mod frame;
pub mod payload;
pub mod payload_server;
pub mod server;
pub mod symmetric;
pub mod transport;

pub use cert::{verify_cert_chain, VerifiedChain};
pub use cert_builder::{build_cert_chain, CertSpec};
pub use client::{ClientFinished, ClientHandshake};
pub use error::{CertError, FrameError, HandshakeError, TransportError};
pub use frame::{FrameDecoder, FrameEncoder};
pub use payload::{
    login_payload, registration_payload, web_sub_platform, PayloadConfig, RegistrationData,
};
pub use payload_server::{parse_registration_payload, RegistrationError};
pub use server::{ServerAwaitingFinish, ServerFinished, ServerHandshake};
pub use transport::{Decryptor, Encryptor, TransportCipher, TransportKeys};

use crate::crypto::PublicKey;

/// `Noise_XX_25519_AESGCM_SHA256` padded with four NUL bytes to exactly 32 bytes, so it is used
/// directly as the initial hash and chaining key (no SHA-256 of the name).
pub const NOISE_MODE: [u8; 32] = *b"Noise_XX_25519_AESGCM_SHA256\0\0\0\0";

/// The connection header `'W' 'A' 6 3`: magic value 6, token dictionary version 3. Sent before
/// the first frame and mixed into the handshake hash as the prologue.
pub const WA_HEADER: [u8; 4] = [0x57, 0x41, 0x06, 0x03];

/// Prefix of the optional edge-routing pre-intro (`'E' 'D' 0 1`), followed by a u24be length
/// and the routing info, sent before [`WA_HEADER`].
pub const EDGE_ROUTING_PREFIX: [u8; 4] = [0x45, 0x44, 0x00, 0x01];

/// Largest frame payload a u24 length can describe: `1 << 24` − 1 bytes.
pub const MAX_FRAME_LEN: usize = (1 << 24) - 1;

/// WhatsApp's long-term certificate root key (XEdDSA verification key, whatsmeow
/// `WACertPubKey`, Baileys `WA_CERT_DETAILS.PUBLIC_KEY`), the default trust root.
pub const WA_CERT_ROOT: PublicKey = PublicKey([
    0x14, 0x23, 0x75, 0x57, 0x4d, 0x0a, 0x58, 0x71, 0x66, 0xaa, 0xe7, 0x1e, 0xbe, 0x51, 0x64, 0x37,
    0xc4, 0xa2, 0x8b, 0x73, 0xe3, 0x69, 0x5c, 0x6c, 0xe1, 0xf7, 0xf9, 0x54, 0x5d, 0xa8, 0xee, 0x6b,
]);

/// The `issuerSerial` an intermediate certificate signed by the root must carry.
pub const ROOT_ISSUER_SERIAL: u32 = 0;

/// Settings of a Noise client handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoiseConfig {
    /// Key that must have signed the server's intermediate certificate.
    pub trust_root: PublicKey,
}

impl Default for NoiseConfig {
    /// Trusts the real WhatsApp root, [`WA_CERT_ROOT`].
    fn default() -> Self {
        Self {
            trust_root: WA_CERT_ROOT,
        }
    }
}

#[cfg(test)]
mod tests;
