//! The work one incoming 1:1 message may make us do before its MAC is checked.
//!
//! A MAC can only be checked after the message key is derived, and deriving it may take a DH
//! ratchet step and one chain step per counter skipped. A forger picks the counters and the
//! ratchet key for free, so the total is capped per decrypt call (shared by every session the
//! message is tried against) and refused up front, before any work, when it would not fit.

use super::error::SignalError;

/// Chain-key derivations (one HMAC chain step each) one decrypt call may spend in total, across
/// the old chain a ratchet step closes, the new chain and every session tried.
///
/// Half of [`MAX_FORWARD_JUMPS`](super::ratchet::MAX_FORWARD_JUMPS) (the per-chain bound npm
/// libsignal uses): a forged message that spends all of it plus one ratchet step costs about
/// 0.65 ms on a loaded 2-core machine (bench `signal/forged`, 41 sessions in the record). The price is that a genuine
/// message arriving after more than about a thousand lost messages from one device is refused
/// with [`SignalError::DecryptBudget`]; the sender's retry path re-establishes the session.
pub const MAX_DECRYPT_DERIVATIONS: u32 = 1000;

/// Archived sessions (most recent first) on which a message with a ratchet key no receiving
/// chain knows is tried with a ratchet step, besides the current session. Sessions that already
/// know the message's ratchet key are always tried: they need no ratchet step.
pub const ARCHIVED_RATCHET_ATTEMPTS: usize = 2;

/// What one decrypt call cost: deterministic counts for tests and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecryptCost {
    /// Chain-key derivations (HMAC chain steps) performed.
    pub derivations: u32,
    /// DH ratchet steps performed.
    pub ratchet_steps: u32,
    /// Sessions the message was tried against (the current one and archived ones).
    pub sessions_tried: u32,
}

/// A per-call allowance of derivations; everything charged is counted in [`DecryptCost`].
#[derive(Debug)]
pub(crate) struct Budget {
    limit: u32,
    cost: DecryptCost,
}

impl Budget {
    pub(crate) fn new(limit: u32) -> Self {
        Self {
            limit,
            cost: DecryptCost::default(),
        }
    }

    pub(crate) fn cost(&self) -> DecryptCost {
        self.cost
    }

    fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.cost.derivations)
    }

    /// Fails, spending nothing, when `derivations` more would exceed the allowance.
    pub(crate) fn check(&self, derivations: u64) -> Result<(), SignalError> {
        if derivations > u64::from(self.remaining()) {
            return Err(SignalError::DecryptBudget {
                needed: derivations,
                remaining: self.remaining(),
            });
        }
        Ok(())
    }

    /// Spends `derivations` after [`Budget::check`]ing them.
    pub(crate) fn spend(&mut self, derivations: u32) -> Result<(), SignalError> {
        self.check(u64::from(derivations))?;
        self.cost.derivations += derivations;
        Ok(())
    }

    pub(crate) fn count_ratchet_step(&mut self) {
        self.cost.ratchet_steps += 1;
    }

    pub(crate) fn count_session(&mut self) {
        self.cost.sessions_tried += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_before_spending_and_counts_what_was_spent() {
        let mut b = Budget::new(10);
        b.spend(4).unwrap();
        assert_eq!(
            b.check(7),
            Err(SignalError::DecryptBudget {
                needed: 7,
                remaining: 6
            })
        );
        assert!(b.spend(7).is_err());
        assert_eq!(b.cost().derivations, 4);
        b.spend(6).unwrap();
        assert!(b.check(1).is_err());
        assert_eq!(
            b.check(u64::MAX).unwrap_err(),
            SignalError::DecryptBudget {
                needed: u64::MAX,
                remaining: 0
            }
        );
    }
}
