//! The ractor supervision tree, events, store and public client API of wa-actors.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod broadcaster;
pub mod client;
pub mod conn;
pub mod events;
pub mod pairing;
pub mod prekeys;
pub(crate) mod recv;
pub(crate) mod state;
pub mod store;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transport;
pub mod wire;

pub use client::{Client, ClientBuilder, ClientConfig, ClientError};
