//! Post-handshake transport cipher: AES-256-GCM per direction, empty AAD, u32 nonce counters
//! starting at 0 (transport.md §3.2 step 11).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::error::TransportError;
use super::symmetric::nonce;

/// The two keys `split` yields at the end of the handshake. Zeroized on drop; `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct TransportKeys {
    /// Key of frames the client sends (first half of the split output).
    pub client_to_server: [u8; 32],
    /// Key of frames the server sends (second half of the split output).
    pub server_to_client: [u8; 32],
}

impl std::fmt::Debug for TransportKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TransportKeys(<redacted>)")
    }
}

/// Sending half: encrypts outgoing frame payloads in order.
pub struct Encryptor {
    cipher: Aes256Gcm,
    counter: Option<u32>,
}

/// Receiving half: decrypts incoming frame payloads in order.
pub struct Decryptor {
    cipher: Aes256Gcm,
    counter: Option<u32>,
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encryptor")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryptor")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key))
}

/// Takes the current counter and advances it; `None` once all 2^32 nonces are used, so a nonce
/// is never reused under one key.
fn take(counter: &mut Option<u32>) -> Result<u32, TransportError> {
    let current = counter.ok_or(TransportError::CounterExhausted)?;
    *counter = current.checked_add(1);
    Ok(current)
}

impl Encryptor {
    /// A sender using `key`, starting at counter 0.
    pub fn new(key: &[u8; 32]) -> Self {
        Self::starting_at(key, 0)
    }

    /// A sender using `key` whose next nonce is `counter` (for tests of counter exhaustion and
    /// for resuming a known position).
    pub fn starting_at(key: &[u8; 32], counter: u32) -> Self {
        Self {
            cipher: cipher(key),
            counter: Some(counter),
        }
    }

    /// The counter the next frame will use, or `None` when exhausted.
    pub fn counter(&self) -> Option<u32> {
        self.counter
    }

    /// Encrypts one frame payload (plaintext ‖ 16-byte tag).
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, TransportError> {
        let counter = take(&mut self.counter)?;
        self.cipher
            .encrypt(Nonce::from_slice(&nonce(counter)), plaintext)
            .map_err(|_| TransportError::PlaintextTooLarge)
    }
}

impl Decryptor {
    /// A receiver using `key`, starting at counter 0.
    pub fn new(key: &[u8; 32]) -> Self {
        Self::starting_at(key, 0)
    }

    /// A receiver using `key` whose next expected nonce is `counter`.
    pub fn starting_at(key: &[u8; 32], counter: u32) -> Self {
        Self {
            cipher: cipher(key),
            counter: Some(counter),
        }
    }

    /// The counter the next frame must have been sent with, or `None` when exhausted.
    pub fn counter(&self) -> Option<u32> {
        self.counter
    }

    /// Authenticates and decrypts one frame payload. A failure consumes the nonce like a success
    /// does (the peer's counter moved on too); a connection should be dropped after one.
    pub fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, TransportError> {
        let counter = take(&mut self.counter)?;
        self.cipher
            .decrypt(Nonce::from_slice(&nonce(counter)), ciphertext)
            .map_err(|_| TransportError::BadTag { counter })
    }
}

/// Both directions of an established Noise session, from one side's point of view.
#[derive(Debug)]
pub struct TransportCipher {
    encryptor: Encryptor,
    decryptor: Decryptor,
}

impl TransportCipher {
    /// The client's view: sends with `client_to_server`, receives with `server_to_client`.
    pub fn client(keys: &TransportKeys) -> Self {
        Self {
            encryptor: Encryptor::new(&keys.client_to_server),
            decryptor: Decryptor::new(&keys.server_to_client),
        }
    }

    /// The server's view: sends with `server_to_client`, receives with `client_to_server`.
    pub fn server(keys: &TransportKeys) -> Self {
        Self {
            encryptor: Encryptor::new(&keys.server_to_client),
            decryptor: Decryptor::new(&keys.client_to_server),
        }
    }

    /// Encrypts one outgoing frame payload.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.encryptor.encrypt(plaintext)
    }

    /// Decrypts one incoming frame payload.
    pub fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.decryptor.decrypt(ciphertext)
    }

    /// Separates the directions so a writer task and a reader task can each own one.
    pub fn split(self) -> (Encryptor, Decryptor) {
        (self.encryptor, self.decryptor)
    }
}
