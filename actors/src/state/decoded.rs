//! Records the Signal actor decoded lately, each with the stored bytes it came from, so the
//! next stanza from a busy sender skips decoding its session again.
//!
//! Decoding a session record is not cheap: every key pair in it is stored as its private half
//! only, and its public half is a base-point multiplication away. A sender's session moves
//! with every message, so the bytes the actor itself just wrote are remembered with the record
//! they encode, and a read that finds exactly those bytes takes the record from here. Being
//! keyed by the bytes themselves, a hit is always the record a fresh decode would give, never
//! stale, whoever wrote the row in between.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// At most this many records are kept; past it the cache starts over. A receive burst comes
/// from a handful of senders, and a record with archived sessions can be kilobytes.
const CAPACITY: usize = 32;

/// Decoded records by store key, each with its encoding (which holds private keys, hence
/// zeroized when it goes).
pub(crate) struct Decoded<T> {
    entries: HashMap<Vec<u8>, (Zeroizing<Vec<u8>>, T)>,
}

impl<T> Default for Decoded<T> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }
}

impl<T> Decoded<T> {
    /// Takes the record under `key` out if `bytes` are exactly what it was remembered with.
    /// The caller moves it in place and remembers it again (under the bytes it writes, or
    /// under `bytes` if it did not move), so a hit copies no record.
    pub(crate) fn take(&mut self, key: &[u8], bytes: &[u8]) -> Option<T> {
        match self.entries.get(key) {
            Some((stored, _)) if stored.as_slice() == bytes => {
                self.entries.remove(key).map(|(_, record)| record)
            }
            _ => None,
        }
    }

    /// Remembers that `bytes`, stored under `key`, decode to `record`.
    pub(crate) fn remember(&mut self, key: &[u8], bytes: &[u8], record: T) {
        if self.entries.len() >= CAPACITY && !self.entries.contains_key(key) {
            self.entries.clear();
        }
        self.entries
            .insert(key.to_vec(), (Zeroizing::new(bytes.to_vec()), record));
    }

    /// How many records are kept.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn clear(&mut self) {
        self.entries = HashMap::new();
    }
}

/// The records the receive path decodes: sessions by Signal address, sender keys by
/// (group, sender) key.
#[derive(Default)]
pub(crate) struct DecodedRecords {
    pub sessions: Decoded<wa_protocol::signal::SessionRecord>,
    pub sender_keys: Decoded<wa_protocol::signal::SenderKeyRecord>,
}

impl DecodedRecords {
    /// Whether nothing is kept.
    pub(crate) fn is_empty(&self) -> bool {
        self.sessions.len() == 0 && self.sender_keys.len() == 0
    }

    /// Drops every record (and wipes the bytes kept with them).
    pub(crate) fn clear(&mut self) {
        self.sessions.clear();
        self.sender_keys.clear();
    }
}

/// How long the records stay after the last stanza: long enough for a burst to hit them,
/// short enough that an account gone quiet does not keep up to `CAPACITY` decoded sessions
/// (kilobytes each) for as long as it stays connected.
pub(crate) const IDLE_TRIM: Duration = Duration::from_secs(30);

/// When to drop the records: after [`IDLE_TRIM`] without a stanza. At most one tick is
/// pending at a time; a tick that finds a stanza came since re-arms for the time left.
#[derive(Debug, Default)]
pub(crate) struct IdleTrim {
    armed: bool,
    last_use: Option<Instant>,
}

/// What a trim tick decides.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tick {
    /// Idle long enough: drop the records.
    Clear,
    /// A stanza came since: tick again after this long.
    Rearm(Duration),
}

impl IdleTrim {
    /// A stanza used the records at `now`; returns the delay of a tick to arm, if none is.
    pub(crate) fn used(&mut self, now: Instant) -> Option<Duration> {
        self.last_use = Some(now);
        (!std::mem::replace(&mut self.armed, true)).then_some(IDLE_TRIM)
    }

    /// The armed tick came at `now`.
    pub(crate) fn tick(&mut self, now: Instant) -> Tick {
        let idle = self
            .last_use
            .map_or(IDLE_TRIM, |last| now.saturating_duration_since(last));
        if idle >= IDLE_TRIM {
            self.armed = false;
            Tick::Clear
        } else {
            Tick::Rearm(IDLE_TRIM - idle)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_the_same_key_and_the_same_bytes() {
        let mut cache = Decoded::<u32>::default();
        cache.remember(b"alice", b"v1", 1);
        assert_eq!(cache.take(b"alice", b"v2"), None, "the row moved on");
        assert_eq!(cache.take(b"bob", b"v1"), None, "another key");
        assert_eq!(cache.len(), 1, "a miss leaves the entry");
        assert_eq!(cache.take(b"alice", b"v1"), Some(1));
        assert_eq!(cache.take(b"alice", b"v1"), None, "taken out, not copied");
        cache.remember(b"alice", b"v1", 1);
        cache.remember(b"alice", b"v2", 2);
        assert_eq!(cache.take(b"alice", b"v1"), None, "replaced, not added");
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.take(b"alice", b"v2"), Some(2));
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn records_go_after_a_quiet_spell_and_stay_while_stanzas_come() {
        let t0 = Instant::now();
        let mut trim = IdleTrim::default();
        assert_eq!(trim.used(t0), Some(IDLE_TRIM), "the first use arms a tick");
        assert_eq!(
            trim.used(t0 + Duration::from_secs(10)),
            None,
            "one tick at a time"
        );
        // The tick comes 30 s after the first use, 20 s after the last one.
        assert_eq!(
            trim.tick(t0 + IDLE_TRIM),
            Tick::Rearm(Duration::from_secs(10))
        );
        assert_eq!(
            trim.tick(t0 + IDLE_TRIM + Duration::from_secs(10)),
            Tick::Clear
        );
        assert_eq!(
            trim.used(t0 + Duration::from_secs(100)),
            Some(IDLE_TRIM),
            "after a clear the next use arms again"
        );
    }

    #[test]
    fn clearing_empties_both_kinds() {
        let mut records = DecodedRecords::default();
        assert!(records.is_empty());
        records
            .sender_keys
            .remember(b"g", b"x", wa_protocol::signal::SenderKeyRecord::default());
        assert!(!records.is_empty());
        records.clear();
        assert!(records.is_empty());
    }

    #[test]
    fn it_stays_under_its_capacity() {
        let mut cache = Decoded::<usize>::default();
        for i in 0..CAPACITY * 3 {
            cache.remember(i.to_string().as_bytes(), b"x", i);
            assert!(cache.len() <= CAPACITY);
        }
        let last = (CAPACITY * 3 - 1).to_string();
        assert_eq!(cache.take(last.as_bytes(), b"x"), Some(CAPACITY * 3 - 1));
    }
}
