//! Media key expansion (media.md §3): one 32-byte media key per blob, stretched with
//! HKDF-SHA256 under the type's app info string into IV, cipher key, MAC key and ref key.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::kind::MediaType;

/// Length of a media key.
pub const MEDIA_KEY_LEN: usize = 32;
/// Bytes of the HMAC-SHA256 kept after the ciphertext (whatsmeow `mediaHMACLength`).
pub const MAC_LEN: usize = 10;
/// HKDF output length: IV 16 + cipher key 32 + MAC key 32 + ref key 32.
const EXPANDED_LEN: usize = 112;

/// The random secret a media message carries in `mediaKey`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MediaKey(pub [u8; MEDIA_KEY_LEN]);

impl MediaKey {
    /// The key in a message field; `None` unless it is exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<MediaKey> {
        <[u8; MEDIA_KEY_LEN]>::try_from(bytes).ok().map(MediaKey)
    }

    /// The key's bytes, for the message field.
    pub fn as_bytes(&self) -> &[u8; MEDIA_KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaKey(..)")
    }
}

/// The expanded keys of one blob.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MediaKeys {
    /// AES-CBC IV (bytes 0..16), also the first input of the MAC.
    pub iv: [u8; 16],
    /// AES-256 key (16..48).
    pub cipher_key: [u8; 32],
    /// HMAC-SHA256 key (48..80).
    pub mac_key: [u8; 32],
    /// Ref key (80..112); unused by transfers, kept because some peers derive from it.
    pub ref_key: [u8; 32],
}

impl MediaKeys {
    /// Expands `key` for `media_type`.
    pub fn expand(key: &MediaKey, media_type: MediaType) -> MediaKeys {
        MediaKeys::expand_with_info(key, media_type.app_info())
    }

    /// Expands `key` under an explicit app info string (types we have no variant for).
    pub fn expand_with_info(key: &MediaKey, info: &str) -> MediaKeys {
        let mut out = [0u8; EXPANDED_LEN];
        Hkdf::<Sha256>::new(None, &key.0)
            .expand(info.as_bytes(), &mut out)
            .expect("112 bytes is well under HKDF-SHA256's 8160-byte limit");
        let mut keys = MediaKeys {
            iv: [0; 16],
            cipher_key: [0; 32],
            mac_key: [0; 32],
            ref_key: [0; 32],
        };
        keys.iv.copy_from_slice(&out[..16]);
        keys.cipher_key.copy_from_slice(&out[16..48]);
        keys.mac_key.copy_from_slice(&out[48..80]);
        keys.ref_key.copy_from_slice(&out[80..]);
        out.zeroize();
        keys
    }
}

impl std::fmt::Debug for MediaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaKeys(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_sharing_an_info_string_share_keys_and_others_do_not() {
        let key = MediaKey([7; 32]);
        let image = MediaKeys::expand(&key, MediaType::Image);
        let sticker = MediaKeys::expand(&key, MediaType::Sticker);
        let video = MediaKeys::expand(&key, MediaType::Video);
        assert_eq!(image.cipher_key, sticker.cipher_key);
        assert_ne!(image.cipher_key, video.cipher_key);
        assert_ne!(image.iv, video.iv);
        assert!(!format!("{image:?}{key:?}").contains('7'));
    }
}
