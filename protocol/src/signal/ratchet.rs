//! One Double Ratchet session state (libsignal "SessionState"), set up by X3DH.
//!
//! The bookkeeping follows npm libsignal 6.0.0 exactly where it shows on the wire, so our
//! ciphertexts match it byte for byte: chains count from 0, `previousCounter` is the last index
//! used on the previous sending chain, the responder's first sending chain is created at its
//! first ratchet step, and a receiving chain is closed (its chain key dropped) once the peer has
//! moved on, after filling the keys up to the peer's announced `previousCounter`.

use rand_core::CryptoRngCore;

use super::budget::Budget;
use super::error::SignalError;
use super::kdf::{
    aes_cbc_decrypt, aes_cbc_encrypt, chain_step, hkdf, MessageKeys, Secret32, ZERO_SALT,
};
use super::keys::{LocalIdentity, PreKey, PreKeyBundle, SignedPreKey};
use super::wire::WhisperMessage;
use crate::crypto::hmac_sha256::HmacKey;
use crate::crypto::{KeyPair, PrivateKey, PublicKey};

/// How far ahead of a chain a message may be (npm libsignal: "Over 2000 messages into the future").
pub const MAX_FORWARD_JUMPS: u32 = 2000;
/// Skipped message keys kept per receiving chain; the oldest are dropped beyond this.
pub const MAX_SKIPPED_KEYS: usize = 2000;
/// Receiving chains kept per session; the oldest are dropped beyond this.
pub const MAX_RECEIVING_CHAINS: usize = 5;

/// A symmetric chain: its key (absent once closed) and the next index it will derive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chain {
    pub(crate) key: Option<Secret32>,
    pub(crate) next: u32,
}

impl Chain {
    fn new(key: Secret32) -> Self {
        Self {
            key: Some(key),
            next: 0,
        }
    }
}

/// A receiving chain with the message keys skipped on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReceivingChain {
    pub(crate) ratchet_key: PublicKey,
    pub(crate) chain: Chain,
    /// (index, message key seed), oldest first.
    pub(crate) skipped: Vec<(u32, Secret32)>,
}

impl ReceivingChain {
    /// Chain steps [`ReceivingChain::fill`] would take to reach `counter`, with the same
    /// refusals, so a caller can check the whole cost of a message before doing any of it.
    pub(super) fn fill_cost(&self, counter: u32) -> Result<u64, SignalError> {
        fill_cost(self.chain.next, counter, self.chain.key.is_some())
    }

    /// Derives and stores every message key up to and including `counter`.
    fn fill(&mut self, counter: u32, budget: &mut Budget) -> Result<(), SignalError> {
        let steps = self.fill_cost(counter)?;
        if steps == 0 {
            return Ok(());
        }
        // `fill_cost` bounds `steps` by MAX_FORWARD_JUMPS, so it fits in u32.
        budget.spend(u32::try_from(steps).unwrap_or(u32::MAX))?;
        let Some(mut key) = self.chain.key.take() else {
            return Err(SignalError::ChainClosed);
        };
        // `counter < u32::MAX` (checked by `fill_cost`), so `next` never overflows here.
        while self.chain.next <= counter {
            let (seed, next) = chain_step(&key);
            self.skipped.push((self.chain.next, seed));
            key = next;
            self.chain.next += 1;
        }
        self.chain.key = Some(key);
        if self.skipped.len() > MAX_SKIPPED_KEYS {
            let excess = self.skipped.len() - MAX_SKIPPED_KEYS;
            self.skipped.drain(..excess);
        }
        Ok(())
    }

    /// The message key seed for `counter`, removed so it is used once.
    fn take(&mut self, counter: u32, budget: &mut Budget) -> Result<Secret32, SignalError> {
        self.fill(counter, budget)?;
        match self.skipped.iter().rposition(|(i, _)| *i == counter) {
            Some(pos) => Ok(self.skipped.remove(pos).1),
            None => Err(SignalError::OldCounter {
                chain: self.chain.next,
                message: counter,
            }),
        }
    }
}

/// Chain steps to bring a chain whose next index is `next` up to `counter`. The maximum counter is
/// refused so that no chain index ever wraps.
fn fill_cost(next: u32, counter: u32, open: bool) -> Result<u64, SignalError> {
    if counter == u32::MAX {
        return Err(SignalError::CounterOverflow);
    }
    if counter < next {
        return Ok(0);
    }
    let ahead = u64::from(counter) + 1 - u64::from(next);
    if ahead > u64::from(MAX_FORWARD_JUMPS) {
        return Err(SignalError::TooFarInFuture {
            chain: next,
            message: counter,
            limit: MAX_FORWARD_JUMPS,
        });
    }
    if !open {
        return Err(SignalError::ChainClosed);
    }
    Ok(ahead)
}

/// What an initiator still has to announce in every message until the peer answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PendingPreKey {
    pub(crate) prekey_id: Option<u32>,
    pub(crate) signed_prekey_id: u32,
    pub(crate) base_key: PublicKey,
}

/// One session with one peer device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionState {
    pub(crate) local_identity: PublicKey,
    pub(crate) remote_identity: PublicKey,
    pub(crate) local_registration_id: u32,
    pub(crate) remote_registration_id: u32,
    pub(crate) base_key: PublicKey,
    pub(crate) base_key_ours: bool,
    pub(crate) root_key: Secret32,
    pub(crate) our_ratchet: KeyPair,
    pub(crate) their_ratchet: PublicKey,
    pub(crate) previous_counter: u32,
    pub(crate) sending: Option<Chain>,
    /// Oldest first.
    pub(crate) receiving: Vec<ReceivingChain>,
    pub(crate) pending_prekey: Option<PendingPreKey>,
}

fn derive_root(secret: &[u8]) -> (Secret32, Secret32) {
    let mut okm = [0u8; 64];
    hkdf(&ZERO_SALT, secret, b"WhisperText", &mut okm);
    split64(okm)
}

fn split64(mut okm: [u8; 64]) -> (Secret32, Secret32) {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    a.copy_from_slice(&okm[..32]);
    b.copy_from_slice(&okm[32..]);
    zeroize::Zeroize::zeroize(&mut okm);
    (Secret32(a), Secret32(b))
}

/// Root step: `HKDF(salt = root, ikm = DH, info = "WhisperRatchet", 64)` → (root, chain).
fn root_step(root: &Secret32, ours: &PrivateKey, theirs: &PublicKey) -> (Secret32, Secret32) {
    let mut shared = ours.dh(theirs);
    let mut okm = [0u8; 64];
    hkdf(&HmacKey::new(&root.0), &shared, b"WhisperRatchet", &mut okm);
    zeroize::Zeroize::zeroize(&mut shared);
    split64(okm)
}

fn x3dh_secret(parts: &[[u8; 32]]) -> Vec<u8> {
    let mut secret = Vec::with_capacity(32 * (1 + parts.len()));
    secret.extend_from_slice(&[0xff; 32]);
    for p in parts {
        secret.extend_from_slice(p);
    }
    secret
}

impl SessionState {
    /// X3DH as the initiator ("Alice") from a verified bundle. Draws the base key, then the
    /// first ratchet key, from `rng` (in that order, as npm libsignal does).
    pub(crate) fn initiate(
        local: &LocalIdentity,
        bundle: &PreKeyBundle,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, SignalError> {
        bundle.verify()?;
        let base = KeyPair::generate(rng);
        let ik = &local.key_pair.private;
        let mut parts = vec![
            ik.dh(&bundle.signed_prekey),
            base.private.dh(&bundle.identity_key),
            base.private.dh(&bundle.signed_prekey),
        ];
        if let Some((_, opk)) = &bundle.prekey {
            parts.push(base.private.dh(opk));
        }
        let mut secret = x3dh_secret(&parts);
        let (root, _) = derive_root(&secret);
        zeroize::Zeroize::zeroize(&mut secret);
        zeroize::Zeroize::zeroize(&mut parts);
        let our_ratchet = KeyPair::generate(rng);
        let (root, chain) = root_step(&root, &our_ratchet.private, &bundle.signed_prekey);
        Ok(Self {
            local_identity: local.key_pair.public,
            remote_identity: bundle.identity_key,
            local_registration_id: local.registration_id,
            remote_registration_id: bundle.registration_id,
            base_key: base.public,
            base_key_ours: true,
            root_key: root,
            our_ratchet,
            their_ratchet: bundle.signed_prekey,
            previous_counter: 0,
            sending: Some(Chain::new(chain)),
            receiving: Vec::new(),
            pending_prekey: Some(PendingPreKey {
                prekey_id: bundle.prekey.as_ref().map(|(id, _)| *id),
                signed_prekey_id: bundle.signed_prekey_id,
                base_key: base.public,
            }),
        })
    }

    /// X3DH as the responder ("Bob") for a `pkmsg` that used `signed` and `one_time`.
    pub(crate) fn respond(
        local: &LocalIdentity,
        remote_identity: PublicKey,
        remote_registration_id: u32,
        their_base_key: PublicKey,
        signed: &SignedPreKey,
        one_time: Option<&PreKey>,
    ) -> Self {
        let mut parts = vec![
            signed.key_pair.private.dh(&remote_identity),
            local.key_pair.private.dh(&their_base_key),
            signed.key_pair.private.dh(&their_base_key),
        ];
        if let Some(opk) = one_time {
            parts.push(opk.key_pair.private.dh(&their_base_key));
        }
        let mut secret = x3dh_secret(&parts);
        let (root, _) = derive_root(&secret);
        zeroize::Zeroize::zeroize(&mut secret);
        zeroize::Zeroize::zeroize(&mut parts);
        Self {
            local_identity: local.key_pair.public,
            remote_identity,
            local_registration_id: local.registration_id,
            remote_registration_id,
            base_key: their_base_key,
            base_key_ours: false,
            root_key: root,
            our_ratchet: signed.key_pair.clone(),
            their_ratchet: their_base_key,
            previous_counter: 0,
            sending: None,
            receiving: Vec::new(),
            pending_prekey: None,
        }
    }

    /// The peer's identity key.
    pub fn remote_identity(&self) -> &PublicKey {
        &self.remote_identity
    }

    /// The peer's registration id.
    pub fn remote_registration_id(&self) -> u32 {
        self.remote_registration_id
    }

    /// Whether we still wrap every message in a `pkmsg` (the peer has not answered yet).
    pub fn has_pending_prekey(&self) -> bool {
        self.pending_prekey.is_some()
    }

    /// Encrypts one message on the sending chain.
    pub(crate) fn encrypt(&mut self, plaintext: &[u8]) -> Result<WhisperMessage, SignalError> {
        let sending = self.sending.as_mut().ok_or(SignalError::NoSession)?;
        // The last index is never used: a receiver refuses it, and the next would wrap to 0.
        if sending.next == u32::MAX {
            return Err(SignalError::CounterOverflow);
        }
        let key = sending.key.take().ok_or(SignalError::ChainClosed)?;
        let (seed, next) = chain_step(&key);
        let counter = sending.next;
        sending.key = Some(next);
        sending.next += 1;
        let keys = MessageKeys::derive(&seed);
        let ciphertext = aes_cbc_encrypt(&keys.cipher_key, &keys.iv, plaintext);
        Ok(WhisperMessage::build(
            &keys.mac_key,
            &self.local_identity,
            &self.remote_identity,
            self.our_ratchet.public,
            counter,
            self.previous_counter,
            ciphertext,
        ))
    }

    /// Whether a receiving chain already exists for `ratchet_key` (no ratchet step needed).
    pub(crate) fn knows_ratchet_key(&self, ratchet_key: &PublicKey) -> bool {
        self.receiving.iter().any(|c| c.ratchet_key == *ratchet_key)
    }

    /// Refuses, without deriving anything, a message this session cannot take within `budget`
    /// or at all (own ratchet key, counter too far ahead or at the maximum, closed chain).
    pub(crate) fn check_cost(
        &self,
        message: &WhisperMessage,
        budget: &Budget,
    ) -> Result<(), SignalError> {
        let remote = message.ratchet_key;
        let steps = match self.chain_for(&remote) {
            Some(chain) => chain.fill_cost(message.counter)?,
            None => {
                if self.sending.is_some() && remote == self.our_ratchet.public {
                    return Err(SignalError::OwnSendingChain);
                }
                let old = match self.chain_for(&self.their_ratchet) {
                    Some(prev) => prev.fill_cost(message.previous_counter)?,
                    None => 0,
                };
                old + fill_cost(0, message.counter, true)?
            }
        };
        budget.check(steps)
    }

    /// Decrypts one message, stepping the ratchet if it carries a new ratchet key. The caller
    /// works on a copy and keeps it only on success. The whole derivation cost is checked
    /// against `budget` before the first step, so a refused message costs no derivations.
    pub(crate) fn decrypt(
        &mut self,
        message: &WhisperMessage,
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<Vec<u8>, SignalError> {
        budget.count_session();
        self.check_cost(message, budget)?;
        let remote = message.ratchet_key;
        if !self.knows_ratchet_key(&remote) {
            self.step(remote, message.previous_counter, rng, budget)?;
        }
        let chain = self
            .receiving
            .iter_mut()
            .find(|c| c.ratchet_key == remote)
            .ok_or(SignalError::NoSession)?;
        let seed = chain.take(message.counter, budget)?;
        let keys = MessageKeys::derive(&seed);
        if !message.verify_mac(&keys.mac_key, &self.remote_identity, &self.local_identity) {
            return Err(SignalError::BadMac);
        }
        let plaintext = aes_cbc_decrypt(&keys.cipher_key, &keys.iv, message.ciphertext())?;
        self.pending_prekey = None;
        Ok(plaintext)
    }

    fn chain_for(&self, ratchet_key: &PublicKey) -> Option<&ReceivingChain> {
        self.receiving
            .iter()
            .find(|c| c.ratchet_key == *ratchet_key)
    }

    /// DH ratchet step on a new remote ratchet key.
    fn step(
        &mut self,
        remote: PublicKey,
        previous_counter: u32,
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<(), SignalError> {
        if let Some(prev) = self
            .receiving
            .iter_mut()
            .find(|c| c.ratchet_key == self.their_ratchet)
        {
            prev.fill(previous_counter, budget)?;
            prev.chain.key = None;
        }
        budget.count_ratchet_step();
        let (root, chain) = root_step(&self.root_key, &self.our_ratchet.private, &remote);
        self.receiving.push(ReceivingChain {
            ratchet_key: remote,
            chain: Chain::new(chain),
            skipped: Vec::new(),
        });
        if self.receiving.len() > MAX_RECEIVING_CHAINS {
            self.receiving.remove(0);
        }
        if let Some(sending) = self.sending.take() {
            // npm libsignal announces the last index used (-1 as u32 when none was).
            self.previous_counter = sending.next.wrapping_sub(1);
        }
        self.our_ratchet = KeyPair::generate(rng);
        let (root, chain) = root_step(&root, &self.our_ratchet.private, &remote);
        self.root_key = root;
        self.sending = Some(Chain::new(chain));
        self.their_ratchet = remote;
        Ok(())
    }
}
