//! `SessionRecord`: every session we hold with one peer device, and the pure encrypt/decrypt
//! operations on it. Each operation updates the record in place (`*_in_place`) and leaves it
//! exactly as it was on any error; the value-returning forms run the same on a copy.

use rand_core::CryptoRngCore;

use super::budget::{Budget, DecryptCost, ARCHIVED_RATCHET_ATTEMPTS, MAX_DECRYPT_DERIVATIONS};
use super::error::SignalError;
use super::keys::{LocalIdentity, PreKeyBundle, PreKeyLookup};
use super::ratchet::SessionState;
use super::wire::{PreKeyWhisperMessage, WhisperMessage};
use crate::crypto::PublicKey;

/// Archived (previous) sessions kept per peer, for late messages and simultaneous initiation.
pub const MAX_PREVIOUS_SESSIONS: usize = 40;

#[cfg(test)]
#[path = "session_reference.rs"]
mod reference;

#[path = "session_codec.rs"]
mod stored;

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

/// The result of a successful [`SessionRecord::decrypt_in_place`]: persist the record (and
/// delete `consumed_prekey`) before acknowledging the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The plaintext (still WhatsApp-padded).
    pub plaintext: Vec<u8>,
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
    /// On error the record is unchanged.
    pub fn initiate_in_place(
        &mut self,
        local: &LocalIdentity,
        bundle: &PreKeyBundle,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), SignalError> {
        let state = SessionState::initiate(local, bundle, rng)?;
        self.promote(state);
        Ok(())
    }

    /// [`SessionRecord::initiate_in_place`] on a copy, returned.
    pub fn initiate(
        &self,
        local: &LocalIdentity,
        bundle: &PreKeyBundle,
        rng: &mut impl CryptoRngCore,
    ) -> Result<SessionRecord, SignalError> {
        let mut record = self.clone();
        record.initiate_in_place(local, bundle, rng)?;
        Ok(record)
    }

    /// Encrypts `plaintext` (already padded) with the current session, moving its sending
    /// chain on. On error the record is unchanged.
    pub fn encrypt_in_place(&mut self, plaintext: &[u8]) -> Result<Ciphertext, SignalError> {
        let state = self.current.as_mut().ok_or(SignalError::NoSession)?;
        let message = state.encrypt(plaintext)?;
        Ok(match &state.pending_prekey {
            Some(p) => Ciphertext::PreKey(PreKeyWhisperMessage::build(
                state.local_registration_id,
                p.prekey_id,
                p.signed_prekey_id,
                p.base_key,
                state.local_identity,
                message,
            )),
            None => Ciphertext::Whisper(message),
        })
    }

    /// [`SessionRecord::encrypt_in_place`] on a copy of the record, returned with the message.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<(Ciphertext, SessionRecord), SignalError> {
        let mut record = self.clone();
        let out = record.encrypt_in_place(plaintext)?;
        Ok((out, record))
    }

    /// Decrypts a `pkmsg` or `msg` into this record. May draw one key pair from `rng` (a
    /// ratchet step). On success persist the record (and delete
    /// [`Received::consumed_prekey`]) before acknowledging the message; on any error the
    /// record is exactly as it was (no chain moved, no skipped key dropped).
    ///
    /// The work is bounded whatever the bytes say: a `msg` is tried against the sessions whose
    /// receiving chains know its ratchet key, then with a ratchet step against the current
    /// session and the [`ARCHIVED_RATCHET_ATTEMPTS`] most recent archived ones, and all attempts
    /// share [`MAX_DECRYPT_DERIVATIONS`] chain steps ([`SignalError::DecryptBudget`] beyond).
    pub fn decrypt_in_place(
        &mut self,
        local: &LocalIdentity,
        prekeys: &impl PreKeyLookup,
        incoming: Incoming<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Received, SignalError> {
        self.decrypt_in_place_with_cost(local, prekeys, incoming, rng)
            .0
    }

    /// [`SessionRecord::decrypt_in_place`], also reporting the work it did (successful or not).
    pub fn decrypt_in_place_with_cost(
        &mut self,
        local: &LocalIdentity,
        prekeys: &impl PreKeyLookup,
        incoming: Incoming<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> (Result<Received, SignalError>, DecryptCost) {
        let mut budget = Budget::new(MAX_DECRYPT_DERIVATIONS);
        let result = match incoming {
            Incoming::PreKey(bytes) => self.decrypt_prekey(local, prekeys, bytes, rng, &mut budget),
            Incoming::Whisper(bytes) => WhisperMessage::parse(bytes)
                .and_then(|msg| self.decrypt_whisper(&msg, rng, &mut budget)),
        };
        (result, budget.cost())
    }

    /// [`SessionRecord::decrypt_in_place`] on a copy of the record, returned on success. The
    /// copy is made before anything is checked: callers on a hot path or facing hostile
    /// input keep the record and decrypt in place.
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
        let mut record = self.clone();
        let (result, cost) = record.decrypt_in_place_with_cost(local, prekeys, incoming, rng);
        let result = result.map(|r| Decrypted {
            plaintext: r.plaintext,
            record,
            consumed_prekey: r.consumed_prekey,
            remote_identity: r.remote_identity,
        });
        (result, cost)
    }

    fn decrypt_prekey(
        &mut self,
        local: &LocalIdentity,
        prekeys: &impl PreKeyLookup,
        bytes: &[u8],
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<Received, SignalError> {
        let msg = PreKeyWhisperMessage::parse(bytes)?;
        let same_base = |s: &SessionState| !s.base_key_ours && s.base_key == msg.base_key;
        // A repeated pkmsg of a session we already built (the peer has not heard from us yet).
        let repeated = if self.current.as_ref().is_some_and(same_base) {
            Some(Slot::Current)
        } else {
            self.previous.iter().position(same_base).map(Slot::Previous)
        };
        if let Some(slot) = repeated {
            let state = self.slot_mut(slot).ok_or(SignalError::NoSession)?;
            state.check_cost(&msg.message, budget)?;
            let plaintext = state.decrypt_in_place(&msg.message, rng, budget)?;
            self.settle(slot);
            return Ok(Received {
                plaintext,
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
        // A new session of its own: the record is touched only once it has decrypted.
        let plaintext = state.decrypt(&msg.message, rng, budget)?;
        self.promote(state);
        Ok(Received {
            plaintext,
            consumed_prekey: msg.prekey_id,
            remote_identity: msg.identity_key,
        })
    }

    /// After the session at `slot` decrypted a message: an archived one becomes current (the
    /// current one archived), a current one stays where it is.
    fn settle(&mut self, slot: Slot) {
        if let Slot::Previous(pos) = slot {
            let state = self.previous.remove(pos);
            self.promote(state);
        }
    }

    fn slot_mut(&mut self, slot: Slot) -> Option<&mut SessionState> {
        match slot {
            Slot::Current => self.current.as_mut(),
            Slot::Previous(i) => self.previous.get_mut(i),
        }
    }

    /// Tries a `msg` on the sessions, in order: those that know its ratchet key (no ratchet
    /// step; current first), then, with a ratchet step, the current session and a few recent
    /// archived ones (older sessions cannot plausibly receive a new ratchet key). A failed
    /// attempt leaves its session unchanged, so the next one sees the record as it was.
    fn decrypt_whisper(
        &mut self,
        msg: &WhisperMessage,
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<Received, SignalError> {
        let mut first_error = None;
        // By index, two passes over the slots: no candidate list is allocated per message.
        let slots = 1 + self.previous.len();
        for known in [true, false] {
            for i in 0..slots {
                let slot = match i {
                    0 => Slot::Current,
                    i => Slot::Previous(i - 1),
                };
                if !known && matches!(slot, Slot::Previous(p) if p >= ARCHIVED_RATCHET_ATTEMPTS) {
                    break;
                }
                let Some(state) = self.slot_mut(slot) else {
                    continue;
                };
                if state.knows_ratchet_key(&msg.ratchet_key) != known {
                    continue;
                }
                // Refused before any derivation: a state can hold thousands of skipped keys.
                if let Err(e) = state.check_cost(msg, budget) {
                    budget.count_session();
                    first_error.get_or_insert(e);
                    continue;
                }
                match state.decrypt_in_place(msg, rng, budget) {
                    Ok(plaintext) => {
                        let remote_identity = state.remote_identity;
                        self.settle(slot);
                        return Ok(Received {
                            plaintext,
                            consumed_prekey: None,
                            remote_identity,
                        });
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        Err(first_error.unwrap_or(SignalError::NoSession))
    }
}
