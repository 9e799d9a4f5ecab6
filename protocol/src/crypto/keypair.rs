//! Curve25519 key pairs shared by Noise, Signal and pairing.

use rand_core::CryptoRngCore;
use x25519_dalek::{PublicKey as DalekPublic, StaticSecret};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::xeddsa;

/// A Curve25519 private key (32 bytes, clamped when used). Zeroized on drop; `Debug` hides it.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct PrivateKey([u8; 32]);

impl PrivateKey {
    /// Wraps raw private key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Draws a fresh private key from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The raw key bytes, for persisting in a store. Handle with care.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(DalekPublic::from(&StaticSecret::from(self.0)).to_bytes())
    }

    /// X25519 Diffie-Hellman with a peer's raw public key.
    pub fn dh(&self, their_public: &PublicKey) -> [u8; 32] {
        super::x25519::x25519(&self.0, &their_public.0)
    }

    /// Deterministic XEdDSA signature over `message` (see [`xeddsa::sign`]).
    pub fn sign(&self, message: &[u8]) -> [u8; xeddsa::SIGNATURE_LEN] {
        xeddsa::sign(&self.0, message)
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

/// A raw 32-byte Curve25519 public key (no `0x05` type prefix).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Builds a key from a 32-byte slice; `None` for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// Checks an XEdDSA signature made by the private half of this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        xeddsa::verify(&self.0, message, signature)
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey(")?;
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A Curve25519 key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    /// The private half; zeroized on drop.
    pub private: PrivateKey,
    /// The public half.
    pub public: PublicKey,
}

impl KeyPair {
    /// Builds the pair from a private key.
    pub fn from_private(private: PrivateKey) -> Self {
        let public = private.public_key();
        Self { private, public }
    }

    /// Builds the pair from raw private key bytes.
    pub fn from_private_bytes(bytes: [u8; 32]) -> Self {
        Self::from_private(PrivateKey::from_bytes(bytes))
    }

    /// Draws a fresh key pair from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self::from_private(PrivateKey::generate(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dh_agrees_and_debug_hides_private_bytes() {
        let a = KeyPair::from_private_bytes([1; 32]);
        let b = KeyPair::from_private_bytes([2; 32]);
        assert_eq!(a.private.dh(&b.public), b.private.dh(&a.public));
        let shown = format!("{a:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains("0101"));
        let sig = a.private.sign(b"m");
        assert!(a.public.verify(b"m", &sig));
        assert!(!b.public.verify(b"m", &sig));
    }
}
