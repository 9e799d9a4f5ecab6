//! The client side of RFC 6455, sans-IO: the HTTP upgrade (`handshake`) and the frames
//! (`frame`). The transport reads and writes the bytes; every rule about them is here, so the
//! decoder is fuzzed like the others.

pub mod frame;
pub mod handshake;

pub use frame::{encode, FrameError, FrameReader, Incoming, OutKind, KEEP_BUFFER, MAX_MESSAGE};
pub use handshake::{accept_for, check_response, request, HandshakeError, MAX_RESPONSE};
