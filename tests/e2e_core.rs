//! The connection core under load and abuse: a broadcaster killed while messages flow loses no
//! subscriber and no event; a flood against a slowed Signal actor stays under the
//! backpressure mark and arrives once; a stanza that lacks what the protocol requires is
//! refused with the parsing-error ack and never comes back.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::gated_store::{CommitGate, GatedStore};
use common::{EventLog, Harness, WAIT};
use futures::future::BoxFuture;
use futures::StreamExt;
use wa_actors::broadcaster::StreamItem;
use wa_actors::events::{Event, EventFilter, EventHandler};
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::{Jid, Node};
use wa_actors::store::{AccountId, Batch, MemoryStore, Store, StoreResult};

const LONG: Duration = Duration::from_secs(120);

const PREKEYS: PreKeyConfig = PreKeyConfig {
    min: 5,
    refill: 20,
    initial: 40,
};

fn text(e: &Event) -> Option<String> {
    match e {
        Event::Message(msg, _) => msg.conversation.clone(),
        _ => None,
    }
}

async fn device_jid(store: &dyn Store) -> Jid {
    store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap()
        .and_then(|d| d.jid)
        .expect("registered")
}

struct Handler(Arc<Mutex<Vec<String>>>);

impl EventHandler for Handler {
    fn handle_event(&self, event: &Event) {
        if let Some(t) = text(event) {
            self.0.lock().unwrap().push(t);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcaster_killed_while_messages_flow_loses_no_subscriber_and_no_event() {
    const TOTAL: usize = 1000;
    let h = Harness::start_with(|b| b.prekeys(PREKEYS)).await;
    h.connected(1).await;
    let me = device_jid(&*h.store).await;
    h.server
        .wait_for_prekey_uploads(&me, 1, LONG)
        .await
        .expect("prekeys");

    // Every kind of subscriber: the harness's actor, a stream, a closure, an EventHandler.
    let mut stream = h.client.events_with(TOTAL * 4, EventFilter::all());
    let closure_log = Arc::new(Mutex::new(Vec::new()));
    let sink = closure_log.clone();
    h.client
        .on_event(EventFilter::all(), move |event, _client| {
            let sink = sink.clone();
            async move {
                if let Some(t) = text(&event) {
                    sink.lock().unwrap().push(t);
                }
            }
        })
        .await
        .expect("closure subscriber");
    let handler_log = Arc::new(Mutex::new(Vec::new()));
    h.client
        .add_handler(Arc::new(Handler(handler_log.clone())))
        .await
        .expect("handler subscriber");

    let alice = h.server.add_named_contact(15551230001, "Alice");
    let expected: Vec<String> = (0..TOTAL).map(|i| format!("m{i}")).collect();
    let before = h.client.broadcaster_id();
    for (i, body) in expected.iter().enumerate() {
        alice.send_text(&h.server, &me, body).expect("sent");
        if i == TOTAL / 3 {
            h.client.broadcaster().actor().kill();
        }
    }
    let deadline = tokio::time::Instant::now() + LONG;
    while h.events.all().iter().filter_map(text).count() < TOTAL {
        assert!(tokio::time::Instant::now() < deadline, "messages stalled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The broadcaster came back as a new actor, and subscribing through the old handle works.
    let restarted = tokio::time::Instant::now() + WAIT;
    while h.client.broadcaster_id() == before {
        assert!(tokio::time::Instant::now() < restarted, "no restart");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let late = EventLog::new();
    common::subscribe(&h.client, &late).await;

    let actor_texts: Vec<String> = h.events.all().iter().filter_map(text).collect();
    assert_eq!(
        actor_texts, expected,
        "actor subscriber: once each, in order"
    );
    let mut stream_texts = Vec::new();
    while stream_texts.len() < TOTAL {
        match tokio::time::timeout(WAIT, stream.next())
            .await
            .expect("stream")
        {
            Some(StreamItem::Event(e)) => stream_texts.extend(text(&e)),
            Some(StreamItem::Lagged { missed }) => panic!("stream lagged by {missed}"),
            None => panic!("stream ended"),
        }
    }
    assert_eq!(stream_texts, expected, "stream subscriber");
    let settle = tokio::time::Instant::now() + WAIT;
    while closure_log.lock().unwrap().len() < TOTAL || handler_log.lock().unwrap().len() < TOTAL {
        assert!(
            tokio::time::Instant::now() < settle,
            "closure subscribers stalled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(*closure_log.lock().unwrap(), expected, "closure subscriber");
    assert_eq!(
        *handler_log.lock().unwrap(),
        expected,
        "EventHandler subscriber"
    );
    h.client.stop().await;
}

/// Stalls every 64th write for a moment: the Signal actor falls behind the socket.
struct Stall {
    delay: Duration,
    writes: AtomicUsize,
}

impl CommitGate for Stall {
    fn before_commit<'a>(
        &'a self,
        _batch: &'a Batch,
        _then: bool,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            // Bursts pile up behind a stalled write, as behind a slow disk.
            if self.writes.fetch_add(1, Ordering::Relaxed) % 64 == 0 {
                tokio::time::sleep(self.delay).await;
            }
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_against_a_slow_signal_actor_stays_under_the_mark_and_arrives_once() {
    const TOTAL: usize = 100_000;
    const MARK: usize = 64;
    let store = Arc::new(GatedStore {
        inner: MemoryStore::new(),
        gate: Stall {
            delay: Duration::from_millis(5),
            writes: AtomicUsize::new(0),
        },
    });
    let server = wa_testkit::FakeServer::start().await.expect("server");
    common::register_device(&server, &*store, &AccountId::new("default")).await;
    let mut config = wa_actors::ClientConfig::default();
    config.inbound_high_water = MARK;
    let client = common::fast(
        wa_actors::Client::builder()
            .config(config)
            .url(server.url())
            .trust_root(server.trust_root())
            .store(store.clone()),
    )
    .build()
    .await
    .expect("client");
    let seen = Arc::new(Mutex::new(std::collections::HashMap::<String, u32>::new()));
    let count = seen.clone();
    client
        .on_event(EventFilter::all(), move |event, _| {
            let count = count.clone();
            async move {
                if let Event::UndecryptableMessage(u) = event {
                    *count
                        .lock()
                        .unwrap()
                        .entry(u.info.id.to_string())
                        .or_default() += 1;
                }
            }
        })
        .await
        .expect("subscriber");
    client.connect().await.expect("connect");
    server.wait_for_logins(1, WAIT).await.expect("login");

    let from = "15550009999@s.whatsapp.net";
    for i in 0..TOTAL {
        server.send_node(
            Node::build("message")
                .attr("id", format!("F{i}"))
                .attr("from", from)
                .attr("t", "1700000000")
                .attr("type", "text")
                .child(Node::build("unavailable").finish())
                .finish(),
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while seen.lock().unwrap().len() < TOTAL {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {TOTAL} arrived",
            seen.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = client.counters();
    assert!(
        c.inbound_queue_peak as usize <= MARK,
        "queue reached {} over a mark of {MARK}",
        c.inbound_queue_peak
    );
    assert!(
        c.inbound_queue_peak as usize >= MARK / 2,
        "the Signal actor never fell behind (peak {}): the test tests nothing",
        c.inbound_queue_peak
    );
    let twice = seen.lock().unwrap().values().filter(|n| **n != 1).count();
    assert_eq!(twice, 0, "messages that arrived more than once");
    assert_eq!(c.connections, 1, "no reconnect: {c:?}");
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_without_a_timestamp_is_refused_once_and_never_redelivered() {
    let h = Harness::start().await;
    h.connected(1).await;
    let me = device_jid(&*h.store).await;
    let bad = Node::build("message")
        .attr("id", "NO-T-1")
        .attr("from", "15550001111@s.whatsapp.net")
        .attr("type", "text")
        .finish();
    let seq = h.server.deliver_raw(&me, bad).expect("queued");
    assert!(seq.is_some(), "queued for the device");
    let refusal = h
        .server
        .wait_for_node(WAIT, |n| {
            n.tag == "ack" && n.attr_str("id").as_deref() == Some("NO-T-1")
        })
        .await
        .expect("answered");
    assert_eq!(refusal.attr_str("error").as_deref(), Some("487"));
    assert_eq!(refusal.attr_str("class").as_deref(), Some("message"));
    h.server
        .wait_for_empty_queue(&me, WAIT)
        .await
        .expect("the refusal takes it off the queue");
    // A new connection does not get it again.
    h.server.drop_connections();
    h.connected(2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answers = h
        .server
        .received()
        .into_iter()
        .filter(|(_, n)| n.tag == "ack" && n.attr_str("id").as_deref() == Some("NO-T-1"))
        .count();
    assert_eq!(answers, 1, "refused once, never redelivered");
    let c = h.client.counters();
    assert_eq!(c.malformed, 1, "{c:?}");
    assert_eq!(h.events.count(|e| matches!(e, Event::Message(..))), 0);
    h.client.stop().await;
}
