//! Sans-IO WhatsApp Web multi-device protocol core.
//!
//! Every module here is a pure function or a state machine: bytes and events in, bytes and
//! events out. Nothing performs I/O, reads a clock or draws from a global RNG; callers pass the
//! current time and a random source in. That keeps every protocol path testable with two
//! in-process parties and no sockets.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod appstate;
pub mod binary;
pub mod connection;
pub mod crypto;
pub mod groups;
pub mod history;
pub mod media;
pub mod message;
pub mod noise;
pub mod pairing;
pub mod send;
pub mod signal;
pub mod stanza;
pub mod usync;
pub mod websocket;
