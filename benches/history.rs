//! History-sync figures on a 200-chat × 20-message blob (text and image messages, as the
//! testkit phone makes them): inflate + full decode of every conversation, inflate + the lazy
//! scan that only counts conversations (what a handler that ignores history costs), and the
//! end-to-end time from the phone's notification to the `HistorySync` event, with the blob
//! fetched from the testkit media host over local HTTP.

mod common;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use prost::Message as _;
use wa_actors::events::Event;
use wa_actors::media::{MediaConfig, MediaType};
use wa_actors::proto::wa;
use wa_actors::protocol::binary::Jid;
use wa_actors::protocol::history::{
    compress, inflate, notification, scan, HistorySource, NotificationParts, SyncType,
    DEFAULT_MAX_INFLATED,
};
use wa_actors::Client;
use wa_testkit::{FakeServer, HistoryContent};

const CHATS: usize = 200;
const MESSAGES: usize = 20;

fn blob(tag: u64) -> Vec<u8> {
    let content = HistoryContent {
        chats: CHATS,
        groups: 20,
        messages_per_chat: MESSAGES,
    };
    let mut history = content.build(&Jid::pn("15550000001"), 1_700_000_000);
    // A different blob each time (the client publishes one blob once).
    history.conversations[0].name = Some(format!("bench {tag}"));
    wa::HistorySync {
        sync_type: Some(SyncType::InitialBootstrap.to_wire()),
        conversations: history.conversations,
        chunk_order: Some(1),
        progress: Some(100),
        ..Default::default()
    }
    .encode_to_vec()
}

fn decode(c: &mut Criterion) {
    let raw = blob(0);
    let compressed = compress(&raw);
    println!(
        "history blob: {CHATS} chats x {MESSAGES} messages, {} KiB inflated, {} KiB compressed",
        raw.len() / 1024,
        compressed.len() / 1024
    );
    let mut g = c.benchmark_group("history_decode");
    g.throughput(Throughput::Elements(CHATS as u64));
    g.bench_function("inflate_full_decode", |b| {
        b.iter(|| {
            let inflated = inflate(&compressed, DEFAULT_MAX_INFLATED).unwrap();
            let sync = wa::HistorySync::decode(inflated.as_slice()).unwrap();
            assert_eq!(sync.conversations.len(), CHATS);
        })
    });
    g.bench_function("inflate_lazy_count", |b| {
        b.iter(|| {
            let inflated = inflate(&compressed, DEFAULT_MAX_INFLATED).unwrap();
            let scanned = scan(&inflated).unwrap();
            assert_eq!(scanned.conversations.len(), CHATS);
        })
    });
    g.bench_function("inflate_lazy_then_decode_each", |b| {
        b.iter(|| {
            let inflated = inflate(&compressed, DEFAULT_MAX_INFLATED).unwrap();
            let scanned = scan(&inflated).unwrap();
            let messages: usize = scanned
                .conversations
                .iter()
                .map(|r| {
                    wa::Conversation::decode(&inflated[r.clone()])
                        .unwrap()
                        .messages
                        .len()
                })
                .sum();
            assert_eq!(messages, CHATS * MESSAGES);
        })
    });
    g.bench_function("inflate_only", |b| {
        b.iter(|| inflate(&compressed, DEFAULT_MAX_INFLATED).unwrap().len())
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (server, client, me, dir) = rt.block_on(async {
        let server = FakeServer::start().await.expect("server");
        server.media_host().await.expect("media host");
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, me) = common::provisioned_store(&server, &dir, true).await;
        let mut media = MediaConfig::default();
        media.plain_http = true;
        let client = Client::builder()
            .url(server.url())
            .trust_root(server.trust_root())
            .store(store)
            .media(media)
            .build()
            .await
            .expect("client");
        client.connect().await.expect("connect");
        server
            .wait_for_prekey_uploads(&me, 1, Duration::from_secs(30))
            .await
            .expect("prekeys");
        (server, client, me, dir)
    });
    let host = rt.block_on(server.media_host()).unwrap();
    let mut events = client.events();
    let mut tag = 0u64;
    let mut g = c.benchmark_group("history_e2e");
    g.sample_size(20);
    g.bench_function("notification_to_event_200x20_sqlite", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                tag += 1;
                // The phone's work (content, compress, encrypt, upload) is not timed.
                let stored = host.store(MediaType::History, &compress(&blob(tag)));
                let source = HistorySource::Download {
                    direct_path: stored.direct_path,
                    media_key: stored.info.media_key.0.to_vec(),
                    file_enc_sha256: stored.info.file_enc_sha256.to_vec(),
                    file_sha256: stored.info.file_sha256.to_vec(),
                    file_length: Some(stored.info.file_length),
                };
                let message = notification(&NotificationParts::default(), &source);
                let start = Instant::now();
                server.send_from_phone(&me, &message).expect("sent");
                rt.block_on(async {
                    loop {
                        match events.next_event().await {
                            Some(Event::HistorySync(h)) => {
                                assert_eq!(h.conversations.len(), CHATS);
                                break;
                            }
                            Some(_) => {}
                            None => panic!("event stream ended"),
                        }
                    }
                });
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();
    rt.block_on(client.stop());
    drop(dir);
}

criterion_group!(benches, decode, end_to_end);
criterion_main!(benches);
