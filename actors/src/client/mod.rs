//! The public client: [`Client`], [`ClientBuilder`], [`ClientConfig`], and the root actor
//! `ClientSup` behind them (its lifecycle in `lifecycle.rs`, its API messages in `api.rs`).

mod api;
mod builder;
pub(crate) mod config;
mod handle;
mod lifecycle;
mod payload;
mod queries;
mod sending;
mod status;
pub(crate) mod supervisor;

pub use builder::ClientBuilder;
pub use config::{ClientConfig, DEFAULT_INBOUND_HIGH_WATER, DEFAULT_RECEIVE_BATCH, DEFAULT_URL};
pub use handle::{Client, ClientError, RawConnection};
pub use status::{AccountState, ClientStatus, ConnectionState, StopReason};
