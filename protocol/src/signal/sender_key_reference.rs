//! The value-returning sender-key decrypt as it was before records were updated in place (the
//! chain stepped on a copy of the whole record), kept as the reference the in-place decrypt is
//! checked against.

use super::super::error::SignalError;
use super::super::kdf::{aes_cbc_decrypt, Secret32};
use super::super::wire::SenderKeyMessage;
use super::{
    message_key, SenderKeyRecord, SenderKeyState, MAX_SENDER_FORWARD_JUMPS, MAX_SENDER_SKIPPED_KEYS,
};

impl SenderKeyState {
    fn key_for(&mut self, iteration: u32) -> Result<Secret32, SignalError> {
        if iteration == u32::MAX {
            return Err(SignalError::CounterOverflow);
        }
        if iteration < self.iteration {
            return match self.skipped.iter().position(|(i, _)| *i == iteration) {
                Some(pos) => Ok(self.skipped.remove(pos).1),
                None => Err(SignalError::OldCounter {
                    chain: self.iteration,
                    message: iteration,
                }),
            };
        }
        if iteration - self.iteration > MAX_SENDER_FORWARD_JUMPS {
            return Err(SignalError::TooFarInFuture {
                chain: self.iteration,
                message: iteration,
                limit: MAX_SENDER_FORWARD_JUMPS,
            });
        }
        while self.iteration < iteration {
            let i = self.iteration;
            let seed = self.step()?;
            self.skipped.push((i, seed));
        }
        if self.skipped.len() > MAX_SENDER_SKIPPED_KEYS {
            let excess = self.skipped.len() - MAX_SENDER_SKIPPED_KEYS;
            self.skipped.drain(..excess);
        }
        self.step()
    }
}

impl SenderKeyRecord {
    /// The old decrypt: signature on our state, then the chain stepped on a copy.
    pub(crate) fn reference_decrypt(
        &self,
        bytes: &[u8],
    ) -> Result<(Vec<u8>, SenderKeyRecord), SignalError> {
        let message = SenderKeyMessage::parse(bytes)?;
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
        let mut record = self.clone();
        let state = &mut record.states[pos];
        let seed = state.key_for(message.iteration)?;
        let (iv, key) = message_key(&seed);
        let plaintext = aes_cbc_decrypt(&key, &iv, message.ciphertext())?;
        Ok((plaintext, record))
    }
}
