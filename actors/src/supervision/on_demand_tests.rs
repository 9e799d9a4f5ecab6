//! No message is lost or doubled while incarnations drain and start under a flood of sends,
//! and nothing runs once the flood is over.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};

use super::{LazyChild, OnDemand};

/// Adds each message to a shared sum, then drains: every incarnation is short-lived.
struct Worker;

impl Actor for Worker {
    type Msg = u64;
    type State = (Arc<AtomicU64>, bool);
    type Arguments = Arc<AtomicU64>;

    async fn pre_start(
        &self,
        _me: ActorRef<u64>,
        sum: Arc<AtomicU64>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok((sum, false))
    }

    async fn handle(
        &self,
        me: ActorRef<u64>,
        n: u64,
        (sum, draining): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if !*draining {
            *draining = true;
            let _ = me.drain();
        }
        sum.fetch_add(n, Ordering::SeqCst);
        tokio::task::yield_now().await;
        Ok(())
    }
}

struct Sup;

impl Actor for Sup {
    type Msg = u64;
    type State = (LazyChild<u64>, Arc<AtomicU64>, Arc<AtomicU64>);
    type Arguments = (OnDemand<u64>, Arc<AtomicU64>, Arc<AtomicU64>);

    async fn pre_start(
        &self,
        me: ActorRef<u64>,
        (handle, sum, starts): Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        let sup = me.clone();
        handle.set_starter(move |m| sup.send_message(m).is_ok());
        Ok((LazyChild::new(handle), sum, starts))
    }

    async fn handle(
        &self,
        me: ActorRef<u64>,
        n: u64,
        (child, sum, starts): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(n) = child.offer(n) {
            let (a, _) = Actor::spawn_linked(None, Worker, sum.clone(), me.get_cell()).await?;
            starts.fetch_add(1, Ordering::SeqCst);
            child.started(a, vec![n]);
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        me: ActorRef<u64>,
        event: SupervisionEvent,
        (child, sum, starts): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorTerminated(cell, _, _) = event {
            if child.is(cell.get_id()) {
                let queued = child.exited();
                if !queued.is_empty() {
                    let (a, _) =
                        Actor::spawn_linked(None, Worker, sum.clone(), me.get_cell()).await?;
                    starts.fetch_add(1, Ordering::SeqCst);
                    child.started(a, queued);
                }
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_through_draining_incarnations_arrives_once_and_leaves_nothing_running() {
    let handle = OnDemand::<u64>::default();
    let (sum, starts) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (sup, _) = Actor::spawn(None, Sup, (handle.clone(), sum.clone(), starts.clone()))
        .await
        .unwrap();
    let senders: Vec<_> = (0..4u64)
        .map(|t| {
            let handle = handle.clone();
            tokio::spawn(async move {
                for i in 0..500u64 {
                    assert!(handle.send(t * 1000 + i + 1));
                    if i % 50 == 0 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    // Each value is distinct, so the sum catches a lost message and a doubled one alike.
    let expected: u64 = (0..4u64)
        .flat_map(|t| (0..500u64).map(move |i| t * 1000 + i + 1))
        .sum();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while (sum.load(Ordering::SeqCst) != expected || handle.get().is_some())
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(sum.load(Ordering::SeqCst), expected);
    assert!(handle.get().is_none(), "an idle incarnation stayed");
    assert!(
        starts.load(Ordering::SeqCst) > 1,
        "the flood never crossed a drain"
    );
    sup.stop(None);
}
