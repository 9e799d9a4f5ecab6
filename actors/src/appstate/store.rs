//! Persisted app-state: keys by id, and each collection's whole verified state under its
//! name (version, LTHash and the index → value MAC map in `CollectionState::to_bytes` form).

use std::collections::HashMap;

use wa_protocol::appstate::{CollectionState, ExpandedKeys};

use crate::store::{AccountId, Batch, Namespace, Store, StoreError};

/// Every stored key, expanded, by key id.
pub(super) async fn load_keys(
    store: &dyn Store,
    account: &AccountId,
) -> Result<HashMap<Vec<u8>, ExpandedKeys>, StoreError> {
    Ok(store
        .scan_prefix(account, Namespace::APP_STATE_KEYS, b"")
        .await?
        .into_iter()
        .map(|(id, data)| (id, ExpandedKeys::expand(&data)))
        .collect())
}

/// The newest key id (ids are big-endian counters from the phone: the largest is newest).
pub(super) fn newest_key(keys: &HashMap<Vec<u8>, ExpandedKeys>) -> Option<&Vec<u8>> {
    keys.keys().max()
}

/// A collection's stored state; the empty state when none or unreadable.
pub(super) async fn load_state(
    store: &dyn Store,
    account: &AccountId,
    collection: &str,
) -> Result<CollectionState, StoreError> {
    let bytes = store
        .get(
            account,
            Namespace::APP_STATE_VERSIONS,
            collection.as_bytes(),
        )
        .await?;
    Ok(bytes
        .and_then(|b| {
            let s = CollectionState::from_bytes(&b);
            if s.is_none() {
                tracing::warn!(collection, "stored app-state unreadable; refetching it");
            }
            s
        })
        .unwrap_or_default())
}

/// The write that stores `state` for `collection`.
pub(super) fn put_state(batch: Batch, collection: &str, state: &CollectionState) -> Batch {
    batch.put(
        Namespace::APP_STATE_VERSIONS,
        collection.as_bytes().to_vec(),
        state.to_bytes(),
    )
}
