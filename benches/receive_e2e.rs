//! End-to-end receive throughput: testkit contacts encrypt and the fake server delivers over a
//! real local WebSocket + Noise connection; the client decrypts in its Signal actor, stores
//! the new state (memory or SQLite), publishes, receipts and acks; a subscriber stream counts
//! the `Message` events. The figure is messages per second through the whole pipeline,
//! including the testkit's own encryption on the same machine (so it understates the client).
//!
//! SQLite runs with `synchronous=FULL` (an fsync per commit); the `batch_*` cases set
//! `ClientConfig::receive_batch`, the most messages one commit may hold. After each case a
//! line on stderr gives messages per second, the process's CPU per message, and how much of
//! that was the testkit encrypting (measured on the sending thread), so the client's own
//! share is the difference. `dm_sqlite_one_at_a_time` sends each message only after the
//! previous one arrived: its time per element is a lone message's latency.

mod common;
#[path = "common/cpu.rs"]
mod cpu;

use std::time::{Duration, Instant};

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
}

impl Tally {
    fn report(&self, name: &str) {
        let n = self.messages.max(1) as f64;
        let us = |secs: f64| secs * 1e6 / n;
        eprintln!(
            "{name}: {:.0} msg/s wall; CPU {:.1} us/msg in all, {:.1} of it testkit encryption, \
             {:.1} the rest (client + fake server transport) over {} messages",
            n / self.wall.as_secs_f64().max(1e-9),
            us(self.process_cpu),
            us(self.encrypt_cpu),
            us(self.process_cpu - self.encrypt_cpu),
            self.messages
        );
    }
}

async fn rig(sqlite: bool, batch: usize) -> Rig {
    let mut config = ClientConfig::default();
    config.receive_batch = batch;
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FakeServer::start().await.expect("server");
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
    // `block_on` polls this future on the calling thread, so the sending loop's CPU is
    // this thread's while it runs; the client runs on the runtime's workers meanwhile.
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
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
        let mut r = rt.block_on(rig(sqlite, batch));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| rt.block_on(round(&mut r, iters, group)))
        });
        r.tally.report(name);
        rt.block_on(r.client.stop());
    }
    let mut r = rt.block_on(rig(true, default));
    g.bench_function("dm_sqlite_one_at_a_time", |b| {
        b.iter_custom(|iters| rt.block_on(one_at_a_time(&mut r, iters)))
    });
    rt.block_on(r.client.stop());
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
