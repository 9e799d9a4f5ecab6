//! Wire types shared with the protocol crate.
//!
//! TEMPORARY until `wa_protocol::binary` lands on main: a string stands in for `Jid`.
pub type Jid = String;
