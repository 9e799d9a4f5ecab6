//! `wa-actors`: a WhatsApp Web multi-device client library built as a supervision tree of
//! [`ractor`](https://docs.rs/ractor) actors over a pure, sans-IO protocol core.
//!
//! This facade is the one crate applications depend on. The client side is re-exported at the
//! top level ([`Client`], [`ClientBuilder`], [`events`], [`store`], …); the wire types are
//! under [`protocol`] (binary nodes, JIDs, Noise, Signal, stanzas) and [`proto`] (the
//! WhatsApp and Signal protobufs).

pub use wa_actors_core::{
    bot, broadcaster, client, conn, counters, directory, events, history, media, pairing, prekeys,
    send, store, supervision, transport, wire,
};
pub use wa_actors_core::{
    AppStateSyncError, Client, ClientBuilder, ClientConfig, ClientError, IqError, MutationError,
};

pub use wa_actors_core::bot::{Bot, BotBuilder, BotError, HandlerError, MessageContext};
pub use wa_actors_core::broadcaster::{BroadcasterHandle, EventStream, StreamItem};
pub use wa_actors_core::client::{AccountState, ClientStatus, ConnectionState, StopReason};
pub use wa_actors_core::events::{Event, EventFilter, EventHandler, EventKind};
pub use wa_actors_core::store::{MemoryStore, SqliteStore, Store};
pub use wa_protobuf as proto;
pub use wa_protocol as protocol;

/// Test hooks (`Client::kill`, raw event publishing, provisioning a device a fake server
/// issued), with the `testing` feature.
#[cfg(feature = "testing")]
pub use wa_actors_core::testing;
