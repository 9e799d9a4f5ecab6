//! Why a message payload could not be turned into a `Message`.

use thiserror::Error;

use crate::signal::SignalError;

/// A failure between an `<enc>` payload and the decoded `Message`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecryptError {
    /// The Signal layer refused the payload (no session, bad MAC, unknown prekey, ...).
    #[error("signal: {0}")]
    Signal(#[from] SignalError),
    /// The decrypted plaintext does not end in valid WhatsApp padding.
    #[error("bad plaintext padding")]
    BadPadding,
    /// The unpadded plaintext is not a `Message` protobuf.
    #[error("plaintext is not a Message protobuf")]
    BadProtobuf,
    /// `<enc v>` names a payload version we do not decode (3 = Armadillo).
    #[error("unsupported enc version {0}")]
    UnsupportedVersion(u32),
    /// An `<enc type>` this layer does not decrypt (`msmsg`, unknown kinds).
    #[error("unsupported enc type {0:?}")]
    UnsupportedType(String),
    /// A `skmsg` outside a group or broadcast chat.
    #[error("sender key message outside a group")]
    NotGroup,
    /// A sender-key distribution message that does not parse.
    #[error("bad sender key distribution message: {0}")]
    BadDistribution(SignalError),
    /// Not tried: the sender's messages failed to decrypt too often lately (the receiver's
    /// per-sender failure limit, `signal::FailureLimiter`).
    #[error("sender over its decrypt-failure limit; not tried")]
    RateLimited,
    /// The `pkmsg` decrypted, but the companion's `<device-identity>` does not tie its key to
    /// the account's primary identity: the new session is not kept.
    #[error("device identity refused: {0}")]
    DeviceIdentity(#[from] super::device_identity::DeviceIdentityError),
}

impl DecryptError {
    /// True when the payload is a repeat of one already decrypted (its message key is used
    /// up): ignore it, do not ask for a retry (whatsmeow skips `ErrOldCounter`).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Self::Signal(SignalError::OldCounter { .. }))
    }

    /// True when a retry receipt can help: the keys were wrong or missing, so a re-send
    /// under fresh keys may decrypt. Content problems (protobuf, version, type) cannot.
    pub fn wants_retry(&self) -> bool {
        match self {
            Self::Signal(e) => !matches!(e, SignalError::OldCounter { .. }),
            Self::BadPadding | Self::NotGroup => true,
            Self::BadProtobuf
            | Self::UnsupportedVersion(_)
            | Self::UnsupportedType(_)
            | Self::BadDistribution(_)
            | Self::RateLimited
            // A re-send would carry the same statement.
            | Self::DeviceIdentity(_) => false,
        }
    }

    /// True for a `skmsg` we hold no sender key for.
    pub fn is_missing_sender_key(&self) -> bool {
        matches!(self, Self::Signal(SignalError::NoSenderKey(_)))
    }
}
