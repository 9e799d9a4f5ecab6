//! History sync end to end against wa-testkit's phone: after pairing, the phone sends an
//! initial bootstrap, recent chats and push names in several chunks through the media host,
//! and the client publishes one `HistorySync` per chunk with what was put in (hundreds of
//! chats), stores push names and LID mappings, and receipts each chunk `hist_sync`. A chunk
//! whose download fails when the client is killed is processed by the restarted client,
//! once; a missing blob gets a `server-error` receipt, a corrupt one a typed error, a chunk
//! announced twice is published once, and the client runs on.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use common::{fast, ready_with, subscribe, EventLog, Harness, PREKEYS, WAIT};
use wa_actors::events::{Event, HistoryError, HistoryFailure, SyncType};
use wa_actors::history::{HistoryAnchor, HistoryConfig};
use wa_actors::media::{MediaConfig, MediaError};
use wa_actors::protocol::binary::{Jid, Node};
use wa_actors::store::{SqliteStore, Store};
use wa_actors::Client;
use wa_testkit::{
    on_demand_message_id, HistoryContent, HistoryFault, HistoryPlan, MediaFault, SentHistory,
};

fn media_config() -> MediaConfig {
    let mut m = MediaConfig::default();
    m.plain_http = true;
    m.retries = 0;
    m.backoff = Duration::from_millis(10);
    m
}

async fn history_ready(history: HistoryConfig) -> (Harness, Jid) {
    ready_with(move |b| b.media(media_config()).history(history)).await
}

fn chunks(events: &[Event]) -> Vec<wa_actors::events::HistorySync> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HistorySync(h) => Some(h.clone()),
            _ => None,
        })
        .collect()
}

fn is_receipt(node: &Node, ty: &str, id: &str) -> bool {
    node.tag == "receipt"
        && node.attr_str("type").as_deref() == Some(ty)
        && node.attr_str("id").as_deref() == Some(id)
}

/// Every chunk arrived as one event with the conversations, push names and mappings the
/// phone put in; each is receipted `hist_sync`.
async fn check_all_arrived(h: &Harness, me: &Jid, sent: &SentHistory, log: &EventLog) {
    let n = sent.chunks.len();
    log.wait_count(n, "HistorySync per chunk", |e| {
        matches!(e, Event::HistorySync(_))
    })
    .await;
    let got = chunks(&log.all());
    assert_eq!(got.len(), n, "one event per chunk, no more");
    let by_id: BTreeMap<&str, _> = got.iter().map(|c| (c.message_id.as_str(), c)).collect();
    let mut conversations = BTreeSet::new();
    for chunk in &sent.chunks {
        let ev = by_id
            .get(chunk.message_id.as_str())
            .unwrap_or_else(|| panic!("no event for chunk {}", chunk.message_id));
        assert_eq!(ev.sync_type, chunk.sync_type);
        assert_eq!(ev.chunk_order, chunk.chunk_order);
        let ids: Vec<String> = ev
            .conversations
            .iter()
            .map(|c| c.get().expect("decodes").id.clone().unwrap())
            .collect();
        assert_eq!(ids, chunk.conversations);
        if chunk.sync_type == SyncType::InitialBootstrap {
            conversations.extend(ids);
        }
        h.server
            .wait_for_node(WAIT, |n| {
                is_receipt(n, "hist_sync", chunk.message_id.as_str())
            })
            .await
            .expect("hist_sync receipt");
    }
    // The bootstrap chunks together hold every chat, each message intact.
    assert_eq!(conversations.len(), sent.history.conversations.len());
    for want in &sent.history.conversations {
        let id = want.id.as_deref().unwrap();
        let ev = got
            .iter()
            .filter(|c| c.sync_type == SyncType::InitialBootstrap)
            .flat_map(|c| c.conversations.iter())
            .find(|c| c.get().and_then(|c| c.id.as_deref()) == Some(id))
            .unwrap();
        assert_eq!(ev.get().unwrap(), want);
    }
    // Push names: an event each, and stored.
    let names = log.count(|e| matches!(e, Event::PushNameUpdate(_)));
    assert_eq!(names, sent.history.push_names.len());
    for (jid, name) in &sent.history.push_names {
        let stored = h
            .store
            .get(
                &wa_actors::store::AccountId::new("default"),
                wa_actors::store::Namespace::CONTACTS,
                jid.to_string().as_bytes(),
            )
            .await
            .unwrap();
        assert_eq!(stored.as_deref(), Some(name.as_bytes()));
    }
    // Message secrets: one stored per history message that had one.
    let want: usize = sent
        .history
        .conversations
        .iter()
        .flat_map(|c| &c.messages)
        .filter(|m| m.message.as_ref().unwrap().message_secret.is_some())
        .count();
    let stored = h
        .store
        .scan_prefix(
            &wa_actors::store::AccountId::new("default"),
            wa_actors::store::Namespace::MESSAGE_SECRETS,
            b"",
        )
        .await
        .unwrap();
    assert!(want > 0);
    assert_eq!(stored.len(), want);
    // LID mappings: in the directory.
    for (pn, lid) in &sent.history.lid_mappings {
        assert_eq!(h.client.directory().lid_for_pn(pn).as_ref(), Some(lid));
    }
    let _ = me;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_pairing_every_chunk_of_hundreds_of_chats_is_published_and_receipted() {
    let (h, me) = history_ready(HistoryConfig::default()).await;
    let plan = HistoryPlan {
        content: HistoryContent {
            chats: 250,
            groups: 30,
            messages_per_chat: 6,
        },
        bootstrap_chunks: 4,
        inline_first: true,
        ..Default::default()
    };
    let sent = h
        .server
        .send_history(&me, &plan)
        .await
        .expect("history sent");
    assert_eq!(sent.chunks.len(), 6);
    check_all_arrived(&h, &me, &sent, &h.events).await;
    // Progress and order are the phone's.
    let last = chunks(&h.events.all())
        .into_iter()
        .filter(|c| c.sync_type == SyncType::InitialBootstrap)
        .map(|c| (c.chunk_order, c.progress))
        .max()
        .unwrap();
    assert_eq!(last, (4, Some(100)));
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_pending_when_the_client_is_killed_is_processed_once_after_restart() {
    // A failed download is retried only much later, so the chunk is still pending at the kill.
    let config = HistoryConfig::default().retries(100, Duration::from_secs(600));
    let (h, me) = history_ready(config).await;
    let host = h.server.media_host().await.unwrap();
    host.inject(MediaFault::Status(503));
    let sent = h
        .server
        .send_history(&me, &HistoryPlan::default())
        .await
        .expect("history sent");
    let n = sent.chunks.len();
    h.events
        .wait_count(n - 1, "all chunks but the one hit by the 503", |e| {
            matches!(e, Event::HistorySync(_))
        })
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(chunks(&h.events.all()).len(), n - 1);
    h.client.kill().await;
    drop(h.store);

    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(h.dir.path().join("wa.sqlite"))
            .await
            .expect("sqlite"),
    );
    let client = fast(Client::builder())
        .url(h.server.url())
        .trust_root(h.server.trust_root())
        .store(store.clone())
        .prekeys(PREKEYS)
        .media(media_config())
        .build()
        .await
        .expect("client");
    subscribe(&client, &h.events).await;
    client.connect().await.expect("connect");
    h.events
        .wait_count(n, "the pending chunk after restart", |e| {
            matches!(e, Event::HistorySync(_))
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = chunks(&h.events.all());
    let ids: BTreeSet<&str> = got.iter().map(|c| c.message_id.as_str()).collect();
    assert_eq!(got.len(), n, "no chunk published twice");
    assert_eq!(ids.len(), n, "no chunk lost");
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_corrupt_and_duplicate_chunks_are_answered_and_the_client_runs_on() {
    let (h, me) = history_ready(HistoryConfig::default()).await;
    let plan = HistoryPlan {
        faults: vec![
            (0, HistoryFault::MissingBlob),
            (1, HistoryFault::CorruptBlob),
            (2, HistoryFault::Duplicate),
        ],
        ..Default::default()
    };
    let sent = h
        .server
        .send_history(&me, &plan)
        .await
        .expect("history sent");
    let (missing, corrupt) = (&sent.chunks[0], &sent.chunks[1]);
    let (dup_a, dup_b) = (&sent.chunks[2], &sent.chunks[3]);
    assert_eq!(dup_a.fault, Some(HistoryFault::Duplicate));
    h.events
        .wait_count(2, "two failures", |e| {
            matches!(e, Event::HistorySyncFailed(_))
        })
        .await;
    let failures: Vec<_> = h
        .events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            Event::HistorySyncFailed(f) => Some(f),
            _ => None,
        })
        .collect();
    let of = |id: &str| {
        failures
            .iter()
            .find(|f| f.message_id == id)
            .unwrap()
            .clone()
    };
    assert!(matches!(
        &of(missing.message_id.as_str()).error,
        HistoryFailure::Download(e) if matches!(**e, MediaError::Status(404))
    ));
    assert!(matches!(
        of(corrupt.message_id.as_str()).error,
        HistoryFailure::Blob(HistoryError::Inflate(_))
    ));
    h.server
        .wait_for_node(WAIT, |n| {
            is_receipt(n, "server-error", missing.message_id.as_str())
                && n.child("encrypt").is_some()
        })
        .await
        .expect("server-error receipt for the missing blob");
    // The duplicate: both receipted, published once.
    for id in [&dup_a.message_id, &dup_b.message_id] {
        h.server
            .wait_for_node(WAIT, |n| is_receipt(n, "hist_sync", id.as_str()))
            .await
            .expect("hist_sync receipt");
    }
    let good = sent.chunks.len() - 3;
    h.events
        .wait_count(good, "the good chunks", |e| {
            matches!(e, Event::HistorySync(_))
        })
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(chunks(&h.events.all()).len(), good);
    // The rest of the client runs on: a contact's message still arrives.
    let alice = h.server.add_contact(15550100);
    alice.send_text(&h.server, &me, "still here").unwrap();
    h.events
        .wait_for("the contact's message", |e| {
            matches!(e, Event::Message(m, _) if m.conversation.as_deref() == Some("still here"))
        })
        .await;
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_waits_for_history_after_linking_gets_it() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let server = wa_testkit::FakeServer::start().await.expect("server");
    server
        .send_history_after_pairing(HistoryPlan::default())
        .await
        .expect("plan");
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("wa.sqlite"))
            .await
            .expect("sqlite"),
    );
    let client = fast(Client::builder())
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store)
        .prekeys(PREKEYS)
        .media(media_config())
        .build()
        .await
        .expect("client");
    let events = EventLog::new();
    subscribe(&client, &events).await;
    client.connect().await.expect("connect");
    let qr = events
        .wait_for("PairingQrCode", |e| {
            matches!(e, Event::PairingQrCode { .. })
        })
        .await;
    let Event::PairingQrCode { code, .. } = qr else {
        unreachable!()
    };
    let paired = server.scan_qr(&code).await.expect("paired");
    // What a user of the library does: wait for the phone's history.
    let deadline = tokio::time::Instant::now() + WAIT;
    let sent = loop {
        if let Some(sent) = server.history_sent_to(&paired.jid) {
            break sent.expect("the phone sent history");
        }
        assert!(tokio::time::Instant::now() < deadline, "no history sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    events
        .wait_count(sent.chunks.len(), "HistorySync per chunk", |e| {
            matches!(e, Event::HistorySync(_))
        })
        .await;
    let got = chunks(&events.all());
    let conversations: usize = got
        .iter()
        .filter(|c| c.sync_type == SyncType::InitialBootstrap)
        .map(|c| c.conversations.len())
        .sum();
    assert_eq!(conversations, sent.history.conversations.len());
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_demand_request_is_answered_with_an_on_demand_chunk() {
    let (h, me) = history_ready(HistoryConfig::default()).await;
    let sent = h
        .server
        .send_history(&me, &HistoryPlan::default())
        .await
        .expect("history sent");
    h.events
        .wait_count(sent.chunks.len(), "the initial history", |e| {
            matches!(e, Event::HistorySync(_))
        })
        .await;
    // The oldest message we have of the last chat, from the bootstrap.
    let chat = sent.history.conversations.last().unwrap();
    let oldest = chat.messages[0].message.as_ref().unwrap();
    let anchor = HistoryAnchor::from_web_message(oldest).unwrap();
    let chat_jid: Jid = chat.id.as_deref().unwrap().parse().unwrap();
    let request = h
        .client
        .request_history(&chat_jid, &anchor, 7)
        .await
        .expect("request written");
    // The phone read it as the peer request it is.
    let deadline = tokio::time::Instant::now() + WAIT;
    let asked = loop {
        if let Some(r) = h
            .server
            .phone_received(&me)
            .into_iter()
            .find(|r| r.id == request)
        {
            break r;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the phone never got the request"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let op = asked
        .message
        .expect("decrypted")
        .protocol_message
        .unwrap()
        .peer_data_operation_request_message
        .unwrap();
    let req = op.history_sync_on_demand_request.unwrap();
    assert_eq!(req.chat_jid.as_deref(), chat.id.as_deref());
    assert_eq!(req.oldest_msg_id, Some(anchor.id.clone()));
    assert_eq!(req.on_demand_msg_count, Some(7));
    let answer = h
        .events
        .wait_for(
            "the on-demand chunk",
            |e| matches!(e, Event::HistorySync(c) if c.sync_type == SyncType::OnDemand),
        )
        .await;
    let Event::HistorySync(answer) = answer else {
        unreachable!()
    };
    assert_eq!(answer.request_id.as_deref(), Some(request.as_str()));
    let conv = answer.conversations[0].get().unwrap();
    assert_eq!(conv.id.as_deref(), chat.id.as_deref());
    let ids: Vec<_> = conv
        .messages
        .iter()
        .map(|m| {
            m.message
                .as_ref()
                .unwrap()
                .key
                .as_ref()
                .unwrap()
                .id
                .clone()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, (0..7).map(on_demand_message_id).collect::<Vec<_>>());
    h.client.stop().await;
}
