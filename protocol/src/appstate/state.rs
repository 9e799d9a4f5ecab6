//! A collection's verified state: version, LTHash and the index MAC → value MAC map, with the
//! per-mutation update rule and a compact persisted form.

use std::collections::BTreeMap;

use super::error::AppStateError;
use super::lthash::{LtHash, LTHASH_LEN};
use super::macs::MAC_LEN;

/// One collection's state; starts at version 0 with a zero hash and no records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionState {
    /// The last applied version.
    pub version: u64,
    /// The LTHash over the value MACs of every live record.
    pub hash: LtHash,
    /// Index MAC → value MAC of every live record; needed to subtract an overwritten value.
    pub index_values: BTreeMap<[u8; MAC_LEN], [u8; MAC_LEN]>,
}

impl CollectionState {
    /// Applies one SET: an existing value under the index is subtracted first.
    pub fn apply_set(&mut self, index_mac: [u8; MAC_LEN], value_mac: [u8; MAC_LEN]) {
        if let Some(prev) = self.index_values.insert(index_mac, value_mac) {
            self.hash.subtract(&prev);
        }
        self.hash.add(&value_mac);
    }

    /// Applies one REMOVE: the index's value is subtracted and the index forgotten.
    pub fn apply_remove(&mut self, index_mac: &[u8; MAC_LEN]) -> Result<(), AppStateError> {
        let prev = self
            .index_values
            .remove(index_mac)
            .ok_or(AppStateError::RemoveOfMissingIndex)?;
        self.hash.subtract(&prev);
        Ok(())
    }

    /// The persisted form: `u64be version ‖ hash(128) ‖ (index ‖ value)*`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + LTHASH_LEN + self.index_values.len() * 2 * MAC_LEN);
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(self.hash.as_bytes());
        for (i, v) in &self.index_values {
            out.extend_from_slice(i);
            out.extend_from_slice(v);
        }
        out
    }

    /// Reads [`to_bytes`](Self::to_bytes) output; `None` when malformed.
    pub fn from_bytes(bytes: &[u8]) -> Option<CollectionState> {
        let (version, rest) = bytes.split_at_checked(8)?;
        let (hash, pairs) = rest.split_at_checked(LTHASH_LEN)?;
        if pairs.len() % (2 * MAC_LEN) != 0 {
            return None;
        }
        let mut index_values = BTreeMap::new();
        for pair in pairs.chunks_exact(2 * MAC_LEN) {
            let (i, v) = pair.split_at(MAC_LEN);
            index_values.insert(i.try_into().ok()?, v.try_into().ok()?);
        }
        Some(CollectionState {
            version: u64::from_be_bytes(version.try_into().ok()?),
            hash: LtHash(hash.try_into().ok()?),
            index_values,
        })
    }
}
