//! `wa-actors`: a WhatsApp Web multi-device client library built as a supervision tree of
//! [`ractor`](https://docs.rs/ractor) actors over a pure, sans-IO protocol core.
//!
//! This facade re-exports the workspace crates so applications depend on one crate:
//! - [`proto`]: prost types of the WhatsApp and Signal protobufs;
//! - [`protocol`]: binary nodes, JIDs, Noise, Signal and the rest of the wire logic, with no I/O.

pub use wa_protobuf as proto;
pub use wa_protocol as protocol;
