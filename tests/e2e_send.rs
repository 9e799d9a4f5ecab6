//! The send path end to end: our clients send 1:1 messages (text, reply, reaction, edit,
//! revoke) through the fake server to a contact with two devices and to a second account of
//! ours; every device, the sender's own second device included, decrypts its copy; the
//! sender's call resolves with the server's ack, or with its error code. Device lists come
//! from the client's directory (usync against the fake server).

mod common;

use std::sync::Arc;
use std::time::Duration;

use wa_actors::events::{Event, MessageInfo};
use wa_actors::proto::wa;
use wa_actors::send::{
    edit_message, find_sent, reaction, reply_to, revoke, MessageRef, SendConfig, SendError,
};
use wa_actors::store::AccountId;
use wa_actors::wire::Jid;
use wa_testkit::{FakeServer, ReceivedMessage};

use common::send_peer::{peer, quick_sends, start};
use common::WAIT;

fn text(s: &str) -> wa::Message {
    wa::Message {
        conversation: Some(s.to_owned()),
        ..Default::default()
    }
}

fn text_of(e: &Event) -> Option<(String, MessageInfo)> {
    match e {
        Event::Message(msg, info) => Some((msg.conversation.clone()?, info.clone())),
        _ => None,
    }
}

/// What the contact's devices read of message `id`, one entry per device.
fn copies(received: &[ReceivedMessage], id: &str) -> Vec<ReceivedMessage> {
    received.iter().filter(|r| r.id == id).cloned().collect()
}

#[tokio::test]
async fn text_reply_reaction_edit_revoke_reach_every_device() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_009_001);
    let companion = contact.add_device(&server, 7);
    let a1 = peer(&server, None).await;
    let a2 = peer(&server, Some(&a1.jid)).await;
    assert!(a2.jid.same_user(&a1.jid) && a2.jid.device != a1.jid.device);
    let to = contact.jid().clone();

    // Text: both contact devices and our second device read it; the ack gives id and time.
    let sent = a1.client.send_text(&to, "hello").await.expect("sent");
    assert!(
        sent.id.starts_with("3EB0") && sent.id.len() == 22,
        "{}",
        sent.id
    );
    assert!(sent.timestamp > 1_600_000_000);
    let received = contact
        .wait_for_received(&server, 2, WAIT)
        .await
        .expect("received");
    let hello = copies(&received, &sent.id);
    let devices: Vec<&Jid> = hello.iter().map(|r| &r.device).collect();
    assert!(
        devices.contains(&contact.jid()) && devices.contains(&&companion),
        "{devices:?}"
    );
    for r in &hello {
        assert_eq!(r.message.as_ref().expect("decrypted"), &text("hello"));
        assert_eq!(r.from, a1.jid);
        assert_eq!(r.enc_type, "pkmsg");
        assert_eq!(r.message_type, "text");
    }
    let own_copy = a2
        .events
        .wait_for("own copy", |e| {
            text_of(e).is_some_and(|(t, _)| t == "hello")
        })
        .await;
    let (_, info) = text_of(&own_copy).unwrap();
    assert!(info.source.is_from_me);
    assert_eq!(info.source.chat, to);
    assert_eq!(info.id, sent.id);
    // Our account's phone got the deviceSentMessage copy naming the chat.
    let on_phone = server.phone_received(&a1.jid);
    let dsm = on_phone
        .iter()
        .find(|r| r.id == sent.id)
        .and_then(|r| r.message.clone().ok())
        .and_then(|m| m.device_sent_message)
        .expect("the phone decrypted its copy");
    assert_eq!(
        dsm.destination_jid.as_deref(),
        Some(to.to_string().as_str())
    );
    assert_eq!(dsm.message.as_deref(), Some(&text("hello")));

    // Reply, reaction, edit, revoke: each decrypted by both contact devices with the
    // stanza attributes its content calls for.
    let target = MessageRef {
        chat: to.clone(),
        id: sent.id.clone(),
        from_me: true,
        sender: None,
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let steps = [
        (reply_to("answer", &target, &text("hello")), "text", ""),
        (reaction(&target, "👍", now_ms), "reaction", ""),
        (
            edit_message(&target, text("hello, edited"), now_ms),
            "text",
            "1",
        ),
        (revoke(&target), "text", "7"),
    ];
    let mut expected = 2;
    for (message, kind, edit) in steps {
        let sent = a1
            .client
            .send_message(&to, message.clone())
            .await
            .expect("sent");
        expected += 2;
        let received = contact
            .wait_for_received(&server, expected, WAIT)
            .await
            .expect("received");
        let got = copies(&received, &sent.id);
        assert_eq!(got.len(), 2, "{got:?}");
        for r in got {
            assert_eq!(r.message.as_ref().expect("decrypted"), &message);
            assert_eq!((r.message_type.as_str(), r.edit.as_str()), (kind, edit));
        }
    }
    // The reply (the third message, after both copies of the first) quotes the first.
    let reply = contact.received(&server)[2].clone();
    let quoted = reply
        .message
        .unwrap()
        .extended_text_message
        .and_then(|t| t.context_info)
        .and_then(|c| c.stanza_id);
    assert_eq!(quoted.as_deref(), Some(sent.id.as_str()));
    // Our second device got all five, each exactly once.
    a2.events
        .wait_count(
            5,
            "own copies",
            |e| matches!(e, Event::Message(_, i) if i.source.is_from_me),
        )
        .await;
    // The sent message is kept for retry receipts.
    let kept = find_sent(&*a1.store, &AccountId::new("default"), &sent.id)
        .await
        .expect("store")
        .expect("kept");
    assert_eq!(kept.chat, to.to_string());
}

#[tokio::test]
async fn two_accounts_of_ours_talk_to_each_other() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let a1 = peer(&server, None).await;
    let a2 = peer(&server, Some(&a1.jid)).await;
    let b = peer(&server, None).await;
    let a_user = a1.jid.to_non_ad();
    let b_user = b.jid.to_non_ad();

    let sent = a1.client.send_text(&b_user, "hi B").await.expect("sent");
    let got = b
        .events
        .wait_for("B reads it", |e| {
            text_of(e).is_some_and(|(t, _)| t == "hi B")
        })
        .await;
    let (_, info) = text_of(&got).unwrap();
    assert_eq!(info.id, sent.id);
    assert_eq!(info.source.chat, a_user, "B's chat is with A");
    assert!(!info.source.is_from_me);
    // B's delivery receipt comes back to the sender.
    a1.events
        .wait_for("B's receipt", |e| {
            matches!(e, Event::Receipt(r) if r.message_ids.contains(&sent.id) && r.source.chat == b_user)
        })
        .await;
    a2.events
        .wait_for("A2's own copy", |e| {
            text_of(e).is_some_and(|(t, i)| t == "hi B" && i.source.chat == b_user)
        })
        .await;

    // B answers on the session A's pkmsg started: A1 and A2 both read it.
    let back = b
        .client
        .send_text(&a_user, "hi A")
        .await
        .expect("sent back");
    for (name, peer) in [("A1", &a1), ("A2", &a2)] {
        let e = peer
            .events
            .wait_for(name, |e| text_of(e).is_some_and(|(t, _)| t == "hi A"))
            .await;
        assert_eq!(text_of(&e).unwrap().1.id, back.id);
    }
    // A's second message to B now rides the confirmed session: a plain `msg` for B.
    let again = a1.client.send_text(&b_user, "again").await.expect("sent");
    let to_b = server
        .client_messages()
        .into_iter()
        .find(|m| m.message.as_ref().is_some_and(|m| m.id == again.id))
        .and_then(|m| m.message)
        .expect("recorded");
    let enc_for_b = to_b
        .participants
        .iter()
        .find(|(d, _)| *d == b.jid)
        .map(|(_, e)| e.enc_type.as_wire().to_owned());
    assert_eq!(enc_for_b.as_deref(), Some("msg"));
    b.events
        .wait_for("B reads again", |e| {
            text_of(e).is_some_and(|(t, _)| t == "again")
        })
        .await;
}

#[tokio::test]
async fn an_error_ack_is_a_typed_error_with_the_code() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_009_002);
    let a = peer(&server, None).await;
    server.fail_next_message(479);
    match a.client.send_text(contact.jid(), "refused").await {
        Err(SendError::Server { code: 479 }) => {}
        other => panic!("expected a 479 refusal, got {other:?}"),
    }
    assert!(contact.received(&server).is_empty());
    // The next one goes through.
    a.client
        .send_text(contact.jid(), "fine")
        .await
        .expect("sent");
    contact
        .wait_for_received(&server, 1, WAIT)
        .await
        .expect("received");
}

#[tokio::test]
async fn without_an_ack_a_send_times_out_and_is_never_written_again() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_009_003);
    let a = peer(&server, None).await;
    a.client
        .send_text(contact.jid(), "first")
        .await
        .expect("sent");
    server.set_reply_policy(wa_testkit::ReplyPolicy::Swallow);
    match a.client.send_text(contact.jid(), "lost ack").await {
        Err(SendError::Timeout) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    let written = |server: &FakeServer| server.client_messages().len();
    assert_eq!(written(&server), 2);
    server.set_reply_policy(wa_testkit::ReplyPolicy::Answer);
    server.drop_connections();
    server.wait_for_logins(2, WAIT).await.expect("reconnected");
    a.client
        .send_text(contact.jid(), "after")
        .await
        .expect("sent");
    assert_eq!(written(&server), 3, "nothing was re-sent on reconnect");
}

#[tokio::test]
async fn a_send_while_disconnected_waits_then_fails() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_009_004);
    let a = peer(&server, None).await;
    a.client.disconnect().await.expect("disconnect");
    let started = std::time::Instant::now();
    match a.client.send_text(contact.jid(), "offline").await {
        Err(SendError::NotConnected) => {}
        other => panic!("expected NotConnected, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(server.client_messages().is_empty());
}

#[tokio::test]
async fn ratchets_and_the_sent_log_survive_a_restart() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_009_005);
    let a = peer(&server, None).await;
    let first = a
        .client
        .send_text(contact.jid(), "one")
        .await
        .expect("sent");
    a.client.stop().await;
    // Same store, new process: the next message continues the stored chain. Had the ratchet
    // not been stored before the first stanza went out, this one would reuse its key and the
    // contact would refuse it.
    let (client, _events) = start(&server, a.store.clone(), quick_sends()).await;
    let second = client.send_text(contact.jid(), "two").await.expect("sent");
    let received = contact
        .wait_for_received(&server, 2, WAIT)
        .await
        .expect("received");
    for (id, body) in [(&first.id, "one"), (&second.id, "two")] {
        let got = copies(&received, id);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message.as_ref().expect("decrypted"), &text(body));
    }
    // ... and without a second bundle: the session itself was stored.
    let fetches = server
        .received()
        .iter()
        .filter(|(_, n)| n.tag == "iq" && n.attr_str("xmlns").as_deref() == Some("encrypt"))
        .filter_map(|(_, n)| n.child("key").cloned())
        .filter(|key| {
            key.children_by_tag("user")
                .any(|u| u.attr_jid("jid").as_ref() == Some(contact.jid()))
        })
        .count();
    assert_eq!(fetches, 1, "the contact's bundle is fetched once");
    let kept = find_sent(&*a.store, &AccountId::new("default"), &first.id)
        .await
        .expect("store");
    assert!(kept.is_some(), "the sent log outlives the process");
}

#[tokio::test]
async fn in_flight_sends_are_bounded() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_009_006);
    let a = peer(&server, None).await;
    a.client.stop().await;
    let one_at_a_time = SendConfig {
        max_pending: 1,
        ..quick_sends()
    };
    let (client, _events) = start(&server, a.store.clone(), one_at_a_time).await;
    client
        .send_text(contact.jid(), "sessions")
        .await
        .expect("sent");
    server.set_reply_policy(wa_testkit::ReplyPolicy::Swallow);
    let (first, second) = tokio::join!(
        client.send_text(contact.jid(), "waits for its ack"),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            client.send_text(contact.jid(), "one too many").await
        }
    );
    assert!(matches!(first, Err(SendError::Timeout)), "{first:?}");
    assert!(
        matches!(second, Err(SendError::TooManyPending(1))),
        "{second:?}"
    );
}

#[tokio::test]
async fn retry_receipts_are_answered_from_the_kept_message_even_after_a_restart() {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_009_007);
    let a = peer(&server, None).await;
    let sent = a
        .client
        .send_text(contact.jid(), "say again")
        .await
        .expect("sent");
    contact
        .wait_for_received(&server, 1, WAIT)
        .await
        .expect("received");

    // On the session we have.
    contact
        .send_retry_receipt(&server, &a.jid, 0, &sent.id, 1, false)
        .expect("queued");
    contact
        .wait_for_received(&server, 2, WAIT)
        .await
        .expect("re-sent");
    let resend = server
        .client_messages()
        .pop()
        .and_then(|m| m.message)
        .expect("re-send");
    assert_eq!(resend.id, sent.id);
    assert!(resend.participants.is_empty());
    assert_eq!(resend.direct[0].retry_count, Some(1));

    // After a restart, from the fresh keys the receipt carries.
    a.client.stop().await;
    let (_client, _events) = start(&server, a.store.clone(), quick_sends()).await;
    contact
        .send_retry_receipt(&server, &a.jid, 0, &sent.id, 2, true)
        .expect("queued");
    let received = contact
        .wait_for_received(&server, 3, WAIT)
        .await
        .expect("re-sent after restart");
    let copies = copies(&received, &sent.id);
    assert_eq!(copies.len(), 3);
    for r in &copies {
        assert_eq!(r.message.as_ref().expect("decrypted"), &text("say again"));
    }
    assert_eq!(
        copies[2].enc_type, "pkmsg",
        "a new session from the receipt's keys"
    );
}
