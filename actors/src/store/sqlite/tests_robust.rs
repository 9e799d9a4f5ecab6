//! The store thread survives panics, runs no subscriber code, and commits durably into a
//! private file.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};

use super::*;
use crate::broadcaster::{BroadcasterHandle, Sink};
use crate::events::{Connected, Event, EventFilter};
use crate::store::StoreError;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_panicking_job_is_a_typed_error_and_the_next_job_works() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = AccountId::from("a");
    let r: StoreResult<()> = store.worker.run(|_| panic!("job bug")).await;
    assert!(matches!(r, Err(StoreError::Panicked(d)) if d.contains("job bug")));
    // A panic inside an open transaction leaves nothing behind.
    let r: StoreResult<()> = store
        .worker
        .run(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO kv (account, ns, key, value) VALUES ('a', 'contacts', x'01', x'02')",
                [],
            )?;
            panic!("after the insert");
        })
        .await;
    assert!(matches!(r, Err(StoreError::Panicked(_))));
    // And one begun by hand is rolled back too.
    let r: StoreResult<()> = store
        .worker
        .run(|conn| {
            conn.execute_batch("BEGIN")?;
            conn.execute(
                "INSERT INTO kv (account, ns, key, value) VALUES ('a', 'contacts', x'03', x'04')",
                [],
            )?;
            panic!("mid-transaction");
        })
        .await;
    assert!(matches!(r, Err(StoreError::Panicked(_))));
    assert_eq!(
        store.get(&a, Namespace::CONTACTS, &[1]).await.unwrap(),
        None
    );
    assert_eq!(
        store.get(&a, Namespace::CONTACTS, &[3]).await.unwrap(),
        None
    );
    store
        .put(&a, Namespace::CONTACTS, b"k", b"v")
        .await
        .unwrap();
    assert!(store
        .apply(
            &a,
            Batch::new().put(Namespace::CONTACTS, b"k2".to_vec(), b"v".to_vec())
        )
        .await
        .is_ok());
    assert_eq!(
        store.get(&a, Namespace::CONTACTS, b"k").await.unwrap(),
        Some(b"v".to_vec())
    );
}

/// An actor that only counts what it receives.
struct Counter;

impl Actor for Counter {
    type Msg = u32;
    type State = Arc<Mutex<u32>>;
    type Arguments = Arc<Mutex<u32>>;

    async fn pre_start(
        &self,
        _: ActorRef<u32>,
        seen: Arc<Mutex<u32>>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(seen)
    }

    async fn handle(
        &self,
        _: ActorRef<u32>,
        n: u32,
        seen: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        *seen.lock().unwrap() += n;
        Ok(())
    }
}

#[tokio::test]
async fn a_panicking_subscriber_conversion_cannot_kill_the_store_thread() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = AccountId::from("a");
    let (broadcaster, _join) = BroadcasterHandle::spawn(a.clone()).await.unwrap();
    let seen = Arc::new(Mutex::new(0));
    let (counter, _) = Actor::spawn(None, Counter, seen.clone()).await.unwrap();
    // The subscriber's own mapping code panics on every event.
    broadcaster
        .subscribe(
            Sink::actor_with(counter, |_event: Event| -> u32 { panic!("bad conversion") }),
            EventFilter::all(),
        )
        .await
        .unwrap();
    let mut stream = broadcaster.events();
    let hook_thread = Arc::new(Mutex::new(None));
    for round in 0..3u8 {
        let (b, t) = (broadcaster.clone(), hook_thread.clone());
        store
            .apply_then(
                &a,
                Batch::new().put(Namespace::PROCESSED_MESSAGES, vec![round], Vec::new()),
                Box::new(move || {
                    *t.lock().unwrap() = std::thread::current().name().map(str::to_owned);
                    assert!(b.publish(Event::Connected(Connected)));
                }),
            )
            .await
            .unwrap();
        // The other subscriber got the event; the store still answers.
        let got = tokio::time::timeout(WAIT, stream.next_event())
            .await
            .unwrap();
        assert!(matches!(got, Some(Event::Connected(_))));
        assert!(store
            .get(&a, Namespace::PROCESSED_MESSAGES, &[round])
            .await
            .unwrap()
            .is_some());
    }
    assert_eq!(*seen.lock().unwrap(), 0);
    // Subscriber code ran, but not on the connection thread.
    assert_eq!(
        hook_thread.lock().unwrap().as_deref(),
        Some("wa-sqlite-hooks")
    );
}

#[tokio::test]
async fn a_dropped_caller_still_gets_commit_and_hook_in_commit_order() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = AccountId::from("a");
    let order = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let mut done_tx = Some(done_tx);
    for i in 0..50u32 {
        let o = order.clone();
        let done = if i == 49 { done_tx.take() } else { None };
        // Dropped unpolled, as when the waiting actor is killed.
        drop(store.apply_then(
            &a,
            Batch::new().put(
                Namespace::PROCESSED_MESSAGES,
                i.to_be_bytes().to_vec(),
                Vec::new(),
            ),
            Box::new(move || {
                o.lock().unwrap().push(i);
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }),
        ));
    }
    tokio::time::timeout(WAIT, done_rx).await.unwrap().unwrap();
    assert_eq!(*order.lock().unwrap(), (0..50).collect::<Vec<_>>());
    let stored = store
        .scan_prefix(&a, Namespace::PROCESSED_MESSAGES, &[])
        .await
        .unwrap();
    assert_eq!(stored.len(), 50);
}

#[tokio::test]
async fn commits_are_synced_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("durable.db"))
        .await
        .unwrap();
    let (sync, journal) = store
        .worker
        .run(|conn| {
            let sync = conn.pragma_query_value(None, "synchronous", |r| r.get::<_, i64>(0))?;
            let journal =
                conn.pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0))?;
            Ok((sync, journal))
        })
        .await
        .unwrap();
    // 2 = FULL (0 OFF, 1 NORMAL, 3 EXTRA).
    assert_eq!(sync, 2);
    assert_eq!(journal.to_lowercase(), "wal");
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_database_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    let a = AccountId::from("a");
    store
        .save_device(&a, &DeviceData::generate(&mut rand::rngs::OsRng))
        .await
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    // SQLite creates the WAL and shared-memory files with the main file's mode.
    for suffix in ["-wal", "-shm"] {
        let side = dir.path().join(format!("private.sqlite{suffix}"));
        assert!(side.exists(), "{suffix} missing");
        assert_eq!(mode(&side), 0o600, "{suffix}");
    }
    // Reopening an existing file keeps working.
    drop(store);
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(store.load_device(&a).await.unwrap().is_some());
}
