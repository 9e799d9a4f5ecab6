//! The memory store's keyed tables: one ordered map, and the packed table that holds
//! one-time prekeys compactly (see `packed.rs`). Callers see one table per namespace.

use std::collections::BTreeMap;

use super::packed::Packed;
use super::{Entry, Namespace};

/// A stored value and its write time (unix seconds).
pub(super) type Stamped = (Vec<u8>, i64);

/// All keyed tables of one account.
#[derive(Default)]
pub(super) struct Tables {
    general: BTreeMap<(Namespace, Vec<u8>), Stamped>,
    prekeys: Packed,
}

fn packs(ns: Namespace) -> bool {
    ns == Namespace::PRE_KEYS
}

impl Tables {
    pub(super) fn is_empty(&self) -> bool {
        self.general.is_empty() && self.prekeys.is_empty()
    }

    pub(super) fn get(&self, ns: Namespace, key: &[u8]) -> Option<Stamped> {
        if packs(ns) {
            if let Some(found) = self.prekeys.get(key) {
                return Some(found);
            }
        }
        self.general.get(&(ns, key.to_vec())).cloned()
    }

    pub(super) fn contains(&self, ns: Namespace, key: &[u8]) -> bool {
        self.get(ns, key).is_some()
    }

    /// Inserts or replaces, returning what was there. A key lives in one place only: a
    /// prekey whose value does not fit the packed width goes to the general map.
    pub(super) fn insert(
        &mut self,
        ns: Namespace,
        key: Vec<u8>,
        value: Vec<u8>,
        time: i64,
    ) -> Option<Stamped> {
        if !packs(ns) {
            return self.general.insert((ns, key), (value, time));
        }
        let from_packed = self.prekeys.remove(&key);
        let from_general = self.general.remove(&(ns, key.clone()));
        if self.prekeys.fits(&key, &value) {
            self.prekeys.insert(&key, &value, time);
        } else {
            self.general.insert((ns, key), (value, time));
        }
        from_packed.or(from_general)
    }

    pub(super) fn remove(&mut self, ns: Namespace, key: &[u8]) -> Option<Stamped> {
        if packs(ns) {
            if let Some(old) = self.prekeys.remove(key) {
                return Some(old);
            }
        }
        self.general.remove(&(ns, key.to_vec()))
    }

    /// Every entry of `ns` whose key starts with `prefix`, in key order, with write times.
    fn scan_stamped(&self, ns: Namespace, prefix: &[u8]) -> Vec<(Vec<u8>, Stamped)> {
        let mut out: Vec<(Vec<u8>, Stamped)> = self
            .general
            .range((ns, prefix.to_vec())..)
            .take_while(|((n, k), _)| *n == ns && k.starts_with(prefix))
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        if packs(ns) && !self.prekeys.is_empty() {
            out.extend(
                self.prekeys
                    .scan(prefix)
                    .into_iter()
                    .map(|(k, v, t)| (k, (v, t))),
            );
            out.sort_by(|a, b| a.0.cmp(&b.0));
        }
        out
    }

    pub(super) fn scan(&self, ns: Namespace, prefix: &[u8]) -> Vec<Entry> {
        self.scan_stamped(ns, prefix)
            .into_iter()
            .map(|(k, (v, _))| (k, v))
            .collect()
    }

    /// Removes and returns every entry of `ns`.
    pub(super) fn take_ns(&mut self, ns: Namespace) -> Vec<(Vec<u8>, Stamped)> {
        let taken = self.scan_stamped(ns, &[]);
        if packs(ns) {
            self.prekeys.take_all();
        }
        self.general.retain(|(n, _), _| *n != ns);
        taken
    }

    /// Removes entries of `ns` written before `cutoff`; returns how many.
    pub(super) fn prune(&mut self, ns: Namespace, cutoff: i64) -> u64 {
        let len = self.general.len();
        self.general
            .retain(|(n, _), (_, written)| *n != ns || *written >= cutoff);
        let mut removed = len - self.general.len();
        if packs(ns) {
            removed += self.prekeys.prune(cutoff);
        }
        removed as u64
    }
}

#[cfg(test)]
#[path = "memory_tables_tests.rs"]
mod tests;
