//! Why a connection layer failed or ended.

use thiserror::Error;

use crate::binary::{DecodeError, EncodeError, Node};
use crate::noise::{FrameError, HandshakeError, TransportError};
use crate::stanza::stream_error::{ConnectionOutcome, StreamErrorParseError};

/// A fatal error of a Noise machine: the connection cannot go on.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum NoiseLayerError {
    /// The byte stream does not split into frames (bad intro, oversized frame).
    #[error("framing: {0}")]
    Frame(#[from] FrameError),
    /// The handshake failed (bad message, bad certificate chain, failed decryption).
    #[error("handshake: {0}")]
    Handshake(#[from] HandshakeError),
    /// A transport frame failed to authenticate, or the nonce counter ran out.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The handshake did not finish before its deadline.
    #[error("the Noise handshake timed out")]
    HandshakeTimeout,
    /// More than [`MAX_QUEUED_FRAMES`](super::MAX_QUEUED_FRAMES) frames waited in a queue.
    #[error("too many frames queued ({0})")]
    QueueFull(usize),
    /// The machine failed earlier; nothing more can go through it.
    #[error("the Noise layer already failed")]
    Failed,
}

/// How a client connection ended, as the stanza layer reports it in
/// [`StanzaEvent::Ended`](super::StanzaEvent::Ended).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EndReason {
    /// The server ended it with a classified `stream:error`, `failure` or `xmlstreamend`.
    Server {
        /// What the client should do next.
        outcome: ConnectionOutcome,
        /// The stanza that said so.
        node: Box<Node>,
    },
    /// A `failure` or `stream:error` whose attributes could not be read.
    UnreadableEnd {
        /// The tag of the stanza.
        tag: String,
        /// What was wrong with it.
        error: StreamErrorParseError,
    },
    /// Too many keepalive pings went unanswered in a row.
    KeepaliveTimeout {
        /// Missed pings in a row.
        misses: u32,
    },
    /// The socket closed or broke (reported by the driver through `handle_close`).
    SocketClosed(String),
}

impl EndReason {
    /// Whether this end calls for a reconnect with backoff, at once, or not at all.
    pub fn outcome(&self) -> Option<&ConnectionOutcome> {
        match self {
            EndReason::Server { outcome, .. } => Some(outcome),
            _ => None,
        }
    }
}

/// Why an outbound stanza could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SendError {
    /// The node cannot be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The connection ended; nothing more is sent.
    #[error("the connection has ended")]
    Ended,
}

/// A frame that authenticated but did not decode into a node: logged, counted and skipped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("undecodable frame of {len} bytes: {error}")]
pub struct BadFrame {
    /// Length of the plaintext frame.
    pub len: usize,
    /// Why it did not decode.
    pub error: DecodeError,
}
