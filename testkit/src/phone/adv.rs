//! The phone's half of account device verification (pairing.md §2): signing a companion's
//! identity into the `<device-identity>` of `pair-success`, and checking the companion's
//! countersignature in its `pair-device-sign` reply.

use hmac::{Hmac, Mac};
use prost::Message as _;
use sha2::Sha256;
use wa_protobuf::wa::{
    AdvDeviceIdentity, AdvEncryptionType, AdvSignedDeviceIdentity, AdvSignedDeviceIdentityHmac,
};
use wa_protocol::crypto::{KeyPair, PublicKey};

use crate::error::TestkitError;
use crate::pairing::PairForgery;

/// Prefix of the phone's account signature for an ordinary account.
const ACCOUNT_PREFIX: [u8; 2] = [6, 0];
/// Prefix of the companion's device signature.
const DEVICE_PREFIX: [u8; 2] = [6, 1];
/// Prefix of the account signature and of the HMAC message for hosted accounts.
const HOSTED_PREFIX: [u8; 2] = [6, 5];

/// What the phone states about the new device.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdentityParams {
    /// The account's raw id (`ADVDeviceIdentity.rawId`).
    pub raw_id: u32,
    /// When the phone signed, in unix seconds.
    pub timestamp: u64,
    /// Index of this device's key in the phone's key index list.
    pub key_index: u32,
    /// Whether the account is a hosted (business) one.
    pub hosted: bool,
}

/// The `<device-identity>` content of `pair-success`, and the details the companion must
/// countersign.
#[derive(Debug, Clone)]
pub(crate) struct SignedIdentity {
    /// `ADVSignedDeviceIdentityHMAC`, encoded.
    pub wrapper: Vec<u8>,
    /// The encoded `ADVDeviceIdentity` inside it.
    pub details: Vec<u8>,
    /// The phone's account signature inside it.
    pub account_signature: Vec<u8>,
}

fn hmac_sha256(key: &[u8; 32], prefix: Option<&[u8]>, message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail for 32 bytes.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    if let Some(prefix) = prefix {
        mac.update(prefix);
    }
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Signs `companion_identity` as a device of `phone`'s account and wraps it with an HMAC keyed
/// by the companion's ADV secret, damaged on purpose when `forgery` says so.
pub(crate) fn sign_device_identity(
    phone: &KeyPair,
    companion_identity: &PublicKey,
    adv_secret: &[u8; 32],
    params: &IdentityParams,
    forgery: Option<PairForgery>,
) -> SignedIdentity {
    let hosted_type = params.hosted.then_some(AdvEncryptionType::Hosted as i32);
    let identity = AdvDeviceIdentity {
        raw_id: Some(params.raw_id),
        timestamp: Some(params.timestamp),
        key_index: Some(params.key_index),
        account_type: hosted_type,
        device_type: hosted_type,
    };
    let details = identity.encode_to_vec();
    let prefix = if params.hosted {
        HOSTED_PREFIX
    } else {
        ACCOUNT_PREFIX
    };
    let message = [&prefix[..], &details, companion_identity.as_bytes()].concat();
    let mut account_signature = phone.private.sign(&message);
    if forgery == Some(PairForgery::BadAccountSignature) {
        account_signature[10] ^= 0x40;
    }
    let sent_details = if forgery == Some(PairForgery::TamperedDetails) {
        AdvDeviceIdentity {
            key_index: Some(params.key_index.wrapping_add(1)),
            ..identity
        }
        .encode_to_vec()
    } else {
        details.clone()
    };
    let signed = AdvSignedDeviceIdentity {
        details: Some(sent_details),
        account_signature_key: Some(phone.public.as_bytes().to_vec()),
        account_signature: Some(account_signature.to_vec()),
        device_signature: None,
    }
    .encode_to_vec();

    let hmac_key = if forgery == Some(PairForgery::WrongAdvSecret) {
        adv_secret.map(|b| !b)
    } else {
        *adv_secret
    };
    let mut hmac = hmac_sha256(
        &hmac_key,
        params.hosted.then_some(&HOSTED_PREFIX[..]),
        &signed,
    );
    if forgery == Some(PairForgery::BadHmac) {
        if let Some(b) = hmac.first_mut() {
            *b ^= 1;
        }
    }
    let wrapper = AdvSignedDeviceIdentityHmac {
        details: Some(signed),
        hmac: Some(hmac),
        account_type: hosted_type,
    }
    .encode_to_vec();
    SignedIdentity {
        wrapper,
        details,
        account_signature: account_signature.to_vec(),
    }
}

/// Checks the `<device-identity>` of the companion's `pair-device-sign`: the phone's statement
/// (details and account signature) unchanged, no `accountSignatureKey`, and a device signature
/// by `companion_identity` over `06 01 ‖ details ‖ companion identity ‖ phone identity`.
pub(crate) fn check_countersigned(
    reply: &[u8],
    sent: &SignedIdentity,
    companion_identity: &PublicKey,
    phone_identity: &PublicKey,
) -> Result<(), TestkitError> {
    let signed = AdvSignedDeviceIdentity::decode(reply).map_err(|_| {
        TestkitError::BadPairReply("device-identity is not ADVSignedDeviceIdentity")
    })?;
    if signed.account_signature_key.is_some() {
        return Err(TestkitError::BadPairReply(
            "device-identity still carries accountSignatureKey",
        ));
    }
    if signed.details.as_deref() != Some(sent.details.as_slice()) {
        return Err(TestkitError::BadPairReply(
            "device-identity details differ from what the phone signed",
        ));
    }
    if signed.account_signature.as_deref() != Some(sent.account_signature.as_slice()) {
        return Err(TestkitError::BadPairReply(
            "device-identity account signature differs from the phone's",
        ));
    }
    let device_signature = signed
        .device_signature
        .as_deref()
        .ok_or(TestkitError::BadPairReply("no deviceSignature"))?;
    let message = [
        &DEVICE_PREFIX[..],
        &sent.details,
        companion_identity.as_bytes(),
        phone_identity.as_bytes(),
    ]
    .concat();
    if companion_identity.verify(&message, device_signature) {
        Ok(())
    } else {
        Err(TestkitError::DeviceSignatureInvalid)
    }
}

#[cfg(test)]
mod tests {
    use wa_protocol::pairing::adv::verify_device_identity;
    use wa_protocol::pairing::PairError;

    use super::*;

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
    fn the_client_verifies_what_the_phone_signs_and_the_phone_checks_its_countersignature() {
        let (phone, companion, secret) = keys();
        for hosted in [false, true] {
            let sent =
                sign_device_identity(&phone, &companion.public, &secret, &params(hosted), None);
            let verified =
                verify_device_identity(&sent.wrapper, &secret, &companion).expect("verifies");
            assert_eq!(verified.key_index(), 4);
            assert_eq!(verified.account_signature_key, phone.public.0);
            assert_eq!(verified.details.raw_id, Some(77));
            let reply = verified.reply_device_identity();
            check_countersigned(&reply, &sent, &companion.public, &phone.public)
                .expect("countersignature verifies");
            // Signed by someone else: refused.
            let other = KeyPair::from_private_bytes([9; 32]);
            assert!(matches!(
                check_countersigned(&reply, &sent, &other.public, &phone.public),
                Err(TestkitError::DeviceSignatureInvalid)
            ));
        }
    }

    #[test]
    fn each_forgery_fails_the_check_it_targets() {
        let (phone, companion, secret) = keys();
        let cases = [
            (PairForgery::BadHmac, PairError::HmacMismatch),
            (PairForgery::WrongAdvSecret, PairError::HmacMismatch),
            (
                PairForgery::BadAccountSignature,
                PairError::AccountSignatureInvalid,
            ),
            (
                PairForgery::TamperedDetails,
                PairError::AccountSignatureInvalid,
            ),
        ];
        for hosted in [false, true] {
            for (forgery, expected) in cases.clone() {
                let sent = sign_device_identity(
                    &phone,
                    &companion.public,
                    &secret,
                    &params(hosted),
                    Some(forgery),
                );
                assert_eq!(
                    verify_device_identity(&sent.wrapper, &secret, &companion).map(|_| ()),
                    Err(expected),
                    "{forgery:?} hosted={hosted}"
                );
            }
        }
    }

    #[test]
    fn a_reply_echoing_the_account_key_or_other_details_is_refused() {
        let (phone, companion, secret) = keys();
        let sent = sign_device_identity(&phone, &companion.public, &secret, &params(false), None);
        let verified = verify_device_identity(&sent.wrapper, &secret, &companion).expect("ok");
        let echoed = verified.account.encode_to_vec();
        assert!(matches!(
            check_countersigned(&echoed, &sent, &companion.public, &phone.public),
            Err(TestkitError::BadPairReply(_))
        ));
        let other = sign_device_identity(&phone, &companion.public, &secret, &params(true), None);
        let reply = verified.reply_device_identity();
        assert!(matches!(
            check_countersigned(&reply, &other, &companion.public, &phone.public),
            Err(TestkitError::BadPairReply(_))
        ));
        assert!(matches!(
            check_countersigned(&[0xff, 0x01], &sent, &companion.public, &phone.public),
            Err(TestkitError::BadPairReply(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_replies_never_panic_and_mutations_never_verify(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            idx in 0usize..1024,
            bit in 0u8..8,
        ) {
            let (phone, companion, secret) = keys();
            let sent = sign_device_identity(&phone, &companion.public, &secret, &params(false), None);
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
