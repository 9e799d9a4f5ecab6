//! Shared harness of the end-to-end tests: a fake server, a client on a temp SQLite store,
//! and a subscriber actor that records every event it gets.

#![allow(dead_code)]

pub mod gated_store;
pub mod send_peer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::watch;
use wa_actors::conn::KeepaliveConfig;
use wa_actors::events::{Event, EventFilter};
use wa_actors::store::{AccountId, SqliteStore, Store};
use wa_actors::supervision::BackoffConfig;
use wa_actors::testing::{provision_device, Provisioned};
use wa_actors::wire::Jid;
use wa_actors::{Client, ClientBuilder};
use wa_testkit::FakeServer;

/// Generous: the machine running the tests may be loaded.
pub const WAIT: Duration = Duration::from_secs(30);

/// Events seen by one subscriber, with a change signal to wait on.
#[derive(Clone)]
pub struct EventLog {
    events: Arc<Mutex<Vec<Event>>>,
    changed: Arc<watch::Sender<usize>>,
}

impl EventLog {
    pub fn new() -> Self {
        let (tx, _) = watch::channel(0);
        Self {
            events: Arc::new(Mutex::new(Vec::new())),
            changed: Arc::new(tx),
        }
    }

    pub fn push(&self, event: Event) {
        let n = {
            let mut ev = self.events.lock().unwrap();
            ev.push(event);
            ev.len()
        };
        self.changed.send_replace(n);
    }

    pub fn all(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    pub fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| pred(e))
            .count()
    }

    /// Waits until `n` events match `pred`; panics with the log after `WAIT`.
    pub async fn wait_count(&self, n: usize, what: &str, pred: impl Fn(&Event) -> bool) {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if self.count(&pred) >= n {
                return;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                panic!(
                    "timed out waiting for {n} × {what}; events so far: {:?}",
                    self.all()
                );
            }
        }
    }

    /// Waits for the first event matching `pred` and returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
        self.wait_count(1, what, &pred).await;
        self.events
            .lock()
            .unwrap()
            .iter()
            .find(|e| pred(e))
            .cloned()
            .unwrap()
    }
}

/// The subscriber actor: records every event into its log.
pub struct Collector;

impl Actor for Collector {
    type Msg = Event;
    type State = EventLog;
    type Arguments = EventLog;

    async fn pre_start(
        &self,
        _myself: ActorRef<Event>,
        log: EventLog,
    ) -> Result<EventLog, ActorProcessingErr> {
        Ok(log)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Event>,
        event: Event,
        log: &mut EventLog,
    ) -> Result<(), ActorProcessingErr> {
        log.push(event);
        Ok(())
    }
}

pub fn is_connected(e: &Event) -> bool {
    matches!(e, Event::Connected(_))
}

pub fn is_disconnected(e: &Event) -> bool {
    matches!(e, Event::Disconnected(_))
}

/// Small, fast timings for tests (behaviour is the same as the defaults, only quicker).
pub fn fast(builder: ClientBuilder) -> ClientBuilder {
    builder
        .backoff(BackoffConfig {
            base: Duration::from_millis(20),
            max: Duration::from_secs(2),
            jitter: 0.25,
        })
        .keepalive(KeepaliveConfig {
            interval_min: Duration::from_secs(20),
            interval_max: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            max_misses: 3,
        })
}

pub struct Harness {
    pub server: FakeServer,
    pub client: Client,
    pub events: EventLog,
    pub store: Arc<dyn Store>,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// Server, registered device in a temp SQLite store, client built with `tune`, a
    /// collector subscribed, then connected.
    pub async fn start_with(tune: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let server = FakeServer::start().await.expect("server");
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(dir.path().join("wa.sqlite"))
                .await
                .expect("sqlite"),
        );
        register_device(&server, &*store, &AccountId::new("default")).await;
        let builder = Client::builder()
            .url(server.url())
            .trust_root(server.trust_root())
            .store(store.clone());
        let client = tune(fast(builder)).build().await.expect("client");
        let events = EventLog::new();
        subscribe(&client, &events).await;
        client.connect().await.expect("connect");
        Self {
            server,
            client,
            events,
            store,
            dir,
        }
    }

    pub async fn start() -> Self {
        Self::start_with(|b| b).await
    }

    pub async fn connected(&self, n: usize) {
        self.events.wait_count(n, "Connected", is_connected).await;
    }
}

/// Tells `server` that the device of `account` in `store` is paired (creating the identity
/// first if there is none) and saves the JID and LID it hands out. Returns the JID.
pub async fn register_device(server: &FakeServer, store: &dyn Store, account: &AccountId) -> Jid {
    let device = provision_device(store, account, |noise, paired_as| {
        let given = server.provision(*noise, paired_as);
        Provisioned {
            jid: given.jid,
            lid: given.lid,
        }
    })
    .await
    .expect("provisioned");
    device.jid.expect("paired")
}

/// Spawns a collector actor and subscribes it to every event of `client`.
pub async fn subscribe(client: &Client, log: &EventLog) -> ActorRef<Event> {
    let (collector, _) = Actor::spawn(None, Collector, log.clone())
        .await
        .expect("collector");
    client
        .subscribe_actor(collector.clone(), EventFilter::all())
        .await
        .expect("subscribe");
    collector
}

/// Small prekey batches: each contact needs one.
pub const PREKEYS: wa_actors::prekeys::PreKeyConfig = wa_actors::prekeys::PreKeyConfig {
    min: 5,
    refill: 20,
    initial: 40,
};

/// A connected, paired client whose prekeys are on the server; returns the device JID.
pub async fn ready() -> (Harness, Jid) {
    ready_with(|b| b).await
}

/// [`ready`] with the builder tuned further by `tune`.
pub async fn ready_with(tune: impl FnOnce(ClientBuilder) -> ClientBuilder) -> (Harness, Jid) {
    let h = Harness::start_with(|b| tune(b.prekeys(PREKEYS))).await;
    h.connected(1).await;
    let device = h
        .store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap()
        .expect("device");
    let jid = device.jid.expect("registered");
    h.server
        .wait_for_prekey_uploads(&jid, 1, WAIT)
        .await
        .expect("prekeys uploaded");
    (h, jid)
}
