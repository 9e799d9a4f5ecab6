//! Typed errors of the Noise layer: handshake, certificate chain, transport cipher, frames.

use thiserror::Error;

/// Why a server certificate chain was rejected. One variant per check of
/// `shared/protocol/transport.md` §3.3, so callers and tests can tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertError {
    /// The chain, or one of its certificates' details, is not valid protobuf.
    #[error("certificate chain is not valid protobuf: {0}")]
    Malformed(#[from] prost::DecodeError),
    /// A certificate, its details or its signature is absent.
    #[error("certificate chain lacks {0}")]
    Missing(&'static str),
    /// A signature is not 64 bytes long.
    #[error("{0} signature is not 64 bytes")]
    SignatureLength(&'static str),
    /// The intermediate certificate is not signed by the trust root (also what a wrong root gives).
    #[error("intermediate certificate signature does not verify against the trust root")]
    IntermediateSignatureInvalid,
    /// The intermediate's issuer serial is not the root's serial (0).
    #[error("intermediate issuer serial is {0}, want 0")]
    IntermediateIssuerSerial(u32),
    /// The intermediate's key is not a 32-byte Curve25519 key.
    #[error("intermediate key is {0} bytes, want 32")]
    IntermediateKeyLength(usize),
    /// The leaf certificate is not signed by the intermediate's key.
    #[error("leaf certificate signature does not verify against the intermediate key")]
    LeafSignatureInvalid,
    /// `now` is before the intermediate's `notBefore`.
    #[error("intermediate certificate not valid before {not_before} (now {now})")]
    IntermediateNotYetValid {
        /// Start of the validity window, unix seconds.
        not_before: u64,
        /// The time checked against.
        now: u64,
    },
    /// `now` is after the intermediate's `notAfter`.
    #[error("intermediate certificate expired at {not_after} (now {now})")]
    IntermediateExpired {
        /// End of the validity window, unix seconds.
        not_after: u64,
        /// The time checked against.
        now: u64,
    },
    /// The leaf's issuer serial is not the intermediate's serial.
    #[error("leaf issuer serial {leaf_issuer} does not match intermediate serial {intermediate}")]
    LeafIssuerSerialMismatch {
        /// `issuerSerial` of the leaf.
        leaf_issuer: u32,
        /// `serial` of the intermediate.
        intermediate: u32,
    },
    /// The leaf does not certify the server static key the handshake decrypted.
    #[error("leaf certificate key does not match the server static key")]
    LeafKeyMismatch,
    /// `now` is before the leaf's `notBefore`.
    #[error("leaf certificate not valid before {not_before} (now {now})")]
    LeafNotYetValid {
        /// Start of the validity window, unix seconds.
        not_before: u64,
        /// The time checked against.
        now: u64,
    },
    /// `now` is after the leaf's `notAfter`.
    #[error("leaf certificate expired at {not_after} (now {now})")]
    LeafExpired {
        /// End of the validity window, unix seconds.
        not_after: u64,
        /// The time checked against.
        now: u64,
    },
}

/// Why a handshake message was rejected (either role).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HandshakeError {
    /// The frame is not a valid `HandshakeMessage` protobuf.
    #[error("handshake message is not valid protobuf: {0}")]
    Decode(#[from] prost::DecodeError),
    /// The message lacks the part this step expects (e.g. `serverHello`, or its `static`).
    #[error("handshake message lacks {0}")]
    Missing(&'static str),
    /// A public key field does not hold exactly 32 bytes.
    #[error("{what} is {len} bytes, want 32")]
    KeyLength {
        /// Which key.
        what: &'static str,
        /// Its actual length.
        len: usize,
    },
    /// An encrypted handshake field failed AES-GCM authentication.
    #[error("handshake field {0} failed authentication")]
    Decrypt(&'static str),
    /// The server's certificate chain was rejected.
    #[error("server certificate rejected: {0}")]
    Cert(#[from] CertError),
    /// The decrypted client payload is not a valid `ClientPayload` protobuf.
    #[error("client payload is not valid protobuf: {0}")]
    Payload(prost::DecodeError),
}

/// Errors of the post-handshake transport cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TransportError {
    /// AES-GCM authentication failed: the frame was forged, corrupted or out of order.
    #[error("transport frame failed authentication (counter {counter})")]
    BadTag {
        /// The receive counter the frame was tried with.
        counter: u32,
    },
    /// The 32-bit nonce counter is used up; the connection must be re-established.
    #[error("transport nonce counter exhausted")]
    CounterExhausted,
    /// AES-GCM refused to encrypt the plaintext (beyond its 64 GiB limit).
    #[error("plaintext too large for AES-GCM")]
    PlaintextTooLarge,
}

/// Errors of the frame codec.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A frame to send, or announced by a received length, exceeds the limit.
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    TooLarge {
        /// Length of the frame.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// Routing info for the edge-routing pre-intro does not fit a u24 length.
    #[error("routing info of {0} bytes does not fit the pre-intro")]
    RoutingInfoTooLarge(usize),
    /// A server-side decoder expected the connection header and got other bytes.
    #[error("connection does not start with the WhatsApp header")]
    BadIntro,
    /// Bytes pushed without taking frames out would exceed the decoder's buffer bound.
    #[error("frame decoder buffer would hold {len} bytes, more than its bound of {max}")]
    BufferFull {
        /// What the buffer would have held.
        len: usize,
        /// The bound in force.
        max: usize,
    },
}
