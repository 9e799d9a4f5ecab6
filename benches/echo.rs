//! End-to-end echo throughput, 1:1 and in a group: a testkit contact encrypts and sends, the fake server
//! delivers over a local WebSocket + Noise connection, the client decrypts and stores it and
//! publishes it to a `Bot`'s `on_message` handler, which replies with `ctx.reply` (device
//! list, encrypt, store, write, wait for the server's ack); the fake server hands the reply to
//! the contact's device, which decrypts it. A round ends when the contact has decrypted every
//! echo. The figure is messages per second through both directions, the testkit's own
//! encryption and decryption on the same two cores included. In the group case the contact
//! and a second member share a group with the bot; the contact writes there (`skmsg`), the
//! bot's reply goes to the group (sender key, fan-out to both members' devices), and the
//! round ends when the contact has decrypted every echo.

mod common;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wa_actors::bot::Bot;
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::Jid;
use wa_testkit::{Contact, FakeServer, Group};

const WAIT: Duration = Duration::from_secs(120);

struct Rig {
    server: FakeServer,
    bot: Bot,
    me: Jid,
    contact: Contact,
    /// The group the contact writes in, for the group case.
    group: Option<Group>,
    /// Echoes the contact has decrypted so far.
    echoed: usize,
    _dir: tempfile::TempDir,
}

async fn rig(sqlite: bool, in_group: bool) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FakeServer::start().await.expect("server");
    let (store, me) = common::provisioned_store(&server, &dir, sqlite).await;
    let bot = Bot::builder()
        .store(store)
        .client(|b| {
            b.url(server.url())
                .trust_root(server.trust_root())
                .prekeys(PreKeyConfig {
                    min: 5,
                    refill: 20,
                    initial: 20,
                })
        })
        .on_message(|ctx| async move {
            let text = ctx.text().unwrap_or_default().to_owned();
            ctx.reply(&text).await?;
            Ok(())
        })
        .build()
        .await
        .expect("bot");
    bot.connect().await.expect("connect");
    server
        .wait_for_prekey_uploads(&me, 1, WAIT)
        .await
        .expect("prekeys");
    let contact = server.add_named_contact(15559990002, "Echo bench");
    let group = in_group.then(|| {
        let other = server.add_named_contact(15559990003, "Echo bench member");
        server.create_group(
            "Echo bench",
            &[contact.jid().clone(), other.jid().clone(), me.to_non_ad()],
        )
    });
    Rig {
        server,
        bot,
        me,
        contact,
        group,
        echoed: 0,
        _dir: dir,
    }
}

/// Sends `n` messages and waits until the contact has decrypted all `n` echoes.
async fn round(rig: &mut Rig, n: u64) -> Duration {
    let start = Instant::now();
    for i in 0..n {
        let text = format!("echo bench {i}");
        match &rig.group {
            Some(group) => rig.contact.send_group_text(&rig.server, group, &text),
            None => rig.contact.send_text(&rig.server, &rig.me, &text),
        }
        .expect("sent");
    }
    rig.echoed += n as usize;
    let received = rig
        .contact
        .wait_for_received(&rig.server, rig.echoed, WAIT)
        .await
        .expect("echoes");
    let elapsed = start.elapsed();
    // A bench that counted undecryptable echoes would measure the wrong thing.
    let last = received.last().expect("an echo");
    assert!(last.message.is_ok(), "{:?}", last.message);
    elapsed
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("echo_e2e");
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    for (name, sqlite, in_group) in [
        ("dm_memory_store", false, false),
        ("dm_sqlite_store", true, false),
        ("group_memory_store", false, true),
        ("group_sqlite_store", true, true),
    ] {
        let mut r = rt.block_on(rig(sqlite, in_group));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| rt.block_on(round(&mut r, iters)))
        });
        rt.block_on(r.bot.stop());
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
