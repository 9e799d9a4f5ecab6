//! Outstanding iq requests: ids and deadlines. The driver keeps whatever it must answer (a
//! reply port) keyed by the same id; this table only decides when an id is answered or late.

use std::collections::HashMap;
use std::time::Instant;

use crate::stanza::iq::IqIdGenerator;

/// Ids of the iqs waiting for a reply, with their deadlines.
#[derive(Debug)]
pub struct IqTable {
    ids: IqIdGenerator,
    deadlines: HashMap<String, Instant>,
}

impl IqTable {
    /// An empty table whose fresh ids start with the two `random` bytes (whatsmeow's shape).
    pub fn new(random: [u8; 2]) -> Self {
        Self {
            ids: IqIdGenerator::new(random),
            deadlines: HashMap::new(),
        }
    }

    /// A fresh request id.
    pub fn next_id(&mut self) -> String {
        self.ids.next_id()
    }

    /// Waits for `id` until `deadline`. A second wait on the same id replaces the first.
    pub fn insert(&mut self, id: String, deadline: Instant) {
        self.deadlines.insert(id, deadline);
    }

    /// Takes `id` out when a reply for it arrived; false when nobody waits for it.
    pub fn answer(&mut self, id: &str) -> bool {
        self.deadlines.remove(id).is_some()
    }

    /// Removes and returns every id whose deadline is at or before `now`, oldest first.
    pub fn expire(&mut self, now: Instant) -> Vec<String> {
        let mut late: Vec<(Instant, String)> = Vec::new();
        self.deadlines.retain(|id, deadline| {
            if *deadline <= now {
                late.push((*deadline, id.clone()));
                false
            } else {
                true
            }
        });
        late.sort();
        late.into_iter().map(|(_, id)| id).collect()
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.values().min().copied()
    }

    /// Forgets every request (the connection ended), returning their ids.
    pub fn drain(&mut self) -> Vec<String> {
        self.deadlines.drain().map(|(id, _)| id).collect()
    }

    /// Requests waiting.
    pub fn len(&self) -> usize {
        self.deadlines.len()
    }

    /// Whether no request waits.
    pub fn is_empty(&self) -> bool {
        self.deadlines.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn answers_and_expires_by_deadline() {
        let t0 = Instant::now();
        let mut t = IqTable::new([1, 2]);
        let a = t.next_id();
        let b = t.next_id();
        assert_ne!(a, b);
        t.insert(a.clone(), t0 + Duration::from_secs(5));
        t.insert(b.clone(), t0 + Duration::from_secs(1));
        assert_eq!(t.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert!(t.expire(t0).is_empty());
        assert_eq!(t.expire(t0 + Duration::from_secs(1)), vec![b.clone()]);
        assert!(!t.answer(&b), "an expired id is no longer answered");
        assert!(t.answer(&a));
        assert!(t.is_empty());
    }
}
