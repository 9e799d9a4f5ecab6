//! Fault tests of receiving: while 1,000 messages from several contacts flow, the fake server
//! drops the socket at seeded random points (before or after writing a stanza, so acks get
//! lost); then the same with the whole client killed mid-flow and a new one started on the
//! same SQLite file. Every message must reach the subscriber exactly once, in order per
//! sender, and no session may desynchronise (nothing undecryptable).

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::{fast, subscribe, EventLog, Harness};
use wa_actors::events::Event;
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::Jid;
use wa_actors::store::{AccountId, SqliteStore, Store};
use wa_actors::Client;
use wa_testkit::{Contact, FakeServer, FaultPlan};

const SEEDS: u64 = 20;
const CONTACTS: u64 = 4;
const PER_CONTACT: usize = 250;
const TOTAL: usize = CONTACTS as usize * PER_CONTACT;
/// A whole seed's traffic may take a while on a loaded 2-core machine.
const LONG: Duration = Duration::from_secs(180);

const PREKEYS: PreKeyConfig = PreKeyConfig {
    min: 5,
    refill: 20,
    initial: 40,
};

fn text(e: &Event) -> Option<String> {
    match e {
        Event::Message(msg, _) => msg.conversation.clone(),
        _ => None,
    }
}

/// Checks the subscriber's log: every `contact:i` exactly once, `i` increasing per contact.
fn check_exactly_once_in_order(seed: u64, log: &[Event], contacts: &[Contact]) {
    let texts: Vec<String> = log.iter().filter_map(text).collect();
    let mut per_sender: HashMap<String, Vec<usize>> = HashMap::new();
    for t in &texts {
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
        let want: Vec<usize> = (0..PER_CONTACT).collect();
        assert_eq!(
            seen,
            want,
            "seed {seed}: contact {} got {} messages, not each once in order",
            c.phone(),
            seen.len()
        );
    }
    assert!(per_sender.is_empty(), "seed {seed}: unexpected senders");
    assert_eq!(texts.len(), TOTAL, "seed {seed}");
    let undecryptable = log
        .iter()
        .filter(|e| matches!(e, Event::UndecryptableMessage(_)))
        .count();
    assert_eq!(undecryptable, 0, "seed {seed}: a session desynchronised");
}

fn contacts(server: &FakeServer, seed: u64) -> Vec<Contact> {
    (0..CONTACTS)
        .map(|i| server.add_named_contact(15552000000 + seed * 100 + i, &format!("C{i}")))
        .collect()
}

fn send_all(server: &FakeServer, contacts: &[Contact], me: &Jid) {
    for i in 0..PER_CONTACT {
        for c in contacts {
            c.send_text(server, me, &format!("{}:{i}", c.phone()))
                .expect("queued");
        }
    }
}

async fn device_jid(store: &dyn Store) -> Jid {
    store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap()
        .expect("device")
        .jid
        .expect("paired")
}

async fn wait_messages(log: &EventLog, seed: u64) {
    let deadline = tokio::time::Instant::now() + LONG;
    while log.all().iter().filter_map(text).count() < TOTAL {
        if tokio::time::Instant::now() > deadline {
            panic!(
                "seed {seed}: only {} of {TOTAL} messages arrived",
                log.all().iter().filter_map(text).count()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A connected client with its prekeys on the server, and its device JID.
async fn ready() -> (Harness, Jid) {
    let h = Harness::start_with(|b| b.prekeys(PREKEYS)).await;
    h.connected(1).await;
    let me = device_jid(&*h.store).await;
    h.server
        .wait_for_prekey_uploads(&me, 1, LONG)
        .await
        .expect("prekeys");
    (h, me)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_sockets_lose_and_duplicate_nothing_over_twenty_seeds() {
    let mut drops = 0;
    for seed in 0..SEEDS {
        let (h, me) = ready().await;
        h.server.set_fault_plan(Some(FaultPlan {
            seed,
            drop_probability_per_stanza: 0.01,
            max_drops: 8,
        }));
        let contacts = contacts(&h.server, seed);
        send_all(&h.server, &contacts, &me);
        h.server
            .wait_for_empty_queue(&me, LONG)
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        wait_messages(&h.events, seed).await;
        // Anything still in flight would show up as a duplicate now.
        tokio::time::sleep(Duration::from_millis(100)).await;
        check_exactly_once_in_order(seed, &h.events.all(), &contacts);
        drops += h.server.fault_events().len();
        h.client.stop().await;
    }
    // About one drop per 100 stanzas, at most 8 per seed: most seeds must have dropped.
    assert!(
        drops >= SEEDS as usize,
        "only {drops} drops over {SEEDS} seeds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_client_restarted_on_its_sqlite_file_loses_and_duplicates_nothing() {
    for seed in 0..SEEDS {
        let (h, me) = ready().await;
        let contacts = contacts(&h.server, seed);
        send_all(&h.server, &contacts, &me);
        // Kill somewhere in the flow, chosen by the seed.
        let kill_after = 100 + (seed as usize * 37) % 700;
        let deadline = tokio::time::Instant::now() + LONG;
        while h.events.all().iter().filter_map(text).count() < kill_after {
            assert!(
                tokio::time::Instant::now() < deadline,
                "seed {seed}: stalled"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        h.client.kill().await;
        drop(h.store);

        // A new process: same SQLite file, same subscriber log.
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(h.dir.path().join("wa.sqlite"))
                .await
                .expect("sqlite"),
        );
        let client = fast(Client::builder())
            .url(h.server.url())
            .trust_root(h.server.trust_root())
            .store(store)
            .prekeys(PREKEYS)
            .build()
            .await
            .expect("client");
        subscribe(&client, &h.events).await;
        client.connect().await.expect("connect");
        h.server
            .wait_for_empty_queue(&me, LONG)
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        wait_messages(&h.events, seed).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        check_exactly_once_in_order(seed, &h.events.all(), &contacts);
        client.stop().await;
    }
}
