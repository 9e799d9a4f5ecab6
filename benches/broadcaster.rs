//! Broadcaster fan-out: 100,000 events published to 1, 10 and 100 actor subscribers whose
//! kind filter accepts three events in four. Throughput is deliveries per second: events ×
//! subscribers that accept them, over the time from the first publish until every subscriber
//! has handled its last event.
//!
//! Two kinds of subscriber: `actor_subscribers` take an owned `Event` (`subscribe_actor`, a
//! deep copy per subscriber), `shared_actor_subscribers` take a `SharedEvent`
//! (`subscribe_shared_actor`, one allocation per event shared by all).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ractor::{Actor, ActorProcessingErr, ActorRef, Message};
use tokio::sync::Notify;
use wa_actors::broadcaster::SharedEvent;
use wa_actors::events::{
    Event, EventFilter, EventKind, MessageInfo, MessageSource, PresenceUpdate, SharedData,
};
use wa_actors::store::AccountId;
use wa_actors::wire::Jid;
use wa_actors::BroadcasterHandle;

const EVENTS: u64 = 100_000;

/// Counts the events it handles, of message type `M` (`Event` or `SharedEvent`).
struct Counter<M>(PhantomData<fn() -> M>);

struct CounterState {
    seen: Arc<AtomicU64>,
    expected: u64,
    done: Arc<Notify>,
}

impl<M: Message> Actor for Counter<M> {
    type Msg = M;
    type State = CounterState;
    type Arguments = CounterState;

    async fn pre_start(
        &self,
        _me: ActorRef<M>,
        args: CounterState,
    ) -> Result<CounterState, ActorProcessingErr> {
        Ok(args)
    }

    async fn handle(
        &self,
        _me: ActorRef<M>,
        _event: M,
        st: &mut CounterState,
    ) -> Result<(), ActorProcessingErr> {
        if st.seen.fetch_add(1, Ordering::Relaxed) + 1 == st.expected {
            st.done.notify_one();
        }
        Ok(())
    }
}

fn sample_events() -> Vec<Event> {
    let chat: Jid = "15550001111@s.whatsapp.net".parse().expect("jid");
    let message = Event::Message(
        SharedData::new(wa_actors::proto::wa::Message {
            conversation: Some("hello from the bench".into()),
            ..Default::default()
        }),
        MessageInfo {
            id: "3EB0BENCH".into(),
            source: MessageSource {
                sender: chat.clone(),
                chat: chat.clone(),
                is_from_me: false,
                is_bot: false,
                sender_alt: None,
            },
            timestamp: chrono::Utc
                .timestamp_opt(1_700_000_000, 0)
                .single()
                .expect("t"),
            push_name: "Bench".into(),
            is_group: false,
            category: String::new(),
        },
    );
    let presence = Event::Presence(PresenceUpdate {
        from: chat,
        unavailable: false,
        last_seen: None,
    });
    (0..EVENTS)
        .map(|i| {
            if i % 4 == 3 {
                presence.clone()
            } else {
                message.clone()
            }
        })
        .collect()
}

fn delivered_per_subscriber() -> u64 {
    EVENTS - EVENTS / 4
}

/// How the bench's subscribers take events.
#[derive(Clone, Copy)]
enum Kind {
    Owned,
    Shared,
}

async fn subscribe<M: Message>(
    bus: &BroadcasterHandle,
    state: CounterState,
    subscribe: impl AsyncFnOnce(&BroadcasterHandle, ActorRef<M>),
) -> ActorRef<M> {
    let (actor, _) = Actor::spawn(None, Counter::<M>(PhantomData), state)
        .await
        .expect("subscriber");
    subscribe(bus, actor.clone()).await;
    actor
}

async fn run_once(kind: Kind, subscribers: u64, events: &[Event]) -> Duration {
    let (bus, _) = BroadcasterHandle::spawn(AccountId::from("bench"))
        .await
        .expect("broadcaster");
    let seen = Arc::new(AtomicU64::new(0));
    let done = Arc::new(Notify::new());
    let expected = delivered_per_subscriber() * subscribers;
    let filter = || EventFilter::kinds([EventKind::Message]);
    let mut stops: Vec<Box<dyn FnOnce()>> = Vec::new();
    for _ in 0..subscribers {
        let state = CounterState {
            seen: Arc::clone(&seen),
            expected,
            done: Arc::clone(&done),
        };
        match kind {
            Kind::Owned => {
                let actor = subscribe::<Event>(&bus, state, async |bus, a| {
                    bus.subscribe_actor(a, filter()).await.expect("subscribed");
                })
                .await;
                stops.push(Box::new(move || actor.stop(None)));
            }
            Kind::Shared => {
                let actor = subscribe::<SharedEvent>(&bus, state, async |bus, a| {
                    bus.subscribe_shared_actor(a, filter())
                        .await
                        .expect("subscribed");
                })
                .await;
                stops.push(Box::new(move || actor.stop(None)));
            }
        }
    }
    let batch: Vec<Event> = events.to_vec();
    let start = Instant::now();
    for event in batch {
        bus.publish(event);
    }
    done.notified().await;
    let elapsed = start.elapsed();
    assert_eq!(seen.load(Ordering::Relaxed), expected);
    for stop in stops {
        stop();
    }
    bus.actor().stop(None);
    elapsed
}

fn fan_out(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let events = sample_events();
    let mut group = c.benchmark_group("broadcaster_fan_out");
    group.sample_size(10);
    for (name, kind) in [
        ("actor_subscribers", Kind::Owned),
        ("shared_actor_subscribers", Kind::Shared),
    ] {
        for subscribers in [1u64, 10, 100] {
            group.throughput(Throughput::Elements(
                delivered_per_subscriber() * subscribers,
            ));
            group.bench_with_input(
                BenchmarkId::new(name, subscribers),
                &subscribers,
                |b, &n| {
                    b.iter_custom(|iters| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            total += rt.block_on(run_once(kind, n, &events));
                        }
                        total
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, fan_out);
criterion_main!(benches);
