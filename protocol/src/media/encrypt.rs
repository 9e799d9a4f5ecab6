//! Streaming media encryption (media.md §4): plaintext in, `ciphertext ‖ mac10` out, in
//! chunks, so a large file never sits whole in memory. The hashes an upload and the message
//! need are computed on the way.

use aes::Aes256;
use cbc::cipher::inout::InOutBuf;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::keys::{MediaKey, MediaKeys, MAC_LEN};
use super::kind::MediaType;

const BLOCK: usize = 16;

/// What an encrypted blob's message needs besides its location (whatsmeow `UploadResponse`
/// without the server's fields).
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedMedia {
    /// The fresh key the blob was encrypted with (`mediaKey`).
    pub media_key: MediaKey,
    /// SHA-256 of the plaintext (`fileSha256`).
    pub file_sha256: [u8; 32],
    /// SHA-256 of the uploaded body, `ciphertext ‖ mac10` (`fileEncSha256`, and the upload
    /// token).
    pub file_enc_sha256: [u8; 32],
    /// Plaintext length (`fileLength`).
    pub file_length: u64,
}

impl std::fmt::Debug for EncryptedMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedMedia")
            .field("file_sha256", &hex_short(&self.file_sha256))
            .field("file_enc_sha256", &hex_short(&self.file_enc_sha256))
            .field("file_length", &self.file_length)
            .finish_non_exhaustive()
    }
}

pub(super) fn hex_short(bytes: &[u8]) -> String {
    bytes.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Encrypts one blob chunk by chunk.
///
/// [`Encryptor::update`] appends the ciphertext of every whole block seen so far and keeps at
/// most 15 bytes back; [`Encryptor::finish`] appends the padded last block and the MAC.
pub struct Encryptor {
    cbc: cbc::Encryptor<Aes256>,
    mac: Hmac<Sha256>,
    plain_sha: Sha256,
    enc_sha: Sha256,
    pending: [u8; BLOCK],
    pending_len: usize,
    length: u64,
    media_key: MediaKey,
}

impl Encryptor {
    /// An encryptor for a blob of `media_type` under `media_key` (draw it fresh from a CSPRNG
    /// for every upload).
    pub fn new(media_key: MediaKey, media_type: MediaType) -> Encryptor {
        let keys = MediaKeys::expand(&media_key, media_type);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keys.mac_key)
            .expect("HMAC takes any key length");
        mac.update(&keys.iv);
        Encryptor {
            cbc: cbc::Encryptor::<Aes256>::new(&keys.cipher_key.into(), &keys.iv.into()),
            mac,
            plain_sha: Sha256::new(),
            enc_sha: Sha256::new(),
            pending: [0; BLOCK],
            pending_len: 0,
            length: 0,
            media_key,
        }
    }

    /// Feeds `plain`, appending to `out` the ciphertext of every block it completes.
    pub fn update(&mut self, mut plain: &[u8], out: &mut Vec<u8>) {
        self.plain_sha.update(plain);
        self.length += plain.len() as u64;
        let start = out.len();
        if self.pending_len > 0 {
            let take = (BLOCK - self.pending_len).min(plain.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&plain[..take]);
            self.pending_len += take;
            plain = &plain[take..];
            if self.pending_len < BLOCK {
                return;
            }
            out.extend_from_slice(&self.pending);
            self.pending_len = 0;
        }
        let whole = plain.len() - plain.len() % BLOCK;
        out.extend_from_slice(&plain[..whole]);
        let rest = &plain[whole..];
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
        self.seal(&mut out[start..]);
    }

    /// Ends the blob: appends the PKCS#7-padded last block and the 10-byte MAC to `out`, and
    /// returns the fields the message carries.
    pub fn finish(mut self, out: &mut Vec<u8>) -> EncryptedMedia {
        let pad = (BLOCK - self.pending_len) as u8;
        let mut last = self.pending;
        last[self.pending_len..].fill(pad);
        let start = out.len();
        out.extend_from_slice(&last);
        last.zeroize();
        self.pending.zeroize();
        self.seal(&mut out[start..]);
        let tag = self.mac.clone().finalize().into_bytes();
        out.extend_from_slice(&tag[..MAC_LEN]);
        self.enc_sha.update(&tag[..MAC_LEN]);
        EncryptedMedia {
            media_key: self.media_key.clone(),
            file_sha256: self.plain_sha.clone().finalize().into(),
            file_enc_sha256: self.enc_sha.clone().finalize().into(),
            file_length: self.length,
        }
    }

    /// Encrypts whole blocks in place and feeds the ciphertext to the MAC and the hash.
    fn seal(&mut self, blocks: &mut [u8]) {
        let (whole, _) = InOutBuf::from(&mut *blocks).into_chunks();
        self.cbc.encrypt_blocks_inout_mut(whole);
        self.mac.update(blocks);
        self.enc_sha.update(blocks);
    }
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encryptor")
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl Drop for Encryptor {
    fn drop(&mut self) {
        self.pending.zeroize();
    }
}

/// Encrypts a whole blob at once: the body to upload and its message fields.
pub fn encrypt(
    media_key: MediaKey,
    media_type: MediaType,
    plain: &[u8],
) -> (Vec<u8>, EncryptedMedia) {
    let mut out = Vec::with_capacity(encrypted_len(plain.len() as u64) as usize);
    let mut enc = Encryptor::new(media_key, media_type);
    enc.update(plain, &mut out);
    let info = enc.finish(&mut out);
    (out, info)
}

/// Length of the uploaded body for a plaintext of `plain_len` bytes: padded to the next block
/// (a whole extra block when already aligned) plus the MAC.
pub fn encrypted_len(plain_len: u64) -> u64 {
    (plain_len / BLOCK as u64 + 1) * BLOCK as u64 + MAC_LEN as u64
}
