//! Why a media blob was refused. Each check of media.md §3 fails with its own variant so a
//! caller can tell a corrupted download (hash), a forged or mis-keyed one (MAC) and a sender
//! that lied about the plaintext apart.

/// A blob that did not decrypt, or did not match what its message promised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaCryptoError {
    /// Shorter than one cipher block plus the 10-byte MAC (an empty or truncated download).
    #[error("blob of {len} bytes is shorter than one block and the MAC")]
    TooShort {
        /// Bytes received.
        len: u64,
    },
    /// The part before the MAC is not a whole number of AES blocks (truncated or padded).
    #[error("ciphertext of {len} bytes is not a whole number of 16-byte blocks")]
    NotBlockAligned {
        /// Ciphertext bytes received (body minus the MAC).
        len: u64,
    },
    /// More bytes arrived than the caller's limit allows.
    #[error("blob exceeds the {limit}-byte limit")]
    TooLong {
        /// The limit in bytes.
        limit: u64,
    },
    /// SHA-256 of the downloaded body is not the message's `fileEncSha256`.
    #[error("SHA-256 of the encrypted blob does not match fileEncSha256")]
    EncryptedHashMismatch,
    /// The 10-byte HMAC-SHA256 over IV and ciphertext does not match.
    #[error("media MAC does not match")]
    MacMismatch,
    /// The decrypted last block has no valid PKCS#7 padding.
    #[error("bad PKCS#7 padding")]
    BadPadding,
    /// SHA-256 of the plaintext is not the message's `fileSha256`.
    #[error("SHA-256 of the plaintext does not match fileSha256")]
    PlaintextHashMismatch,
}
