//! End-to-end receiving: testkit contacts with their own Signal identities build sessions from
//! the prekeys the client uploaded and send 1:1 and group messages; the client decrypts,
//! persists, publishes, sends a delivery receipt and acks; redeliveries are recognised; an
//! undecryptable message leads to a retry receipt and arrives once re-sent.

mod common;

use std::time::Duration;

use common::{ready, PREKEYS, WAIT};
use wa_actors::events::{Event, MessageInfo};
use wa_actors::protocol::stanza::receipt::ReceiptKind;
use wa_actors::store::{AccountId, Namespace};

fn text_of(e: &Event) -> Option<(String, MessageInfo)> {
    match e {
        Event::Message(msg, info) => Some((msg.conversation.clone()?, info.clone())),
        _ => None,
    }
}

fn is_message(e: &Event) -> bool {
    matches!(e, Event::Message(..))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_message_arrives_with_its_info_then_is_receipted_and_acked() {
    let (h, me) = ready().await;
    let alice = h.server.add_named_contact(15551230001, "Alice");
    let first = alice.send_text(&h.server, &me, "hello").expect("sent");
    let second = alice.send_text(&h.server, &me, "again").expect("sent");

    h.events.wait_count(2, "two messages", is_message).await;
    let texts: Vec<(String, MessageInfo)> = h.events.all().iter().filter_map(text_of).collect();
    assert_eq!(texts[0].0, "hello");
    assert_eq!(texts[1].0, "again", "order kept");
    let info = &texts[0].1;
    assert_eq!(info.id, first.as_str());
    assert_eq!(texts[1].1.id, second.as_str());
    assert_eq!(info.source.sender.to_non_ad(), alice.jid().to_non_ad());
    assert_eq!(info.source.chat, alice.jid().to_non_ad());
    assert!(!info.source.is_from_me);
    assert!(!info.is_group);
    assert_eq!(info.push_name, "Alice");

    h.server.wait_for_acks(2, WAIT).await.expect("both acked");
    assert!(h.server.acked(&first) && h.server.acked(&second));
    h.server
        .wait_for_receipts(2, WAIT, |r| r.kind == ReceiptKind::Delivery)
        .await
        .expect("delivery receipts");
    let receipts = h.server.receipts_for(&first);
    assert!(receipts.iter().any(|r| r.kind == ReceiptKind::Delivery));

    // The session is stored under the contact's address and the used prekey is gone.
    let account = AccountId::new("default");
    let sessions = h
        .store
        .scan_prefix(&account, Namespace::SESSIONS, &[])
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
    let prekeys = h
        .store
        .scan_prefix(&account, Namespace::PRE_KEYS, &[])
        .await
        .unwrap();
    assert_eq!(prekeys.len(), PREKEYS.initial as usize - 1);
    assert_eq!(h.client.counters().messages_in, 2);
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_messages_arrive_after_the_sender_key_distribution() {
    let (h, me) = ready().await;
    let bob = h.server.add_named_contact(15551230002, "Bob");
    let group = h
        .server
        .create_group("Team", &[bob.jid().to_non_ad(), me.to_non_ad()]);
    bob.send_group_text(&h.server, &group, "first to the group")
        .expect("sent");
    bob.send_group_text(&h.server, &group, "second, sender key only")
        .expect("sent");
    h.events
        .wait_count(2, "two group messages", is_message)
        .await;
    let texts: Vec<(String, MessageInfo)> = h.events.all().iter().filter_map(text_of).collect();
    assert_eq!(
        texts.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["first to the group", "second, sender key only"]
    );
    for (_, info) in &texts {
        assert!(info.is_group);
        assert_eq!(&info.source.chat, group.jid());
        assert_eq!(info.source.sender.to_non_ad(), bob.jid().to_non_ad());
    }
    let keys = h
        .store
        .scan_prefix(&AccountId::new("default"), Namespace::SENDER_KEYS, &[])
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "one sender key for (group, bob)");
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_message_is_acked_again_but_published_once() {
    let (h, me) = ready().await;
    let carol = h.server.add_named_contact(15551230003, "Carol");
    let id = carol.send_text(&h.server, &me, "only once").expect("sent");
    h.server.wait_for_acks(1, WAIT).await.expect("acked");
    let stanza = h
        .server
        .deliveries_of(&id)
        .first()
        .map(|d| d.node.clone())
        .expect("delivered");
    // The same bytes again, as after a lost ack.
    h.server.deliver_raw(&me, stanza).expect("queued");
    h.server.wait_for_acks(2, WAIT).await.expect("acked again");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.events.count(is_message), 1);
    assert_eq!(h.client.counters().duplicates, 1);
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecryptable_message_gets_a_retry_receipt_and_arrives_when_resent() {
    let (h, me) = ready().await;
    let dave = h.server.add_named_contact(15551230004, "Dave");
    let id = dave
        .send_corrupted_text(&h.server, &me, "second time lucky")
        .expect("sent");
    let undecryptable = h
        .events
        .wait_for("UndecryptableMessage", |e| {
            matches!(e, Event::UndecryptableMessage(_))
        })
        .await;
    let Event::UndecryptableMessage(u) = undecryptable else {
        unreachable!()
    };
    assert_eq!(u.info.id, id.as_str());
    assert!(!u.is_unavailable);

    let (text, info) = text_of(&h.events.wait_for("the re-sent message", is_message).await)
        .expect("a text message");
    assert_eq!(text, "second time lucky");
    assert_eq!(info.id, id.as_str());
    let retries: Vec<_> = h
        .server
        .receipts_for(&id)
        .into_iter()
        .filter(|r| r.kind == ReceiptKind::Retry)
        .collect();
    assert_eq!(retries.len(), 1);
    let retry = retries[0].retry.as_ref().expect("a <retry> child");
    assert_eq!(retry.count, 1);
    assert_eq!(h.events.count(is_message), 1);
    assert_eq!(h.client.counters().undecryptable, 1);
    h.client.stop().await;
}
