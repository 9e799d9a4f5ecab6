//! Seeded connection drops while the server delivers queued stanzas ([`FaultPlan`]).
//!
//! Whether the server drops the socket at a delivery depends only on the seed, the stanza's
//! queue number and how many times the server already tried to deliver it, never on timing or
//! a global RNG: the same test with the same seed makes the same decisions for the same
//! stanzas, however the client's acks interleave.

/// When to drop the client's socket while delivering queued stanzas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultPlan {
    /// Makes every decision; the same seed makes the same decisions.
    pub seed: u64,
    /// Chance, in `0.0..=1.0`, that one delivery attempt drops the socket.
    pub drop_probability_per_stanza: f64,
    /// Drops stop after this many (so every run ends).
    pub max_drops: u32,
}

/// Where a drop happened relative to the stanza it was decided for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropPoint {
    /// The socket closed instead of writing the stanza: the client never saw it.
    BeforeSend,
    /// The socket closed right after writing the stanza: the client may have processed it,
    /// but its ack may be lost with the connection.
    AfterSend,
}

/// One drop the plan made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FaultEvent {
    /// The queued stanza's number ([`crate::Delivery::seq`]).
    pub seq: u64,
    /// The stanza's `id`.
    pub id: String,
    /// Which delivery attempt of that stanza it was (0 for the first).
    pub attempt: u32,
    /// Before or after writing it.
    pub point: DropPoint,
    /// The connection that was dropped.
    pub connection: u64,
}

/// SplitMix64's finaliser: a good 64-bit mix, so neighbouring inputs give unrelated outputs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl FaultPlan {
    /// The plan's decision for attempt `attempt` at delivering stanza `seq`, ignoring
    /// `max_drops` (the caller counts drops).
    pub fn decide(&self, seq: u64, attempt: u32) -> Option<DropPoint> {
        let h = mix(mix(self.seed ^ mix(seq)) ^ u64::from(attempt));
        // The top 53 bits as a uniform value in [0, 1).
        let roll = (h >> 11) as f64 / (1u64 << 53) as f64;
        if roll >= self.drop_probability_per_stanza {
            return None;
        }
        Some(if h & 1 == 0 {
            DropPoint::BeforeSend
        } else {
            DropPoint::AfterSend
        })
    }
}

/// The plan in force and what it did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults {
    pub plan: Option<FaultPlan>,
    pub events: Vec<FaultEvent>,
}

impl Faults {
    /// Decides for one delivery attempt and records a drop.
    pub fn decide(
        &mut self,
        seq: u64,
        id: &str,
        attempt: u32,
        connection: u64,
    ) -> Option<DropPoint> {
        let plan = self.plan?;
        if self.events.len() >= plan.max_drops as usize {
            return None;
        }
        let point = plan.decide(seq, attempt)?;
        self.events.push(FaultEvent {
            seq,
            id: id.to_owned(),
            attempt,
            point,
            connection,
        });
        Some(point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(seed: u64, p: f64) -> FaultPlan {
        FaultPlan {
            seed,
            drop_probability_per_stanza: p,
            max_drops: u32::MAX,
        }
    }

    #[test]
    fn decisions_depend_only_on_seed_seq_and_attempt() {
        let a: Vec<_> = (0..500).map(|s| plan(7, 0.3).decide(s, 0)).collect();
        let b: Vec<_> = (0..500).map(|s| plan(7, 0.3).decide(s, 0)).collect();
        let c: Vec<_> = (0..500).map(|s| plan(8, 0.3).decide(s, 0)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let drops = a.iter().filter(|d| d.is_some()).count();
        assert!((100..200).contains(&drops), "about 30% of 500: {drops}");
        let after = a
            .iter()
            .filter(|d| **d == Some(DropPoint::AfterSend))
            .count();
        assert!(after > 20 && after < drops - 20, "both points occur");
    }

    #[test]
    fn probability_bounds_and_max_drops_hold() {
        assert!((0..1000).all(|s| plan(1, 0.0).decide(s, 0).is_none()));
        assert!((0..1000).all(|s| plan(1, 1.0).decide(s, 3).is_some()));
        let mut faults = Faults {
            plan: Some(FaultPlan {
                max_drops: 3,
                ..plan(1, 1.0)
            }),
            events: Vec::new(),
        };
        let drops = (0..10)
            .filter(|s| faults.decide(*s, "x", 0, 1).is_some())
            .count();
        assert_eq!(drops, 3);
        assert_eq!(faults.events.len(), 3);
        assert_eq!(faults.events[2].seq, 2);
    }
}
