//! The Signal protocol as WhatsApp uses it: keys, X3DH, Double Ratchet, sender keys.
//!
//! Pure and deterministic: no I/O, no clock, randomness passed in (`&mut impl CryptoRngCore`).
//! Wire behaviour follows npm `libsignal` 6.0.0 (the library Baileys uses) so our ciphertexts
//! match it byte for byte; where that peer skips a check (the signed-prekey signature) we do not.
//!
//! # State as values
//!
//! All state lives in plain values that serialize to versioned bytes for a store:
//! [`SessionRecord`] (per peer device, keyed by its Signal address `user[_agent].device`),
//! [`SenderKeyRecord`] (per group and sender address), [`LocalIdentity`], [`SignedPreKey`] and
//! [`PreKey`]. Every operation updates a record in place and leaves it exactly as it was on any
//! error (no chain moved, no skipped key dropped), so the caller keeps one record and writes it
//! only after a success:
//!
//! ```text
//! let r = record.decrypt_in_place(&identity, &prekeys, Incoming::Whisper(bytes), rng)?;
//! store.save(address, record.to_bytes());         // persist first ...
//! if let Some(id) = r.consumed_prekey { store.delete_prekey(id) }
//! ack(); deliver(unpad(&r.plaintext)?);           // ... then acknowledge
//! ```
//!
//! The value-returning forms (`decrypt`, `encrypt`, ...) do the same on a copy and return it.
//!
//! The stored bytes are a hand-rolled versioned layout (see `codec.rs`): a 3-byte magic per kind
//! (`WSR` session, `WSK` sender key, `WID` identity, `WSP` signed prekey, `WPK` prekey) and a
//! format version byte (currently 1), then fixed-order fields. Reading another version fails with
//! [`SignalError::RecordVersion`] rather than guessing.
//!
//! A failed decrypt (bad MAC, no session, old counter, bad signature, malformed bytes) returns a
//! [`SignalError`] and leaves the record untouched: keys are derived on the side and written
//! only once the message has decrypted (a ratchet step works on a copy of the one session).
//! Prekeys are looked up through the [`PreKeyLookup`] trait (or the plain [`PreKeySet`]); the
//! identity trust decision stays with the caller, which gets the sender's identity key back in
//! [`Received::remote_identity`].
//!
//! Sending to a device: `record.initiate_in_place(&identity, &bundle, rng)` once (X3DH; the
//! bundle's signature is verified), then `record.encrypt_in_place(&pad(msg, rng))`, a `pkmsg`
//! until the peer answers and `msg` afterwards. Groups: the sender keeps its own
//! [`SenderKeyRecord`] (`generate_own`), sends `distribution_message()` to members over 1:1
//! sessions and `encrypt_in_place`s once per message; members `process_distribution_in_place`
//! and `decrypt_in_place`.
//!
//! Private keys and chain secrets are zeroized on drop and never printed by `Debug`.
//!
//! # Bounded work per message
//!
//! A peer chooses a message's counters and ratchet key for free, and the MAC can only be
//! checked after the message key is derived. So a `msg` is tried first on the sessions whose
//! receiving chains know its ratchet key, then, with a DH ratchet step, only on the current
//! session and the [`ARCHIVED_RATCHET_ATTEMPTS`] most recent archived ones; all attempts share
//! [`MAX_DECRYPT_DERIVATIONS`] chain steps, checked before any work
//! ([`SignalError::DecryptBudget`]). [`SessionRecord::decrypt_with_cost`] reports the work done
//! ([`DecryptCost`]). No chain counter ever wraps ([`SignalError::CounterOverflow`]). Failures
//! per sender are rate-limited by the caller with a [`FailureLimiter`].

pub mod address;
pub mod budget;
mod codec;
pub mod error;
pub mod failure_limit;
mod kdf;
pub mod keys;
pub mod padding;
pub mod ratchet;
mod ratchet_recv;
pub mod sender_key;
pub mod session;
mod signing_cache;
mod state_codec;
pub mod wire;
mod wire_read;

#[cfg(test)]
mod cost_tests;
#[cfg(test)]
mod inplace_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_read_tests;

pub use address::{signal_address, signal_address_user};
pub use budget::{DecryptCost, ARCHIVED_RATCHET_ATTEMPTS, MAX_DECRYPT_DERIVATIONS};
pub use error::SignalError;
pub use failure_limit::{FailureLimit, FailureLimiter};
pub use kdf::Secret32;
pub use keys::{
    generate_registration_id, is_canonical, parse_public, serialize_public, LocalIdentity, PreKey,
    PreKeyBundle, PreKeyLookup, PreKeySet, SignedPreKey, DJB_TYPE,
};
pub use padding::{pad, pad_with, unpad};
pub use ratchet::SessionState;
pub use sender_key::{SenderKeyRecord, SenderKeyState};
pub use session::{Ciphertext, Decrypted, Incoming, Received, SessionRecord};
pub use wire::{
    PreKeyWhisperMessage, SenderKeyDistributionMessage, SenderKeyMessage, WhisperMessage,
    VERSION_BYTE,
};
