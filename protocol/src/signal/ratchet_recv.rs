//! Receiving on one session in place. On a chain the session already knows, the message's key
//! (and any keys it skips) are derived on the side and written into the session only once the
//! MAC and the padding have passed, so a failed decrypt leaves the session exactly as it was
//! without copying it. A message that turns the ratchet touches the root key, both chains and
//! the previous receiving chain: it works on a copy of this one session, which its two DH and
//! new key pair outweigh many times over.

use rand_core::CryptoRngCore;

use super::budget::Budget;
use super::error::SignalError;
use super::kdf::{aes_cbc_decrypt, chain_step, MessageKeys, Secret32};
use super::ratchet::{ReceivingChain, SessionState, MAX_SKIPPED_KEYS};
use super::wire::WhisperMessage;

/// A message key found or derived without touching the chain yet.
enum Staged {
    /// Skipped earlier; at this position of the chain's skipped keys.
    Skipped { pos: usize, seed: Secret32 },
    /// Ahead of the chain: the keys skipped on the way (oldest first), the message's own seed,
    /// and the chain key after it.
    Ahead {
        skipped: Vec<(u32, Secret32)>,
        seed: Secret32,
        key: Secret32,
        next: u32,
    },
}

impl Staged {
    fn seed(&self) -> &Secret32 {
        match self {
            Staged::Skipped { seed, .. } | Staged::Ahead { seed, .. } => seed,
        }
    }
}

/// The key for `counter` on `chain`, with the refusals and budget spend of filling the chain
/// up to it, but nothing written.
fn stage(chain: &ReceivingChain, counter: u32, budget: &mut Budget) -> Result<Staged, SignalError> {
    let steps = chain.fill_cost(counter)?;
    if steps == 0 {
        return match chain.skipped.iter().rposition(|(i, _)| *i == counter) {
            Some(pos) => Ok(Staged::Skipped {
                pos,
                seed: chain.skipped[pos].1.clone(),
            }),
            None => Err(SignalError::OldCounter {
                chain: chain.chain.next,
                message: counter,
            }),
        };
    }
    // `fill_cost` bounds `steps` by MAX_FORWARD_JUMPS, so it fits in u32.
    budget.spend(u32::try_from(steps).unwrap_or(u32::MAX))?;
    let Some(start) = chain.chain.key.as_ref() else {
        return Err(SignalError::ChainClosed);
    };
    // Only a message that skips keys allocates (the usual next-in-line one does not).
    let mut skipped = Vec::with_capacity(usize::try_from(steps - 1).unwrap_or(0));
    let (mut seed, mut key) = chain_step(start);
    // `counter < u32::MAX` (checked by `fill_cost`), so `i + 1` never overflows here.
    let mut i = chain.chain.next;
    while i < counter {
        let (next_seed, next_key) = chain_step(&key);
        skipped.push((i, std::mem::replace(&mut seed, next_seed)));
        key = next_key;
        i += 1;
    }
    Ok(Staged::Ahead {
        skipped,
        seed,
        key,
        next: counter + 1,
    })
}

/// Writes a staged key's changes into `chain`: exactly what filling it and taking the key
/// would have left (the oldest skipped keys go past [`MAX_SKIPPED_KEYS`], the message's own
/// key counted as if it had been stored and taken).
fn commit(chain: &mut ReceivingChain, staged: Staged) {
    match staged {
        Staged::Skipped { pos, .. } => {
            chain.skipped.remove(pos);
        }
        Staged::Ahead {
            skipped, key, next, ..
        } => {
            let total = chain.skipped.len() + skipped.len() + 1;
            chain.skipped.extend(skipped);
            let excess = total.saturating_sub(MAX_SKIPPED_KEYS);
            if excess > 0 {
                chain.skipped.drain(..excess.min(chain.skipped.len()));
            }
            chain.chain.key = Some(key);
            chain.chain.next = next;
        }
    }
}

impl SessionState {
    /// Decrypts one message into this session: on success the session has moved on exactly as
    /// [`SessionState::decrypt`] would have moved it, on any error it is unchanged. Budget and
    /// randomness are spent as that function spends them.
    pub(crate) fn decrypt_in_place(
        &mut self,
        message: &WhisperMessage,
        rng: &mut impl CryptoRngCore,
        budget: &mut Budget,
    ) -> Result<Vec<u8>, SignalError> {
        let remote = message.ratchet_key;
        let Some(index) = self.receiving.iter().position(|c| c.ratchet_key == remote) else {
            let mut scratch = self.clone();
            let plaintext = scratch.decrypt(message, rng, budget)?;
            *self = scratch;
            return Ok(plaintext);
        };
        budget.count_session();
        self.check_cost(message, budget)?;
        let staged = stage(&self.receiving[index], message.counter, budget)?;
        let keys = MessageKeys::derive(staged.seed());
        if !message.verify_mac(&keys.mac_key, &self.remote_identity, &self.local_identity) {
            return Err(SignalError::BadMac);
        }
        let plaintext = aes_cbc_decrypt(&keys.cipher_key, &keys.iv, message.ciphertext())?;
        commit(&mut self.receiving[index], staged);
        self.pending_prekey = None;
        Ok(plaintext)
    }
}
