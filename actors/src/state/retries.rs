//! What the Signal actor remembers about retry receipts, in bounded memory: how many it sent
//! per message id, and which one-time prekey it handed to each sender device.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map that forgets its oldest insertion once it holds `cap` entries.
pub(crate) struct BoundedMap<K, V> {
    entries: HashMap<K, (V, u64)>,
    /// Insertion order with the sequence number each insertion got; entries removed or
    /// replaced since leave stale items here, skipped when met and compacted when many.
    order: VecDeque<(K, u64)>,
    next_seq: u64,
    cap: usize,
}

impl<K: Hash + Eq + Clone, V> BoundedMap<K, V> {
    /// An empty map holding at most `cap` entries (at least one).
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            cap: cap.max(1),
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(v, _)| v)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Inserts or replaces; evicts the oldest entries beyond the cap.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.insert(key.clone(), (value, seq));
        self.order.push_back((key, seq));
        while self.entries.len() > self.cap {
            let Some((old, old_seq)) = self.order.pop_front() else {
                break;
            };
            if self.entries.get(&old).is_some_and(|(_, s)| *s == old_seq) {
                self.entries.remove(&old);
            }
        }
        if self.order.len() > 2 * self.cap {
            let entries = &self.entries;
            self.order
                .retain(|(k, s)| entries.get(k).is_some_and(|(_, live)| live == s));
        }
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key).map(|(v, _)| v)
    }
}

/// Retry bookkeeping of one Signal actor (lost on restart, which only resets counts the
/// stanza's own `count` attribute restores).
pub(crate) struct RetryBook {
    /// Retry receipts already sent per message id.
    pub(crate) sent: BoundedMap<String, u32>,
    /// The retry prekey id last handed to each sender device (Signal address), reused while
    /// it is still stored so one sender cannot mint a key per message.
    pub(crate) prekey_for: BoundedMap<String, u32>,
}

impl RetryBook {
    /// Bookkeeping for at most `max_ids` message ids and `max_senders` sender devices.
    pub(crate) fn new(max_ids: usize, max_senders: usize) -> Self {
        Self {
            sent: BoundedMap::new(max_ids),
            prekey_for: BoundedMap::new(max_senders),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_beyond_the_cap() {
        let mut m = BoundedMap::new(3);
        for i in 0..10u32 {
            m.insert(i, i * 10);
        }
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(&6), None);
        assert_eq!(m.get(&9), Some(&90));
        // Replacing refreshes an entry's age.
        m.insert(7, 1);
        m.insert(10, 100);
        assert_eq!(m.get(&7), Some(&1));
        assert_eq!(m.get(&8), None);
        assert_eq!(m.remove(&7), Some(1));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn order_queue_stays_bounded_under_churn() {
        let mut m = BoundedMap::new(4);
        for i in 0..10_000u32 {
            m.insert(i % 2, i);
            m.remove(&(i % 2));
            m.insert(i % 3, i);
        }
        assert!(m.len() <= 4);
        assert!(m.order.len() <= 8 + 1, "{}", m.order.len());
    }
}
