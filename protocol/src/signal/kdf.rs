//! Key derivation and symmetric primitives shared by 1:1 sessions and sender keys.

use aes::Aes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::error::SignalError;
pub(crate) use crate::crypto::hmac_sha256::ZERO_SALT;
use crate::crypto::hmac_sha256::{self, HmacKey};

/// A 32-byte secret (root key, chain key, message key seed). Zeroized on drop; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Secret32(pub(crate) [u8; 32]);

impl Secret32 {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret32(<redacted>)")
    }
}

/// HMAC-SHA256 of the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    HmacKey::new(key).mac(parts)
}

/// HKDF-SHA256 into `out` (at most 255 × 32 bytes, always true for our fixed sizes), with the
/// salt already keyed: [`ZERO_SALT`] for Signal's unsalted extracts.
pub(crate) fn hkdf(salt: &HmacKey, ikm: &[u8], info: &[u8], out: &mut [u8]) {
    hmac_sha256::hkdf(salt, ikm, info, out);
}

/// The chain step: message key seed `HMAC(ck, 0x01)` and next chain key `HMAC(ck, 0x02)`.
pub(crate) fn chain_step(chain_key: &Secret32) -> (Secret32, Secret32) {
    // Both MACs share the key, so its padded blocks are hashed once: six SHA-256 compressions
    // instead of eight, on the path a forged counter makes us repeat.
    let keyed = HmacKey::new32(&chain_key.0);
    (
        Secret32(keyed.mac_byte(0x01)),
        Secret32(keyed.mac_byte(0x02)),
    )
}

/// AES-256-CBC with PKCS#7 padding.
pub(crate) fn aes_cbc_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<Aes256>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
}

/// AES-256-CBC with PKCS#7 padding; a bad length or padding is [`SignalError::BadCiphertext`].
pub(crate) fn aes_cbc_decrypt(
    key: &[u8; 32],
    iv: &[u8; 16],
    ciphertext: &[u8],
) -> Result<Vec<u8>, SignalError> {
    cbc::Decryptor::<Aes256>::new(key.into(), iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .map_err(|_| SignalError::BadCiphertext)
}

/// Keys of one 1:1 message: `HKDF(seed, info = "WhisperMessageKeys", L = 80)`.
pub(crate) struct MessageKeys {
    pub(crate) cipher_key: [u8; 32],
    pub(crate) mac_key: [u8; 32],
    pub(crate) iv: [u8; 16],
}

impl MessageKeys {
    pub(crate) fn derive(seed: &Secret32) -> Self {
        let mut okm = [0u8; 80];
        hkdf(&ZERO_SALT, &seed.0, b"WhisperMessageKeys", &mut okm);
        let mut keys = Self {
            cipher_key: [0; 32],
            mac_key: [0; 32],
            iv: [0; 16],
        };
        keys.cipher_key.copy_from_slice(&okm[..32]);
        keys.mac_key.copy_from_slice(&okm[32..64]);
        keys.iv.copy_from_slice(&okm[64..80]);
        okm.zeroize();
        keys
    }
}

impl Drop for MessageKeys {
    fn drop(&mut self) {
        self.cipher_key.zeroize();
        self.mac_key.zeroize();
        self.iv.zeroize();
    }
}
