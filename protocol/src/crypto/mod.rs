//! Cryptographic primitives shared by Noise, Signal and pairing.

pub mod keypair;
pub mod x25519;
pub mod xeddsa;

pub use keypair::{KeyPair, PrivateKey, PublicKey};
