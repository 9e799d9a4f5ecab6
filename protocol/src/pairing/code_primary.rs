//! The primary phone's half of phone-number pairing (`shared/protocol/pairing.md` §3.2),
//! beside the companion's in [`super::code`] and built from the same pieces
//! ([`super::code::wrap_ephemeral`], [`super::code::bundle_key`], [`super::code::adv_secret`]):
//! unwrapping the companion's ephemeral key with the typed code, wrapping its own, and opening
//! the companion's key bundle to derive the new ADV secret.
//!
//! Pure functions: the phone's ephemeral key and the wrapping salt and IV are parameters.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use super::code::{
    adv_secret, bundle_key, unwrap_ephemeral, wrap_ephemeral, KEY_BUNDLE_LEN, WRAPPED_KEY_LEN,
};
use super::error::PairCodeError;
use crate::crypto::{KeyPair, PublicKey};

/// The phone's ephemeral key for one code pairing, and the companion's it unwrapped.
pub struct PrimaryEphemeral {
    /// The phone's ephemeral X25519 key pair.
    pub key: KeyPair,
    /// `salt ‖ iv ‖ AES-CTR(code key, phone ephemeral)`, for the primary's notification.
    pub wrapped: [u8; WRAPPED_KEY_LEN],
    /// The companion's ephemeral public key, as the typed code unwraps it (a wrong code gives
    /// a wrong key silently; the key bundle then fails to open).
    pub companion: PublicKey,
}

impl std::fmt::Debug for PrimaryEphemeral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrimaryEphemeral")
            .field("public", &self.key.public)
            .field("companion", &self.companion)
            .finish_non_exhaustive()
    }
}

/// What the companion's key bundle yields.
pub struct OpenedBundle {
    /// The companion identity key named in the bundle.
    pub companion_identity: PublicKey,
    /// The ADV secret the `pair-success` HMAC is keyed with from now on.
    pub adv_secret: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for OpenedBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedBundle")
            .field("companion_identity", &self.companion_identity)
            .field("adv_secret", &"redacted")
            .finish()
    }
}

/// Unwraps the companion's ephemeral key with `code` and wraps `key` (the phone's fresh
/// ephemeral) with `salt` and `iv`.
pub fn primary_hello(
    code: &str,
    companion_wrapped: &[u8],
    key: KeyPair,
    salt: &[u8; 32],
    iv: &[u8; 16],
) -> Result<PrimaryEphemeral, PairCodeError> {
    let companion = PublicKey(unwrap_ephemeral(code, companion_wrapped)?);
    let wrapped = wrap_ephemeral(code, key.public.as_bytes(), salt, iv)?;
    Ok(PrimaryEphemeral {
        key,
        wrapped,
        companion,
    })
}

/// Opens the companion's `link_code_pairing_wrapped_key_bundle` (`salt ‖ nonce ‖ AES-GCM`),
/// checks it names this phone's identity, and derives the new ADV secret.
pub fn open_key_bundle(
    ephemeral: &PrimaryEphemeral,
    phone_identity: &KeyPair,
    wrapped_bundle: &[u8],
) -> Result<OpenedBundle, PairCodeError> {
    let salt = wrapped_bundle
        .get(..32)
        .ok_or(PairCodeError::KeyBundle("is shorter than its salt"))?;
    let nonce = wrapped_bundle
        .get(32..44)
        .ok_or(PairCodeError::KeyBundle("is shorter than its nonce"))?;
    let sealed = wrapped_bundle.get(44..).unwrap_or_default();

    let ephemeral_shared = Zeroizing::new(ephemeral.key.private.dh(&ephemeral.companion));
    let key = bundle_key(salt, &ephemeral_shared)?;
    let bundle = Zeroizing::new(
        Aes256Gcm::new(key.as_ref().into())
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| PairCodeError::KeyBundle("does not decrypt (wrong code?)"))?,
    );
    if bundle.len() != KEY_BUNDLE_LEN {
        return Err(PairCodeError::KeyBundle("is not 96 bytes"));
    }
    let companion_identity = PublicKey::from_slice(&bundle[..32])
        .ok_or(PairCodeError::KeyBundle("has no companion identity"))?;
    if bundle[32..64] != phone_identity.public.as_bytes()[..] {
        return Err(PairCodeError::KeyBundle("names another primary identity"));
    }
    let adv_random: &[u8; 32] = bundle[64..]
        .try_into()
        .map_err(|_| PairCodeError::KeyBundle("is not 96 bytes"))?;
    let identity_shared = Zeroizing::new(phone_identity.private.dh(&companion_identity));
    Ok(OpenedBundle {
        companion_identity,
        adv_secret: adv_secret(&ephemeral_shared, &identity_shared, adv_random)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::code::{companion_finish, FinishRandom};

    const CODE: &str = "ABCD2345";

    struct Companion {
        ephemeral: KeyPair,
        identity: KeyPair,
        wrapped: [u8; WRAPPED_KEY_LEN],
    }

    fn companion() -> Companion {
        let ephemeral = KeyPair::from_private_bytes([31; 32]);
        let wrapped =
            wrap_ephemeral(CODE, ephemeral.public.as_bytes(), &[1; 32], &[2; 16]).expect("wrap");
        Companion {
            ephemeral,
            identity: KeyPair::from_private_bytes([32; 32]),
            wrapped,
        }
    }

    fn hello(code: &str, c: &Companion) -> Result<PrimaryEphemeral, PairCodeError> {
        primary_hello(
            code,
            &c.wrapped,
            KeyPair::from_private_bytes([35; 32]),
            &[3; 32],
            &[4; 16],
        )
    }

    fn random() -> FinishRandom {
        FinishRandom {
            bundle_salt: [5; 32],
            nonce: [6; 12],
            adv_random: [7; 32],
        }
    }

    #[test]
    fn phone_and_companion_derive_the_same_adv_secret() {
        let c = companion();
        let phone = KeyPair::from_private_bytes([33; 32]);
        let primary = hello(CODE, &c).expect("hello");
        assert_eq!(primary.companion, c.ephemeral.public);
        let fin = companion_finish(
            CODE,
            &c.ephemeral,
            &c.identity,
            &primary.wrapped,
            phone.public.as_bytes(),
            &random(),
        )
        .expect("companion finishes");
        let opened = open_key_bundle(&primary, &phone, &fin.wrapped_key_bundle).expect("opens");
        assert_eq!(opened.companion_identity, c.identity.public);
        assert_eq!(*opened.adv_secret, *fin.adv_secret);

        let other = KeyPair::from_private_bytes([34; 32]);
        assert!(matches!(
            open_key_bundle(&primary, &other, &fin.wrapped_key_bundle),
            Err(PairCodeError::KeyBundle(_))
        ));
        let mut damaged = fin.wrapped_key_bundle.clone();
        if let Some(b) = damaged.last_mut() {
            *b ^= 1;
        }
        assert!(open_key_bundle(&primary, &phone, &damaged).is_err());
        assert!(open_key_bundle(&primary, &phone, &damaged[..20]).is_err());
        assert!(!format!("{opened:?}").contains(&format!("{:?}", &opened.adv_secret[..4])));
    }

    #[test]
    fn a_wrong_code_makes_the_bundle_fail_to_open() {
        let c = companion();
        let phone = KeyPair::from_private_bytes([33; 32]);
        let primary = hello("ABCD2346", &c).expect("hello");
        assert_ne!(primary.companion, c.ephemeral.public);
        let fin = companion_finish(
            CODE,
            &c.ephemeral,
            &c.identity,
            &primary.wrapped,
            phone.public.as_bytes(),
            &random(),
        )
        .expect("the companion cannot tell either");
        assert!(matches!(
            open_key_bundle(&primary, &phone, &fin.wrapped_key_bundle),
            Err(PairCodeError::KeyBundle(_))
        ));
        assert!(matches!(hello("abc", &c), Err(PairCodeError::InvalidCode)));
        assert!(matches!(
            primary_hello(
                CODE,
                &c.wrapped[..40],
                KeyPair::from_private_bytes([1; 32]),
                &[0; 32],
                &[0; 16]
            ),
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
