//! The public client: [`Client`], [`ClientBuilder`], [`ClientConfig`], and the root actor
//! `ClientSup` behind them.

pub(crate) mod config;
pub(crate) mod counters;
mod events_map;
mod handle;
mod inbound;
mod payload;
pub(crate) mod supervisor;

pub use config::{ClientConfig, DEFAULT_URL};
pub use counters::{CounterSnapshot, Counters};
pub use handle::{Client, ClientBuilder, ClientError};
pub use supervisor::{AccountState, ClientStatus, ConnectionState};
