//! The `<device-identity>` a companion device attaches to its `pkmsg`s: its account's
//! `ADVSignedDeviceIdentity`, in which the phone (the account's primary device) vouches for the
//! companion's Signal identity and the companion countersigns. Checking it ties a new session
//! from a companion to the account's primary identity instead of trusting whatever identity
//! key the `pkmsg` carries (messages.md §5; whatsapp-rust verifies the same statement on
//! prekey bundles, server.md §7).

use prost::Message as _;
use wa_protobuf::wa::{AdvDeviceIdentity, AdvSignedDeviceIdentity};

use crate::crypto::PublicKey;
use crate::pairing::adv::{account_signature_message, device_signature_message};
use crate::signal::is_canonical;

/// What a `<device-identity>` whose signatures hold says about the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceIdentityCheck {
    /// The phone's key that signed is the primary identity we already trust.
    Verified {
        /// The companion's key index in the account's device list.
        key_index: u32,
    },
    /// Both signatures hold, but we know no identity for the account's primary device yet,
    /// so nothing ties the signing key to the account: the caller flags the message.
    PrimaryUnknown {
        /// The companion's key index in the account's device list.
        key_index: u32,
        /// The key that signed, claimed to be the primary's.
        account_key: PublicKey,
    },
}

/// Why a `<device-identity>` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceIdentityError {
    /// The bytes are not an `ADVSignedDeviceIdentity` (or its details an `ADVDeviceIdentity`).
    #[error("undecodable {what}: {source}")]
    Decode {
        /// The message that failed.
        what: &'static str,
        /// The protobuf error.
        #[source]
        source: prost::DecodeError,
    },
    /// A field the statement needs is missing or has the wrong length.
    #[error("device identity lacks a valid `{0}`")]
    Missing(&'static str),
    /// The phone's signature over the companion's identity does not verify.
    #[error("the account signature does not verify")]
    AccountSignature,
    /// The companion's countersignature does not verify.
    #[error("the device signature does not verify")]
    DeviceSignature,
    /// The signing key is not the primary identity we trust for this account.
    #[error("signed by a key other than the account's primary identity")]
    PrimaryMismatch,
}

/// Checks `bytes` (the `<device-identity>` content) as the statement about the companion whose
/// Signal identity is `sender_identity` (the `pkmsg`'s identity key). `primary` is the
/// identity we trust for the account's device 0, if we know one.
pub fn check_device_identity(
    bytes: &[u8],
    sender_identity: &PublicKey,
    primary: Option<&PublicKey>,
) -> Result<DeviceIdentityCheck, DeviceIdentityError> {
    let decode = |what, source| DeviceIdentityError::Decode { what, source };
    let signed =
        AdvSignedDeviceIdentity::decode(bytes).map_err(|e| decode("ADVSignedDeviceIdentity", e))?;
    let details_bytes = signed
        .details
        .as_deref()
        .ok_or(DeviceIdentityError::Missing("details"))?;
    let details =
        AdvDeviceIdentity::decode(details_bytes).map_err(|e| decode("ADVDeviceIdentity", e))?;
    let account_key = signed
        .account_signature_key
        .as_deref()
        .and_then(PublicKey::from_slice)
        .filter(is_canonical)
        .ok_or(DeviceIdentityError::Missing("accountSignatureKey"))?;
    let account_signature = signed
        .account_signature
        .as_deref()
        .filter(|s| s.len() == 64)
        .ok_or(DeviceIdentityError::Missing("accountSignature"))?;
    let device_signature = signed
        .device_signature
        .as_deref()
        .filter(|s| s.len() == 64)
        .ok_or(DeviceIdentityError::Missing("deviceSignature"))?;

    let hosted = crate::pairing::adv::is_hosted(details.device_type);
    let account_message = account_signature_message(details_bytes, sender_identity, hosted);
    if !account_key.verify(&account_message, account_signature) {
        return Err(DeviceIdentityError::AccountSignature);
    }
    let device_message = device_signature_message(
        details_bytes,
        sender_identity.as_bytes(),
        account_key.as_bytes(),
    );
    if !sender_identity.verify(&device_message, device_signature) {
        return Err(DeviceIdentityError::DeviceSignature);
    }
    let key_index = details.key_index.unwrap_or(0);
    match primary {
        Some(known) if *known == account_key => Ok(DeviceIdentityCheck::Verified { key_index }),
        Some(_) => Err(DeviceIdentityError::PrimaryMismatch),
        None => Ok(DeviceIdentityCheck::PrimaryUnknown {
            key_index,
            account_key,
        }),
    }
}

#[cfg(test)]
#[path = "device_identity_tests.rs"]
mod tests;
