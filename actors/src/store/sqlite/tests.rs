use super::migrations::LATEST_VERSION;
use crate::store::StoreError;
use rusqlite::Connection;

use super::*;
use crate::store::conformance;

#[tokio::test]
async fn sqlite_in_memory_conforms() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST_VERSION);
    conformance::all(&store).await;
}

#[tokio::test]
async fn sqlite_file_conforms_and_migrates_from_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST_VERSION);
    conformance::all(&store).await;
}

#[tokio::test]
async fn identity_is_created_once_and_reused_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.db");
    let account = AccountId::from("main");
    let first = {
        let store = SqliteStore::open(&path).await.unwrap();
        let (device, created) =
            crate::store::Device::load_or_create(&store, &account, &mut rand::rngs::OsRng)
                .await
                .unwrap();
        assert!(created);
        device
    };
    let store = SqliteStore::open(&path).await.unwrap();
    let (again, created) =
        crate::store::Device::load_or_create(&store, &account, &mut rand::rngs::OsRng)
            .await
            .unwrap();
    assert!(!created, "the second start must reuse the stored identity");
    assert_eq!(again.noise_key, first.noise_key);
    assert_eq!(again, first);
    // A second account in the same file gets its own identity.
    let (other, created) = crate::store::Device::load_or_create(
        &store,
        &AccountId::from("second"),
        &mut rand::rngs::OsRng,
    )
    .await
    .unwrap();
    assert!(created);
    assert_ne!(other.noise_key, first.noise_key);
    assert_eq!(store.accounts().await.unwrap().len(), 2);
}

#[tokio::test]
async fn migrates_a_version_1_file_keeping_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::migrate_to(&mut conn, 1).unwrap();
        assert_eq!(migrations::current_version(&conn).unwrap(), 1);
        conn.execute(
            "INSERT INTO kv (account, ns, key, value) VALUES ('a', ?1, x'6b', x'76')",
            [Namespace::PROCESSED_MESSAGES.as_str()],
        )
        .unwrap();
        // Version 1 has no write times.
        assert!(conn.prepare("SELECT updated_at FROM kv").is_err());
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST_VERSION);
    let a = AccountId::from("a");
    assert_eq!(
        store
            .get(&a, Namespace::PROCESSED_MESSAGES, b"k")
            .await
            .unwrap(),
        Some(b"v".to_vec())
    );
    // Version-1 rows count as written at time 0, so any cutoff prunes them.
    store
        .put(&a, Namespace::PROCESSED_MESSAGES, b"new", b"")
        .await
        .unwrap();
    let removed = store
        .prune_older_than(
            &a,
            Namespace::PROCESSED_MESSAGES,
            Utc::now() - chrono::Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(store
        .get(&a, Namespace::PROCESSED_MESSAGES, b"new")
        .await
        .unwrap()
        .is_some());
    // Opening again runs no step twice.
    drop(store);
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), LATEST_VERSION);
}

#[tokio::test]
async fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = Connection::open(&path).unwrap();
        migrations::current_version(&conn).unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (99)", [])
            .unwrap();
    }
    match SqliteStore::open(&path).await {
        Err(StoreError::SchemaTooNew { found: 99, .. }) => {}
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn corrupt_key_length_is_a_typed_error() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = AccountId::from("a");
    let d = DeviceData::generate(&mut rand::rngs::OsRng);
    store.save_device(&a, &d).await.unwrap();
    store
        .worker
        .run(|conn| {
            conn.execute("UPDATE device SET noise_priv = x'0102'", [])?;
            Ok(())
        })
        .await
        .unwrap();
    assert!(matches!(
        store.load_device(&a).await,
        Err(StoreError::Corrupt {
            what: "noise key",
            ..
        })
    ));
}
