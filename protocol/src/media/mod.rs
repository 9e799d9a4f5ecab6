//! Media blobs (media.md): key expansion per type, streaming encryption and decryption with
//! every check, upload tokens and transfer URLs, and the `media_conn` iq in both roles.
//!
//! Pure like the rest of the crate: the caller draws media keys from its RNG and moves the
//! bytes; see [`decrypt`] for when decrypted bytes are verified.

pub mod conn;
pub mod decrypt;
pub mod encrypt;
pub mod error;
pub mod keys;
pub mod kind;
pub mod url;

#[cfg(test)]
mod tests;

pub use conn::{
    media_conn_iq, media_conn_reply, parse_media_conn_reply, MediaConn, MediaConnError,
};
pub use decrypt::{decrypt, Decryptor, Expected};
pub use encrypt::{encrypt, encrypted_len, EncryptedMedia, Encryptor};
pub use error::MediaCryptoError;
pub use keys::{MediaKey, MediaKeys, MAC_LEN, MEDIA_KEY_LEN};
pub use kind::MediaType;
pub use url::{download_url, upload_token, upload_url, MediaUrlError};
