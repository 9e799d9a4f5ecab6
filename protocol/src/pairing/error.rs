//! Why a pairing step was refused.

use thiserror::Error;

/// A `pair-success` (or pair-code) input the companion must reject.
///
/// The variants follow the order of the checks in `shared/vectors/README.md` §7: a missing
/// node is reported before the HMAC is looked at, and the HMAC before the account signature.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PairError {
    /// A required child of `<pair-success>` (`device-identity` or `device`) is absent.
    #[error("missing <{0}> in pair-success")]
    MissingNode(&'static str),
    /// A node that must carry binary content has none (or string content).
    #[error("<{0}> has no byte content")]
    MissingContent(&'static str),
    /// A `<ref>` of `pair-device` is not UTF-8 text.
    #[error("<ref> is not UTF-8")]
    InvalidRef,
    /// A required attribute is absent or not a JID.
    #[error("attribute `{attr}` of <{tag}> is missing or malformed")]
    BadAttribute {
        /// The node.
        tag: &'static str,
        /// The attribute.
        attr: &'static str,
    },
    /// A protobuf layer of the device identity does not decode.
    #[error("{what} is not a valid protobuf: {reason}")]
    InvalidProtobuf {
        /// Which message (`ADVSignedDeviceIdentityHMAC`, ...).
        what: &'static str,
        /// prost's description of the problem.
        reason: String,
    },
    /// The HMAC keyed with our ADV secret does not match: the identity was not meant for us
    /// (or was altered in transit).
    #[error("device identity HMAC mismatch")]
    HmacMismatch,
    /// The phone's signature over our identity key does not verify (or the key or signature has
    /// the wrong length).
    #[error("account signature invalid")]
    AccountSignatureInvalid,
}

impl PairError {
    /// The `<error code text>` whatsmeow sends back for this failure (`sendPairError`).
    pub fn reply_code(&self) -> (u16, &'static str) {
        match self {
            PairError::HmacMismatch => (401, "hmac-mismatch"),
            PairError::AccountSignatureInvalid => (401, "signature-mismatch"),
            _ => (500, "internal-error"),
        }
    }

    pub(crate) fn protobuf(what: &'static str, err: prost::DecodeError) -> Self {
        PairError::InvalidProtobuf {
            what,
            reason: err.to_string(),
        }
    }
}

/// A phone-number pairing ("link code") step that cannot be completed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PairCodeError {
    /// The code is not 8 characters of the pairing alphabet.
    #[error("pairing code must be 8 characters of the pairing alphabet")]
    InvalidCode,
    /// The primary's wrapped ephemeral key is shorter than salt ‖ iv ‖ key (80 bytes).
    #[error("wrapped primary ephemeral key has {0} bytes, want at least 80")]
    WrappedKeyTooShort(usize),
    /// The primary identity key is not 32 bytes.
    #[error("primary identity key has {0} bytes, want 32")]
    BadPrimaryIdentity(usize),
    /// The pairing ref in the notification is not the one we were given.
    #[error("pairing ref does not match")]
    RefMismatch,
    /// A child of the notification is missing.
    #[error("missing <{0}> in link_code_companion_reg")]
    MissingNode(&'static str),
    /// The phone number is not international digits (at least 7, no leading 0).
    #[error("phone number must be international digits without a leading 0")]
    InvalidPhone,
    /// AES-GCM refused to encrypt the key bundle (cannot happen for 96-byte bundles).
    #[error("key bundle encryption failed")]
    BundleEncryption,
    /// A key or key blob of a pairing stanza has the wrong length (the child is named).
    #[error("<{0}> has the wrong length")]
    BadLength(&'static str),
    /// The companion's key bundle does not open (a wrong code, or damage), or opens to
    /// something else than 96 bytes naming this primary.
    #[error("the companion's key bundle {0}")]
    KeyBundle(&'static str),
}
