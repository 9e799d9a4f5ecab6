//! Sender keys for group and status messages: one chain per (group, sender device), handed to
//! members in a `SenderKeyDistributionMessage`; each `skmsg` is signed by the sender.

use rand_core::CryptoRngCore;

use super::codec::{Reader, Writer};
use super::error::SignalError;
use super::kdf::{aes_cbc_encrypt, chain_step, hkdf, Secret32, ZERO_SALT};
use super::signing_cache::{self, SigningCache};
use super::wire::{SenderKeyDistributionMessage, SenderKeyMessage};
use crate::crypto::{KeyPair, PrivateKey, PublicKey};

/// Sender key states kept per name (whatsapp-rust `MAX_SENDER_KEY_STATES`).
pub const MAX_SENDER_KEY_STATES: usize = 5;
/// Skipped message keys kept per state (Baileys `MAX_MESSAGE_KEYS`).
pub const MAX_SENDER_SKIPPED_KEYS: usize = 2000;
/// How far ahead of the chain a message may be.
pub const MAX_SENDER_FORWARD_JUMPS: u32 = 2000;

#[path = "sender_key_recv.rs"]
mod recv;
#[cfg(test)]
#[path = "sender_key_reference.rs"]
mod reference;

const MAGIC: &[u8; 3] = b"WSK";
const VERSION: u8 = 1;

/// Key and IV of one group message: `HKDF(seed, info = "WhisperGroup", 48)` → iv ‖ key.
fn message_key(seed: &Secret32) -> ([u8; 16], [u8; 32]) {
    let mut okm = [0u8; 48];
    hkdf(&ZERO_SALT, &seed.0, b"WhisperGroup", &mut okm);
    let mut iv = [0u8; 16];
    let mut key = [0u8; 32];
    iv.copy_from_slice(&okm[..16]);
    key.copy_from_slice(&okm[16..]);
    zeroize::Zeroize::zeroize(&mut okm);
    (iv, key)
}

/// One sender key chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderKeyState {
    key_id: u32,
    iteration: u32,
    chain_key: Secret32,
    signing_public: PublicKey,
    /// Present only for our own sending state.
    signing_private: Option<PrivateKey>,
    /// (iteration, message key seed), oldest first.
    skipped: Vec<(u32, Secret32)>,
    /// Derived forms of the signing key (not stored; see `signing_cache`).
    cache: SigningCache,
}

impl SenderKeyState {
    /// Sender key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Next iteration this chain derives.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The key for the current iteration, moving the chain on. The last iteration is never
    /// used, so the counter cannot wrap back to keys already handed out.
    fn step(&mut self) -> Result<Secret32, SignalError> {
        if self.iteration == u32::MAX {
            return Err(SignalError::CounterOverflow);
        }
        let (seed, next) = chain_step(&self.chain_key);
        self.chain_key = next;
        self.iteration += 1;
        Ok(seed)
    }

    fn write(&self, w: &mut Writer) {
        w.u32(self.key_id);
        w.u32(self.iteration);
        w.key32(&self.chain_key.0);
        w.public(&self.signing_public);
        match &self.signing_private {
            Some(p) => {
                w.bool(true);
                let mut bytes = p.to_bytes();
                w.key32(&bytes);
                zeroize::Zeroize::zeroize(&mut bytes);
            }
            None => w.bool(false),
        }
        w.u32(self.skipped.len() as u32);
        for (i, seed) in &self.skipped {
            w.u32(*i);
            w.key32(&seed.0);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, SignalError> {
        let key_id = r.u32()?;
        let iteration = r.u32()?;
        let chain_key = Secret32(r.key32()?);
        let signing_public = r.public()?;
        let signing_private = if r.bool()? {
            Some(r.key_pair()?.private)
        } else {
            None
        };
        let n = r.count(MAX_SENDER_SKIPPED_KEYS as u32)?;
        let mut skipped = Vec::with_capacity(n);
        for _ in 0..n {
            let i = r.u32()?;
            skipped.push((i, Secret32(r.key32()?)));
        }
        Ok(Self {
            key_id,
            iteration,
            chain_key,
            signing_public,
            signing_private,
            skipped,
            cache: SigningCache::default(),
        })
    }
}

/// All sender key states for one (group, sender device) name, most recent first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SenderKeyRecord {
    states: Vec<SenderKeyState>,
}

impl SenderKeyRecord {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Our own sending state from explicit parts (key id, chain key at iteration 0, signing pair).
    pub fn from_own_parts(key_id: u32, chain_key: [u8; 32], signing: KeyPair) -> Self {
        Self {
            states: vec![SenderKeyState {
                key_id,
                iteration: 0,
                chain_key: Secret32(chain_key),
                signing_public: signing.public,
                signing_private: Some(signing.private.clone()),
                skipped: Vec::new(),
                cache: SigningCache::default(),
            }],
        }
    }

    /// A fresh sending state: random 31-bit key id, random chain key, new signing key pair.
    pub fn generate_own(rng: &mut impl CryptoRngCore) -> Self {
        let key_id = rng.next_u32() & 0x7fff_ffff;
        let mut chain_key = [0u8; 32];
        rng.fill_bytes(&mut chain_key);
        let signing = KeyPair::generate(rng);
        let record = Self::from_own_parts(key_id, chain_key, signing);
        zeroize::Zeroize::zeroize(&mut chain_key);
        record
    }

    /// The most recent state, if any.
    pub fn current(&self) -> Option<&SenderKeyState> {
        self.states.first()
    }

    /// The states held (most recent first).
    pub fn states(&self) -> &[SenderKeyState] {
        &self.states
    }

    fn own_state(&self) -> Result<&SenderKeyState, SignalError> {
        self.states
            .first()
            .filter(|s| s.signing_private.is_some())
            .ok_or(SignalError::NoSenderKey(0))
    }

    /// The distribution message for our current sending state (at its current iteration).
    pub fn distribution_message(&self) -> Result<SenderKeyDistributionMessage, SignalError> {
        let state = self.own_state()?;
        Ok(SenderKeyDistributionMessage {
            key_id: state.key_id,
            iteration: state.iteration,
            chain_key: state.chain_key.0,
            signing_key: state.signing_public,
        })
    }

    /// Encrypts `plaintext` (already padded) at the current iteration and signs it, moving our
    /// sending chain on. On error the record is unchanged.
    pub fn encrypt_in_place(&mut self, plaintext: &[u8]) -> Result<SenderKeyMessage, SignalError> {
        let state = self
            .states
            .first_mut()
            .filter(|s| s.signing_private.is_some())
            .ok_or(SignalError::NoSenderKey(0))?;
        let iteration = state.iteration;
        let seed = state.step()?;
        let signing = state
            .signing_private
            .as_ref()
            .ok_or(SignalError::NoSenderKey(state.key_id))?;
        // Memoized on the state, so every message after the first signs without recomputing it.
        let ed_public = state.cache.edwards_public(signing);
        let (iv, key) = message_key(&seed);
        let ciphertext = aes_cbc_encrypt(&key, &iv, plaintext);
        Ok(SenderKeyMessage::build_signed(
            |m| signing_cache::sign(signing, &ed_public, m),
            state.key_id,
            iteration,
            ciphertext,
        ))
    }

    /// [`SenderKeyRecord::encrypt_in_place`] on a copy, returned with the message.
    pub fn encrypt(
        &self,
        plaintext: &[u8],
    ) -> Result<(SenderKeyMessage, SenderKeyRecord), SignalError> {
        // The Edwards form is memoized on our state before the copy, so the record we return
        // (and every one after it) signs without recomputing it.
        let own = self.own_state()?;
        if let Some(signing) = own.signing_private.as_ref() {
            own.cache.edwards_public(signing);
        }
        let mut record = self.clone();
        let message = record.encrypt_in_place(plaintext)?;
        Ok((message, record))
    }

    /// Moves our sending chain `n` iterations forward without sending. Baileys' sender does
    /// this between messages (its wire iterations go 0, 2, 4, ...); the conformance replay uses
    /// it to reproduce that peer byte for byte.
    pub fn advance(&self, n: u32) -> Result<SenderKeyRecord, SignalError> {
        let mut record = self.clone();
        record.own_state()?;
        if let Some(state) = record.states.first_mut() {
            for _ in 0..n {
                state.step()?;
            }
        }
        Ok(record)
    }

    /// Stores a member's distribution message. A repeat of a state we hold at the same or an
    /// earlier iteration changes nothing (we can already derive forward from it).
    pub fn process_distribution_in_place(&mut self, skdm: &SenderKeyDistributionMessage) {
        if let Some(pos) = self.states.iter().position(|s| s.key_id == skdm.key_id) {
            let held = &self.states[pos];
            if held.signing_public == skdm.signing_key && held.iteration <= skdm.iteration {
                return;
            }
            self.states.remove(pos);
        }
        self.states.insert(
            0,
            SenderKeyState {
                key_id: skdm.key_id,
                iteration: skdm.iteration,
                chain_key: Secret32(skdm.chain_key),
                signing_public: skdm.signing_key,
                signing_private: None,
                skipped: Vec::new(),
                cache: SigningCache::default(),
            },
        );
        self.states.truncate(MAX_SENDER_KEY_STATES);
    }

    /// [`SenderKeyRecord::process_distribution_in_place`] on a copy, returned.
    pub fn process_distribution(&self, skdm: &SenderKeyDistributionMessage) -> SenderKeyRecord {
        let mut record = self.clone();
        record.process_distribution_in_place(skdm);
        record
    }

    /// The state a `skmsg` names, once its signature has checked out on that state (a forgery
    /// costs no derivation and no copy; the verifying form memoized here stays with the state).
    fn verified(&self, message: &SenderKeyMessage) -> Result<usize, SignalError> {
        let pos = self
            .states
            .iter()
            .position(|s| s.key_id == message.key_id)
            .ok_or(SignalError::NoSenderKey(message.key_id))?;
        let held = &self.states[pos];
        let (signed, signature) = message.signed_parts();
        if !held.cache.verify(&held.signing_public, signed, signature) {
            return Err(SignalError::BadSignature("sender key message"));
        }
        Ok(pos)
    }

    /// Verifies and decrypts a `skmsg`, moving the sender's chain on; on any error the record
    /// is exactly as it was (no key derived into it, no skipped key dropped).
    pub fn decrypt_in_place(&mut self, bytes: &[u8]) -> Result<Vec<u8>, SignalError> {
        let message = SenderKeyMessage::parse(bytes)?;
        let pos = self.verified(&message)?;
        self.states[pos].open(message.iteration, message.ciphertext())
    }

    /// [`SenderKeyRecord::decrypt_in_place`] on a copy, returned with the plaintext. The
    /// signature is checked before the copy.
    pub fn decrypt(&self, bytes: &[u8]) -> Result<(Vec<u8>, SenderKeyRecord), SignalError> {
        let message = SenderKeyMessage::parse(bytes)?;
        let pos = self.verified(&message)?;
        let mut record = self.clone();
        let plaintext = record.states[pos].open(message.iteration, message.ciphertext())?;
        Ok((plaintext, record))
    }

    /// Serializes for the store (magic `WSK`, format version 1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::record(MAGIC, VERSION);
        w.u32(self.states.len() as u32);
        for s in &self.states {
            s.write(&mut w);
        }
        w.finish()
    }

    /// Reads a record written by [`SenderKeyRecord::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignalError> {
        let mut r = Reader::record(bytes, MAGIC, VERSION, "sender key")?;
        let n = r.count(MAX_SENDER_KEY_STATES as u32)?;
        let mut states = Vec::with_capacity(n);
        for _ in 0..n {
            states.push(SenderKeyState::read(&mut r)?);
        }
        r.end()?;
        Ok(Self { states })
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn iterations_never_wrap() {
        let mut rng = StdRng::seed_from_u64(21);
        let mut own = SenderKeyRecord::from_own_parts(5, [7; 32], KeyPair::generate(&mut rng));
        // Relabel the chain just below the maximum (keys do not depend on the label).
        own.states[0].iteration = u32::MAX - 1;
        let receiver =
            SenderKeyRecord::new().process_distribution(&own.distribution_message().unwrap());
        let (m, next) = own.encrypt(b"last").unwrap();
        assert_eq!(m.iteration, u32::MAX - 1);
        let (pt, receiver) = receiver.decrypt(m.serialized()).unwrap();
        assert_eq!(pt, b"last");
        assert_eq!(
            next.encrypt(b"x").unwrap_err(),
            SignalError::CounterOverflow
        );
        assert_eq!(next.advance(1).unwrap_err(), SignalError::CounterOverflow);
        // A validly signed message naming the maximum iteration is refused, record untouched.
        let signing = own.states[0].signing_private.clone().unwrap();
        let forged = SenderKeyMessage::build(&signing, 5, u32::MAX, vec![0; 16]);
        assert_eq!(
            receiver.decrypt(forged.serialized()).unwrap_err(),
            SignalError::CounterOverflow
        );
    }
}
