//! `SessionRecord`: every session we hold with one peer device, and the pure encrypt/decrypt
//! operations on it. Each operation borrows the record and returns a new one on success, so a
//! failure leaves the caller's stored record untouched.

use rand_core::CryptoRngCore;

use super::budget::{Budget, DecryptCost, ARCHIVED_RATCHET_ATTEMPTS, MAX_DECRYPT_DERIVATIONS};
use super::codec::{Reader, Writer};
use super::error::SignalError;
use super::keys::{LocalIdentity, PreKeyBundle, PreKeyLookup};
use super::ratchet::SessionState;
use super::wire::{PreKeyWhisperMessage, WhisperMessage};
use crate::crypto::PublicKey;

/// Archived (previous) sessions kept per peer, for late messages and simultaneous initiation.
pub const MAX_PREVIOUS_SESSIONS: usize = 40;

const MAGIC: &[u8; 3] = b"WSR";
const VERSION: u8 = 1;

/// The sessions with one peer device: the current one and archived previous ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionRecord {
    current: Option<SessionState>,
    /// Most recent first.
    previous: Vec<SessionState>,
}

/// Where a session sits in a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Current,
    Previous(usize),
}

/// An encrypted 1:1 message and its `<enc type>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ciphertext {
    /// `pkmsg`: the session is not yet confirmed by the peer.
    PreKey(PreKeyWhisperMessage),
    /// `msg`.
    Whisper(WhisperMessage),
}

impl Ciphertext {
    /// The `type` attribute of the `<enc>` node.
    pub fn enc_type(&self) -> &'static str {
        match self {
            Ciphertext::PreKey(_) => "pkmsg",
            Ciphertext::Whisper(_) => "msg",
        }
    }

    /// The bytes for the `<enc>` node.
    pub fn serialized(&self) -> &[u8] {
        match self {
            Ciphertext::PreKey(m) => m.serialized(),
            Ciphertext::Whisper(m) => m.serialized(),
        }
    }
}

/// An incoming 1:1 message, by its `<enc type>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// `pkmsg` bytes.
    PreKey(&'a [u8]),
    /// `msg` bytes.
    Whisper(&'a [u8]),
}

/// The result of a successful decrypt: persist `record` (and delete `consumed_prekey`) before
/// acknowledging the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decrypted {
    /// The plaintext (still WhatsApp-padded).
    pub plaintext: Vec<u8>,
    /// The record to store in place of the old one.
    pub record: SessionRecord,
    /// One-time prekey id consumed by a new session, to delete from the prekey store.
    pub consumed_prekey: Option<u32>,
    /// The sender's identity key, for the caller's trust check.
    pub remote_identity: PublicKey,
}

impl SessionRecord {
    /// An empty record (no session yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// The current session, if any.
    pub fn current(&self) -> Option<&SessionState> {
        self.current.as_ref()
    }

    /// Whether a current session exists (so `encrypt` can be called).
    pub fn has_session(&self) -> bool {
        self.current.is_some()
    }

    #[cfg(test)]
    pub(crate) fn current_mut(&mut self) -> Option<&mut SessionState> {
        self.current.as_mut()
    }

    #[cfg(test)]
    pub(crate) fn previous_sessions(&self) -> &[SessionState] {
        &self.previous
    }

    /// Number of archived sessions.
    pub fn previous_count(&self) -> usize {
        self.previous.len()
    }

    fn archive_current(&mut self) {
        if let Some(state) = self.current.take() {
            self.previous.insert(0, state);
            self.previous.truncate(MAX_PREVIOUS_SESSIONS);
        }
    }

    fn promote(&mut self, state: SessionState) {
        self.archive_current();
        self.current = Some(state);
    }

    /// Starts a new session from a peer's prekey bundle (X3DH as initiator); the old current
    /// session, if any, is archived. Draws two key pairs from `rng` (base key, ratchet key).
    pub fn initiate(
        &self,
        local: &LocalIdentity,
        bundle: &PreKeyBundle,
        rng: &mut impl CryptoRngCore,
    ) -> Result<SessionRecord, SignalError> {
        let state = SessionState::initiate(local, bundle, rng)?;
        let mut record = self.clone();
        record.promote(state);
        Ok(record)
    }

    /// Encrypts `plaintext` (already padded) with the current session.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<(Ciphertext, SessionRecord), SignalError> {
        let mut record = self.clone();
        let state = record.current.as_mut().ok_or(SignalError::NoSession)?;
        let message = state.encrypt(plaintext)?;
        let out = match &state.pending_prekey {
            Some(p) => Ciphertext::PreKey(PreKeyWhisperMessage::build(
                state.local_registration_id,
                p.prekey_id,
                p.signed_prekey_id,
                p.base_key,
                state.local_identity,
                message,
            )),
            None => Ciphertext::Whisper(message),
        };
        Ok((out, record))
    }

    /// Decrypts a `pkmsg` or `msg`. May draw one key pair from `rng` (a ratchet step).
    ///
    /// The work is bounded whatever the bytes say: a `msg` is tried against the sessions whose
    /// receiving chains know its ratchet key, then with a ratchet step against the current
    /// session and the [`ARCHIVED_RATCHET_ATTEMPTS`] most recent archived ones, and all attempts
    /// share [`MAX_DECRYPT_DERIVATIONS`] chain steps ([`SignalError::DecryptBudget`] beyond).
    pub fn decrypt(
        &self,
        local: &LocalIdentity,
        prekeys: &impl PreKeyLookup,
        incoming: Incoming<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Decrypted, SignalError> {
        self.decrypt_with_cost(local, prekeys, incoming, rng).0
    }

    /// [`SessionRecord::decrypt`], also reporting the work it did (successful or not).
    pub fn decrypt_with_cost(
        &self,
        local: &LocalIdentity,
        prekeys: &impl PreKeyLookup,
        incoming: Incoming<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> (Result<Decrypted, SignalError>, DecryptCost) {
        let mut budget = Budget::new(MAX_DECRYPT_DERIVATIONS);
        let result = match incoming {
            Incoming::PreKey(bytes) => self.decrypt_prekey(local, prekeys, bytes, rng, &mut budget),
            Incoming::Whisper(bytes) => WhisperMessage::parse(bytes)
                .and_then(|msg| self.decrypt_whisper(&msg, rng, &mut budget)),
        };
        (result, budget.cost())
    }

    fn decrypt_prekey(
        &self,
        local: &LocalIdentity,
        prekeys: &impl PreKeyLookup,
        bytes: &[u8],
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<Decrypted, SignalError> {
        let msg = PreKeyWhisperMessage::parse(bytes)?;
        let same_base = |s: &SessionState| !s.base_key_ours && s.base_key == msg.base_key;
        // A repeated pkmsg of a session we already built (the peer has not heard from us yet).
        let repeated = if self.current.as_ref().is_some_and(same_base) {
            Some(Slot::Current)
        } else {
            self.previous.iter().position(same_base).map(Slot::Previous)
        };
        if let Some(slot) = repeated {
            let stored = self.slot(slot).ok_or(SignalError::NoSession)?;
            // Only the one state is copied until the message has proven itself.
            stored.check_cost(&msg.message, budget)?;
            let mut state = stored.clone();
            let plaintext = state.decrypt(&msg.message, rng, budget)?;
            return Ok(Decrypted {
                plaintext,
                record: self.with_decrypted(slot, state),
                consumed_prekey: None,
                remote_identity: msg.identity_key,
            });
        }
        let signed = prekeys
            .signed_prekey(msg.signed_prekey_id)
            .ok_or(SignalError::UnknownSignedPreKey(msg.signed_prekey_id))?;
        let one_time = match msg.prekey_id {
            Some(id) => Some(prekeys.prekey(id).ok_or(SignalError::UnknownPreKey(id))?),
            None => None,
        };
        let mut state = SessionState::respond(
            local,
            msg.identity_key,
            msg.registration_id,
            msg.base_key,
            &signed,
            one_time.as_ref(),
        );
        let plaintext = state.decrypt(&msg.message, rng, budget)?;
        let mut record = self.clone();
        record.promote(state);
        Ok(Decrypted {
            plaintext,
            record,
            consumed_prekey: msg.prekey_id,
            remote_identity: msg.identity_key,
        })
    }

    /// Which sessions a `msg` is tried against, in order: those that know its ratchet key (no
    /// ratchet step; current first), then, with a ratchet step, the current session and a few
    /// recent archived ones. Older sessions cannot plausibly receive a new ratchet key.
    fn whisper_candidates<'a>(
        &'a self,
        ratchet_key: &'a PublicKey,
    ) -> impl Iterator<Item = Slot> + 'a {
        // Two passes over the slots instead of partitioned vectors: no allocation per message.
        let slots = move || {
            self.current.iter().map(|s| (Slot::Current, s)).chain(
                self.previous
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (Slot::Previous(i), s)),
            )
        };
        let worth_a_step = |slot: &Slot| match slot {
            Slot::Current => true,
            Slot::Previous(i) => *i < ARCHIVED_RATCHET_ATTEMPTS,
        };
        let known = slots()
            .filter(|(_, s)| s.knows_ratchet_key(ratchet_key))
            .map(|(slot, _)| slot);
        let unknown = slots()
            .filter(move |(slot, s)| worth_a_step(slot) && !s.knows_ratchet_key(ratchet_key))
            .map(|(slot, _)| slot);
        known.chain(unknown)
    }

    /// The record after `state` (a copy of the one at `slot`) decrypted a message: a current
    /// session is replaced in place, an archived one is promoted to current.
    /// The replaced session is not copied: only the others are.
    fn with_decrypted(&self, slot: Slot, state: SessionState) -> SessionRecord {
        match slot {
            Slot::Current => SessionRecord {
                current: Some(state),
                previous: self.previous.clone(),
            },
            Slot::Previous(pos) => {
                let mut record = SessionRecord {
                    current: self.current.clone(),
                    previous: Vec::with_capacity(self.previous.len()),
                };
                let others = self.previous.iter().enumerate().filter(|(i, _)| *i != pos);
                record.previous.extend(others.map(|(_, s)| s.clone()));
                record.promote(state);
                record
            }
        }
    }

    fn slot(&self, slot: Slot) -> Option<&SessionState> {
        match slot {
            Slot::Current => self.current.as_ref(),
            Slot::Previous(i) => self.previous.get(i),
        }
    }

    fn decrypt_whisper(
        &self,
        msg: &WhisperMessage,
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<Decrypted, SignalError> {
        let mut first_error = None;
        for slot in self.whisper_candidates(&msg.ratchet_key) {
            let Some(stored) = self.slot(slot) else {
                continue;
            };
            // Refuse before cloning: a state can hold thousands of skipped keys.
            if let Err(e) = stored.check_cost(msg, budget) {
                budget.count_session();
                first_error.get_or_insert(e);
                continue;
            }
            let mut state = stored.clone();
            match state.decrypt(msg, rng, budget) {
                Ok(plaintext) => {
                    let remote_identity = state.remote_identity;
                    return Ok(Decrypted {
                        plaintext,
                        record: self.with_decrypted(slot, state),
                        consumed_prekey: None,
                        remote_identity,
                    });
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(SignalError::NoSession))
    }

    /// Serializes the record for the store (magic `WSR`, format version 1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::record(MAGIC, VERSION);
        match &self.current {
            Some(s) => {
                w.bool(true);
                s.write(&mut w);
            }
            None => w.bool(false),
        }
        w.u32(self.previous.len() as u32);
        for s in &self.previous {
            s.write(&mut w);
        }
        w.finish()
    }

    /// Reads a record written by [`SessionRecord::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignalError> {
        let mut r = Reader::record(bytes, MAGIC, VERSION, "session")?;
        let current = if r.bool()? {
            Some(SessionState::read(&mut r)?)
        } else {
            None
        };
        let n = r.count(MAX_PREVIOUS_SESSIONS as u32)?;
        let mut previous = Vec::with_capacity(n);
        for _ in 0..n {
            previous.push(SessionState::read(&mut r)?);
        }
        r.end()?;
        Ok(Self { current, previous })
    }
}
