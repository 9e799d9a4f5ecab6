//! Typed errors of the Signal layer.

use thiserror::Error;

/// Why a Signal operation failed. A failed decrypt never changes the caller's record: every
/// operation works on a copy and only returns the new state on success.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignalError {
    /// The message is shorter than its fixed framing (version byte, MAC or signature).
    #[error("{what} too short: {len} bytes")]
    TooShort {
        /// Which message kind.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// The version byte does not announce message version 3.
    #[error("unsupported message version byte {0:#04x}")]
    BadVersion(u8),
    /// The protobuf inside the framing does not decode.
    #[error("malformed {0} protobuf")]
    BadProtobuf(&'static str),
    /// A required protobuf field is missing.
    #[error("{message} lacks field `{field}`")]
    MissingField {
        /// Message kind.
        message: &'static str,
        /// Field name.
        field: &'static str,
    },
    /// A public key is not 33 bytes starting with the `0x05` type byte.
    #[error("bad public key in `{0}`")]
    BadPublicKey(&'static str),
    /// A public key is not in canonical form (its top bit is set, or it is at least
    /// 2^255 - 19). X25519 ignores the top bit, so accepting such a key would give one key two
    /// spellings: a replayed `pkmsg` with its base key's top bit flipped would no longer match
    /// the session it made and would open a second one from the same secrets.
    #[error("non-canonical public key in `{0}`")]
    NonCanonicalKey(&'static str),
    /// A field has the wrong length.
    #[error("field `{field}` has {len} bytes")]
    BadLength {
        /// Field name.
        field: &'static str,
        /// Length found.
        len: usize,
    },
    /// The message authentication code does not match.
    #[error("bad MAC")]
    BadMac,
    /// A signature (signed prekey or sender key message) does not verify.
    #[error("bad signature on {0}")]
    BadSignature(&'static str),
    /// AES-CBC decryption failed (bad padding or length).
    #[error("ciphertext does not decrypt")]
    BadCiphertext,
    /// No session exists for this peer, or none matches the message.
    #[error("no session")]
    NoSession,
    /// The message key was already used or is too old to still be kept.
    #[error("old counter: chain at {chain}, message {message}")]
    OldCounter {
        /// The next counter the chain would derive.
        chain: u32,
        /// The message's counter.
        message: u32,
    },
    /// The message is too far ahead of the chain.
    #[error("message {message} is more than {limit} ahead of chain at {chain}")]
    TooFarInFuture {
        /// The next counter the chain would derive.
        chain: u32,
        /// The message's counter.
        message: u32,
        /// The bound.
        limit: u32,
    },
    /// The chain that would be needed was closed by a later ratchet step.
    #[error("receiving chain closed")]
    ChainClosed,
    /// A message arrived on a key that is our own sending ratchet key.
    #[error("message uses our own sending chain")]
    OwnSendingChain,
    /// The pkmsg names a one-time prekey we do not hold.
    #[error("unknown one-time prekey {0}")]
    UnknownPreKey(u32),
    /// The pkmsg names a signed prekey we do not hold.
    #[error("unknown signed prekey {0}")]
    UnknownSignedPreKey(u32),
    /// No sender key state with this key id.
    #[error("no sender key state for key id {0}")]
    NoSenderKey(u32),
    /// A stored record does not decode.
    #[error("corrupt {what} record: {reason}")]
    BadRecord {
        /// Record kind.
        what: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// The stored record has a format version we do not know.
    #[error("{what} record version {version} unsupported")]
    RecordVersion {
        /// Record kind.
        what: &'static str,
        /// Version found.
        version: u8,
    },
    /// The plaintext padding is invalid.
    #[error("bad padding")]
    BadPadding,
    /// Deriving the message key would exceed the per-message allowance of chain steps
    /// ([`MAX_DECRYPT_DERIVATIONS`](super::budget::MAX_DECRYPT_DERIVATIONS)); nothing was derived.
    #[error(
        "decrypt would need {needed} more chain steps, {remaining} left in this message's budget"
    )]
    DecryptBudget {
        /// Chain steps the next attempt would need.
        needed: u64,
        /// Chain steps still allowed for this message.
        remaining: u32,
    },
    /// A chain counter would pass `u32::MAX`: a message names counter `u32::MAX`, or our sending
    /// chain has used every counter (a new session is needed).
    #[error("chain counter exhausted")]
    CounterOverflow,
}
