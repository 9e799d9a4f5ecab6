//! `wa-actors`: a WhatsApp Web multi-device client library built as a supervision tree of
//! [`ractor`](https://docs.rs/ractor) actors over a pure, sans-IO protocol core.
//!
//! This facade re-exports the workspace crates so applications depend on one crate:
//! - [`proto`]: prost types of the WhatsApp and Signal protobufs;
//! - [`protocol`]: binary nodes, JIDs, Noise, Signal and the rest of the wire logic, with no I/O.

/// The actor side: events, the broadcaster, the store, transports and supervision helpers.
pub use wa_actors_core as actors;
pub use wa_actors_core::broadcaster::{BroadcasterHandle, EventStream, StreamItem};
pub use wa_actors_core::client::{Client, ClientBuilder, ClientConfig, ClientError};
pub use wa_actors_core::events::{Event, EventFilter, EventHandler, EventKind};
pub use wa_actors_core::store::{MemoryStore, SqliteStore, Store};
pub use wa_protobuf as proto;
pub use wa_protocol as protocol;
