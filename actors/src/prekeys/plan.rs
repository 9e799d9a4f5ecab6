//! Deciding how many prekeys to upload, and minting them: ids come from one atomic counter in
//! the store, and keys are stored with [`WriteOp::InsertNew`](crate::store::WriteOp), so two
//! minters (the PreKeys actor's refills, the Signal actor's retry receipts) can never hand out
//! one id twice or overwrite a private key already given to the server or a contact.

use wa_protocol::signal::PreKey;
use wa_protocol::stanza::prekeys::{next_prekey_id, MAX_PREKEY_ID};

use super::PreKeyConfig;
use crate::store::{AccountId, Batch, Namespace, Store, StoreResult};

/// Key of the next prekey id in [`Namespace::SIGNAL_META`].
pub(crate) const NEXT_PREKEY_ID: &[u8] = b"next_prekey_id";

/// How many keys to upload when the server reports `server_count`; `fresh_device` is true when
/// this device never generated any (a fresh pairing gets the large first batch).
pub(crate) fn upload_size(config: &PreKeyConfig, server_count: u32, fresh_device: bool) -> u32 {
    if server_count >= config.min {
        0
    } else if server_count == 0 && fresh_device {
        config.initial
    } else {
        config.refill
    }
}

/// `count` fresh keys with ids reserved atomically in the store, and the batch that stores
/// them. The batch fails as a whole (`StoreError::KeyExists`) rather than replace a stored
/// key, which only happens after the 24-bit ids wrapped onto keys still unused; the ids are
/// spent either way, so the next attempt draws new ones.
pub(crate) async fn mint(
    store: &dyn Store,
    account: &AccountId,
    count: u32,
    rng: &mut (impl rand_core::CryptoRngCore + Send),
) -> StoreResult<(Vec<PreKey>, Batch)> {
    let first = reserve(store, account, count).await?;
    Ok(crate::keygen::off_workers(rng, move |rng| generate(first, count, rng)).await)
}

/// One fresh key (for a retry receipt), minted like [`mint`]'s.
pub(crate) async fn mint_one(
    store: &dyn Store,
    account: &AccountId,
    rng: &mut (impl rand_core::CryptoRngCore + Send),
) -> StoreResult<(PreKey, Batch)> {
    let id = reserve(store, account, 1).await?;
    let key = PreKey::generate(id, rng);
    let batch = Batch::new().insert_new(
        Namespace::PRE_KEYS,
        id.to_be_bytes().to_vec(),
        super::stored::encode(&key),
    );
    Ok((key, batch))
}

async fn reserve(store: &dyn Store, account: &AccountId, count: u32) -> StoreResult<u32> {
    store
        .reserve_ids(
            account,
            Namespace::SIGNAL_META,
            NEXT_PREKEY_ID,
            count,
            MAX_PREKEY_ID,
        )
        .await
}

fn generate(
    first_id: u32,
    count: u32,
    rng: &mut impl rand_core::CryptoRngCore,
) -> (Vec<PreKey>, Batch) {
    let mut id = first_id;
    let mut keys = Vec::with_capacity(count as usize);
    let mut batch = Batch::new();
    for _ in 0..count {
        let key = PreKey::generate(id, rng);
        batch = batch.insert_new(
            Namespace::PRE_KEYS,
            id.to_be_bytes().to_vec(),
            super::stored::encode(&key),
        );
        keys.push(key);
        id = next_prekey_id(id);
    }
    (keys, batch)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::store::{MemoryStore, SqliteStore, StoreError};

    #[test]
    fn upload_sizes() {
        let c = PreKeyConfig::default();
        assert_eq!(upload_size(&c, 0, true), 812);
        assert_eq!(upload_size(&c, 0, false), 50);
        assert_eq!(upload_size(&c, 4, true), 50);
        assert_eq!(upload_size(&c, 5, false), 0);
    }

    #[tokio::test]
    async fn minted_ids_continue_and_keys_are_insert_only() {
        let store = MemoryStore::new();
        let a = AccountId::from("a");
        let mut rng = rand::rngs::OsRng;
        let (keys, batch) = mint(&store, &a, 3, &mut rng).await.unwrap();
        assert_eq!(keys.iter().map(|k| k.id).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(batch.ops.len(), 3);
        store.apply(&a, batch).await.unwrap();
        let (keys, _) = mint(&store, &a, 2, &mut rng).await.unwrap();
        assert_eq!(keys.iter().map(|k| k.id).collect::<Vec<_>>(), [4, 5]);
        // A counter set back (a restored backup, a bug) cannot make a mint overwrite.
        store
            .put(
                &a,
                Namespace::SIGNAL_META,
                NEXT_PREKEY_ID,
                &2u32.to_be_bytes(),
            )
            .await
            .unwrap();
        let before = store
            .get(&a, Namespace::PRE_KEYS, &2u32.to_be_bytes())
            .await
            .unwrap();
        let (_, batch) = mint(&store, &a, 1, &mut rng).await.unwrap();
        assert!(matches!(
            store.apply(&a, batch).await,
            Err(StoreError::KeyExists { .. })
        ));
        let after = store
            .get(&a, Namespace::PRE_KEYS, &2u32.to_be_bytes())
            .await
            .unwrap();
        assert_eq!(before, after);
    }

    /// The Signal actor mints one key per retry receipt while the PreKeys actor refills
    /// batches; both run at once on a multi-threaded runtime against one store.
    async fn interleaved_minting(store: Arc<dyn Store>) {
        let a = AccountId::from("a");
        let mut tasks = Vec::new();
        for worker in 0..6u32 {
            let (store, a) = (store.clone(), a.clone());
            tasks.push(tokio::spawn(async move {
                let mut stored = Vec::new();
                let refiller = worker % 2 == 0;
                for _ in 0..if refiller { 15 } else { 120 } {
                    let mut rng = rand::rngs::OsRng;
                    let (keys, batch) = if refiller {
                        mint(&*store, &a, 50, &mut rng).await.unwrap()
                    } else {
                        let (key, batch) = mint_one(&*store, &a, &mut rng).await.unwrap();
                        (vec![key], batch)
                    };
                    store.apply(&a, batch).await.unwrap();
                    stored.extend(
                        keys.into_iter()
                            .map(|k| (k.id, *k.key_pair.public.as_bytes())),
                    );
                    tokio::task::yield_now().await;
                }
                stored
            }));
        }
        let mut handed_out: HashMap<u32, [u8; 32]> = HashMap::new();
        for task in tasks {
            for (id, public) in task.await.unwrap() {
                assert!(
                    handed_out.insert(id, public).is_none(),
                    "id {id} minted twice"
                );
            }
        }
        assert_eq!(handed_out.len(), 3 * 15 * 50 + 3 * 120);
        let in_store = store
            .scan_prefix(&a, Namespace::PRE_KEYS, &[])
            .await
            .unwrap();
        assert_eq!(in_store.len(), handed_out.len());
        for (key, value) in in_store {
            let id = u32::from_be_bytes(key.clone().try_into().unwrap());
            let stored = crate::prekeys::stored::decode(id, &value).unwrap();
            assert_eq!(key, stored.id.to_be_bytes());
            assert_eq!(
                handed_out.get(&stored.id),
                Some(stored.key_pair.public.as_bytes()),
                "id {} holds another key than the one handed out",
                stored.id
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn interleaved_refills_and_retry_keys_never_share_an_id_memory() {
        interleaved_minting(Arc::new(MemoryStore::new())).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn interleaved_refills_and_retry_keys_never_share_an_id_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("prekeys.db"))
            .await
            .unwrap();
        interleaved_minting(Arc::new(store)).await;
    }
}
