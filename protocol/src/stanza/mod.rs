//! Typed views of stanzas and the pure tables that classify them.

pub mod codes;
pub mod ack;
pub mod iq;
pub mod stream_error;
