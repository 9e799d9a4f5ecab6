//! End-to-end receive throughput: testkit contacts encrypt and the fake server delivers over a
//! real local WebSocket + Noise connection; the client decrypts in its Signal actor, stores
//! the new state (memory or SQLite), publishes, receipts and acks; a subscriber stream counts
//! the `Message` events. The figure is messages per second through the whole pipeline,
//! including the testkit's own encryption on the same machine (so it understates the client).

mod common;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wa_actors::broadcaster::{EventStream, StreamItem};
use wa_actors::events::{Event, EventFilter, EventKind};
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::Jid;
use wa_actors::Client;
use wa_testkit::{Contact, FakeServer, Group};

struct Rig {
    server: FakeServer,
    client: Client,
    events: EventStream,
    me: Jid,
    contact: Contact,
    group: Group,
    _dir: tempfile::TempDir,
}

async fn rig(sqlite: bool) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FakeServer::start().await.expect("server");
    let (store, me) = common::provisioned_store(&server, &dir, sqlite).await;
    let client = Client::builder()
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store)
        .prekeys(PreKeyConfig {
            min: 5,
            refill: 20,
            initial: 20,
        })
        .build()
        .await
        .expect("client");
    let events = client.events_with(1 << 16, EventFilter::kinds([EventKind::Message]));
    client.connect().await.expect("connect");
    server
        .wait_for_prekey_uploads(&me, 1, Duration::from_secs(30))
        .await
        .expect("prekeys");
    let contact = server.add_named_contact(15559990001, "Bench");
    let group = server.create_group("bench", &[contact.jid().to_non_ad(), me.to_non_ad()]);
    Rig {
        server,
        client,
        events,
        me,
        contact,
        group,
        _dir: dir,
    }
}

/// Sends `n` messages and waits for all of them to reach the subscriber.
async fn round(rig: &mut Rig, n: u64, group: bool) -> Duration {
    let start = Instant::now();
    for i in 0..n {
        let text = format!("bench message {i}");
        if group {
            rig.contact
                .send_group_text(&rig.server, &rig.group, &text)
                .expect("sent");
        } else {
            rig.contact
                .send_text(&rig.server, &rig.me, &text)
                .expect("sent");
        }
    }
    let mut got = 0;
    while got < n {
        match rig.events.recv().await {
            Some(StreamItem::Event(Event::Message(..))) => got += 1,
            Some(StreamItem::Lagged { missed }) => got += missed,
            Some(_) => {}
            None => panic!("event stream ended"),
        }
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("receive_e2e");
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    for (name, sqlite, group) in [
        ("dm_memory_store", false, false),
        ("dm_sqlite_store", true, false),
        ("group_sqlite_store", true, true),
    ] {
        let mut r = rt.block_on(rig(sqlite));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| rt.block_on(round(&mut r, iters, group)))
        });
        rt.block_on(r.client.stop());
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
