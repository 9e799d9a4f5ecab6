//! Behaviour every [`Store`] must have, run against each implementation.

use chrono::{Duration, Utc};
use rand::rngs::OsRng;

use super::*;
use crate::wire::Jid;

fn paired_device() -> DeviceData {
    let mut d = DeviceData::generate(&mut OsRng);
    d.jid = Some(
        "15551234567:12@s.whatsapp.net"
            .parse::<Jid>()
            .expect("valid jid"),
    );
    d.lid = Some("987654321:12@lid".parse::<Jid>().expect("valid jid"));
    d.platform = "android".into();
    d.push_name = "Tester".into();
    d.business_name = String::new();
    d.adv_signed_identity = Some(vec![1, 2, 3, 4]);
    d
}

pub(crate) async fn device_round_trip(store: &dyn Store) {
    let a = AccountId::from("a");
    let b = AccountId::from("b");
    assert_eq!(store.load_device(&a).await.unwrap(), None);
    let da = paired_device();
    let db = DeviceData::generate(&mut OsRng);
    store.save_device(&a, &da).await.unwrap();
    store.save_device(&b, &db).await.unwrap();
    assert_eq!(store.load_device(&a).await.unwrap().as_ref(), Some(&da));
    assert_eq!(store.load_device(&b).await.unwrap().as_ref(), Some(&db));
    assert_eq!(store.accounts().await.unwrap(), vec![a.clone(), b.clone()]);
    // The signature stored for the signed prekey still verifies after the round trip.
    let back = store.load_device(&a).await.unwrap().unwrap();
    let serialized = wa_protocol::signal::serialize_public(&back.signed_pre_key.key_pair.public);
    assert!(back
        .identity_key
        .public
        .verify(&serialized, &back.signed_pre_key.signature));
}

pub(crate) async fn keyed_tables(store: &dyn Store) {
    let a = AccountId::from("a");
    let b = AccountId::from("b");
    let ns = Namespace::SESSIONS;
    store.put(&a, ns, b"k1", b"v1").await.unwrap();
    store.put(&a, ns, b"k2", b"v2").await.unwrap();
    store.put(&a, ns, b"x1", b"vx").await.unwrap();
    store
        .put(&a, Namespace::PRE_KEYS, b"k1", b"other table")
        .await
        .unwrap();
    store.put(&b, ns, b"k1", b"other account").await.unwrap();
    assert_eq!(
        store.get(&a, ns, b"k1").await.unwrap(),
        Some(b"v1".to_vec())
    );
    store.put(&a, ns, b"k1", b"v1b").await.unwrap();
    assert_eq!(
        store.get(&a, ns, b"k1").await.unwrap(),
        Some(b"v1b".to_vec())
    );
    assert_eq!(
        store.scan_prefix(&a, ns, b"k").await.unwrap(),
        vec![
            (b"k1".to_vec(), b"v1b".to_vec()),
            (b"k2".to_vec(), b"v2".to_vec())
        ]
    );
    assert_eq!(store.scan_prefix(&a, ns, b"").await.unwrap().len(), 3);
    for (prefix, has) in [
        (&b"k"[..], true),
        (b"k1", true),
        (b"k10", false),
        (b"j", false),
        (b"l", false),
        (b"", true),
    ] {
        assert_eq!(
            store.has_prefix(&a, ns, prefix).await.unwrap(),
            has,
            "has_prefix({prefix:?})"
        );
    }
    assert!(
        !store.has_prefix(&b, ns, b"x").await.unwrap(),
        "accounts apart"
    );
    assert!(!store
        .has_prefix(&a, Namespace::HISTORY_PENDING, b"")
        .await
        .unwrap());
    let asked = [
        (ns, b"x1".to_vec()),
        (ns, b"missing".to_vec()),
        (Namespace::PRE_KEYS, b"k1".to_vec()),
        (ns, b"k1".to_vec()),
    ];
    assert_eq!(
        store.get_many(&a, &asked).await.unwrap(),
        vec![
            Some(b"vx".to_vec()),
            None,
            Some(b"other table".to_vec()),
            Some(b"v1b".to_vec())
        ]
    );
    assert!(store.get_many(&a, &[]).await.unwrap().is_empty());
    assert!(store.delete(&a, ns, b"k2").await.unwrap());
    assert!(!store.delete(&a, ns, b"k2").await.unwrap());
    assert_eq!(store.get(&a, ns, b"k2").await.unwrap(), None);
    assert_eq!(
        store.get(&b, ns, b"k1").await.unwrap(),
        Some(b"other account".to_vec())
    );
    assert!(store
        .put_if_absent(&a, Namespace::PROCESSED_MESSAGES, b"m1", b"")
        .await
        .unwrap());
    assert!(!store
        .put_if_absent(&a, Namespace::PROCESSED_MESSAGES, b"m1", b"")
        .await
        .unwrap());
}

pub(crate) async fn batches_and_wipe(store: &dyn Store) {
    let a = AccountId::from("a");
    let keep = AccountId::from("keep");
    let device = paired_device();
    store
        .put(&a, Namespace::PRE_KEYS, b"1", b"pk1")
        .await
        .unwrap();
    store
        .put(&a, Namespace::PRE_KEYS, b"2", b"pk2")
        .await
        .unwrap();
    store
        .put(&keep, Namespace::PRE_KEYS, b"1", b"keep")
        .await
        .unwrap();
    let batch = Batch::new()
        .save_device(device.clone())
        .put(Namespace::SESSIONS, b"peer.0".to_vec(), b"ratchet".to_vec())
        .delete(Namespace::PRE_KEYS, b"1".to_vec());
    store.apply(&a, batch).await.unwrap();
    assert_eq!(store.load_device(&a).await.unwrap(), Some(device));
    assert_eq!(
        store.get(&a, Namespace::SESSIONS, b"peer.0").await.unwrap(),
        Some(b"ratchet".to_vec())
    );
    assert_eq!(
        store.get(&a, Namespace::PRE_KEYS, b"1").await.unwrap(),
        None
    );
    store
        .apply(&a, Batch::new().clear(Namespace::PRE_KEYS))
        .await
        .unwrap();
    assert!(store
        .scan_prefix(&a, Namespace::PRE_KEYS, b"")
        .await
        .unwrap()
        .is_empty());

    store.delete_account(&a).await.unwrap();
    assert_eq!(store.load_device(&a).await.unwrap(), None);
    assert_eq!(
        store.get(&a, Namespace::SESSIONS, b"peer.0").await.unwrap(),
        None
    );
    assert_eq!(
        store.get(&keep, Namespace::PRE_KEYS, b"1").await.unwrap(),
        Some(b"keep".to_vec())
    );
}

pub(crate) async fn prune(store: &dyn Store) {
    let a = AccountId::from("a");
    let ns = Namespace::PROCESSED_MESSAGES;
    store.put(&a, ns, b"old", b"").await.unwrap();
    store.put(&a, Namespace::SESSIONS, b"s", b"").await.unwrap();
    // Nothing is older than an hour ago; everything is older than a minute from now.
    assert_eq!(
        store
            .prune_older_than(&a, ns, Utc::now() - Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .prune_older_than(&a, ns, Utc::now() + Duration::minutes(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.get(&a, ns, b"old").await.unwrap(), None);
    assert!(store
        .get(&a, Namespace::SESSIONS, b"s")
        .await
        .unwrap()
        .is_some());
}

pub(crate) async fn insert_new_never_overwrites(store: &dyn Store) {
    let a = AccountId::from("a");
    let ns = Namespace::PRE_KEYS;
    store.put(&a, ns, b"taken", b"uploaded key").await.unwrap();
    store
        .put(&a, Namespace::SESSIONS, b"s", b"old")
        .await
        .unwrap();
    // Earlier writes of the failing batch are undone with it, whatever their kind.
    let batch = Batch::new()
        .put(Namespace::SESSIONS, b"s".to_vec(), b"new".to_vec())
        .insert_new(ns, b"fresh".to_vec(), b"k1".to_vec())
        .delete(ns, b"other".to_vec())
        .clear(Namespace::CONTACTS)
        .insert_new(ns, b"taken".to_vec(), b"would overwrite".to_vec());
    store
        .put(&a, Namespace::CONTACTS, b"c", b"name")
        .await
        .unwrap();
    store.put(&a, ns, b"other", b"kept").await.unwrap();
    match store.apply(&a, batch).await {
        Err(StoreError::KeyExists { ns: n, key }) => {
            assert_eq!(n, ns);
            assert_eq!(key, b"taken");
        }
        other => panic!("expected KeyExists, got {other:?}"),
    }
    assert_eq!(
        store.get(&a, ns, b"taken").await.unwrap(),
        Some(b"uploaded key".to_vec())
    );
    assert_eq!(store.get(&a, ns, b"fresh").await.unwrap(), None);
    assert_eq!(
        store.get(&a, ns, b"other").await.unwrap(),
        Some(b"kept".to_vec())
    );
    assert_eq!(
        store.get(&a, Namespace::SESSIONS, b"s").await.unwrap(),
        Some(b"old".to_vec())
    );
    assert_eq!(
        store.get(&a, Namespace::CONTACTS, b"c").await.unwrap(),
        Some(b"name".to_vec())
    );
    // Two inserts of one key in one batch: the second finds the first.
    let twice = Batch::new()
        .insert_new(ns, b"dup".to_vec(), b"1".to_vec())
        .insert_new(ns, b"dup".to_vec(), b"2".to_vec());
    assert!(matches!(
        store.apply(&a, twice).await,
        Err(StoreError::KeyExists { .. })
    ));
    assert_eq!(store.get(&a, ns, b"dup").await.unwrap(), None);
    store
        .apply(
            &a,
            Batch::new().insert_new(ns, b"dup".to_vec(), b"1".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(
        store.get(&a, ns, b"dup").await.unwrap(),
        Some(b"1".to_vec())
    );
    store.delete_account(&a).await.unwrap();
}

pub(crate) async fn reserve_ids_hands_out_disjoint_ranges(store: &dyn Store) {
    let a = AccountId::from("a");
    let (ns, key) = (Namespace::SIGNAL_META, b"counter".as_slice());
    assert_eq!(store.reserve_ids(&a, ns, key, 3, 10).await.unwrap(), 1);
    assert_eq!(store.reserve_ids(&a, ns, key, 5, 10).await.unwrap(), 4);
    assert_eq!(store.reserve_ids(&a, ns, key, 1, 10).await.unwrap(), 9);
    // 10 is the last id; the range wraps to 1.
    assert_eq!(store.reserve_ids(&a, ns, key, 2, 10).await.unwrap(), 10);
    assert_eq!(store.reserve_ids(&a, ns, key, 1, 10).await.unwrap(), 2);
    assert_eq!(
        store.get(&a, ns, key).await.unwrap(),
        Some(3u32.to_be_bytes().to_vec())
    );
    // Counters are per account and per key.
    let b = AccountId::from("b");
    assert_eq!(store.reserve_ids(&b, ns, key, 1, 10).await.unwrap(), 1);
    assert_eq!(store.reserve_ids(&a, ns, b"other", 1, 10).await.unwrap(), 1);
    // Concurrent reservations never overlap.
    let reservations =
        futures::future::join_all((0..40).map(|_| store.reserve_ids(&a, ns, b"race", 7, 1 << 24)))
            .await;
    let mut firsts: Vec<u32> = reservations.into_iter().map(Result::unwrap).collect();
    firsts.sort_unstable();
    assert_eq!(firsts, (0..40).map(|i| 1 + 7 * i).collect::<Vec<_>>());
    store.delete_account(&a).await.unwrap();
    store.delete_account(&b).await.unwrap();
}

pub(crate) async fn commit_hooks(store: &dyn Store) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let a = AccountId::from("a");
    let ns = Namespace::PROCESSED_MESSAGES;
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    store
        .apply_then(
            &a,
            Batch::new().put(ns, b"m1".to_vec(), b"".to_vec()),
            Box::new(move || {
                s.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "hook ran before apply_then returned"
    );
    // A failed batch runs no hook.
    let s = seen.clone();
    let failing = Batch::new()
        .insert_new(ns, b"m1".to_vec(), b"".to_vec())
        .put(ns, b"m2".to_vec(), b"".to_vec());
    assert!(store
        .apply_then(
            &a,
            failing,
            Box::new(move || {
                s.fetch_add(1, Ordering::SeqCst);
            })
        )
        .await
        .is_err());
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    // A panicking hook is reported, the batch stays committed and the store goes on.
    let result = store
        .apply_then(
            &a,
            Batch::new().put(ns, b"m3".to_vec(), b"".to_vec()),
            Box::new(|| panic!("subscriber blew up")),
        )
        .await;
    match result {
        Err(StoreError::HookPanicked(detail)) => assert!(detail.contains("blew up")),
        other => panic!("expected HookPanicked, got {other:?}"),
    }
    assert!(store.get(&a, ns, b"m3").await.unwrap().is_some());
    let s = seen.clone();
    store
        .apply_then(
            &a,
            Batch::new().put(ns, b"m4".to_vec(), b"".to_vec()),
            Box::new(move || {
                s.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    store.delete_account(&a).await.unwrap();
}

pub(crate) async fn load_or_create(store: &dyn Store) {
    let a = AccountId::from("a");
    let (first, created) = Device::load_or_create(store, &a, &mut OsRng).await.unwrap();
    assert!(created);
    let (second, created) = Device::load_or_create(store, &a, &mut OsRng).await.unwrap();
    assert!(!created);
    assert_eq!(first, second);
}

pub(crate) async fn all(store: &dyn Store) {
    device_round_trip(store).await;
    keyed_tables(store).await;
    batches_and_wipe(store).await;
    prune(store).await;
    store.delete_account(&AccountId::from("a")).await.unwrap();
    insert_new_never_overwrites(store).await;
    reserve_ids_hands_out_disjoint_ranges(store).await;
    commit_hooks(store).await;
    load_or_create(store).await;
}

#[tokio::test]
async fn memory_store_conforms() {
    all(&MemoryStore::new()).await;
}

#[test]
fn device_debug_hides_private_keys() {
    let d = DeviceData::generate(&mut OsRng);
    let shown = format!("{d:?}");
    let private = d.noise_key.private.to_bytes();
    let hex: String = private.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!shown.contains(&hex[..8]));
    assert!(!shown.contains(&format!("{:?}", &private[..4])));
    assert!(d.registration_id >= 1 && d.registration_id <= 0x3fff);
}
