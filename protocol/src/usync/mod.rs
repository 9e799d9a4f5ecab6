//! usync: the user-directory query (`<iq xmlns="usync">`), both roles.
//!
//! The client asks for a list of users and a set of protocols (device lists, LIDs, whether a
//! phone number is registered); the server answers one `<user>` per user it knows. Shapes are
//! in `../shared/protocol/server.md` §6 and `messages.md` §5.2 (whatsmeow `user.go` `usync`,
//! `parseDeviceList`; Baileys `WAUSync/*`; whatsapp-rust `wacore/src/iq/usync.rs`).
//!
//! [`query`] builds the client's request, [`result`] reads the server's answer, [`server`]
//! reads a request and builds the answer. Every reader returns a typed [`UsyncError`] and
//! bounds what a hostile reply can make it allocate ([`MAX_QUERY_USERS`],
//! [`MAX_REPLY_USERS`], [`MAX_DEVICES_PER_USER`]).

pub mod error;
pub mod query;
pub mod result;
pub mod server;

pub use error::UsyncError;
pub use query::{QueryUser, UsyncContext, UsyncMode, UsyncProtocols, UsyncQuery};
pub use result::{parse_result, ContactStatus, DeviceEntry, UserDevices, UsyncUser};
pub use server::{parse_query, result_iq, UserAnswer, UsyncRequest};

/// The iq namespace.
pub const USYNC_XMLNS: &str = "usync";
/// Most users one query may name; callers split longer lists (whatsmeow sends one query
/// per call, the real server's own limit is not documented, so stay well under it).
pub const MAX_QUERY_USERS: usize = 256;
/// Most `<user>`s read from one reply; more is refused rather than allocated.
pub const MAX_REPLY_USERS: usize = 1024;
/// Most devices read for one user: the phone plus a handful of companions (and hosted
/// devices) is the real shape, so 64 leaves room without letting a reply grow without bound.
pub const MAX_DEVICES_PER_USER: usize = 64;

#[cfg(test)]
#[path = "usync_tests.rs"]
mod tests;
