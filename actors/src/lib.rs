//! The ractor supervision tree, events, store and public client API of wa-actors.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(unreachable_pub)]

pub(crate) mod appstate;
pub mod bot;
pub mod broadcaster;
pub mod client;
pub mod conn;
pub mod counters;
pub mod directory;
pub mod events;
pub mod history;
pub(crate) mod keygen;
pub(crate) mod link;
pub mod media;
pub mod pairing;
pub mod prekeys;
pub(crate) mod recv;
pub mod send;
pub(crate) mod state;
pub mod store;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transport;
pub mod wire;

pub use appstate::{MutationError, SyncError as AppStateSyncError};
pub use client::{Client, ClientBuilder, ClientConfig, ClientError};
pub use link::IqError;
