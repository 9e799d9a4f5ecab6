//! Media decryption with every check of media.md §3, streaming or whole.
//!
//! **What is released when.** [`Decryptor`] hands out plaintext block by block as the body
//! arrives, holding back only the last block (it carries the padding) and the MAC; the
//! encrypted hash, the MAC and the plaintext hash can only be judged at
//! [`Decryptor::finish`], so plaintext released before it is *unverified*, and a failing
//! `finish` means the caller must discard everything it was given. That is what lets a 100 MB
//! video stream to disk in constant memory. A caller that must never see unverified bytes
//! uses [`decrypt`], which checks the encrypted hash and the MAC over the whole body before
//! it decrypts anything (the client's in-memory `download` does).

use aes::Aes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::generic_array::GenericArray;
use cbc::cipher::inout::InOutBuf;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::MediaCryptoError;
use super::keys::{MediaKey, MediaKeys, MAC_LEN};
use super::kind::MediaType;

const BLOCK: usize = 16;
/// Bytes that must stay back until the end: the last block (padding) and the MAC.
const HOLD: usize = BLOCK + MAC_LEN;

/// What the message says the blob must be. A `None` hash is not checked (some blob references
/// omit one); the client passes both whenever the message has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// `fileEncSha256`: SHA-256 of the downloaded body.
    pub file_enc_sha256: Option<[u8; 32]>,
    /// `fileSha256`: SHA-256 of the plaintext.
    pub file_sha256: Option<[u8; 32]>,
}

impl Expected {
    /// Reads the two hashes from message fields; a field that is not 32 bytes is ignored.
    pub fn from_fields(file_enc_sha256: Option<&[u8]>, file_sha256: Option<&[u8]>) -> Expected {
        Expected {
            file_enc_sha256: file_enc_sha256.and_then(|h| h.try_into().ok()),
            file_sha256: file_sha256.and_then(|h| h.try_into().ok()),
        }
    }
}

/// Decrypts one downloaded body chunk by chunk (see the module docs for what is verified when).
pub struct Decryptor {
    cbc: cbc::Decryptor<Aes256>,
    mac: Hmac<Sha256>,
    enc_sha: Sha256,
    plain_sha: Sha256,
    tail: Vec<u8>,
    received: u64,
    limit: u64,
    plain_len: u64,
    expected: Expected,
}

impl Decryptor {
    /// A decryptor for a blob of `media_type` under `media_key`, held to `expected`.
    pub fn new(media_key: &MediaKey, media_type: MediaType, expected: Expected) -> Decryptor {
        Decryptor::with_keys(&MediaKeys::expand(media_key, media_type), expected)
    }

    /// A decryptor from already expanded keys.
    pub fn with_keys(keys: &MediaKeys, expected: Expected) -> Decryptor {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keys.mac_key)
            .expect("HMAC takes any key length");
        mac.update(&keys.iv);
        Decryptor {
            cbc: cbc::Decryptor::<Aes256>::new(&keys.cipher_key.into(), &keys.iv.into()),
            mac,
            enc_sha: Sha256::new(),
            plain_sha: Sha256::new(),
            tail: Vec::with_capacity(HOLD + BLOCK),
            received: 0,
            limit: u64::MAX,
            plain_len: 0,
            expected,
        }
    }

    /// Refuses bodies longer than `limit` bytes, as soon as they pass it, so a hostile server
    /// cannot make us hash and decrypt without end.
    pub fn with_limit(mut self, limit: u64) -> Decryptor {
        self.limit = limit;
        self
    }

    /// Body bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Feeds `body`, appending to `out` the (unverified) plaintext of every block that can no
    /// longer be the last.
    pub fn update(&mut self, mut body: &[u8], out: &mut Vec<u8>) -> Result<(), MediaCryptoError> {
        self.received += body.len() as u64;
        if self.received > self.limit {
            return Err(MediaCryptoError::TooLong { limit: self.limit });
        }
        self.enc_sha.update(body);
        // Everything but the last HOLD bytes of (tail ‖ body), in whole blocks, can be opened;
        // the tail stays under HOLD + BLOCK bytes, and large chunks are copied once.
        let old = self.tail.len();
        let usable = (old + body.len()).saturating_sub(HOLD) / BLOCK * BLOCK;
        if usable < old {
            let rest = self.tail.split_off(usable);
            let head = std::mem::replace(&mut self.tail, rest);
            self.open(&head, out);
            self.tail.extend_from_slice(body);
            return Ok(());
        }
        // The tail and the first `join` bytes of the body make whole blocks, all usable
        // because `usable` is a multiple of BLOCK at least `old`.
        let join = (BLOCK - old % BLOCK) % BLOCK;
        if old > 0 {
            let mut head = [0u8; HOLD + 2 * BLOCK];
            head[..old].copy_from_slice(&self.tail);
            head[old..old + join].copy_from_slice(&body[..join]);
            self.open(&head[..old + join], out);
            body = &body[join..];
        }
        let direct = usable - if old > 0 { old + join } else { 0 };
        self.open(&body[..direct], out);
        self.tail.clear();
        self.tail.extend_from_slice(&body[direct..]);
        Ok(())
    }

    fn open(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) {
        if ciphertext.is_empty() {
            return;
        }
        self.mac.update(ciphertext);
        let start = out.len();
        out.extend_from_slice(ciphertext);
        // All blocks in one call, so AES-NI decrypts several in parallel (CBC decryption
        // allows it; encryption does not).
        let (blocks, _) = InOutBuf::from(&mut out[start..]).into_chunks();
        self.cbc.decrypt_blocks_inout_mut(blocks);
        self.plain_sha.update(&out[start..]);
        self.plain_len += ciphertext.len() as u64;
    }

    /// Ends the body: checks its shape, the encrypted hash, the MAC, the padding and the
    /// plaintext hash, in that order, and appends the last plaintext bytes to `out`. Returns
    /// the plaintext length.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<u64, MediaCryptoError> {
        if self.received < HOLD as u64 {
            return Err(MediaCryptoError::TooShort { len: self.received });
        }
        let ct_len = self.received - MAC_LEN as u64;
        if ct_len % BLOCK as u64 != 0 || self.tail.len() != HOLD {
            return Err(MediaCryptoError::NotBlockAligned { len: ct_len });
        }
        if let Some(want) = self.expected.file_enc_sha256 {
            let got: [u8; 32] = self.enc_sha.clone().finalize().into();
            if !bool::from(got.ct_eq(&want)) {
                return Err(MediaCryptoError::EncryptedHashMismatch);
            }
        }
        let (last, mac) = self.tail.split_at(BLOCK);
        self.mac.update(last);
        let tag = self.mac.clone().finalize().into_bytes();
        if !bool::from(tag[..MAC_LEN].ct_eq(mac)) {
            return Err(MediaCryptoError::MacMismatch);
        }
        let mut block = GenericArray::clone_from_slice(last);
        self.cbc.decrypt_block_mut(&mut block);
        let pad = block[BLOCK - 1] as usize;
        if pad == 0 || pad > BLOCK || block[BLOCK - pad..].iter().any(|&b| b as usize != pad) {
            return Err(MediaCryptoError::BadPadding);
        }
        let plain = &block[..BLOCK - pad];
        self.plain_sha.update(plain);
        self.plain_len += plain.len() as u64;
        if let Some(want) = self.expected.file_sha256 {
            let got: [u8; 32] = self.plain_sha.clone().finalize().into();
            if !bool::from(got.ct_eq(&want)) {
                return Err(MediaCryptoError::PlaintextHashMismatch);
            }
        }
        out.extend_from_slice(plain);
        Ok(self.plain_len)
    }
}

impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryptor")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

/// Decrypts a whole body, releasing nothing unless the encrypted hash and the MAC hold
/// first; then the padding and the plaintext hash are checked.
pub fn decrypt(
    media_key: &MediaKey,
    media_type: MediaType,
    body: &[u8],
    expected: &Expected,
) -> Result<Vec<u8>, MediaCryptoError> {
    let keys = MediaKeys::expand(media_key, media_type);
    if body.len() < HOLD {
        return Err(MediaCryptoError::TooShort {
            len: body.len() as u64,
        });
    }
    let (ciphertext, mac) = body.split_at(body.len() - MAC_LEN);
    if ciphertext.len() % BLOCK != 0 {
        return Err(MediaCryptoError::NotBlockAligned {
            len: ciphertext.len() as u64,
        });
    }
    if let Some(want) = expected.file_enc_sha256 {
        let got: [u8; 32] = Sha256::digest(body).into();
        if !bool::from(got.ct_eq(&want)) {
            return Err(MediaCryptoError::EncryptedHashMismatch);
        }
    }
    let mut hmac =
        <Hmac<Sha256> as Mac>::new_from_slice(&keys.mac_key).expect("HMAC takes any key length");
    hmac.update(&keys.iv);
    hmac.update(ciphertext);
    if !bool::from(hmac.finalize().into_bytes()[..MAC_LEN].ct_eq(mac)) {
        return Err(MediaCryptoError::MacMismatch);
    }
    let plain = cbc::Decryptor::<Aes256>::new(&keys.cipher_key.into(), &keys.iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .map_err(|_| MediaCryptoError::BadPadding)?;
    if let Some(want) = expected.file_sha256 {
        let got: [u8; 32] = Sha256::digest(&plain).into();
        if !bool::from(got.ct_eq(&want)) {
            return Err(MediaCryptoError::PlaintextHashMismatch);
        }
    }
    Ok(plain)
}
