//! The sending tests' peers: a client of ours, paired on the fake server, connected, with its
//! prekeys uploaded and an event log.

use std::sync::Arc;
use std::time::Duration;

use wa_actors::send::SendConfig;
use wa_actors::store::{AccountId, SqliteStore, Store};
use wa_actors::testing::{provision_device, Provisioned};
use wa_actors::wire::Jid;
use wa_actors::Client;
use wa_testkit::FakeServer;

use super::{fast, subscribe, EventLog, PREKEYS, WAIT};

/// One paired, connected device of ours.
pub struct Peer {
    pub client: Client,
    pub events: EventLog,
    pub jid: Jid,
    pub store: Arc<dyn Store>,
    pub _dir: tempfile::TempDir,
}

/// Short send timeouts, so a test that expects a failure does not wait long.
pub fn quick_sends() -> SendConfig {
    SendConfig {
        connect_wait: Duration::from_millis(500),
        ack_timeout: Duration::from_secs(2),
        ..SendConfig::default()
    }
}

/// A SQLite store in `dir`.
pub async fn open_store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    Arc::new(
        SqliteStore::open(dir.path().join("wa.sqlite"))
            .await
            .expect("sqlite"),
    )
}

/// A client on `store`, connected, with a collector.
pub async fn start(
    server: &FakeServer,
    store: Arc<dyn Store>,
    send: SendConfig,
) -> (Client, EventLog) {
    let builder = Client::builder()
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store)
        .prekeys(PREKEYS)
        .send(send);
    let client = fast(builder).build().await.expect("client");
    let events = EventLog::new();
    subscribe(&client, &events).await;
    client.connect().await.expect("connect");
    events.wait_count(1, "Connected", super::is_connected).await;
    (client, events)
}

/// A connected client with its prekeys on the server; paired as a new account, or as a
/// second device of `same_account`.
pub async fn peer(server: &Arc<FakeServer>, same_account: Option<&Jid>) -> Peer {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_store(&dir).await;
    // A second device of an account gets the next device id.
    let paired_as = same_account.map(|j| j.clone().with_device(j.device + 1));
    let device = provision_device(&*store, &AccountId::new("default"), |noise, _| {
        let given = server.provision(*noise, paired_as.as_ref());
        Provisioned {
            jid: given.jid,
            lid: given.lid,
        }
    })
    .await
    .expect("provisioned");
    let jid = device.jid.expect("paired");
    let (client, events) = start(server, store.clone(), quick_sends()).await;
    server
        .wait_for_prekey_uploads(&jid, 1, WAIT)
        .await
        .expect("prekeys uploaded");
    Peer {
        client,
        events,
        jid,
        store,
        _dir: dir,
    }
}
