//! What the broadcaster tests share: a collecting subscriber actor, a broadcaster, and a few
//! events to publish.
#![allow(dead_code)] // each test binary uses its own part

use std::time::Duration;

use chrono::TimeZone;
use ractor::{Actor, ActorProcessingErr, ActorRef, Message};
use tokio::sync::mpsc;
use wa_actors_core::broadcaster::BroadcasterHandle;
use wa_actors_core::events::*;
use wa_actors_core::store::AccountId;
use wa_actors_core::wire::Jid;

/// Forwards every message it receives (an `Event`, a `SharedEvent`, or anything else) to the
/// test.
pub struct Collector<M>(std::marker::PhantomData<fn() -> M>);

impl<M: Message> Actor for Collector<M> {
    type Msg = M;
    type State = mpsc::UnboundedSender<M>;
    type Arguments = mpsc::UnboundedSender<M>;

    async fn pre_start(
        &self,
        _me: ActorRef<M>,
        tx: Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(tx)
    }

    async fn handle(
        &self,
        _me: ActorRef<M>,
        msg: M,
        tx: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let _ = tx.send(msg);
        Ok(())
    }
}

/// A running [`Collector`] and the channel it forwards to.
pub async fn collector<M: Message>() -> (ActorRef<M>, mpsc::UnboundedReceiver<M>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (actor, _) = Actor::spawn(None, Collector(std::marker::PhantomData), tx)
        .await
        .expect("spawns");
    (actor, rx)
}

pub async fn broadcaster() -> BroadcasterHandle {
    BroadcasterHandle::spawn(AccountId::from("test"))
        .await
        .expect("spawns")
        .0
}

/// The next message, within five seconds.
pub async fn recv<M>(rx: &mut mpsc::UnboundedReceiver<M>) -> M {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("an event arrives in time")
        .expect("channel open")
}

/// An event that carries `n`, to check order.
pub fn numbered(n: i32) -> Event {
    Event::OfflineSyncCompleted(OfflineSyncCompleted { count: n })
}

/// The `n` of a [`numbered`] event.
pub fn number(e: &Event) -> i32 {
    match e {
        Event::OfflineSyncCompleted(c) => c.count,
        other => panic!("unexpected {other:?}"),
    }
}

pub fn jid(s: &str) -> Jid {
    s.parse::<Jid>().expect("valid jid")
}

/// An incoming 1:1 message `id` in `chat`.
pub fn message_in(chat: &str, id: &str) -> Event {
    let chat = jid(chat);
    Event::Message(
        SharedData::new(Default::default()),
        MessageInfo {
            id: id.into(),
            source: MessageSource {
                sender: chat.clone(),
                chat,
                is_from_me: false,
                is_bot: false,
                sender_alt: None,
            },
            timestamp: chrono::Utc.timestamp_opt(0, 0).single().expect("epoch"),
            push_name: String::new(),
            is_group: false,
            category: String::new(),
        },
    )
}

pub fn presence_of(who: &str) -> Event {
    Event::Presence(PresenceUpdate {
        from: jid(who),
        unavailable: false,
        last_seen: None,
    })
}
