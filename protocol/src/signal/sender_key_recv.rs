//! Receiving on one sender-key state in place: the message key (and any it skips) is derived
//! on the side and written into the state only once the ciphertext has decrypted, so a failed
//! decrypt leaves the state exactly as it was without copying it.

use super::super::error::SignalError;
use super::super::kdf::{aes_cbc_decrypt, chain_step, Secret32};
use super::{message_key, SenderKeyState, MAX_SENDER_FORWARD_JUMPS, MAX_SENDER_SKIPPED_KEYS};

/// A message key found or derived without touching the state yet.
enum Staged {
    /// Skipped earlier; at this position of the state's skipped keys.
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

impl SenderKeyState {
    /// Decrypts `ciphertext` sent at `iteration`; the state moves on only if it decrypts.
    pub(super) fn open(
        &mut self,
        iteration: u32,
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, SignalError> {
        let staged = self.stage(iteration)?;
        let seed = match &staged {
            Staged::Skipped { seed, .. } | Staged::Ahead { seed, .. } => seed,
        };
        let (iv, key) = message_key(seed);
        let plaintext = aes_cbc_decrypt(&key, &iv, ciphertext)?;
        self.commit(staged);
        Ok(plaintext)
    }

    /// The key for `iteration`, with every refusal of moving the chain to it, nothing written.
    /// The last iteration is never used, so the counter cannot wrap back to keys handed out.
    fn stage(&self, iteration: u32) -> Result<Staged, SignalError> {
        if iteration == u32::MAX {
            return Err(SignalError::CounterOverflow);
        }
        if iteration < self.iteration {
            return match self.skipped.iter().position(|(i, _)| *i == iteration) {
                Some(pos) => Ok(Staged::Skipped {
                    pos,
                    seed: self.skipped[pos].1.clone(),
                }),
                None => Err(SignalError::OldCounter {
                    chain: self.iteration,
                    message: iteration,
                }),
            };
        }
        let ahead = iteration - self.iteration;
        if ahead > MAX_SENDER_FORWARD_JUMPS {
            return Err(SignalError::TooFarInFuture {
                chain: self.iteration,
                message: iteration,
                limit: MAX_SENDER_FORWARD_JUMPS,
            });
        }
        // Only a message that skips keys allocates (the usual next-in-line one does not).
        let mut skipped = Vec::with_capacity(usize::try_from(ahead).unwrap_or(0));
        let (mut seed, mut key) = chain_step(&self.chain_key);
        let mut i = self.iteration;
        while i < iteration {
            let (next_seed, next_key) = chain_step(&key);
            skipped.push((i, std::mem::replace(&mut seed, next_seed)));
            key = next_key;
            i += 1;
        }
        Ok(Staged::Ahead {
            skipped,
            seed,
            key,
            // `iteration < u32::MAX`, checked above.
            next: iteration + 1,
        })
    }

    /// Writes a staged key's changes: what stepping the chain to it would have left, the
    /// oldest skipped keys dropped past [`MAX_SENDER_SKIPPED_KEYS`].
    fn commit(&mut self, staged: Staged) {
        match staged {
            Staged::Skipped { pos, .. } => {
                self.skipped.remove(pos);
            }
            Staged::Ahead {
                skipped, key, next, ..
            } => {
                self.skipped.extend(skipped);
                if self.skipped.len() > MAX_SENDER_SKIPPED_KEYS {
                    let excess = self.skipped.len() - MAX_SENDER_SKIPPED_KEYS;
                    self.skipped.drain(..excess);
                }
                self.chain_key = key;
                self.iteration = next;
            }
        }
    }
}
