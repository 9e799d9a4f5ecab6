//! Typed views of stanzas and the pure tables that classify them.

pub mod ack;
pub mod attrs;
mod business;
pub mod codes;
pub mod digest;
pub mod group_changes;
mod group_info;
pub mod iq;
pub mod notification;
pub mod prekey_nodes;
pub mod prekeys;
pub mod prekeys_server;
pub mod presence;
pub mod privacy;
pub mod read;
pub mod receipt;
pub mod stream_error;
