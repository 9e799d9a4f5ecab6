//! Prost types for the WhatsApp (`wa`) and Signal (`signal`) protobufs used by wa-actors.
//!
//! The `.proto` files under `protos/` are our own, written from the field numbers listed in
//! `shared/protocol/proto-subset.md` (checked against whatsmeow's `proto/` folder and
//! whatsapp-rust's `waproto/src/whatsapp.proto`). They hold what the client uses, plus every
//! top-level field of the E2E `Message` (so no kind of message decodes as empty).

#![allow(clippy::all, missing_docs, rustdoc::all)]

/// WhatsApp messages: handshake, certificates, ADV, E2E messages, app state, history sync.
pub mod wa {
    include!(concat!(env!("OUT_DIR"), "/wa.rs"));
}

/// Signal wire messages carried inside `<enc>` payloads (versioned and MAC'd elsewhere).
pub mod signal {
    include!(concat!(env!("OUT_DIR"), "/signal.rs"));
}

/// Field numbers of the E2E `wa::Message`, generated from `protos/e2e.proto` by the build script.
pub mod message_fields {
    include!(concat!(env!("OUT_DIR"), "/message_fields.rs"));
}

pub use prost::Message as ProstMessage;
