//! The Noise symmetric state as WhatsApp runs it: `h`, chaining key (salt), AES-256-GCM key and
//! nonce counter (transport.md §3.1).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::NOISE_MODE;
use crate::crypto::{PrivateKey, PublicKey};

/// AES-GCM nonce for message number `counter`: 8 zero bytes, then the counter as u32 big-endian.
/// Used in both the handshake and the transport phase.
pub fn nonce(counter: u32) -> [u8; 12] {
    let mut iv = [0u8; 12];
    iv[8..].copy_from_slice(&counter.to_be_bytes());
    iv
}

/// HKDF-SHA256 with `salt`, `ikm` and empty info, expanded to 64 bytes and cut in two halves.
fn hkdf_pair(salt: &[u8; 32], ikm: &[u8]) -> Zeroizing<[u8; 64]> {
    let mut okm = Zeroizing::new([0u8; 64]);
    // 64 bytes is far below HKDF-SHA256's 255 × 32 limit, so expand cannot fail.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(&[], okm.as_mut());
    okm
}

/// Handshake-phase symmetric state shared by both roles.
// Clone only in fuzz builds: a copied handshake would reuse its ephemeral key.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct SymmetricState {
    hash: [u8; 32],
    salt: Zeroizing<[u8; 32]>,
    cipher: Aes256Gcm,
    counter: u32,
}

impl std::fmt::Debug for SymmetricState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymmetricState")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl Default for SymmetricState {
    fn default() -> Self {
        Self::new()
    }
}

impl SymmetricState {
    /// `init`: `h`, the chaining key and the cipher key all start as [`NOISE_MODE`].
    pub fn new() -> Self {
        Self {
            hash: NOISE_MODE,
            salt: Zeroizing::new(NOISE_MODE),
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&NOISE_MODE)),
            counter: 0,
        }
    }

    /// The current handshake hash `h` (the AAD of the next encryption).
    pub fn hash(&self) -> &[u8; 32] {
        &self.hash
    }

    /// `mixHash`: `h = SHA-256(h ‖ data)`.
    pub fn mix_hash(&mut self, data: &[u8]) {
        let mut hasher = Sha256::new();
        hasher.update(self.hash);
        hasher.update(data);
        self.hash = hasher.finalize().into();
    }

    /// `mixKey`: HKDF the input into a new chaining key and cipher key; resets the counter.
    pub fn mix_key(&mut self, ikm: &[u8]) {
        let okm = hkdf_pair(&self.salt, ikm);
        self.salt.copy_from_slice(&okm[..32]);
        self.cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&okm[32..]));
        self.counter = 0;
    }

    /// `mixKey(X25519(private, public))`.
    pub fn mix_shared_secret(&mut self, private: &PrivateKey, public: &PublicKey) {
        let mut shared = private.dh(public);
        self.mix_key(&shared);
        shared.zeroize();
    }

    fn next_nonce(&mut self) -> [u8; 12] {
        let iv = nonce(self.counter);
        // A handshake uses at most three nonces per key, so the counter never wraps.
        self.counter = self.counter.wrapping_add(1);
        iv
    }

    /// `encryptAndHash`: AES-GCM with `h` as AAD, then mixes the ciphertext into `h`.
    pub fn encrypt_and_hash(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let iv = self.next_nonce();
        let aad = self.hash;
        // AES-GCM encryption only fails for inputs beyond 64 GiB, which a handshake never has.
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        self.mix_hash(&ciphertext);
        ciphertext
    }

    /// `decryptAndHash`: AES-GCM open with `h` as AAD, then mixes the ciphertext into `h`.
    /// `None` when authentication fails (the state is then unusable; drop the handshake).
    pub fn decrypt_and_hash(&mut self, ciphertext: &[u8]) -> Option<Vec<u8>> {
        let iv = self.next_nonce();
        let aad = self.hash;
        let plaintext = self
            .cipher
            .decrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .ok()?;
        self.mix_hash(ciphertext);
        Some(plaintext)
    }

    /// `split`: the two transport keys, in order (client→server, server→client).
    pub fn split(&self) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
        let okm = hkdf_pair(&self.salt, &[]);
        let mut first = Zeroizing::new([0u8; 32]);
        let mut second = Zeroizing::new([0u8; 32]);
        first.copy_from_slice(&okm[..32]);
        second.copy_from_slice(&okm[32..]);
        (first, second)
    }
}
