//! What the end-to-end benches share: a store (SQLite in `dir`, or memory) holding a device the
//! fake server already provisioned, as if a phone had paired it.

use std::sync::Arc;

use wa_actors::store::{AccountId, MemoryStore, SqliteStore, Store};
use wa_actors::testing::{provision_device, Provisioned};
use wa_actors::wire::Jid;
use wa_testkit::FakeServer;

/// The store and the JID the device was paired as.
pub async fn provisioned_store(
    server: &FakeServer,
    dir: &tempfile::TempDir,
    sqlite: bool,
) -> (Arc<dyn Store>, Jid) {
    let store: Arc<dyn Store> = if sqlite {
        Arc::new(
            SqliteStore::open(dir.path().join("bench.sqlite"))
                .await
                .expect("sqlite"),
        )
    } else {
        Arc::new(MemoryStore::new())
    };
    let me = provision_device(&*store, &AccountId::new("default"), |noise, paired_as| {
        let given = server.provision(*noise, paired_as);
        Provisioned {
            jid: given.jid,
            lid: given.lid,
        }
    })
    .await
    .expect("provisioned")
    .jid
    .expect("paired");
    (store, me)
}

/// Names of the client's threads in the end-to-end benches: its runtime and the SQLite store's
/// own threads.
#[allow(dead_code)]
pub const CLIENT_THREADS: &[&str] = &["client-rt", "wa-sqlite"];
/// Names of the fake server's runtime threads.
#[allow(dead_code)]
pub const SERVER_THREADS: &[&str] = &["testkit-rt"];

/// A multi-threaded runtime whose threads are named `name`, so their CPU can be read apart
/// (`cpu::named_threads_secs`).
#[allow(dead_code)]
pub fn named_runtime(name: &str, workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("runtime")
}
