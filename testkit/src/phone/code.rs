//! The phone's half of phone-number ("link code") pairing (pairing.md §3): unwrapping the
//! companion's ephemeral key with the code the user typed, wrapping its own, and opening the
//! companion's key bundle to derive the new ADV secret.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::pairing::code::{unwrap_ephemeral, wrap_ephemeral, WRAPPED_KEY_LEN};
use wa_protocol::pairing::PairCodeError;
use zeroize::Zeroizing;

use crate::error::TestkitError;

/// HKDF info of the key-bundle encryption key.
const BUNDLE_INFO: &[u8] = b"link_code_pairing_key_bundle_encryption_key";
/// HKDF info of the ADV secret.
const ADV_SECRET_INFO: &[u8] = b"adv_secret";
/// Length of the decrypted bundle: companion identity ‖ primary identity ‖ ADV random.
const BUNDLE_LEN: usize = 96;

/// The phone's ephemeral key for one code pairing, and the companion's it unwrapped.
pub(crate) struct PrimaryEphemeral {
    /// The phone's ephemeral X25519 key pair.
    pub key: KeyPair,
    /// `salt ‖ iv ‖ AES-CTR(code key, phone ephemeral)`, for the notification.
    pub wrapped: [u8; WRAPPED_KEY_LEN],
    /// The companion's ephemeral public key, as the typed code unwraps it.
    pub companion: PublicKey,
}

/// What the companion's key bundle yields.
pub(crate) struct OpenedBundle {
    /// The companion identity key named in the bundle.
    pub companion_identity: PublicKey,
    /// The ADV secret the pair-success HMAC is keyed with from now on.
    pub adv_secret: Zeroizing<[u8; 32]>,
}

/// Unwraps the companion's ephemeral key with `code` and wraps a fresh one of the phone's.
pub(crate) fn primary_hello(
    code: &str,
    companion_wrapped: &[u8],
) -> Result<PrimaryEphemeral, PairCodeError> {
    let companion = PublicKey(unwrap_ephemeral(code, companion_wrapped)?);
    let mut salt = [0u8; 32];
    let mut iv = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut iv);
    let key = KeyPair::generate(&mut OsRng);
    let wrapped = wrap_ephemeral(code, key.public.as_bytes(), &salt, &iv)?;
    Ok(PrimaryEphemeral {
        key,
        wrapped,
        companion,
    })
}

/// Opens the companion's `link_code_pairing_wrapped_key_bundle` (`salt ‖ nonce ‖ AES-GCM`),
/// checks it names this phone's identity, and derives the new ADV secret.
pub(crate) fn open_key_bundle(
    ephemeral: &PrimaryEphemeral,
    phone_identity: &KeyPair,
    wrapped_bundle: &[u8],
) -> Result<OpenedBundle, TestkitError> {
    let salt = wrapped_bundle
        .get(..32)
        .ok_or(TestkitError::KeyBundle("shorter than its salt"))?;
    let nonce = wrapped_bundle
        .get(32..44)
        .ok_or(TestkitError::KeyBundle("shorter than its nonce"))?;
    let sealed = wrapped_bundle.get(44..).unwrap_or_default();

    let ephemeral_shared = Zeroizing::new(ephemeral.key.private.dh(&ephemeral.companion));
    let mut bundle_key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(salt), ephemeral_shared.as_ref())
        .expand(BUNDLE_INFO, bundle_key.as_mut())
        .map_err(|_| TestkitError::KeyBundle("HKDF"))?;
    let bundle = Zeroizing::new(
        Aes256Gcm::new(bundle_key.as_ref().into())
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| TestkitError::KeyBundle("does not decrypt (wrong code?)"))?,
    );
    if bundle.len() != BUNDLE_LEN {
        return Err(TestkitError::KeyBundle("is not 96 bytes"));
    }
    let companion_identity = PublicKey::from_slice(&bundle[..32])
        .ok_or(TestkitError::KeyBundle("companion identity"))?;
    if bundle[32..64] != phone_identity.public.as_bytes()[..] {
        return Err(TestkitError::KeyBundle("names another primary identity"));
    }

    let identity_shared = Zeroizing::new(phone_identity.private.dh(&companion_identity));
    let mut ikm = Zeroizing::new([0u8; 96]);
    ikm[..32].copy_from_slice(ephemeral_shared.as_ref());
    ikm[32..64].copy_from_slice(identity_shared.as_ref());
    ikm[64..].copy_from_slice(&bundle[64..]);
    let mut adv_secret = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, ikm.as_ref())
        .expand(ADV_SECRET_INFO, adv_secret.as_mut())
        .map_err(|_| TestkitError::KeyBundle("HKDF"))?;
    Ok(OpenedBundle {
        companion_identity,
        adv_secret,
    })
}

#[cfg(test)]
mod tests {
    use wa_protocol::pairing::code::{companion_finish, FinishRandom};

    use super::*;

    const CODE: &str = "ABCD2345";

    struct Companion {
        ephemeral: KeyPair,
        identity: KeyPair,
        wrapped: [u8; WRAPPED_KEY_LEN],
    }

    fn companion(code: &str) -> Companion {
        let ephemeral = KeyPair::from_private_bytes([31; 32]);
        let wrapped =
            wrap_ephemeral(code, ephemeral.public.as_bytes(), &[1; 32], &[2; 16]).expect("wrap");
        Companion {
            ephemeral,
            identity: KeyPair::from_private_bytes([32; 32]),
            wrapped,
        }
    }

    #[test]
    fn phone_and_companion_derive_the_same_adv_secret() {
        let c = companion(CODE);
        let phone = KeyPair::from_private_bytes([33; 32]);
        let primary = primary_hello(CODE, &c.wrapped).expect("hello");
        assert_eq!(primary.companion, c.ephemeral.public);
        let fin = companion_finish(
            CODE,
            &c.ephemeral,
            &c.identity,
            &primary.wrapped,
            phone.public.as_bytes(),
            &FinishRandom::generate(&mut OsRng),
        )
        .expect("companion finishes");
        let opened = open_key_bundle(&primary, &phone, &fin.wrapped_key_bundle).expect("opens");
        assert_eq!(opened.companion_identity, c.identity.public);
        assert_eq!(*opened.adv_secret, *fin.adv_secret);

        // Another phone identity cannot use the bundle.
        let other = KeyPair::from_private_bytes([34; 32]);
        assert!(matches!(
            open_key_bundle(&primary, &other, &fin.wrapped_key_bundle),
            Err(TestkitError::KeyBundle(_))
        ));
        // A flipped bit of the sealed bundle fails authentication.
        let mut damaged = fin.wrapped_key_bundle.clone();
        if let Some(b) = damaged.last_mut() {
            *b ^= 1;
        }
        assert!(open_key_bundle(&primary, &phone, &damaged).is_err());
        assert!(open_key_bundle(&primary, &phone, &damaged[..20]).is_err());
    }

    #[test]
    fn a_wrong_code_makes_the_bundle_fail_to_open() {
        let c = companion(CODE);
        let phone = KeyPair::from_private_bytes([33; 32]);
        // The user types another code on the phone: CTR unwrapping yields a wrong key silently.
        let primary = primary_hello("ABCD2346", &c.wrapped).expect("hello");
        assert_ne!(primary.companion, c.ephemeral.public);
        let fin = companion_finish(
            CODE,
            &c.ephemeral,
            &c.identity,
            &primary.wrapped,
            phone.public.as_bytes(),
            &FinishRandom::generate(&mut OsRng),
        )
        .expect("the companion cannot tell either");
        assert!(matches!(
            open_key_bundle(&primary, &phone, &fin.wrapped_key_bundle),
            Err(TestkitError::KeyBundle(_))
        ));
        assert!(matches!(
            primary_hello("abc", &c.wrapped),
            Err(PairCodeError::InvalidCode)
        ));
        assert!(matches!(
            primary_hello(CODE, &c.wrapped[..40]),
            Err(PairCodeError::WrappedKeyTooShort(40))
        ));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bundles_never_panic_or_open(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        ) {
            let primary = PrimaryEphemeral {
                key: KeyPair::from_private_bytes([40; 32]),
                wrapped: [0; WRAPPED_KEY_LEN],
                companion: PublicKey([41; 32]),
            };
            let phone = KeyPair::from_private_bytes([42; 32]);
            proptest::prop_assert!(open_key_bundle(&primary, &phone, &bytes).is_err());
        }
    }
}
