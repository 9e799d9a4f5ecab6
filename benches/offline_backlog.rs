//! The offline backlog: 10,000 messages from four contacts queue on the fake server while
//! the client is stopped (the testkit encrypts them then, untimed); a new client on the same
//! SQLite file (`synchronous=FULL`) connects, and the timed part is the drain, from connect
//! until the 10,000th `Message` event; the testkit's encryption is outside it. The client and
//! the fake server run on two runtimes with named threads (`client-rt`, `testkit-rt`), so
//! each side's CPU is read per thread from `/proc`. A line on stderr gives messages per
//! second, the client's CPU per message (its runtime plus the store's `wa-sqlite*` threads)
//! and per core, the fake server's, and the deepest the inbound queue got (bounded by
//! `ClientConfig::inbound_high_water`).

mod common;
#[path = "common/cpu.rs"]
mod cpu;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{CLIENT_THREADS, SERVER_THREADS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use wa_actors::broadcaster::StreamItem;
use wa_actors::events::{Event, EventFilter, EventKind};
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::Jid;
use wa_actors::store::Store;
use wa_actors::{Client, ClientConfig};
use wa_testkit::{Contact, FakeServer};

const BACKLOG: u64 = 10_000;
const CONTACTS: u64 = 4;
const PREKEYS: PreKeyConfig = PreKeyConfig {
    min: 5,
    refill: 20,
    initial: 20,
};

struct Rig {
    server: FakeServer,
    store: Arc<dyn Store>,
    me: Jid,
    contacts: Vec<Contact>,
    config: ClientConfig,
    messages: u64,
    wall: Duration,
    client_cpu: f64,
    server_cpu: f64,
    peak: u64,
    _dir: tempfile::TempDir,
}

async fn client(rig: &Rig) -> Client {
    Client::builder()
        .config(rig.config.clone())
        .url(rig.server.url())
        .trust_root(rig.server.trust_root())
        .store(rig.store.clone())
        .prekeys(PREKEYS)
        .build()
        .await
        .expect("client")
}

/// Sets up the account on `server` (started on its own runtime) and queues nothing yet.
async fn rig(server: FakeServer) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, me) = common::provisioned_store(&server, &dir, true).await;
    let contacts = (0..CONTACTS)
        .map(|i| server.add_named_contact(15557000000 + i, &format!("B{i}")))
        .collect();
    let rig = Rig {
        server,
        store,
        me,
        contacts,
        config: ClientConfig::default(),
        messages: 0,
        wall: Duration::ZERO,
        client_cpu: 0.0,
        server_cpu: 0.0,
        peak: 0,
        _dir: dir,
    };
    // Once online so the prekeys are on the server and every later login starts paired.
    let c = client(&rig).await;
    c.connect().await.expect("connect");
    rig.server
        .wait_for_prekey_uploads(&rig.me, 1, Duration::from_secs(60))
        .await
        .expect("prekeys");
    c.stop().await;
    rig
}

/// Queues a backlog while no client runs, then times a new client draining it.
async fn drain(rig: &mut Rig) -> Duration {
    for i in 0..BACKLOG {
        let from = &rig.contacts[(i % CONTACTS) as usize];
        from.send_text(&rig.server, &rig.me, &format!("backlog {i}"))
            .expect("queued");
    }
    let c = client(rig).await;
    let mut events = c.events_with(1 << 16, EventFilter::kinds([EventKind::Message]));
    let client0 = cpu::named_threads_secs(CLIENT_THREADS);
    let server0 = cpu::named_threads_secs(SERVER_THREADS);
    let start = Instant::now();
    c.connect().await.expect("connect");
    let mut got = 0;
    while got < BACKLOG {
        match events.recv().await {
            Some(StreamItem::Event(Event::Message(..))) => got += 1,
            Some(StreamItem::Lagged { missed }) => got += missed,
            Some(_) => {}
            None => panic!("event stream ended"),
        }
    }
    let took = start.elapsed();
    rig.client_cpu += cpu::named_threads_secs(CLIENT_THREADS) - client0;
    rig.server_cpu += cpu::named_threads_secs(SERVER_THREADS) - server0;
    rig.wall += took;
    rig.messages += BACKLOG;
    rig.peak = rig.peak.max(c.counters().inbound_queue_peak);
    // The last acks must reach the server, or the next sample would see redeliveries.
    if let Err(e) = rig
        .server
        .wait_for_empty_queue(&rig.me, Duration::from_secs(60))
        .await
    {
        let pending = rig.server.pending_messages(&rig.me);
        panic!(
            "{e}: {} still pending (first: {:?}); {} acks the server could not match (first: \
             {:?}); client counters {:?}",
            pending.len(),
            pending.first(),
            rig.server.unmatched_acks().len(),
            rig.server.unmatched_acks().first(),
            c.counters()
        );
    }
    c.stop().await;
    took
}

fn bench(c: &mut Criterion) {
    let rt = common::named_runtime("client-rt", 2);
    let server_rt = common::named_runtime("testkit-rt", 1);
    let mut g = c.benchmark_group("offline_backlog");
    g.throughput(Throughput::Elements(BACKLOG));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    let server = server_rt.block_on(FakeServer::start()).expect("server");
    let mut r = rt.block_on(rig(server));
    g.bench_function("drain_10k_sqlite_full", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += rt.block_on(drain(&mut r));
            }
            total
        })
    });
    g.finish();
    let n = r.messages.max(1) as f64;
    eprintln!(
        "offline_backlog: {:.0} msg/s; CPU us/msg: client {:.1} ({:.0} msg/s per core of client \
         CPU), fake server {:.1} (encryption was before the clock); inbound queue peak {} of \
         mark {} over {} messages",
        n / r.wall.as_secs_f64().max(1e-9),
        r.client_cpu * 1e6 / n,
        n / r.client_cpu.max(1e-9),
        r.server_cpu * 1e6 / n,
        r.peak,
        r.config.inbound_high_water,
        r.messages
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
