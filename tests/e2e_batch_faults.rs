//! Group commit under faults: while 1,000 messages from four contacts flow, the store fails
//! seeded commits of batches that hold several messages (as a full disk or an I/O error
//! would). The Signal actor fails with it, is restarted, the connection is renewed and the
//! server redelivers; every message must still reach the subscriber exactly once, in order
//! per sender, with no session desynchronised. (Killing the whole client mid-batch and
//! dropping sockets are `e2e_faults`, which run with batching on as well.)

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::gated_store::{CommitGate, GatedStore};
use common::{fast, subscribe, EventLog};
use futures::future::BoxFuture;
use wa_actors::events::Event;
use wa_actors::protocol::binary::Jid;
use wa_actors::store::{
    AccountId, Batch, Namespace, SqliteStore, StoreError, StoreResult, WriteOp,
};
use wa_actors::Client;
use wa_testkit::{Contact, FakeServer};

const SEEDS: u64 = 20;
const CONTACTS: u64 = 4;
const PER_CONTACT: usize = 250;
const TOTAL: usize = CONTACTS as usize * PER_CONTACT;
/// Injected failures per seed: each costs a restart and a reconnect.
const FAILURES: usize = 3;
const LONG: Duration = Duration::from_secs(180);

/// Fails commits of multi-message batches now and then, chosen by a seed.
struct Flaky {
    rng: AtomicU64,
    left: AtomicUsize,
    /// Commits that failed on purpose.
    failed: AtomicUsize,
    /// The most messages one commit held.
    widest: AtomicUsize,
}

impl Flaky {
    /// Whether to fail this commit: only batches of two or more messages, one in four.
    fn fail(&self, batch: &Batch) -> bool {
        let messages = batch
            .ops
            .iter()
            .filter(
                |op| matches!(op, WriteOp::Put { ns, .. } if *ns == Namespace::PROCESSED_MESSAGES),
            )
            .count();
        self.widest.fetch_max(messages, Ordering::Relaxed);
        if messages < 2 {
            return false;
        }
        // xorshift: the same seed fails the same commits of the same flow.
        let mut x = self.rng.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.store(x, Ordering::Relaxed);
        if x % 4 != 0 {
            return false;
        }
        let taken = self
            .left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if taken {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }
}

impl CommitGate for Flaky {
    fn before_commit<'a>(&'a self, batch: &'a Batch, then: bool) -> BoxFuture<'a, StoreResult<()>> {
        // Only the receive path's commits (`apply_then`) are failed.
        let fail = then && self.fail(batch);
        Box::pin(async move {
            if fail {
                return Err(StoreError::Io(std::io::Error::other(
                    "injected commit failure",
                )));
            }
            Ok(())
        })
    }
}

fn text(e: &Event) -> Option<String> {
    match e {
        Event::Message(msg, _) => msg.conversation.clone(),
        _ => None,
    }
}

/// Every `contact:i` exactly once, `i` increasing per contact, nothing undecryptable.
fn check_exactly_once_in_order(seed: u64, log: &[Event], contacts: &[Contact]) {
    let mut per_sender: HashMap<String, Vec<usize>> = HashMap::new();
    for t in log.iter().filter_map(text) {
        let (who, i) = t.split_once(':').expect("contact:i");
        per_sender
            .entry(who.to_owned())
            .or_default()
            .push(i.parse().expect("number"));
    }
    for c in contacts {
        let seen = per_sender
            .remove(&c.phone().to_string())
            .unwrap_or_default();
        assert_eq!(
            seen,
            (0..PER_CONTACT).collect::<Vec<_>>(),
            "seed {seed}: contact {} got {} messages, not each once in order",
            c.phone(),
            seen.len()
        );
    }
    assert!(per_sender.is_empty(), "seed {seed}: unexpected senders");
    let undecryptable = log
        .iter()
        .filter(|e| matches!(e, Event::UndecryptableMessage(_)))
        .count();
    assert_eq!(undecryptable, 0, "seed {seed}: a session desynchronised");
}

struct Rig {
    server: FakeServer,
    client: Client,
    events: EventLog,
    store: Arc<GatedStore<SqliteStore, Flaky>>,
    me: Jid,
    contacts: Vec<Contact>,
    _dir: tempfile::TempDir,
}

async fn rig(seed: u64, failures: usize) -> Rig {
    let server = FakeServer::start().await.expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(GatedStore {
        inner: SqliteStore::open(dir.path().join("wa.sqlite"))
            .await
            .expect("sqlite"),
        gate: Flaky {
            rng: AtomicU64::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            left: AtomicUsize::new(failures),
            failed: AtomicUsize::new(0),
            widest: AtomicUsize::new(0),
        },
    });
    let me = common::register_device(&server, &*store, &AccountId::new("default")).await;
    let client = fast(Client::builder())
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store.clone())
        .prekeys(common::PREKEYS)
        .build()
        .await
        .expect("client");
    let events = EventLog::new();
    subscribe(&client, &events).await;
    client.connect().await.expect("connect");
    server
        .wait_for_prekey_uploads(&me, 1, LONG)
        .await
        .expect("prekeys");
    let contacts = (0..CONTACTS)
        .map(|i| server.add_named_contact(15553000000 + seed * 100 + i, &format!("C{i}")))
        .collect();
    Rig {
        server,
        client,
        events,
        store,
        me,
        contacts,
        _dir: dir,
    }
}

fn send_all(rig: &Rig) {
    for i in 0..PER_CONTACT {
        for c in &rig.contacts {
            c.send_text(&rig.server, &rig.me, &format!("{}:{i}", c.phone()))
                .expect("queued");
        }
    }
}

async fn settle(rig: &Rig, seed: u64) {
    rig.server
        .wait_for_empty_queue(&rig.me, LONG)
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let deadline = tokio::time::Instant::now() + LONG;
    while rig.events.all().iter().filter_map(text).count() < TOTAL {
        assert!(
            tokio::time::Instant::now() < deadline,
            "seed {seed}: only {} of {TOTAL} arrived",
            rig.events.all().iter().filter_map(text).count()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Late doubles would show up here.
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_batch_commits_lose_and_duplicate_nothing_over_twenty_seeds() {
    let (mut failed, mut widest) = (0, 0);
    for seed in 0..SEEDS {
        let rig = rig(seed, FAILURES).await;
        send_all(&rig);
        settle(&rig, seed).await;
        check_exactly_once_in_order(seed, &rig.events.all(), &rig.contacts);
        failed += rig.store.gate.failed.load(Ordering::Relaxed);
        widest = widest.max(rig.store.gate.widest.load(Ordering::Relaxed));
        rig.client.stop().await;
    }
    // The test tests something only if batches formed and some of them failed.
    assert!(widest >= 2, "no commit ever held two messages");
    assert!(
        failed >= SEEDS as usize,
        "only {failed} injected failures over {SEEDS} seeds"
    );
}
