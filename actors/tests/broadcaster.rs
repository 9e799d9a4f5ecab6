//! The broadcaster against real subscriber actors, streams and closures.

mod common;

use common::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::mpsc;
use wa_actors_core::broadcaster::StreamItem;
use wa_actors_core::events::*;

#[tokio::test]
async fn actor_subscriber_receives_every_event_in_order() {
    let bus = broadcaster().await;
    let (actor, mut rx) = collector::<Event>().await;
    bus.subscribe_actor(actor, EventFilter::all())
        .await
        .unwrap();
    for i in 0..2000 {
        assert!(bus.publish(numbered(i)));
    }
    for i in 0..2000 {
        assert_eq!(number(&recv(&mut rx).await), i);
    }
    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.published, 2000);
    assert_eq!(stats.delivered, 2000);
    assert_eq!(stats.subscribers, 1);
}

#[tokio::test]
async fn filters_by_kind_and_chat_keep_other_events_away() {
    let bus = broadcaster().await;
    let (by_kind, mut kind_rx) = collector::<Event>().await;
    let (by_chat, mut chat_rx) = collector::<Event>().await;
    bus.subscribe_actor(by_kind, EventFilter::kinds([EventKind::Message]))
        .await
        .unwrap();
    bus.subscribe_actor(by_chat, EventFilter::chats([jid("1@s.whatsapp.net")]))
        .await
        .unwrap();

    bus.publish(numbered(1)); // neither: wrong kind, no chat
    bus.publish(presence_of("1@s.whatsapp.net")); // chat filter only
    bus.publish(message_in("2@s.whatsapp.net", "m-other-chat")); // kind filter only
    bus.publish(presence_of("2@s.whatsapp.net")); // neither
    bus.publish(message_in("1@s.whatsapp.net", "sentinel")); // both

    // Order is preserved, so once the sentinel arrives nothing else can be in flight.
    let kinds: Vec<Event> = vec![recv(&mut kind_rx).await, recv(&mut kind_rx).await];
    assert!(matches!(&kinds[0], Event::Message(_, i) if i.id == "m-other-chat"));
    assert!(matches!(&kinds[1], Event::Message(_, i) if i.id == "sentinel"));
    let chats: Vec<Event> = vec![recv(&mut chat_rx).await, recv(&mut chat_rx).await];
    assert!(matches!(&chats[0], Event::Presence(p) if p.from == jid("1@s.whatsapp.net")));
    assert!(matches!(&chats[1], Event::Message(_, i) if i.id == "sentinel"));
    assert!(kind_rx.try_recv().is_err());
    assert!(chat_rx.try_recv().is_err());

    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.published, 5);
    // Filtered-out events are never sent: 2 + 2 deliveries in all.
    assert_eq!(stats.delivered, 4);
}

#[tokio::test]
async fn a_panicking_closure_is_removed_and_others_keep_receiving() {
    let bus = broadcaster().await;
    let seen = Arc::new(AtomicUsize::new(0));
    bus.on_event(
        Arc::clone(&seen),
        EventFilter::all(),
        |event, seen| async move {
            if number(&event) == 3 {
                panic!("subscriber bug");
            }
            seen.fetch_add(1, Ordering::SeqCst);
        },
    )
    .await
    .unwrap();
    let (actor, mut rx) = collector::<Event>().await;
    bus.subscribe_actor(actor, EventFilter::all())
        .await
        .unwrap();
    assert_eq!(bus.stats().await.unwrap().subscribers, 2);

    for i in 0..10 {
        bus.publish(numbered(i));
    }
    for i in 0..10 {
        assert_eq!(number(&recv(&mut rx).await), i);
    }
    // The panic is reported to the broadcaster as a supervision event; wait for it.
    let mut stats = bus.stats().await.unwrap();
    for _ in 0..100 {
        if stats.subscribers == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        stats = bus.stats().await.unwrap();
    }
    assert_eq!(stats.subscribers, 1, "the panicking closure was removed");
    assert_eq!(stats.pruned, 1);
    assert_eq!(
        seen.load(Ordering::SeqCst),
        3,
        "events 0..3 ran before the panic"
    );

    // The broadcaster is alive and the remaining subscriber still receives.
    bus.publish(numbered(42));
    assert_eq!(number(&recv(&mut rx).await), 42);
}

#[tokio::test]
async fn a_stopped_actor_subscriber_is_pruned() {
    let bus = broadcaster().await;
    let (actor, _rx) = collector::<Event>().await;
    let (keep, mut keep_rx) = collector::<Event>().await;
    bus.subscribe_actor(actor.clone(), EventFilter::all())
        .await
        .unwrap();
    bus.subscribe_actor(keep, EventFilter::all()).await.unwrap();
    actor.stop(None);
    for _ in 0..100 {
        if matches!(actor.get_status(), ractor::ActorStatus::Stopped) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bus.publish(numbered(1));
    assert_eq!(number(&recv(&mut keep_rx).await), 1);
    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.subscribers, 1);
    assert_eq!(stats.pruned, 1);
    assert_eq!(stats.delivered, 1);
}

#[tokio::test]
async fn explicit_unsubscribe_stops_delivery() {
    let bus = broadcaster().await;
    let (actor, mut rx) = collector::<Event>().await;
    let (other, mut other_rx) = collector::<Event>().await;
    let id = bus
        .subscribe_actor(actor, EventFilter::all())
        .await
        .unwrap();
    bus.subscribe_actor(other, EventFilter::all())
        .await
        .unwrap();
    bus.publish(numbered(1));
    bus.unsubscribe(id);
    bus.publish(numbered(2));
    assert_eq!(number(&recv(&mut other_rx).await), 1);
    assert_eq!(number(&recv(&mut other_rx).await), 2);
    assert_eq!(number(&recv(&mut rx).await), 1);
    assert!(rx.try_recv().is_err());
    assert_eq!(bus.stats().await.unwrap().subscribers, 1);
}

async fn next_item(stream: &mut wa_actors_core::broadcaster::EventStream) -> StreamItem {
    tokio::time::timeout(Duration::from_secs(5), stream.recv())
        .await
        .expect("an item in time")
        .expect("stream open")
}

#[tokio::test]
async fn a_lagging_stream_is_told_exactly_how_many_it_missed() {
    let bus = broadcaster().await;
    let mut stream = bus.events_with(4, EventFilter::all());
    for i in 0..10 {
        bus.publish(numbered(i));
    }
    // Ordered after the publishes: all ten were offered to the stream.
    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.dropped, 6);
    for i in 0..4 {
        match next_item(&mut stream).await {
            StreamItem::Event(e) => assert_eq!(number(&e), i),
            other => panic!("expected event {i}, got {other:?}"),
        }
    }
    // Nothing was published since: the notice comes right after what was queued.
    assert!(matches!(
        next_item(&mut stream).await,
        StreamItem::Lagged { missed: 6 }
    ));
    bus.publish(numbered(10));
    match next_item(&mut stream).await {
        StreamItem::Event(e) => assert_eq!(number(&e), 10),
        other => panic!("expected event 10, got {other:?}"),
    }
}

#[tokio::test]
async fn a_lag_notice_sits_where_the_gap_is() {
    let bus = broadcaster().await;
    let mut stream = bus.events_with(2, EventFilter::all());
    for i in 0..5 {
        bus.publish(numbered(i)); // 0 and 1 queued, 2..5 dropped
    }
    bus.stats().await.unwrap();
    let first = next_item(&mut stream).await;
    assert!(matches!(first, StreamItem::Event(ref e) if number(e) == 0));
    // Room for one more now: event 5 is queued behind 1, after the three drops.
    bus.publish(numbered(5));
    bus.stats().await.unwrap();
    let rest: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(match next_item(&mut stream).await {
                StreamItem::Event(e) => format!("e{}", number(&e)),
                StreamItem::Lagged { missed } => format!("lag{missed}"),
            });
        }
        v
    };
    assert_eq!(rest, ["e1", "lag3", "e5"]);
}

#[tokio::test]
async fn a_dropped_stream_is_unsubscribed() {
    let bus = broadcaster().await;
    let stream = bus.events();
    assert_eq!(bus.stats().await.unwrap().subscribers, 1);
    drop(stream);
    bus.publish(numbered(1));
    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.subscribers, 0);
    assert_eq!(stats.pruned, 1);
}

#[tokio::test]
async fn the_event_handler_trait_works_through_the_adapter() {
    struct Counter(Arc<AtomicUsize>, mpsc::UnboundedSender<i32>);
    impl EventHandler for Counter {
        fn handle_event(&self, event: &Event) {
            self.0.fetch_add(1, Ordering::SeqCst);
            let _ = self.1.send(number(event));
        }
    }
    let bus = broadcaster().await;
    let count = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    bus.add_handler(Arc::new(Counter(Arc::clone(&count), tx)))
        .await
        .unwrap();
    for i in 0..5 {
        bus.publish(numbered(i));
    }
    for i in 0..5 {
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, i);
    }
    assert_eq!(count.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn actor_with_an_adapter_function() {
    enum BotMsg {
        Event(Box<Event>),
    }
    struct Bot;
    impl Actor for Bot {
        type Msg = BotMsg;
        type State = mpsc::UnboundedSender<EventKind>;
        type Arguments = mpsc::UnboundedSender<EventKind>;
        async fn pre_start(
            &self,
            _me: ActorRef<BotMsg>,
            tx: Self::Arguments,
        ) -> Result<Self::State, ActorProcessingErr> {
            Ok(tx)
        }
        async fn handle(
            &self,
            _me: ActorRef<BotMsg>,
            msg: BotMsg,
            tx: &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            let BotMsg::Event(e) = msg;
            let _ = tx.send(e.kind());
            Ok(())
        }
    }
    let bus = broadcaster().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (bot, _) = Actor::spawn(None, Bot, tx).await.unwrap();
    bus.subscribe(
        wa_actors_core::broadcaster::Sink::actor_with(bot, |e| BotMsg::Event(Box::new(e))),
        EventFilter::kinds([EventKind::Connected]),
    )
    .await
    .unwrap();
    bus.publish(numbered(1));
    bus.publish(Event::Connected(Connected));
    assert_eq!(rx.recv().await, Some(EventKind::Connected));
}

/// Random interleavings of publishing and reading: every event is either read or counted in
/// exactly one `Lagged` notice, and each notice sits exactly where its gap is.
#[tokio::test]
async fn lag_accounting_is_exact_under_random_interleavings() {
    use futures::FutureExt;
    use rand::{Rng, SeedableRng};

    for seed in 0..20u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let bus = broadcaster().await;
        let capacity = rng.gen_range(1..6);
        let mut stream = bus.events_with(capacity, EventFilter::all());
        let mut published = 0i32;
        let mut items = Vec::new();
        for _ in 0..40 {
            if rng.gen_bool(0.5) {
                for _ in 0..rng.gen_range(0..8) {
                    bus.publish(numbered(published));
                    published += 1;
                }
                bus.stats().await.unwrap();
            } else {
                for _ in 0..rng.gen_range(0..8) {
                    match stream.recv().now_or_never() {
                        Some(Some(item)) => items.push(item),
                        _ => break,
                    }
                }
            }
        }
        bus.stats().await.unwrap();
        while let Some(Some(item)) = stream.recv().now_or_never() {
            items.push(item);
        }
        // Walk the items: the next expected number advances by one per event and by `missed`
        // per notice; a notice is never followed by another notice.
        let mut expected = 0i32;
        let mut last_was_lag = false;
        for item in &items {
            match item {
                StreamItem::Event(e) => {
                    assert_eq!(number(e), expected, "seed {seed}");
                    expected += 1;
                    last_was_lag = false;
                }
                StreamItem::Lagged { missed } => {
                    assert!(!last_was_lag, "seed {seed}: two notices in a row");
                    assert!(*missed > 0);
                    expected += *missed as i32;
                    last_was_lag = true;
                }
            }
        }
        assert_eq!(
            expected, published,
            "seed {seed}: every event accounted for"
        );
        let stats = bus.stats().await.unwrap();
        let read = items
            .iter()
            .filter(|i| matches!(i, StreamItem::Event(_)))
            .count() as u64;
        assert_eq!(stats.delivered + stats.dropped, published as u64);
        assert_eq!(read, stats.delivered);
    }
}
