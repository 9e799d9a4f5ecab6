//! Memo of the forms of a sender key's signing key that every signature repeats: the Edwards
//! public key a signer hashes (a base-point multiplication) and the decompressed Edwards point
//! a verifier needs (a square root and two inversions). Both depend only on the key, so a state
//! computes them once and hands them on to the records derived from it (clones copy the memo).
//! Nothing secret is kept: both are public-key forms. The memo is not stored: a record read
//! from bytes computes it again on first use.

use std::sync::OnceLock;

use zeroize::Zeroize;

use crate::crypto::xeddsa::{self, VerifyingKey, SIGNATURE_LEN};
use crate::crypto::{PrivateKey, PublicKey};

/// The memo; equal to any other, since it is a function of the key fields beside it.
#[derive(Clone, Default)]
pub(crate) struct SigningCache {
    edwards_public: OnceLock<[u8; 32]>,
    /// Per sign bit: a key signs with one, but a forgery may carry the other first.
    verifiers: [OnceLock<Option<VerifyingKey>>; 2],
}

impl PartialEq for SigningCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SigningCache {}

impl std::fmt::Debug for SigningCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningCache")
    }
}

impl SigningCache {
    /// The Edwards public key of `private`, computed on first use. The caller passes the same
    /// key every time (the state's own, which never changes).
    pub(crate) fn edwards_public(&self, private: &PrivateKey) -> [u8; 32] {
        *self.edwards_public.get_or_init(|| {
            let mut bytes = private.to_bytes();
            let ed = xeddsa::edwards_public(&bytes);
            bytes.zeroize();
            ed
        })
    }

    /// Checks `signature` over `message` by `public` (the state's signing key, always the
    /// same one), with the Edwards form for the signature's sign bit computed once.
    pub(crate) fn verify(&self, public: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != SIGNATURE_LEN {
            return false;
        }
        let bit = signature[SIGNATURE_LEN - 1] >> 7;
        self.verifiers[usize::from(bit)]
            .get_or_init(|| VerifyingKey::new(public.as_bytes(), bit))
            .is_some_and(|key| key.verify(message, signature))
    }
}

/// Signs with `private` whose Edwards public key is `ed_public` (deterministic XEdDSA).
pub(crate) fn sign(private: &PrivateKey, ed_public: &[u8; 32], message: &[u8]) -> [u8; 64] {
    let mut bytes = private.to_bytes();
    let signature = xeddsa::sign_prepared(&bytes, ed_public, message);
    bytes.zeroize();
    signature
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;

    #[test]
    fn memoized_forms_sign_and_verify_like_the_plain_ones() {
        let pair = KeyPair::from_private_bytes([0x17; 32]);
        let cache = SigningCache::default();
        let ed = cache.edwards_public(&pair.private);
        assert_eq!(ed, xeddsa::edwards_public(&pair.private.to_bytes()));
        let sig = sign(&pair.private, &ed, b"group message");
        assert_eq!(sig, pair.private.sign(b"group message"));
        // Twice: the second check runs on the memoized form.
        assert!(cache.verify(&pair.public, b"group message", &sig));
        assert!(cache.verify(&pair.public, b"group message", &sig));
        assert!(!cache.verify(&pair.public, b"group messagf", &sig));
        let mut other_bit = sig;
        other_bit[63] ^= 0x80;
        assert!(!cache.verify(&pair.public, b"group message", &other_bit));
        // The memo for the other bit does not disturb the right one.
        assert!(cache.verify(&pair.public, b"group message", &sig));
        assert!(!cache.verify(&pair.public, b"group message", &sig[..63]));
        let stranger = KeyPair::from_private_bytes([0x18; 32]);
        let fresh = SigningCache::default();
        assert!(!fresh.verify(&stranger.public, b"group message", &sig));
    }
}
