//! The LID ↔ phone-number map: a concurrent map read by every actor that addresses a user,
//! written through to the store (`Namespace::LID_MAP`) by whoever learns a pair.

use dashmap::DashMap;
use wa_protocol::binary::Jid;

use crate::store::{Batch, Entry, Namespace};

/// Most pairs kept; past it new pairs are not learned (each costs a stanza the server
/// relayed, but a flood of forged senders must not grow memory without bound).
pub const MAX_LID_PAIRS: usize = 200_000;

const PN_PREFIX: &[u8] = b"pn:";
const LID_PREFIX: &[u8] = b"lid:";

/// User parts both ways: `pn user → lid user`, `lid user → pn user`.
pub(super) struct LidMap {
    pn_to_lid: DashMap<String, String>,
    lid_to_pn: DashMap<String, String>,
}

impl Default for LidMap {
    fn default() -> Self {
        Self {
            pn_to_lid: super::small_map(),
            lid_to_pn: super::small_map(),
        }
    }
}

fn key(prefix: &[u8], user: &str) -> Vec<u8> {
    [prefix, user.as_bytes()].concat()
}

impl LidMap {
    /// The map as stored (both directions are stored; each is read back on its own).
    pub(super) fn from_entries(entries: Vec<Entry>) -> Self {
        let map = Self::default();
        for (k, v) in entries {
            let Ok(value) = String::from_utf8(v) else {
                continue;
            };
            if let Some(pn) = k.strip_prefix(PN_PREFIX) {
                if let Ok(pn) = std::str::from_utf8(pn) {
                    map.pn_to_lid.insert(pn.to_owned(), value);
                }
            } else if let Some(lid) = k.strip_prefix(LID_PREFIX) {
                if let Ok(lid) = std::str::from_utf8(lid) {
                    map.lid_to_pn.insert(lid.to_owned(), value);
                }
            }
        }
        map
    }

    /// The LID of phone-number user `pn` (any device; the answer has none).
    pub(super) fn lid_for(&self, pn: &Jid) -> Option<Jid> {
        pn.is_pn()
            .then(|| self.pn_to_lid.get(&pn.user).map(|l| Jid::lid(l.clone())))
            .flatten()
    }

    /// The phone number of LID user `lid`.
    pub(super) fn pn_for(&self, lid: &Jid) -> Option<Jid> {
        lid.is_lid()
            .then(|| self.lid_to_pn.get(&lid.user).map(|p| Jid::pn(p.clone())))
            .flatten()
    }

    /// Records that `pn` and `lid` are the same user; the writes to store when it is new or
    /// changed, `None` otherwise (also for pairs that are not a PN and a LID).
    pub(super) fn learn(&self, pn: &Jid, lid: &Jid) -> Option<Batch> {
        if !pn.is_pn() || !lid.is_lid() || pn.user.is_empty() || lid.user.is_empty() {
            return None;
        }
        if self.pn_to_lid.get(&pn.user).is_some_and(|l| *l == lid.user) {
            return None;
        }
        if self.pn_to_lid.len() >= MAX_LID_PAIRS && !self.pn_to_lid.contains_key(&pn.user) {
            tracing::warn!("LID map full; pair not learned");
            return None;
        }
        let mut batch = Batch::new();
        if let Some(old) = self.pn_to_lid.insert(pn.user.clone(), lid.user.clone()) {
            self.lid_to_pn.remove(&old);
            batch = batch.delete(Namespace::LID_MAP, key(LID_PREFIX, &old));
        }
        if let Some(old) = self.lid_to_pn.insert(lid.user.clone(), pn.user.clone()) {
            if old != pn.user {
                self.pn_to_lid.remove(&old);
                batch = batch.delete(Namespace::LID_MAP, key(PN_PREFIX, &old));
            }
        }
        Some(
            batch
                .put(
                    Namespace::LID_MAP,
                    key(PN_PREFIX, &pn.user),
                    lid.user.as_bytes(),
                )
                .put(
                    Namespace::LID_MAP,
                    key(LID_PREFIX, &lid.user),
                    pn.user.as_bytes(),
                ),
        )
    }

    /// Forgets every pair (memory only).
    pub(super) fn clear(&self) {
        self.pn_to_lid.clear();
        self.lid_to_pn.clear();
    }

    /// Pairs known.
    pub(super) fn len(&self) -> usize {
        self.pn_to_lid.len()
    }
}
