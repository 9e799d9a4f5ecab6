//! A connection as sans-IO state machines, in both roles, one machine per layer.
//!
//! | layer | client role | server role | in | out |
//! |---|---|---|---|---|
//! | Noise | [`NoiseClient`] | [`NoiseServer`] | WebSocket messages | WebSocket messages, plaintext frames |
//! | stanza | [`StanzaClient`] | [`StanzaServer`] | plaintext frames | plaintext frames, [`StanzaEvent`]s |
//!
//! Each machine is driven the way quinn-proto's `Connection` is: input goes in through
//! `handle_*(now, …)`, output comes out through `poll_transmit()` (bytes for the layer below),
//! `poll_event()` (what happened, for the layer above) and `poll_timeout()` (when to call
//! `handle_timeout(now)` next). Nothing here reads a clock, draws randomness or does I/O: the
//! driver passes `now`, key material and random seeds in. The actors of `wa-actors-core` drive
//! the client role over a WebSocket; `wa-testkit` drives the server role; the two-party harness
//! in `protocol/tests/connection_pair.rs` joins both in memory under a virtual clock.

mod error;
mod iq_table;
mod keepalive;
mod noise_client;
mod noise_server;
mod stanza_client;
mod stanza_server;

pub use error::{BadFrame, EndReason, NoiseLayerError, SendError};
pub use iq_table::IqTable;
pub use keepalive::{Keepalive, KeepaliveConfig};
pub use noise_client::{NoiseClient, NoiseClientConfig, NoiseEvent};
pub use noise_server::{NoiseServer, NoiseServerEvent};
pub use stanza_client::{StanzaClient, StanzaConfig, StanzaEvent};
pub use stanza_server::{StanzaServer, StanzaServerEvent};

/// Most plaintext frames a Noise machine holds for the layer above or below before the driver
/// drains them. Drivers drain after every `handle_*` call, so this only trips on a driver bug
/// or a peer that floods a handshake that is not finished.
pub const MAX_QUEUED_FRAMES: usize = 4096;
