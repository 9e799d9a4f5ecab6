//! The primary phone's half of account device verification (pairing.md §2), beside the
//! companion's in [`super::adv`] and built from the same rules (the `06 xx` prefixes,
//! [`super::adv::account_signature_message`], [`super::adv::device_signature_message`] and
//! the HMAC): signing a companion's identity into the `<device-identity>` of `pair-success`,
//! and checking the companion's countersignature in its `pair-device-sign` reply.
//!
//! The steps are separate functions so a test server can damage one of them on purpose.

use prost::Message as _;
use wa_protobuf::wa::{
    AdvDeviceIdentity, AdvEncryptionType, AdvSignedDeviceIdentity, AdvSignedDeviceIdentityHmac,
};

use super::adv::{account_signature_message, device_signature_message, identity_mac};
use super::error::PairError;
use crate::crypto::{KeyPair, PublicKey};
use hmac::Mac as _;

/// What the phone states about the new device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityParams {
    /// The account's raw id (`ADVDeviceIdentity.rawId`).
    pub raw_id: u32,
    /// When the phone signed, in unix seconds.
    pub timestamp: u64,
    /// Index of this device's key in the phone's key index list.
    pub key_index: u32,
    /// Whether the account is a hosted (business) one: HOSTED account and device types and
    /// the `06 05` prefixes.
    pub hosted: bool,
}

impl IdentityParams {
    /// The `ADVDeviceIdentity` the phone signs.
    pub fn details(&self) -> AdvDeviceIdentity {
        let hosted = self.hosted.then_some(AdvEncryptionType::Hosted as i32);
        AdvDeviceIdentity {
            raw_id: Some(self.raw_id),
            timestamp: Some(self.timestamp),
            key_index: Some(self.key_index),
            account_type: hosted,
            device_type: hosted,
        }
    }
}

/// The `<device-identity>` content of `pair-success`, and the parts the companion must echo
/// in its countersigned reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIdentity {
    /// `ADVSignedDeviceIdentityHMAC`, encoded.
    pub wrapper: Vec<u8>,
    /// The encoded `ADVDeviceIdentity` the phone signed.
    pub details: Vec<u8>,
    /// The phone's account signature.
    pub account_signature: [u8; 64],
}

/// The phone's XEdDSA signature vouching that `companion_identity` is a device of its account.
pub fn account_signature(
    phone: &KeyPair,
    details: &[u8],
    companion_identity: &PublicKey,
    hosted: bool,
) -> [u8; 64] {
    phone.private.sign(&account_signature_message(
        details,
        companion_identity,
        hosted,
    ))
}

/// Wraps an encoded `ADVSignedDeviceIdentity` with its HMAC under `adv_secret`.
pub fn hmac_wrapper(
    signed: Vec<u8>,
    adv_secret: &[u8; 32],
    hosted: bool,
) -> Result<AdvSignedDeviceIdentityHmac, PairError> {
    let mut mac = identity_mac(adv_secret, hosted)?;
    mac.update(&signed);
    Ok(AdvSignedDeviceIdentityHmac {
        details: Some(signed),
        hmac: Some(mac.finalize().into_bytes().to_vec()),
        account_type: hosted.then_some(AdvEncryptionType::Hosted as i32),
    })
}

/// Signs `companion_identity` as a device of `phone`'s account and wraps it with the HMAC
/// keyed by the companion's ADV secret: what [`super::adv::verify_device_identity`] accepts.
pub fn sign_device_identity(
    phone: &KeyPair,
    companion_identity: &PublicKey,
    adv_secret: &[u8; 32],
    params: &IdentityParams,
) -> Result<SignedIdentity, PairError> {
    let details = params.details().encode_to_vec();
    let account_signature = account_signature(phone, &details, companion_identity, params.hosted);
    let signed = AdvSignedDeviceIdentity {
        details: Some(details.clone()),
        account_signature_key: Some(phone.public.as_bytes().to_vec()),
        account_signature: Some(account_signature.to_vec()),
        device_signature: None,
    }
    .encode_to_vec();
    Ok(SignedIdentity {
        wrapper: hmac_wrapper(signed, adv_secret, params.hosted)?.encode_to_vec(),
        details,
        account_signature,
    })
}

/// Why the companion's `pair-device-sign` does not countersign what the phone sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CountersignError {
    /// The `<device-identity>` is not an `ADVSignedDeviceIdentity`.
    #[error("device-identity is not ADVSignedDeviceIdentity")]
    NotAnIdentity,
    /// It still carries `accountSignatureKey` (the companion must drop it).
    #[error("device-identity still carries accountSignatureKey")]
    AccountKeyEchoed,
    /// Its details are not the ones the phone signed.
    #[error("device-identity details differ from what the phone signed")]
    DetailsDiffer,
    /// Its account signature is not the phone's.
    #[error("device-identity account signature differs from the phone's")]
    AccountSignatureDiffers,
    /// It has no `deviceSignature`.
    #[error("no deviceSignature")]
    NoDeviceSignature,
    /// The device signature does not verify with the companion's identity key.
    #[error("the companion's device signature does not verify")]
    DeviceSignatureInvalid,
}

/// Checks the `<device-identity>` of the companion's `pair-device-sign`: the phone's statement
/// unchanged, no `accountSignatureKey`, and a device signature by `companion_identity` over
/// [`device_signature_message`]. Hostile bytes give a typed error, never a panic.
pub fn check_countersigned(
    reply: &[u8],
    sent: &SignedIdentity,
    companion_identity: &PublicKey,
    phone_identity: &PublicKey,
) -> Result<(), CountersignError> {
    let signed =
        AdvSignedDeviceIdentity::decode(reply).map_err(|_| CountersignError::NotAnIdentity)?;
    if signed.account_signature_key.is_some() {
        return Err(CountersignError::AccountKeyEchoed);
    }
    if signed.details.as_deref() != Some(sent.details.as_slice()) {
        return Err(CountersignError::DetailsDiffer);
    }
    if signed.account_signature.as_deref() != Some(&sent.account_signature[..]) {
        return Err(CountersignError::AccountSignatureDiffers);
    }
    let device_signature = signed
        .device_signature
        .as_deref()
        .ok_or(CountersignError::NoDeviceSignature)?;
    let message = device_signature_message(
        &sent.details,
        companion_identity.as_bytes(),
        phone_identity.as_bytes(),
    );
    if companion_identity.verify(&message, device_signature) {
        Ok(())
    } else {
        Err(CountersignError::DeviceSignatureInvalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::adv::verify_device_identity;

    fn keys() -> (KeyPair, KeyPair, [u8; 32]) {
        (
            KeyPair::from_private_bytes([1; 32]),
            KeyPair::from_private_bytes([2; 32]),
            [3; 32],
        )
    }

    fn params(hosted: bool) -> IdentityParams {
        IdentityParams {
            raw_id: 77,
            timestamp: 1_700_000_000,
            key_index: 4,
            hosted,
        }
    }

    #[test]
    fn the_companion_verifies_what_the_phone_signs_and_the_phone_its_countersignature() {
        let (phone, companion, secret) = keys();
        for hosted in [false, true] {
            let sent = sign_device_identity(&phone, &companion.public, &secret, &params(hosted))
                .expect("signs");
            let verified =
                verify_device_identity(&sent.wrapper, &secret, &companion).expect("verifies");
            assert_eq!(verified.key_index(), 4);
            assert_eq!(verified.account_signature_key, phone.public.0);
            assert_eq!(verified.details, params(hosted).details());
            let reply = verified.reply_device_identity();
            check_countersigned(&reply, &sent, &companion.public, &phone.public)
                .expect("countersignature verifies");
            let other = KeyPair::from_private_bytes([9; 32]);
            assert_eq!(
                check_countersigned(&reply, &sent, &other.public, &phone.public),
                Err(CountersignError::DeviceSignatureInvalid)
            );
            // The wrong ADV secret fails the companion's HMAC check.
            assert_eq!(
                verify_device_identity(&sent.wrapper, &[4; 32], &companion).map(|_| ()),
                Err(PairError::HmacMismatch)
            );
        }
    }

    #[test]
    fn a_reply_echoing_the_account_key_or_other_details_is_refused() {
        let (phone, companion, secret) = keys();
        let sent = sign_device_identity(&phone, &companion.public, &secret, &params(false))
            .expect("signs");
        let verified = verify_device_identity(&sent.wrapper, &secret, &companion).expect("ok");
        let echoed = verified.account.encode_to_vec();
        assert_eq!(
            check_countersigned(&echoed, &sent, &companion.public, &phone.public),
            Err(CountersignError::AccountKeyEchoed)
        );
        let other =
            sign_device_identity(&phone, &companion.public, &secret, &params(true)).expect("signs");
        let reply = verified.reply_device_identity();
        assert_eq!(
            check_countersigned(&reply, &other, &companion.public, &phone.public),
            Err(CountersignError::DetailsDiffer)
        );
        assert_eq!(
            check_countersigned(&[0xff, 0x01], &sent, &companion.public, &phone.public),
            Err(CountersignError::NotAnIdentity)
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_replies_never_panic_and_mutations_never_verify(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            idx in 0usize..1024,
            bit in 0u8..8,
        ) {
            let (phone, companion, secret) = keys();
            let sent = sign_device_identity(&phone, &companion.public, &secret, &params(false))
                .expect("signs");
            let _ = check_countersigned(&bytes, &sent, &companion.public, &phone.public);
            let verified = verify_device_identity(&sent.wrapper, &secret, &companion).expect("ok");
            let mut reply = verified.reply_device_identity();
            let i = idx % reply.len();
            reply[i] ^= 1 << bit;
            proptest::prop_assert!(
                check_countersigned(&reply, &sent, &companion.public, &phone.public).is_err()
            );
        }
    }
}
