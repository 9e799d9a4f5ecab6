//! End-to-end receive throughput: testkit contacts encrypt and the fake server delivers over a
//! real local WebSocket + Noise connection; the client decrypts in its Signal actor, stores
//! the new state (memory or SQLite), publishes, receipts and acks; a subscriber stream counts
//! the `Message` events. The figure is messages per second through the whole pipeline,
//! including the testkit's own encryption on the same machine (so it understates the client).
//!
//! SQLite runs with `synchronous=FULL` (an fsync per commit); the `batch_*` cases set
//! `ClientConfig::receive_batch`, the most messages one commit may hold.
//!
//! The client and the fake server run on two runtimes with named threads (`client-rt`,
//! `testkit-rt`), and the testkit encrypts on the bench's main thread, so each side's CPU is
//! read per thread from `/proc`. After each case a line on stderr gives messages per second
//! and CPU per message: the client's own (its runtime plus the store's `wa-sqlite*` threads),
//! the fake server's transport and queue, and the testkit's encryption (the main thread,
//! which also reads the event stream). `dm_sqlite_one_at_a_time` sends each message only after
//! the previous one arrived: its time per element is a lone message's latency.

mod common;
#[path = "common/cpu.rs"]
mod cpu;

use std::time::{Duration, Instant};

use common::{CLIENT_THREADS, SERVER_THREADS};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wa_actors::broadcaster::{EventStream, StreamItem};
use wa_actors::events::{Event, EventFilter, EventKind};
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::Jid;
use wa_actors::{Client, ClientConfig};
use wa_testkit::{Contact, FakeServer, Group};

struct Rig {
    server: FakeServer,
    client: Client,
    events: EventStream,
    me: Jid,
    contact: Contact,
    group: Group,
    tally: Tally,
    _dir: tempfile::TempDir,
}

/// What a case cost over all its rounds.
#[derive(Default)]
struct Tally {
    messages: u64,
    wall: Duration,
    process_cpu: f64,
    encrypt_cpu: f64,
    client_cpu: f64,
    server_cpu: f64,
}

impl Tally {
    fn report(&self, name: &str) {
        if self.messages == 0 {
            // Filtered out by criterion's command line.
            return;
        }
        let n = self.messages.max(1) as f64;
        let us = |secs: f64| secs * 1e6 / n;
        eprintln!(
            "{name}: {:.0} msg/s wall; CPU us/msg: client {:.1} ({:.0} msg/s per core of client \
             CPU), fake server {:.1}, testkit encryption {:.1}, process {:.1}; over {} messages",
            n / self.wall.as_secs_f64().max(1e-9),
            us(self.client_cpu),
            n / self.client_cpu.max(1e-9),
            us(self.server_cpu),
            us(self.encrypt_cpu),
            us(self.process_cpu),
            self.messages
        );
    }
}

/// Starts the fake server on `server_rt` (its accept loop and connection tasks are spawned
/// there) and builds and connects the client on `client_rt` (its actors live there).
fn rig(
    server_rt: &tokio::runtime::Runtime,
    client_rt: &tokio::runtime::Runtime,
    sqlite: bool,
    batch: usize,
) -> Rig {
    let server = server_rt.block_on(FakeServer::start()).expect("server");
    client_rt.block_on(client_rig(server, sqlite, batch))
}

async fn client_rig(server: FakeServer, sqlite: bool, batch: usize) -> Rig {
    let mut config = ClientConfig::default();
    config.receive_batch = batch;
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, me) = common::provisioned_store(&server, &dir, sqlite).await;
    let client = Client::builder()
        .config(config)
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
        tally: Tally::default(),
        _dir: dir,
    }
}

/// Sends `n` messages and waits for all of them to reach the subscriber.
async fn round(rig: &mut Rig, n: u64, group: bool) -> Duration {
    let start = Instant::now();
    let cpu0 = cpu::process_secs();
    let client0 = cpu::named_threads_secs(CLIENT_THREADS);
    let server0 = cpu::named_threads_secs(SERVER_THREADS);
    // `block_on` polls this future on the calling thread, so the sending loop's CPU is
    // this thread's while it runs; client and server run on their runtimes' workers.
    let enc0 = cpu::thread_secs();
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
    let encrypt = cpu::thread_secs() - enc0;
    let mut got = 0;
    while got < n {
        match rig.events.recv().await {
            Some(StreamItem::Event(Event::Message(..))) => got += 1,
            Some(StreamItem::Lagged { missed }) => got += missed,
            Some(_) => {}
            None => panic!("event stream ended"),
        }
    }
    let took = start.elapsed();
    rig.tally.messages += n;
    rig.tally.wall += took;
    rig.tally.process_cpu += cpu::process_secs() - cpu0;
    rig.tally.encrypt_cpu += encrypt;
    rig.tally.client_cpu += cpu::named_threads_secs(CLIENT_THREADS) - client0;
    rig.tally.server_cpu += cpu::named_threads_secs(SERVER_THREADS) - server0;
    took
}

/// One message at a time, each sent once the one before arrived: per element, a lone
/// message's latency (the testkit's encryption of it included).
async fn one_at_a_time(rig: &mut Rig, n: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..n {
        total += round(rig, 1, false).await;
    }
    total
}

fn bench(c: &mut Criterion) {
    let rt = common::named_runtime("client-rt", 2);
    let server_rt = common::named_runtime("testkit-rt", 1);
    let mut g = c.benchmark_group("receive_e2e");
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    let default = wa_actors::client::DEFAULT_RECEIVE_BATCH;
    for (name, sqlite, group, batch) in [
        ("dm_memory_store", false, false, default),
        ("dm_sqlite_full_batch_1", true, false, 1),
        ("dm_sqlite_full_batch_16", true, false, 16),
        ("dm_sqlite_full_batch_128", true, false, 128),
        ("group_sqlite_full_batch_128", true, true, 128),
    ] {
        let mut r = rig(&server_rt, &rt, sqlite, batch);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| rt.block_on(round(&mut r, iters, group)))
        });
        r.tally.report(name);
        rt.block_on(r.client.stop());
    }
    let mut r = rig(&server_rt, &rt, true, default);
    g.bench_function("dm_sqlite_one_at_a_time", |b| {
        b.iter_custom(|iters| rt.block_on(one_at_a_time(&mut r, iters)))
    });
    r.tally.report("dm_sqlite_one_at_a_time");
    rt.block_on(r.client.stop());
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
