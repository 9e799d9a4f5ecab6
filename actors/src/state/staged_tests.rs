use super::*;
use crate::store::MemoryStore;

fn setup() -> (Arc<dyn Store>, Staged, AccountId) {
    let base: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let account = AccountId::new("a");
    let staged = Staged::new(base.clone(), account.clone());
    (base, staged, account)
}

const NS: Namespace = Namespace::SESSIONS;

#[tokio::test]
async fn reads_see_staged_writes_and_the_store_sees_nothing_until_commit() {
    let (base, staged, a) = setup();
    base.put(&a, NS, b"k1", b"old").await.unwrap();
    base.put(&a, NS, b"k2", b"kept").await.unwrap();
    staged.stage(Batch::new().put(NS, b"k1".to_vec(), b"new".to_vec()));
    staged.stage(Batch::new().delete(NS, b"k2".to_vec()));
    assert_eq!(staged.get(&a, NS, b"k1").await.unwrap().unwrap(), b"new");
    assert_eq!(staged.get(&a, NS, b"k2").await.unwrap(), None);
    // Untouched keys read through, once per batch.
    base.put(&a, NS, b"k3", b"base").await.unwrap();
    assert_eq!(staged.get(&a, NS, b"k3").await.unwrap().unwrap(), b"base");
    base.put(&a, NS, b"k3", b"later").await.unwrap();
    assert_eq!(staged.get(&a, NS, b"k3").await.unwrap().unwrap(), b"base");
    assert_eq!(base.get(&a, NS, b"k1").await.unwrap().unwrap(), b"old");
    assert_eq!(staged.pending_ops(), 2);

    let batch = staged.take();
    assert_eq!(batch.ops.len(), 2);
    assert_eq!(staged.pending_ops(), 0);
    // After take the overlay is empty: reads are the store's again.
    assert_eq!(staged.get(&a, NS, b"k1").await.unwrap().unwrap(), b"old");
    assert_eq!(staged.get(&a, NS, b"k3").await.unwrap().unwrap(), b"later");
    base.apply(&a, batch).await.unwrap();
    assert_eq!(base.get(&a, NS, b"k1").await.unwrap().unwrap(), b"new");
    assert_eq!(base.get(&a, NS, b"k2").await.unwrap(), None);
}

#[tokio::test]
async fn later_writes_win_and_order_is_kept() {
    let (base, staged, a) = setup();
    staged.stage(Batch::new().put(NS, b"k".to_vec(), b"1".to_vec()));
    staged.stage(Batch::new().delete(NS, b"k".to_vec()));
    assert_eq!(staged.get(&a, NS, b"k").await.unwrap(), None);
    staged.stage(Batch::new().put(NS, b"k".to_vec(), b"3".to_vec()));
    assert_eq!(staged.get(&a, NS, b"k").await.unwrap().unwrap(), b"3");
    assert_eq!(
        staged.pending_ops(),
        1,
        "earlier writes of the key are superseded"
    );
    base.apply(&a, staged.take()).await.unwrap();
    assert_eq!(base.get(&a, NS, b"k").await.unwrap().unwrap(), b"3");
}

#[tokio::test]
async fn scans_merge_the_batch_over_the_store() {
    let (base, staged, a) = setup();
    for k in ["p.1", "p.2", "q.1"] {
        base.put(&a, NS, k.as_bytes(), b"s").await.unwrap();
    }
    // Another table's staged key under the same prefix must not leak in.
    staged.stage(
        Batch::new()
            .delete(NS, b"p.1".to_vec())
            .put(NS, b"p.3".to_vec(), b"x".to_vec())
            .put(NS, b"q.2".to_vec(), b"x".to_vec())
            .put(Namespace::IDENTITIES, b"p.9".to_vec(), b"x".to_vec()),
    );
    let keys: Vec<Vec<u8>> = staged
        .scan_prefix(&a, NS, b"p.")
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, vec![b"p.2".to_vec(), b"p.3".to_vec()]);
    let all = staged.scan_prefix(&a, NS, b"").await.unwrap();
    assert_eq!(all.len(), 4, "p.2 p.3 q.1 q.2");
}

#[tokio::test]
async fn a_cleared_table_reads_empty_but_for_later_writes() {
    let (base, staged, a) = setup();
    base.put(&a, NS, b"k1", b"s").await.unwrap();
    staged.stage(
        Batch::new()
            .clear(NS)
            .put(NS, b"k2".to_vec(), b"n".to_vec()),
    );
    assert_eq!(staged.get(&a, NS, b"k1").await.unwrap(), None);
    assert_eq!(staged.scan_prefix(&a, NS, b"").await.unwrap().len(), 1);
}

#[tokio::test]
async fn view_writes_join_the_batch() {
    let (base, staged, a) = setup();
    base.put(&a, NS, b"old", b"s").await.unwrap();
    assert!(staged.put_if_absent(&a, NS, b"id", b"1").await.unwrap());
    assert!(!staged.put_if_absent(&a, NS, b"id", b"2").await.unwrap());
    assert!(staged.delete(&a, NS, b"old").await.unwrap());
    assert!(!staged.delete(&a, NS, b"never").await.unwrap());
    assert_eq!(
        base.get(&a, NS, b"id").await.unwrap(),
        None,
        "not yet durable"
    );
    base.apply(&a, staged.take()).await.unwrap();
    assert_eq!(base.get(&a, NS, b"id").await.unwrap().unwrap(), b"1");
    assert_eq!(base.get(&a, NS, b"old").await.unwrap(), None);
}

#[tokio::test]
async fn other_accounts_pass_through_and_hooks_are_refused() {
    let (base, staged, _a) = setup();
    let other = AccountId::new("b");
    staged.put(&other, NS, b"k", b"v").await.unwrap();
    assert_eq!(base.get(&other, NS, b"k").await.unwrap().unwrap(), b"v");
    assert_eq!(staged.pending_ops(), 0);
    let r = staged
        .apply_then(&AccountId::new("a"), Batch::new(), Box::new(|| {}))
        .await;
    assert!(matches!(r, Err(StoreError::Unsupported(_))), "{r:?}");
}

#[tokio::test]
async fn insert_new_is_never_coalesced_away() {
    let (base, staged, a) = setup();
    base.put(&a, NS, b"k", b"stored").await.unwrap();
    staged.stage(Batch::new().insert_new(NS, b"k".to_vec(), b"1".to_vec()));
    staged.stage(Batch::new().put(NS, b"k".to_vec(), b"2".to_vec()));
    assert_eq!(staged.pending_ops(), 2);
    // The insert's check still runs at commit and fails the whole batch.
    let r = base.apply(&a, staged.take()).await;
    assert!(matches!(r, Err(StoreError::KeyExists { .. })), "{r:?}");
    assert_eq!(base.get(&a, NS, b"k").await.unwrap().unwrap(), b"stored");
}

#[tokio::test]
async fn a_clear_keeps_the_writes_before_it_in_place() {
    let (base, staged, a) = setup();
    staged.stage(Batch::new().put(NS, b"k".to_vec(), b"1".to_vec()));
    staged.stage(Batch::new().clear(NS));
    staged.stage(Batch::new().put(NS, b"k".to_vec(), b"2".to_vec()));
    assert_eq!(staged.pending_ops(), 3);
    base.apply(&a, staged.take()).await.unwrap();
    assert_eq!(base.get(&a, NS, b"k").await.unwrap().unwrap(), b"2");
}
