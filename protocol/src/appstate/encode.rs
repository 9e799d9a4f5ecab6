//! Building patches (our mutations, app-state.md §7) and snapshots (testkit's server role)
//! with the same MAC functions the decoder checks.

use prost::Message;
use wa_protobuf::wa;

use super::decode::Operation;
use super::error::AppStateError;
use super::keys::ExpandedKeys;
use super::macs::{self, MAC_LEN};
use super::state::CollectionState;
use super::value;

/// One mutation to encode. The IV is an input so encoding is deterministic and testable.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMutation {
    /// SET or REMOVE.
    pub operation: Operation,
    /// The index array.
    pub index: Vec<String>,
    /// The action value.
    pub value: wa::SyncActionValue,
    /// `SyncActionData.version` (the action's API version).
    pub version: i32,
    /// The random AES IV.
    pub iv: [u8; 16],
}

/// The exact index JSON bytes: compact, as the peers' `JSON.stringify` / `json.Marshal` write.
pub fn index_json(index: &[String]) -> Vec<u8> {
    serde_json::to_vec(index).expect("a list of strings always serializes")
}

/// Encrypts and MACs one mutation's record; returns it with its index and value MACs.
pub fn encode_record(
    keys: &ExpandedKeys,
    key_id: &[u8],
    m: &OutgoingMutation,
) -> (wa::SyncdMutation, [u8; MAC_LEN], [u8; MAC_LEN]) {
    let index = index_json(&m.index);
    let data = wa::SyncActionData {
        index: Some(index.clone()),
        value: Some(m.value.clone()),
        padding: None,
        version: Some(m.version),
    };
    let mut blob = value::encrypt(&keys.value_encryption, &m.iv, &data.encode_to_vec());
    let value_mac = macs::value_mac(&keys.value_mac, m.operation.as_i32() as u8, key_id, &blob);
    blob.extend_from_slice(&value_mac);
    let index_mac = macs::index_mac(&keys.index, &index);
    let mutation = wa::SyncdMutation {
        operation: Some(m.operation.as_i32()),
        record: Some(wa::SyncdRecord {
            index: Some(wa::SyncdIndex {
                blob: Some(index_mac.to_vec()),
            }),
            value: Some(wa::SyncdValue { blob: Some(blob) }),
            key_id: Some(wa::KeyId {
                id: Some(key_id.to_vec()),
            }),
        }),
    };
    (mutation, index_mac, value_mac)
}

/// Encodes `mutations` as the patch following `state` (version + 1), as a client uploads it
/// (no `version` field). Returns the patch and the state it leads to.
pub fn encode_patch(
    collection: &str,
    state: &CollectionState,
    key_id: &[u8],
    keys: &ExpandedKeys,
    mutations: &[OutgoingMutation],
) -> Result<(wa::SyncdPatch, CollectionState), AppStateError> {
    let mut next = state.clone();
    next.version = state.version + 1;
    let mut encoded = Vec::with_capacity(mutations.len());
    let mut value_macs = Vec::with_capacity(mutations.len());
    for m in mutations {
        let (mutation, index_mac, value_mac) = encode_record(keys, key_id, m);
        match m.operation {
            Operation::Set => next.apply_set(index_mac, value_mac),
            Operation::Remove => next.apply_remove(&index_mac)?,
        }
        encoded.push(mutation);
        value_macs.push(value_mac);
    }
    let snapshot_mac = macs::snapshot_mac(&keys.snapshot_mac, &next.hash, next.version, collection);
    let patch_mac = macs::patch_mac(
        &keys.patch_mac,
        &snapshot_mac,
        value_macs.iter().map(|m| m.as_slice()),
        next.version,
        collection,
    );
    let patch = wa::SyncdPatch {
        mutations: encoded,
        snapshot_mac: Some(snapshot_mac.to_vec()),
        patch_mac: Some(patch_mac.to_vec()),
        key_id: Some(wa::KeyId {
            id: Some(key_id.to_vec()),
        }),
        ..Default::default()
    };
    Ok((patch, next))
}

/// Builds a snapshot of `records` (each already encrypted, all SETs) at `version`, with the
/// MAC over their LTHash. Returns the snapshot and its state.
pub fn encode_snapshot(
    collection: &str,
    version: u64,
    key_id: &[u8],
    keys: &ExpandedKeys,
    records: Vec<wa::SyncdRecord>,
) -> Result<(wa::SyncdSnapshot, CollectionState), AppStateError> {
    let mut state = CollectionState {
        version,
        ..CollectionState::default()
    };
    for r in &records {
        let index_mac: [u8; MAC_LEN] = r
            .index
            .as_ref()
            .and_then(|i| i.blob.as_deref())
            .and_then(|b| b.try_into().ok())
            .ok_or(AppStateError::MissingField("record.index"))?;
        state.apply_set(index_mac, super::decode::record_value_mac(r)?);
    }
    let mac = macs::snapshot_mac(&keys.snapshot_mac, &state.hash, version, collection);
    let snapshot = wa::SyncdSnapshot {
        version: Some(wa::SyncdVersion {
            version: Some(version),
        }),
        records,
        mac: Some(mac.to_vec()),
        key_id: Some(wa::KeyId {
            id: Some(key_id.to_vec()),
        }),
    };
    Ok((snapshot, state))
}
