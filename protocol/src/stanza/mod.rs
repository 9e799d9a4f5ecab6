//! Typed views of stanzas and the pure tables that classify them.

pub mod ack;
pub mod codes;
pub mod iq;
pub mod prekeys;
pub mod stream_error;
