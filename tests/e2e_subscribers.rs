//! End-to-end: subscribers of a live client. A panicking subscriber is removed; the others,
//! the broadcaster and the client carry on.

mod common;

use common::{is_connected, is_disconnected, Harness, WAIT};
use ractor::{Actor, ActorProcessingErr, ActorRef, ActorStatus};
use wa_actors::events::{Event, EventFilter};

/// Panics on the first event it gets.
struct Panicker;

impl Actor for Panicker {
    type Msg = Event;
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<Event>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _: ActorRef<Event>,
        event: Event,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        panic!("subscriber bug on {event:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_subscriber_is_removed_and_the_others_still_receive() {
    let h = Harness::start().await;
    h.connected(1).await;
    let (panicker, join) = Actor::spawn(None, Panicker, ()).await.expect("spawn");
    h.client
        .subscribe_actor(panicker.clone(), EventFilter::all())
        .await
        .expect("subscribe");
    let subscribers_with_panicker = h.client.broadcaster().stats().await.unwrap().subscribers;

    // Produce events: drop the socket → Disconnected, then Connected again.
    h.server.drop_connections();
    h.events
        .wait_count(1, "Disconnected", is_disconnected)
        .await;
    h.connected(2).await;

    // The panicker died on its first event and is gone from the broadcaster.
    tokio::time::timeout(WAIT, join)
        .await
        .expect("panicker ended")
        .ok();
    assert_eq!(panicker.get_status(), ActorStatus::Stopped);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stats = h.client.broadcaster().stats().await.unwrap();
        if stats.subscribers < subscribers_with_panicker && stats.pruned >= 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not pruned: {stats:?}"
        );
        // Another event makes the broadcaster notice the dead subscriber on send.
        h.server.drop_connections();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The collector kept receiving, in order, and the client is fine.
    let all = h.events.all();
    assert!(
        all.iter().filter(|e| is_connected(e)).count() >= 2,
        "{all:?}"
    );
    assert!(h.client.is_running());
    h.client.stop().await;
}
