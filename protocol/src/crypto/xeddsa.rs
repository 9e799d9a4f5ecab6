//! XEdDSA signatures over Curve25519 keys (the Signal "curve25519 sign" scheme).
//!
//! A Montgomery private key is used directly as an Ed25519 scalar; the sign bit of the matching
//! Edwards public key travels in the top bit of the signature's last byte, so a verifier that
//! only knows the Montgomery `u` coordinate can rebuild the Edwards point.
//!
//! Two nonce derivations exist among peers and both produce signatures that verify everywhere:
//! - [`sign`] (deterministic): `r = SHA-512(a ‖ msg)`, as `curve25519-js` does when no random
//!   input is given (the npm `libsignal` package signs this way);
//! - [`sign_with_random`]: `r = SHA-512(0xFE ‖ 0xFF×31 ‖ a ‖ msg ‖ Z)` with 64 random bytes `Z`,
//!   as libsignal-protocol-c and the Rust libsignal do.

use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Length of an XEdDSA signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// The secret scalars (`a`, the nonce `r`, the product `h·a`) live in [`Zeroizing`] wrappers so
/// that they are wiped when signing returns; only `R` and `s` leave, and they are public.
/// `ed_public` is the key's [`edwards_public`], sign bit included.
fn finish(a: &Scalar, ed_public: &[u8; 32], r: &Scalar, message: &[u8]) -> [u8; SIGNATURE_LEN] {
    let sign_bit = ed_public[31] & 0x80;
    let cap_r = (ED25519_BASEPOINT_TABLE * r).compress();
    let mut hram = Sha512::new();
    hram.update(cap_r.as_bytes());
    hram.update(ed_public);
    hram.update(message);
    let h = Scalar::from_hash(hram);
    let ha = Zeroizing::new(h * a);
    // Borrowed, not copied out of the wrapper: a copy of h·a would not be wiped.
    #[allow(clippy::op_ref)]
    let s = &*ha + r;
    let mut out = [0u8; SIGNATURE_LEN];
    out[..32].copy_from_slice(cap_r.as_bytes());
    out[32..].copy_from_slice(s.as_bytes());
    out[63] &= 0x7f;
    out[63] |= sign_bit;
    out
}

/// The compressed Edwards public key of a Curve25519 private key (its sign bit in the top bit
/// of the last byte). It depends on the key alone and costs a base-point multiplication, as
/// much as the rest of a signature, so a key that signs often computes it once
/// ([`sign_prepared`]).
pub fn edwards_public(private_key: &[u8; 32]) -> [u8; 32] {
    (ED25519_BASEPOINT_TABLE * &*private_scalar(private_key))
        .compress()
        .to_bytes()
}

fn clamp(private_key: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut clamped = Zeroizing::new(*private_key);
    clamped[0] &= 248;
    clamped[31] &= 127;
    clamped[31] |= 64;
    clamped
}

fn private_scalar(private_key: &[u8; 32]) -> Zeroizing<Scalar> {
    Zeroizing::new(Scalar::from_bytes_mod_order(*clamp(private_key)))
}

/// The nonce scalar from a hash over secret input; the 64-byte digest is wiped after use.
fn nonce_scalar(hash: Sha512) -> Zeroizing<Scalar> {
    let mut digest = hash.finalize();
    let mut wide = Zeroizing::new([0u8; 64]);
    wide.copy_from_slice(&digest);
    digest.as_mut_slice().zeroize();
    Zeroizing::new(Scalar::from_bytes_mod_order_wide(&wide))
}

/// Signs `message` with a Curve25519 private key, deterministically (no random input).
pub fn sign(private_key: &[u8; 32], message: &[u8]) -> [u8; SIGNATURE_LEN] {
    sign_prepared(private_key, &edwards_public(private_key), message)
}

/// [`sign`] with the key's [`edwards_public`] already at hand (it must be that key's, or the
/// signature will not verify).
pub fn sign_prepared(
    private_key: &[u8; 32],
    ed_public: &[u8; 32],
    message: &[u8],
) -> [u8; SIGNATURE_LEN] {
    let clamped = clamp(private_key);
    let mut nonce = Sha512::new();
    nonce.update(&clamped[..]);
    nonce.update(message);
    let r = nonce_scalar(nonce);
    finish(&private_scalar(private_key), ed_public, &r, message)
}

/// Signs `message` with a Curve25519 private key and 64 bytes of caller-supplied randomness.
pub fn sign_with_random(
    private_key: &[u8; 32],
    message: &[u8],
    random: &[u8; 64],
) -> [u8; SIGNATURE_LEN] {
    let a = private_scalar(private_key);
    let mut prefix = [0xffu8; 32];
    prefix[0] = 0xfe;
    let mut nonce = Sha512::new();
    nonce.update(prefix);
    nonce.update(a.as_bytes());
    nonce.update(message);
    nonce.update(random);
    let r = nonce_scalar(nonce);
    finish(&a, &edwards_public(private_key), &r, message)
}

/// Verifies an XEdDSA `signature` over `message` by the Curve25519 public key `public_key`
/// (32 raw bytes, no type prefix). Returns `false` for any malformed input.
pub fn verify(public_key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = <&[u8; SIGNATURE_LEN]>::try_from(signature) else {
        return false;
    };
    VerifyingKey::new(public_key, signature[63] >> 7).is_some_and(|k| k.verify(message, signature))
}

/// A public key in the Edwards form one sign bit selects, decompressed once: the point
/// recovery (a square root and two inversions) is a fifth of a verification and the same for
/// every signature of that key and bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    neg_a: EdwardsPoint,
    a: CompressedEdwardsY,
    sign_bit: u8,
}

impl VerifyingKey {
    /// The Edwards form of `public_key` with `sign_bit` (0 or 1); `None` if there is none.
    pub fn new(public_key: &[u8; 32], sign_bit: u8) -> Option<Self> {
        let ed_public = MontgomeryPoint(*public_key).to_edwards(sign_bit & 1)?;
        Some(Self {
            neg_a: -ed_public,
            a: ed_public.compress(),
            sign_bit: sign_bit & 1,
        })
    }

    /// The sign bit this form was built for; a signature carrying the other one needs the
    /// other form.
    pub fn sign_bit(&self) -> u8 {
        self.sign_bit
    }

    /// Verifies `signature` over `message`; `false` for any malformed input or a signature
    /// whose sign bit is not this form's.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = <&[u8; SIGNATURE_LEN]>::try_from(signature) else {
            return false;
        };
        if signature[63] >> 7 != self.sign_bit {
            return false;
        }
        let mut cap_r = [0u8; 32];
        cap_r.copy_from_slice(&signature[..32]);
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&signature[32..]);
        s_bytes[31] &= 0x7f;
        // Reject non-canonical S (above the group order's bit length) as libsignal does.
        if s_bytes[31] & 0xe0 != 0 {
            return false;
        }
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        let mut hram = Sha512::new();
        hram.update(cap_r);
        hram.update(self.a.as_bytes());
        hram.update(message);
        let h = Scalar::from_hash(hram);
        let check =
            EdwardsPoint::vartime_double_scalar_mul_basepoint(&h, &self.neg_a, &s).compress();
        bool::from(check.as_bytes().ct_eq(&cap_r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x25519_dalek::{PublicKey, StaticSecret};

    fn keypair(seed: u8) -> ([u8; 32], [u8; 32]) {
        let secret = StaticSecret::from([seed; 32]);
        let public = PublicKey::from(&secret);
        (secret.to_bytes(), public.to_bytes())
    }

    #[test]
    fn deterministic_signature_verifies() {
        for seed in 1..20u8 {
            let (private, public) = keypair(seed);
            let sig = sign(&private, b"hello");
            assert!(verify(&public, b"hello", &sig));
            assert!(!verify(&public, b"hellp", &sig));
            assert_eq!(sig, sign(&private, b"hello"));
        }
    }

    #[test]
    fn random_signature_verifies_and_tamper_fails() {
        let (private, public) = keypair(7);
        let sig = sign_with_random(&private, b"msg", &[9u8; 64]);
        assert!(verify(&public, b"msg", &sig));
        for i in 0..64 {
            let mut bad = sig;
            bad[i] ^= 1;
            assert!(
                !verify(&public, b"msg", &bad),
                "flipped byte {i} still verified"
            );
        }
        let (_, other) = keypair(8);
        assert!(!verify(&other, b"msg", &sig));
        assert!(!verify(&public, b"msg", &sig[..63]));
    }
}

#[cfg(test)]
mod peer_vector {
    use super::*;

    // An account signature from shared/vectors/pairing.json (pair_success[0]), made by the
    // npm libsignal stack: our deterministic nonce must reproduce it byte for byte.
    #[test]
    fn reproduces_libsignal_node_signature() {
        let private: [u8; 32] =
            hex::decode("286df2dd6c3604fa7f3979e6fe66bc8f0db3c4027dd7f498ca101f9b52430e40")
                .unwrap()
                .try_into()
                .unwrap();
        let public: [u8; 32] =
            hex::decode("e9bed9666bf82570922d786bb6806a4e9215c80e56ad27e2c023cdb24faa9748")
                .unwrap()
                .try_into()
                .unwrap();
        let msg = hex::decode("06000887ad4b1080e2cfaa061803a0186442b2d912c92668509f26d5b48f1b28ca385d8da65199c0863a8c0fad6c").unwrap();
        let expected = hex::decode("c973d0dfe41e556a890a0abaca64ed91725591000516093bc14cb3dde4a5424eccbffc4cc43d86bd285b402c252b4f6309812260618f115881f49158a44a1d02").unwrap();
        assert!(verify(&public, &msg, &expected));
        assert_eq!(sign(&private, &msg).to_vec(), expected);
    }
}
