//! Cryptographic primitives shared by Noise, Signal and pairing.

pub(crate) mod hmac_sha256;
pub mod keypair;
mod sha256;
pub mod x25519;
pub mod xeddsa;

pub use keypair::{KeyPair, PrivateKey, PublicKey};
