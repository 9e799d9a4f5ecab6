//! The value-returning decrypt as it was before records were updated in place (each attempt
//! on a copy of one session, the record rebuilt around it), kept as the reference the
//! in-place decrypt is checked against.

use rand_core::CryptoRngCore;

use super::super::budget::{
    Budget, DecryptCost, ARCHIVED_RATCHET_ATTEMPTS, MAX_DECRYPT_DERIVATIONS,
};
use super::super::error::SignalError;
use super::super::keys::{LocalIdentity, PreKeyLookup};
use super::super::ratchet::SessionState;
use super::super::wire::{PreKeyWhisperMessage, WhisperMessage};
use super::{Decrypted, Incoming, SessionRecord, Slot};
use crate::crypto::PublicKey;

impl SessionRecord {
    /// The value-returning decrypt as it was before records were updated in place.
    pub(crate) fn reference_decrypt_with_cost(
        &self,
        local: &LocalIdentity,
        prekeys: &impl PreKeyLookup,
        incoming: Incoming<'_>,
        rng: &mut impl CryptoRngCore,
    ) -> (Result<Decrypted, SignalError>, DecryptCost) {
        let mut budget = Budget::new(MAX_DECRYPT_DERIVATIONS);
        let result = match incoming {
            Incoming::PreKey(bytes) => {
                self.ref_decrypt_prekey(local, prekeys, bytes, rng, &mut budget)
            }
            Incoming::Whisper(bytes) => WhisperMessage::parse(bytes)
                .and_then(|msg| self.ref_decrypt_whisper(&msg, rng, &mut budget)),
        };
        (result, budget.cost())
    }

    fn ref_decrypt_prekey(
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
                record: self.ref_with_decrypted(slot, state),
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
    fn ref_whisper_candidates<'a>(
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
    fn ref_with_decrypted(&self, slot: Slot, state: SessionState) -> SessionRecord {
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

    fn ref_decrypt_whisper(
        &self,
        msg: &WhisperMessage,
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<Decrypted, SignalError> {
        let mut first_error = None;
        for slot in self.ref_whisper_candidates(&msg.ratchet_key) {
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
                        record: self.ref_with_decrypted(slot, state),
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

    fn slot(&self, slot: Slot) -> Option<&SessionState> {
        match slot {
            Slot::Current => self.current.as_ref(),
            Slot::Previous(i) => self.previous.get(i),
        }
    }
}
