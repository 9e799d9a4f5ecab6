//! Cryptographic primitives shared by Noise, Signal and pairing.

pub mod xeddsa;
