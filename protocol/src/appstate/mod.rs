//! App-state sync ("syncd", `../shared/protocol/app-state.md`), both roles.
//!
//! Contacts, pins, mutes, archives, read marks and the push name are kept as encrypted records
//! in five collections. Each collection carries a version, a 128-byte LTHash over the value
//! MACs of its live records, and is guarded by a snapshot MAC and, per patch, a patch MAC.
//! Everything here is pure: the caller supplies keys, IVs and the bytes from the wire.
//!
//! [`keys`] expands a shared key, [`lthash`] and [`macs`] hold the integrity functions,
//! [`value`] the record encryption, [`state`] a collection's verified state, [`decode`]
//! verifies and decodes patches and snapshots, [`action`] turns an index and value into a
//! typed [`SyncAction`], [`encode`] builds outgoing patches and server-side snapshots, and
//! [`iq`] the sync iq in both directions.

pub mod action;
pub mod decode;
pub mod encode;
pub mod error;
pub mod iq;
pub mod keys;
pub mod lthash;
pub mod macs;
pub mod state;
pub mod value;

pub use action::SyncAction;
pub use decode::{decode_patch, decode_snapshot, DecodedMutation, Operation};
pub use encode::{encode_patch, encode_snapshot, OutgoingMutation};
pub use error::AppStateError;
pub use keys::{ExpandedKeys, KeySource};
pub use lthash::LtHash;
pub use state::CollectionState;

/// The XMPP namespace of the sync iq.
pub const SYNC_XMLNS: &str = "w:sync:app:state";

/// Every collection, in the order whatsmeow fetches them (`AllPatchNames`).
pub const ALL_COLLECTIONS: [&str; 5] = [
    "critical_block",
    "critical_unblock_low",
    "regular_high",
    "regular",
    "regular_low",
];

/// Most mutations read from one patch or records from one snapshot. Each costs an HKDF, two
/// HMACs and an AES decryption, so the bound caps what one hostile blob can make us compute;
/// real snapshots of large accounts stay in the tens of thousands.
pub const MAX_MUTATIONS: usize = 100_000;
/// Largest encrypted value blob accepted (IV, ciphertext and MAC). Real values are a few
/// hundred bytes.
pub const MAX_VALUE_BLOB: usize = 64 * 1024;

/// Whether `name` is one of the five collections.
pub fn is_collection(name: &str) -> bool {
    ALL_COLLECTIONS.contains(&name)
}

#[cfg(test)]
mod tests;
