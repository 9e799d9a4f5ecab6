//! Record value encryption: `iv(16) ‖ AES-256-CBC/PKCS#7(ciphertext)`, followed on the wire by
//! the 32-byte value MAC.

use aes::Aes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

use super::error::AppStateError;
use super::macs::MAC_LEN;
use super::MAX_VALUE_BLOB;

/// Encrypts `plaintext` with `iv`, returning `iv ‖ ciphertext` (the MAC is appended by the
/// caller once computed).
pub fn encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    let ct = cbc::Encryptor::<Aes256>::new(key.into(), iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mut out = Vec::with_capacity(16 + ct.len() + MAC_LEN);
    out.extend_from_slice(iv);
    out.extend_from_slice(&ct);
    out
}

/// Splits a value blob into `(iv‖ciphertext, mac)`, checking its length.
pub fn split_blob(blob: &[u8]) -> Result<(&[u8], &[u8]), AppStateError> {
    let len = blob.len();
    if !(16 + 16 + MAC_LEN..=MAX_VALUE_BLOB).contains(&len) || (len - 16 - MAC_LEN) % 16 != 0 {
        return Err(AppStateError::BadValueLength { len });
    }
    Ok(blob.split_at(len - MAC_LEN))
}

/// Decrypts `iv ‖ ciphertext` (as returned by [`split_blob`]).
pub fn decrypt(key: &[u8; 32], iv_and_ciphertext: &[u8]) -> Result<Vec<u8>, AppStateError> {
    let (iv, ct) = iv_and_ciphertext
        .split_at_checked(16)
        .ok_or(AppStateError::ValueDecrypt)?;
    let iv: [u8; 16] = iv.try_into().map_err(|_| AppStateError::ValueDecrypt)?;
    cbc::Decryptor::<Aes256>::new(key.into(), (&iv).into())
        .decrypt_padded_vec_mut::<Pkcs7>(ct)
        .map_err(|_| AppStateError::ValueDecrypt)
}
