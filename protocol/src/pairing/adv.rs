//! Account device verification: checking the phone's signed statement about our identity key
//! (the `<device-identity>` of `pair-success`) and countersigning it.

use hmac::{Hmac, Mac};
use prost::Message as _;
use sha2::Sha256;
use wa_protobuf::wa::{
    AdvDeviceIdentity, AdvEncryptionType, AdvSignedDeviceIdentity, AdvSignedDeviceIdentityHmac,
};

use super::error::PairError;
use crate::crypto::{KeyPair, PublicKey};
use crate::signal::serialize_public;

/// Prefix of the message the phone signs for an ordinary (end-to-end) account.
pub const ACCOUNT_SIGNATURE_PREFIX: [u8; 2] = [6, 0];
/// Prefix of the message the companion signs (for hosted accounts too).
pub const DEVICE_SIGNATURE_PREFIX: [u8; 2] = [6, 1];
/// Prefix for hosted accounts: of the account signature message, and of the HMAC message when
/// the HMAC wrapper says HOSTED.
pub const HOSTED_SIGNATURE_PREFIX: [u8; 2] = [6, 5];

/// A device identity whose HMAC and account signature held, countersigned by us.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedIdentity {
    /// What to store as our account: the phone's `ADVSignedDeviceIdentity` with our
    /// `deviceSignature` added (and `accountSignatureKey` kept).
    pub account: AdvSignedDeviceIdentity,
    /// The decoded `ADVDeviceIdentity` inside it.
    pub details: AdvDeviceIdentity,
    /// The phone's identity public key (raw 32 bytes): `accountSignatureKey`.
    pub account_signature_key: [u8; 32],
    /// Exactly the bytes our device signature covers.
    pub device_signature_message: Vec<u8>,
    /// Our XEdDSA signature over `device_signature_message`.
    pub device_signature: [u8; 64],
}

impl VerifiedIdentity {
    /// The `key-index` attribute of the reply's `<device-identity>`.
    pub fn key_index(&self) -> u32 {
        self.details.key_index.unwrap_or(0)
    }

    /// The reply's `<device-identity>` content: the stored identity without
    /// `accountSignatureKey` (whatsmeow clears it; Baileys encodes with `includeKey = false`).
    pub fn reply_device_identity(&self) -> Vec<u8> {
        AdvSignedDeviceIdentity {
            account_signature_key: None,
            ..self.account.clone()
        }
        .encode_to_vec()
    }

    /// The phone's identity as a Signal identity key (`05` ‖ key), to trust for its device 0.
    pub fn primary_identity_key(&self) -> [u8; 33] {
        serialize_public(&PublicKey(self.account_signature_key))
    }
}

pub(crate) fn is_hosted(value: Option<i32>) -> bool {
    value == Some(AdvEncryptionType::Hosted as i32)
}

/// The HMAC-SHA256 over the encoded `ADVSignedDeviceIdentity`, keyed with the ADV secret and,
/// when the wrapper says HOSTED, fed [`HOSTED_SIGNATURE_PREFIX`] first. The phone computes it,
/// the companion checks it.
pub(super) fn identity_mac(adv_secret: &[u8; 32], hosted: bool) -> Result<Hmac<Sha256>, PairError> {
    // HMAC takes keys of any length; the error arm is unreachable but typed, not a panic.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(adv_secret).map_err(|_| PairError::HmacMismatch)?;
    if hosted {
        mac.update(&HOSTED_SIGNATURE_PREFIX);
    }
    Ok(mac)
}

/// `06 00` (or `06 05` for a hosted account) ‖ device details ‖ the companion's identity
/// public: what the phone signs to vouch for the companion.
pub fn account_signature_message(
    details: &[u8],
    companion_identity: &PublicKey,
    hosted: bool,
) -> Vec<u8> {
    let prefix = if hosted {
        HOSTED_SIGNATURE_PREFIX
    } else {
        ACCOUNT_SIGNATURE_PREFIX
    };
    let mut msg = Vec::with_capacity(2 + details.len() + 32);
    msg.extend_from_slice(&prefix);
    msg.extend_from_slice(details);
    msg.extend_from_slice(companion_identity.as_bytes());
    msg
}

/// Checks the HMAC wrapper with `adv_secret`, then the account signature over our identity,
/// and signs the result with our identity key.
///
/// `device_identity` is the content of `<device-identity>` (an `ADVSignedDeviceIdentityHMAC`).
/// Nothing here panics on hostile bytes: every layer is decoded with prost and every length is
/// checked before use.
pub fn verify_device_identity(
    device_identity: &[u8],
    adv_secret: &[u8; 32],
    identity: &KeyPair,
) -> Result<VerifiedIdentity, PairError> {
    let wrapper = AdvSignedDeviceIdentityHmac::decode(device_identity)
        .map_err(|e| PairError::protobuf("ADVSignedDeviceIdentityHMAC", e))?;
    let signed_bytes = wrapper.details.as_deref().unwrap_or_default();
    let tag = wrapper.hmac.as_deref().ok_or(PairError::HmacMismatch)?;

    let mut mac = identity_mac(adv_secret, is_hosted(wrapper.account_type))?;
    mac.update(signed_bytes);
    // Constant-time comparison; a truncated tag is rejected as well.
    mac.verify_slice(tag).map_err(|_| PairError::HmacMismatch)?;

    let mut signed = AdvSignedDeviceIdentity::decode(signed_bytes)
        .map_err(|e| PairError::protobuf("ADVSignedDeviceIdentity", e))?;
    let details_bytes = signed.details.clone().unwrap_or_default();
    let details = AdvDeviceIdentity::decode(details_bytes.as_slice())
        .map_err(|e| PairError::protobuf("ADVDeviceIdentity", e))?;

    let account_key: [u8; 32] = signed
        .account_signature_key
        .as_deref()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or(PairError::AccountSignatureInvalid)?;
    let account_signature = signed
        .account_signature
        .as_deref()
        .filter(|s| s.len() == 64)
        .ok_or(PairError::AccountSignatureInvalid)?;
    let account_message = account_signature_message(
        &details_bytes,
        &identity.public,
        is_hosted(details.device_type),
    );
    if !PublicKey(account_key).verify(&account_message, account_signature) {
        return Err(PairError::AccountSignatureInvalid);
    }

    let device_signature_message =
        device_signature_message(&details_bytes, identity.public.as_bytes(), &account_key);
    let device_signature = identity.private.sign(&device_signature_message);
    signed.device_signature = Some(device_signature.to_vec());

    Ok(VerifiedIdentity {
        account: signed,
        details,
        account_signature_key: account_key,
        device_signature_message,
        device_signature,
    })
}

/// `06 01` ‖ device details ‖ our identity public ‖ the phone's identity public: what the
/// companion signs to accept the pairing.
pub fn device_signature_message(
    details: &[u8],
    identity_public: &[u8; 32],
    account_signature_key: &[u8; 32],
) -> Vec<u8> {
    let mut msg = Vec::with_capacity(2 + details.len() + 64);
    msg.extend_from_slice(&DEVICE_SIGNATURE_PREFIX);
    msg.extend_from_slice(details);
    msg.extend_from_slice(identity_public);
    msg.extend_from_slice(account_signature_key);
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        phone: KeyPair,
        companion: KeyPair,
        adv_secret: [u8; 32],
    }

    fn fixture() -> Fixture {
        Fixture {
            phone: KeyPair::from_private_bytes([7; 32]),
            companion: KeyPair::from_private_bytes([9; 32]),
            adv_secret: [3; 32],
        }
    }

    /// Builds what a phone would send, the way `shared/vectors/README.md` §7 describes it.
    fn phone_side(f: &Fixture, hosted: bool, hmac_key: &[u8; 32]) -> Vec<u8> {
        let details = AdvDeviceIdentity {
            raw_id: Some(42),
            timestamp: Some(1_700_000_000),
            key_index: Some(2),
            account_type: hosted.then_some(AdvEncryptionType::Hosted as i32),
            device_type: hosted.then_some(AdvEncryptionType::Hosted as i32),
        }
        .encode_to_vec();
        let prefix = if hosted { [6, 5] } else { [6, 0] };
        let msg = [&prefix[..], &details, f.companion.public.as_bytes()].concat();
        let signed = AdvSignedDeviceIdentity {
            details: Some(details),
            account_signature_key: Some(f.phone.public.as_bytes().to_vec()),
            account_signature: Some(f.phone.private.sign(&msg).to_vec()),
            device_signature: None,
        }
        .encode_to_vec();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(hmac_key).expect("any key length");
        if hosted {
            mac.update(&[6, 5]);
        }
        mac.update(&signed);
        AdvSignedDeviceIdentityHmac {
            details: Some(signed),
            hmac: Some(mac.finalize().into_bytes().to_vec()),
            account_type: hosted.then_some(AdvEncryptionType::Hosted as i32),
        }
        .encode_to_vec()
    }

    #[test]
    fn accepts_and_countersigns_for_both_account_kinds() {
        let f = fixture();
        for hosted in [false, true] {
            let bytes = phone_side(&f, hosted, &f.adv_secret);
            let v = verify_device_identity(&bytes, &f.adv_secret, &f.companion).expect("valid");
            assert_eq!(v.key_index(), 2);
            assert_eq!(&v.device_signature_message[..2], &[6, 1]);
            assert!(f
                .companion
                .public
                .verify(&v.device_signature_message, &v.device_signature));
            assert_eq!(v.primary_identity_key()[1..], f.phone.public.0);
            let reply =
                AdvSignedDeviceIdentity::decode(&v.reply_device_identity()[..]).expect("decodes");
            assert!(reply.account_signature_key.is_none());
            assert_eq!(reply.device_signature, Some(v.device_signature.to_vec()));
        }
    }

    #[test]
    fn wrong_adv_secret_is_an_hmac_mismatch() {
        let f = fixture();
        let bytes = phone_side(&f, false, &[4; 32]);
        assert_eq!(
            verify_device_identity(&bytes, &f.adv_secret, &f.companion),
            Err(PairError::HmacMismatch)
        );
    }

    #[test]
    fn identity_signed_for_another_key_is_rejected() {
        let f = fixture();
        let bytes = phone_side(&f, true, &f.adv_secret);
        let other = KeyPair::from_private_bytes([10; 32]);
        assert_eq!(
            verify_device_identity(&bytes, &f.adv_secret, &other),
            Err(PairError::AccountSignatureInvalid)
        );
    }

    #[test]
    fn garbage_is_a_typed_error() {
        let f = fixture();
        let err = verify_device_identity(&[0xff, 0xff, 0xff], &f.adv_secret, &f.companion);
        assert!(matches!(err, Err(PairError::InvalidProtobuf { .. })));
        assert_eq!(
            verify_device_identity(&[], &f.adv_secret, &f.companion),
            Err(PairError::HmacMismatch)
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_device_identity_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let f = fixture();
            let _ = verify_device_identity(&bytes, &f.adv_secret, &f.companion);
        }

        #[test]
        fn mutated_identity_is_rejected_or_carries_the_signed_details(idx in 0usize..4096, bit in 0u8..8, cut in 0usize..4096) {
            let f = fixture();
            let hosted = idx % 2 == 0;
            let mut bytes = phone_side(&f, hosted, &f.adv_secret);
            let original = verify_device_identity(&bytes, &f.adv_secret, &f.companion).expect("valid");
            let i = idx % bytes.len();
            bytes[i] ^= 1 << bit;
            bytes.truncate(cut.max(1));
            // Whatever the damage, no panic; and anything still accepted must be exactly what
            // the phone signed.
            if let Ok(v) = verify_device_identity(&bytes, &f.adv_secret, &f.companion) {
                proptest::prop_assert_eq!(v.account.details, original.account.details);
                proptest::prop_assert_eq!(v.account_signature_key, original.account_signature_key);
            }
        }
    }
}
