//! Verifying and decoding server patches and snapshots (app-state.md §4–5). Nothing is
//! returned unless every MAC and the LTHash hold: the caller gets either the new state with
//! its decoded mutations or a typed error, never a partly applied state.

use prost::Message;
use wa_protobuf::wa;

use super::error::AppStateError;
use super::keys::{ExpandedKeys, KeySource};
use super::macs::{self, mac_eq, RecordMacKeys, MAC_LEN};
use super::state::CollectionState;
use super::value;
use super::MAX_MUTATIONS;

/// A record operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Create or overwrite the record.
    Set,
    /// Delete the record.
    Remove,
}

impl Operation {
    /// The protobuf enum value (SET = 0, REMOVE = 1).
    pub fn as_i32(self) -> i32 {
        match self {
            Operation::Set => 0,
            Operation::Remove => 1,
        }
    }

    fn from_i32(v: i32) -> Result<Operation, AppStateError> {
        match v {
            0 => Ok(Operation::Set),
            1 => Ok(Operation::Remove),
            other => Err(AppStateError::UnknownOperation(other)),
        }
    }
}

/// One verified, decrypted mutation.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedMutation {
    /// SET or REMOVE.
    pub operation: Operation,
    /// The index array, e.g. `["mute", "123@s.whatsapp.net"]`.
    pub index: Vec<String>,
    /// The action value.
    pub value: wa::SyncActionValue,
    /// `SyncActionData.version` (the action's API version).
    pub version: i32,
    /// The record's index MAC.
    pub index_mac: [u8; MAC_LEN],
    /// The record's value MAC.
    pub value_mac: [u8; MAC_LEN],
}

fn key<'a>(
    keys: &'a impl KeySource,
    id: Option<&wa::KeyId>,
) -> Result<&'a ExpandedKeys, AppStateError> {
    let id = id
        .and_then(|k| k.id.as_deref())
        .ok_or(AppStateError::MissingField("keyID"))?;
    keys.keys(id)
        .ok_or_else(|| AppStateError::MissingKey(id.to_vec()))
}

fn index_mac_of(record: &wa::SyncdRecord) -> Result<[u8; MAC_LEN], AppStateError> {
    let blob = record
        .index
        .as_ref()
        .and_then(|i| i.blob.as_deref())
        .ok_or(AppStateError::MissingField("record.index"))?;
    blob.try_into()
        .map_err(|_| AppStateError::BadIndexMacLength { len: blob.len() })
}

fn value_blob(record: &wa::SyncdRecord) -> Result<&[u8], AppStateError> {
    record
        .value
        .as_ref()
        .and_then(|v| v.blob.as_deref())
        .ok_or(AppStateError::MissingField("record.value"))
}

/// The value MAC stored at the end of a record's value blob (after a length check).
pub fn record_value_mac(record: &wa::SyncdRecord) -> Result<[u8; MAC_LEN], AppStateError> {
    let (_, mac) = value::split_blob(value_blob(record)?)?;
    mac.try_into()
        .map_err(|_| AppStateError::BadValueLength { len: mac.len() })
}

/// Verifies and decrypts one record under the key its `keyID` names.
pub fn decode_record(
    record: &wa::SyncdRecord,
    operation: Operation,
    keys: &impl KeySource,
) -> Result<DecodedMutation, AppStateError> {
    decode_record_in(record, operation, keys, &mut MacKeyCache::default())
}

/// The MAC keys of the last key id a patch or snapshot used: records nearly always share one.
#[derive(Default)]
struct MacKeyCache {
    last: Option<(Vec<u8>, RecordMacKeys)>,
}

impl MacKeyCache {
    fn get(&mut self, key_id: &[u8], keys: &ExpandedKeys) -> &RecordMacKeys {
        if self.last.as_ref().is_some_and(|(id, _)| id != key_id) {
            self.last = None;
        }
        &self
            .last
            .get_or_insert_with(|| (key_id.to_vec(), RecordMacKeys::new(keys)))
            .1
    }
}

fn decode_record_in(
    record: &wa::SyncdRecord,
    operation: Operation,
    keys: &impl KeySource,
    cache: &mut MacKeyCache,
) -> Result<DecodedMutation, AppStateError> {
    let key_id = record
        .key_id
        .as_ref()
        .and_then(|k| k.id.as_deref())
        .ok_or(AppStateError::MissingField("record.keyID"))?;
    let k = keys
        .keys(key_id)
        .ok_or_else(|| AppStateError::MissingKey(key_id.to_vec()))?;
    let mac_keys = cache.get(key_id, k);
    let index_mac = index_mac_of(record)?;
    let (content, mac) = value::split_blob(value_blob(record)?)?;
    let value_mac = mac_keys.value_mac(operation.as_i32() as u8, key_id, content);
    if !mac_eq(&value_mac, mac) {
        return Err(AppStateError::ValueMacMismatch);
    }
    let plain = value::decrypt(&k.value_encryption, content)?;
    let data =
        wa::SyncActionData::decode(plain.as_slice()).map_err(|source| AppStateError::Protobuf {
            what: "SyncActionData",
            source,
        })?;
    let index_json = data
        .index
        .as_deref()
        .ok_or(AppStateError::MissingField("SyncActionData.index"))?;
    if !mac_eq(&mac_keys.index_mac(index_json), &index_mac) {
        return Err(AppStateError::IndexMacMismatch);
    }
    let index: Vec<String> =
        serde_json::from_slice(index_json).map_err(|_| AppStateError::BadIndexJson)?;
    Ok(DecodedMutation {
        operation,
        index,
        value: data.value.unwrap_or_default(),
        version: data.version.unwrap_or_default(),
        index_mac,
        value_mac,
    })
}

/// Verifies a server patch on top of `state` and decodes its mutations. `external` is the
/// downloaded `SyncdMutations` when the patch points at one; its mutations follow the inline
/// ones. The patch MAC is checked before anything is decrypted, the snapshot MAC against the
/// resulting LTHash last.
pub fn decode_patch(
    collection: &str,
    state: &CollectionState,
    patch: &wa::SyncdPatch,
    external: Option<&wa::SyncdMutations>,
    keys: &impl KeySource,
) -> Result<(CollectionState, Vec<DecodedMutation>), AppStateError> {
    let version = patch
        .version
        .as_ref()
        .and_then(|v| v.version)
        .ok_or(AppStateError::MissingField("patch.version"))?;
    if version <= state.version {
        return Err(AppStateError::StaleVersion {
            current: state.version,
            got: version,
        });
    }
    if patch.external_mutations.is_some() && external.is_none() {
        return Err(AppStateError::ExternalMutationsMissing);
    }
    let mutations: Vec<&wa::SyncdMutation> = patch
        .mutations
        .iter()
        .chain(external.into_iter().flat_map(|e| e.mutations.iter()))
        .take(MAX_MUTATIONS + 1)
        .collect();
    if mutations.len() > MAX_MUTATIONS {
        return Err(AppStateError::TooManyMutations {
            limit: MAX_MUTATIONS,
        });
    }
    let patch_key = key(keys, patch.key_id.as_ref())?;
    let snapshot_mac = patch
        .snapshot_mac
        .as_deref()
        .ok_or(AppStateError::MissingField("patch.snapshotMAC"))?;
    let mut value_macs = Vec::with_capacity(mutations.len());
    for m in &mutations {
        let record = m
            .record
            .as_ref()
            .ok_or(AppStateError::MissingField("mutation.record"))?;
        value_macs.push(record_value_mac(record)?);
    }
    let want_patch_mac = macs::patch_mac(
        &patch_key.patch_mac,
        snapshot_mac,
        value_macs.iter().map(|m| m.as_slice()),
        version,
        collection,
    );
    if !mac_eq(
        &want_patch_mac,
        patch.patch_mac.as_deref().unwrap_or_default(),
    ) {
        return Err(AppStateError::PatchMacMismatch { version });
    }
    let mut next = state.clone();
    let mut decoded = Vec::with_capacity(mutations.len());
    let mut cache = MacKeyCache::default();
    for m in mutations {
        let operation = Operation::from_i32(m.operation.unwrap_or_default())?;
        let record = m
            .record
            .as_ref()
            .ok_or(AppStateError::MissingField("mutation.record"))?;
        let d = decode_record_in(record, operation, keys, &mut cache)?;
        match operation {
            Operation::Set => next.apply_set(d.index_mac, d.value_mac),
            Operation::Remove => next.apply_remove(&d.index_mac)?,
        }
        decoded.push(d);
    }
    next.version = version;
    let want = macs::snapshot_mac(&patch_key.snapshot_mac, &next.hash, version, collection);
    if !mac_eq(&want, snapshot_mac) {
        return Err(AppStateError::SnapshotMacMismatch { version });
    }
    Ok((next, decoded))
}

/// Verifies and decodes a full snapshot; the state starts empty and every record is a SET.
pub fn decode_snapshot(
    collection: &str,
    snapshot: &wa::SyncdSnapshot,
    keys: &impl KeySource,
) -> Result<(CollectionState, Vec<DecodedMutation>), AppStateError> {
    let version = snapshot
        .version
        .as_ref()
        .and_then(|v| v.version)
        .ok_or(AppStateError::MissingField("snapshot.version"))?;
    if snapshot.records.len() > MAX_MUTATIONS {
        return Err(AppStateError::TooManyMutations {
            limit: MAX_MUTATIONS,
        });
    }
    let snap_key = key(keys, snapshot.key_id.as_ref())?;
    let mut state = CollectionState {
        version,
        ..CollectionState::default()
    };
    let mut decoded = Vec::with_capacity(snapshot.records.len());
    let mut cache = MacKeyCache::default();
    for record in &snapshot.records {
        let d = decode_record_in(record, Operation::Set, keys, &mut cache)?;
        state.apply_set(d.index_mac, d.value_mac);
        decoded.push(d);
    }
    let want = macs::snapshot_mac(&snap_key.snapshot_mac, &state.hash, version, collection);
    if !mac_eq(&want, snapshot.mac.as_deref().unwrap_or_default()) {
        return Err(AppStateError::SnapshotMacMismatch { version });
    }
    Ok((state, decoded))
}

/// Decodes protobuf bytes of a patch.
pub fn parse_patch(bytes: &[u8]) -> Result<wa::SyncdPatch, AppStateError> {
    wa::SyncdPatch::decode(bytes).map_err(|source| AppStateError::Protobuf {
        what: "SyncdPatch",
        source,
    })
}

/// Decodes protobuf bytes of a snapshot.
pub fn parse_snapshot(bytes: &[u8]) -> Result<wa::SyncdSnapshot, AppStateError> {
    wa::SyncdSnapshot::decode(bytes).map_err(|source| AppStateError::Protobuf {
        what: "SyncdSnapshot",
        source,
    })
}

/// Decodes protobuf bytes of an external mutations blob.
pub fn parse_mutations(bytes: &[u8]) -> Result<wa::SyncdMutations, AppStateError> {
    wa::SyncdMutations::decode(bytes).map_err(|source| AppStateError::Protobuf {
        what: "SyncdMutations",
        source,
    })
}
