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

impl<T: Clone> Decoded<T> {
    /// The record under `key` if `bytes` are exactly what it was remembered with.
    pub(crate) fn get(&self, key: &[u8], bytes: &[u8]) -> Option<T> {
        self.entries
            .get(key)
            .filter(|(stored, _)| stored.as_slice() == bytes)
            .map(|(_, record)| record.clone())
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
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The records the receive path decodes: sessions by Signal address, sender keys by
/// (group, sender) key.
#[derive(Default)]
pub(crate) struct DecodedRecords {
    pub sessions: Decoded<wa_protocol::signal::SessionRecord>,
    pub sender_keys: Decoded<wa_protocol::signal::SenderKeyRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_the_same_key_and_the_same_bytes() {
        let mut cache = Decoded::<u32>::default();
        cache.remember(b"alice", b"v1", 1);
        assert_eq!(cache.get(b"alice", b"v1"), Some(1));
        assert_eq!(cache.get(b"alice", b"v2"), None, "the row moved on");
        assert_eq!(cache.get(b"bob", b"v1"), None, "another key");
        cache.remember(b"alice", b"v2", 2);
        assert_eq!(cache.get(b"alice", b"v1"), None, "replaced, not added");
        assert_eq!(cache.get(b"alice", b"v2"), Some(2));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn it_stays_under_its_capacity() {
        let mut cache = Decoded::<usize>::default();
        for i in 0..CAPACITY * 3 {
            cache.remember(i.to_string().as_bytes(), b"x", i);
            assert!(cache.len() <= CAPACITY);
        }
        let last = (CAPACITY * 3 - 1).to_string();
        assert_eq!(cache.get(last.as_bytes(), b"x"), Some(CAPACITY * 3 - 1));
    }
}
