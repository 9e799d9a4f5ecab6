//! The broadcaster's fan-out paths: shared-event actor subscribers next to owned-event ones,
//! and the per-kind subscriber lists staying right as subscribers come and go.

mod common;

use common::*;

use std::sync::Arc;
use std::time::Duration;

use wa_actors_core::broadcaster::SharedEvent;
use wa_actors_core::events::*;

/// A short label of an event, to compare what each subscriber saw.
fn label(e: &Event) -> String {
    match e {
        Event::Message(_, info) => format!("message {}", info.id),
        Event::Presence(p) => format!("presence {}", p.from),
        Event::OfflineSyncCompleted(c) => format!("number {}", c.count),
        other => format!("{}", other.kind()),
    }
}

#[tokio::test]
async fn shared_subscribers_hold_one_allocation_in_publish_order() {
    let bus = broadcaster().await;
    let mut shared = Vec::new();
    for _ in 0..3 {
        let (actor, rx) = collector::<SharedEvent>().await;
        bus.subscribe_shared_actor(actor, EventFilter::all())
            .await
            .unwrap();
        shared.push(rx);
    }
    let (owned, mut owned_rx) = collector::<Event>().await;
    bus.subscribe_actor(owned, EventFilter::all())
        .await
        .unwrap();

    const N: i32 = 500;
    for i in 0..N {
        assert!(bus.publish(numbered(i)));
    }
    for i in 0..N {
        let first = recv(&mut shared[0]).await;
        assert_eq!(number(&first), i);
        for rx in &mut shared[1..] {
            let other = recv(rx).await;
            assert!(
                Arc::ptr_eq(&first, &other),
                "event {i} was copied for a shared subscriber"
            );
        }
        assert_eq!(number(&recv(&mut owned_rx).await), i);
    }
    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.published, N as u64);
    assert_eq!(stats.delivered, 4 * N as u64);
}

#[tokio::test]
async fn kind_lists_follow_unsubscribe_prune_and_late_subscribers() {
    let bus = broadcaster().await;
    let (messages, mut messages_rx) = collector::<Event>().await;
    let (presence, mut presence_rx) = collector::<SharedEvent>().await;
    let (doomed, _doomed_rx) = collector::<Event>().await;
    let (everything, mut everything_rx) = collector::<Event>().await;
    let (chat_one, mut chat_one_rx) = collector::<SharedEvent>().await;

    let messages_id = bus
        .subscribe_actor(messages, EventFilter::kinds([EventKind::Message]))
        .await
        .unwrap();
    bus.subscribe_shared_actor(presence, EventFilter::kinds([EventKind::Presence]))
        .await
        .unwrap();
    bus.subscribe_actor(doomed.clone(), EventFilter::all())
        .await
        .unwrap();
    bus.subscribe_actor(everything, EventFilter::all())
        .await
        .unwrap();
    bus.subscribe_shared_actor(chat_one, EventFilter::chats([jid("1@s.whatsapp.net")]))
        .await
        .unwrap();

    // Subscribers ahead of the others leave: the positions the kind lists hold must follow.
    bus.unsubscribe(messages_id);
    doomed.stop(None);
    for _ in 0..100 {
        if matches!(doomed.get_status(), ractor::ActorStatus::Stopped) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bus.publish(presence_of("1@s.whatsapp.net"));
    bus.publish(message_in("2@s.whatsapp.net", "m2"));
    bus.publish(numbered(7));
    bus.publish(message_in("1:3@s.whatsapp.net", "m1"));

    let (late, mut late_rx) = collector::<SharedEvent>().await;
    bus.subscribe_shared_actor(late, EventFilter::kinds([EventKind::Message]))
        .await
        .unwrap();
    bus.publish(presence_of("2@s.whatsapp.net"));
    bus.publish(message_in("3@s.whatsapp.net", "m3"));

    let mut everything_saw = Vec::new();
    for _ in 0..6 {
        everything_saw.push(label(&recv(&mut everything_rx).await));
    }
    assert_eq!(
        everything_saw,
        [
            "presence 1@s.whatsapp.net",
            "message m2",
            "number 7",
            "message m1",
            "presence 2@s.whatsapp.net",
            "message m3",
        ]
    );
    let presence_saw = [
        label(&*recv(&mut presence_rx).await),
        label(&*recv(&mut presence_rx).await),
    ];
    assert_eq!(
        presence_saw,
        ["presence 1@s.whatsapp.net", "presence 2@s.whatsapp.net"]
    );
    // A device JID in the event matches its user in the chat set.
    let chat_saw = [
        label(&*recv(&mut chat_one_rx).await),
        label(&*recv(&mut chat_one_rx).await),
    ];
    assert_eq!(chat_saw, ["presence 1@s.whatsapp.net", "message m1"]);
    assert_eq!(label(&*recv(&mut late_rx).await), "message m3");

    // Order per subscriber means nothing else can still be in flight.
    assert!(messages_rx.try_recv().is_err());
    assert!(presence_rx.try_recv().is_err());
    assert!(chat_one_rx.try_recv().is_err());
    assert!(late_rx.try_recv().is_err());

    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.subscribers, 4);
    assert_eq!(stats.pruned, 1);
    // 6 (everything) + 2 (presence) + 2 (chat one) + 1 (late).
    assert_eq!(stats.delivered, 11);
}

#[tokio::test]
async fn a_panicking_shared_conversion_loses_only_its_own_copy() {
    let bus = broadcaster().await;
    let (bad, mut bad_rx) = collector::<u32>().await;
    let (good, mut good_rx) = collector::<SharedEvent>().await;
    bus.subscribe(
        wa_actors_core::broadcaster::Sink::shared_actor_with(bad, |e: SharedEvent| -> u32 {
            let n = number(&e);
            assert_ne!(n, 1, "conversion bug");
            n as u32
        }),
        EventFilter::all(),
    )
    .await
    .unwrap();
    bus.subscribe_shared_actor(good, EventFilter::all())
        .await
        .unwrap();
    for i in 0..3 {
        bus.publish(numbered(i));
    }
    for i in 0..3 {
        assert_eq!(number(&*recv(&mut good_rx).await), i);
    }
    assert_eq!(recv(&mut bad_rx).await, 0);
    assert_eq!(recv(&mut bad_rx).await, 2);
    let stats = bus.stats().await.unwrap();
    assert_eq!(stats.delivered, 5);
    assert_eq!(stats.dropped, 1);
}
