//! Group sending end to end: two accounts of ours (A with a second linked device, B) and a
//! testkit contact with two devices share a group; messages from A and from B reach every
//! member device, each decrypting the one `skmsg` with the sender key handed to it in the
//! first message; the sender's call resolves with the server's ack.

mod common;

use std::sync::Arc;

use wa_actors::events::{Event, MessageInfo};
use wa_actors::proto::wa;
use wa_actors::protocol::send::ClientMessage;
use wa_actors::send::{edit_message, reaction, reply_to, revoke, MessageRef};
use wa_actors::wire::Jid;
use wa_testkit::{FakeServer, ReceivedMessage};

use common::send_peer::{peer, quick_sends, start, Peer};
use common::WAIT;

fn text(s: &str) -> wa::Message {
    wa::Message {
        conversation: Some(s.to_owned()),
        ..Default::default()
    }
}

/// The text of a message event (plain or extended) and its info.
fn text_of(e: &Event) -> Option<(String, MessageInfo)> {
    match e {
        Event::Message(msg, info) => {
            let t = msg.conversation.clone().or_else(|| {
                msg.extended_text_message
                    .as_ref()
                    .and_then(|x| x.text.clone())
            })?;
            Some((t, info.clone()))
        }
        _ => None,
    }
}

fn copies(received: &[ReceivedMessage], id: &str) -> Vec<ReceivedMessage> {
    received.iter().filter(|r| r.id == id).cloned().collect()
}

async fn wait_text(peer: &Peer, t: &str) -> MessageInfo {
    let e = peer
        .events
        .wait_for(t, |e| text_of(e).is_some_and(|(x, _)| x == t))
        .await;
    text_of(&e).unwrap().1
}

struct World {
    server: Arc<FakeServer>,
    contact: wa_testkit::Contact,
    companion: Jid,
    a1: Peer,
    a2: Peer,
    b: Peer,
    group: wa_testkit::Group,
}

async fn world() -> World {
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let contact = server.add_contact(15_550_019_001);
    let companion = contact.add_device(&server, 4);
    let a1 = peer(&server, None).await;
    let a2 = peer(&server, Some(&a1.jid)).await;
    let b = peer(&server, None).await;
    let group = server.create_group(
        "Ropes",
        &[contact.jid().clone(), a1.jid.to_non_ad(), b.jid.to_non_ad()],
    );
    World {
        server,
        contact,
        companion,
        a1,
        a2,
        b,
        group,
    }
}

#[tokio::test]
async fn group_text_reaches_every_member_device_from_a_and_from_b() {
    let w = world().await;
    let g = w.group.jid().clone();

    let sent =
        w.a1.client
            .send_text(&g, "hello group")
            .await
            .expect("sent");
    assert!(sent.timestamp > 1_600_000_000);
    // The contact's two devices read the skmsg with the key handed over in the same stanza.
    let got = w
        .contact
        .wait_for_received(&w.server, 2, WAIT)
        .await
        .expect("contact received");
    let hello = copies(&got, &sent.id);
    let devices: Vec<&Jid> = hello.iter().map(|r| &r.device).collect();
    assert!(
        devices.contains(&w.contact.jid()) && devices.contains(&&w.companion),
        "{devices:?}"
    );
    for r in &hello {
        assert_eq!(r.message.as_ref().expect("decrypted"), &text("hello group"));
        assert_eq!(r.group.as_ref(), Some(&g));
        assert_eq!(r.from, w.a1.jid);
    }
    // B and our own second device read it in the group chat.
    let at_b = wait_text(&w.b, "hello group").await;
    assert_eq!(at_b.source.chat, g);
    assert!(at_b.source.sender.same_user(&w.a1.jid));
    assert!(!at_b.source.is_from_me);
    assert_eq!(at_b.id, sent.id);
    let at_a2 = wait_text(&w.a2, "hello group").await;
    assert_eq!(at_a2.source.chat, g);
    assert!(at_a2.source.is_from_me);
    // Our account's phone too.
    let phone = w.server.phone_received(&w.a1.jid);
    assert!(
        phone
            .iter()
            .any(|r| r.id == sent.id && r.message.as_ref().ok() == Some(&text("hello group"))),
        "{phone:?}"
    );
    // The first stanza handed the key out; the second needs no <participants>.
    let first = last_group_message(&w.server, &sent.id);
    assert!(!first.participants.is_empty());
    assert!(first.phash.as_deref().is_some_and(|p| p.starts_with("2:")));
    let again = w.a1.client.send_text(&g, "second").await.expect("sent");
    let second = last_group_message(&w.server, &again.id);
    assert!(second.participants.is_empty(), "{:?}", second.participants);
    assert_eq!(second.phash, first.phash);
    let got = w
        .contact
        .wait_for_received(&w.server, 4, WAIT)
        .await
        .expect("received");
    for r in copies(&got, &again.id) {
        assert_eq!(r.message.as_ref().expect("decrypted"), &text("second"));
        assert_eq!(r.enc_type, "skmsg");
    }
    wait_text(&w.b, "second").await;
    wait_text(&w.a2, "second").await;

    // B answers in the group: A's two devices and the contact's read it.
    let from_b = w.b.client.send_text(&g, "hi from B").await.expect("sent");
    let at_a1 = wait_text(&w.a1, "hi from B").await;
    assert_eq!(at_a1.source.chat, g);
    assert!(at_a1.source.sender.same_user(&w.b.jid));
    wait_text(&w.a2, "hi from B").await;
    let got = w
        .contact
        .wait_for_received(&w.server, 6, WAIT)
        .await
        .expect("received");
    let b_copies = copies(&got, &from_b.id);
    assert_eq!(b_copies.len(), 2, "{b_copies:?}");
    for r in b_copies {
        assert_eq!(r.message.as_ref().expect("decrypted"), &text("hi from B"));
    }
}

/// The client message with id `id` as the server read it.
fn last_group_message(server: &FakeServer, id: &str) -> ClientMessage {
    server
        .client_messages()
        .into_iter()
        .rev()
        .find_map(|m| m.message.filter(|m| m.id == id))
        .expect("the server read it")
}

/// Waits until `peer` published a message event with id `id`; returns its content.
async fn wait_id(peer: &Peer, id: &str) -> wa::Message {
    let e = peer
        .events
        .wait_for(id, |e| matches!(e, Event::Message(_, i) if i.id == id))
        .await;
    match e {
        Event::Message(m, _) => (*m).clone(),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn replies_reactions_edits_and_revokes_go_both_ways() {
    let w = world().await;
    let g = w.group.jid().clone();
    let first = w.a1.client.send_text(&g, "plan").await.expect("sent");
    wait_text(&w.b, "plan").await;
    let mut seen = 2;
    let now_ms = chrono::Utc::now().timestamp_millis();
    for (sender, others) in [(&w.a1, [&w.b, &w.a2]), (&w.b, [&w.a1, &w.a2])] {
        let target = MessageRef {
            chat: g.clone(),
            id: first.id.clone(),
            from_me: std::ptr::eq(sender, &w.a1),
            sender: (!std::ptr::eq(sender, &w.a1)).then(|| w.a1.jid.to_non_ad()),
        };
        let mut steps = vec![
            (reply_to("on it", &target, &text("plan")), "text", ""),
            (reaction(&target, "👍", now_ms), "reaction", ""),
        ];
        if std::ptr::eq(sender, &w.a1) {
            // Only the author edits or revokes its message.
            steps.push((edit_message(&target, text("plan B"), now_ms), "text", "1"));
            steps.push((revoke(&target), "text", "7"));
        }
        for (message, kind, edit) in steps {
            let sent = sender
                .client
                .send_message(&g, message.clone())
                .await
                .expect("sent");
            seen += 2;
            let got = w
                .contact
                .wait_for_received(&w.server, seen, WAIT)
                .await
                .expect("received");
            let mine = copies(&got, &sent.id);
            assert_eq!(mine.len(), 2, "{mine:?}");
            for r in mine {
                assert_eq!(r.message.as_ref().expect("decrypted"), &message);
                assert_eq!((r.message_type.as_str(), r.edit.as_str()), (kind, edit));
            }
            for other in others {
                assert_eq!(wait_id(other, &sent.id).await, message);
            }
        }
    }
    // Nothing failed to decrypt anywhere.
    for p in [&w.a1, &w.a2, &w.b] {
        assert_eq!(
            p.events
                .count(|e| matches!(e, Event::UndecryptableMessage(_))),
            0
        );
    }
}

fn is_group_update(e: &Event) -> bool {
    matches!(e, Event::GroupInfoUpdate { .. })
}

#[tokio::test]
async fn a_new_member_gets_the_key_on_the_next_send_and_a_removed_one_gets_nothing() {
    let w = world().await;
    let g = w.group.jid().clone();
    w.a1.client.send_text(&g, "before").await.expect("sent");
    w.contact
        .wait_for_received(&w.server, 2, WAIT)
        .await
        .expect("received");
    let dana = w.server.add_contact(15_550_019_002);
    w.server
        .add_group_members(&w.a1.jid, &w.group, &w.contact, &[dana.jid().clone()])
        .expect("added");
    w.a1.events.wait_count(1, "add", is_group_update).await;

    // Only the new member's device lacks our key, so only it is in <participants>.
    let added = w.a1.client.send_text(&g, "welcome").await.expect("sent");
    let stanza = last_group_message(&w.server, &added.id);
    let named: Vec<&Jid> = stanza.participants.iter().map(|(d, _)| d).collect();
    assert_eq!(named, vec![dana.jid()], "{named:?}");
    let got = dana
        .wait_for_received(&w.server, 1, WAIT)
        .await
        .expect("dana received");
    assert_eq!(got[0].id, added.id);
    assert_eq!(
        got[0].message.as_ref().expect("decrypted"),
        &text("welcome")
    );

    w.server
        .remove_group_members(&w.a1.jid, &w.group, &w.contact, &[dana.jid().clone()])
        .expect("removed");
    w.a1.events.wait_count(2, "remove", is_group_update).await;
    let after = w.a1.client.send_text(&g, "just us").await.expect("sent");
    let stanza = last_group_message(&w.server, &after.id);
    // A holder left: a new sender key, handed to every remaining device, none to her.
    assert!(stanza
        .participants
        .iter()
        .all(|(d, _)| !d.same_user(dana.jid())));
    assert!(stanza
        .participants
        .iter()
        .any(|(d, _)| d.same_user(w.contact.jid())));
    let got = w
        .contact
        .wait_for_received(&w.server, 6, WAIT)
        .await
        .expect("received");
    for r in copies(&got, &after.id) {
        assert_eq!(r.message.as_ref().expect("decrypted"), &text("just us"));
    }
    wait_text(&w.b, "just us").await;
    wait_text(&w.a2, "just us").await;
    assert!(copies(&dana.received(&w.server), &after.id).is_empty());
}

#[tokio::test]
async fn a_phash_mismatch_refreshes_the_members_and_sends_once_more() {
    let w = world().await;
    let g = w.group.jid().clone();
    w.a1.client.send_text(&g, "one").await.expect("sent");
    wait_text(&w.b, "one").await;
    // A joins that only B is told about: A's member list is stale.
    let dana = w.server.add_contact(15_550_019_003);
    w.server
        .add_group_members(&w.b.jid, &w.group, &w.contact, &[dana.jid().clone()])
        .expect("added");
    w.server.mismatch_next_phash();
    let sent = w.a1.client.send_text(&g, "two").await.expect("sent");
    let writes: Vec<ClientMessage> = w
        .server
        .client_messages()
        .into_iter()
        .filter_map(|m| m.message)
        .filter(|m| m.id == sent.id)
        .collect();
    assert_eq!(writes.len(), 2, "the first write and one re-send");
    assert_ne!(writes[0].phash, writes[1].phash, "new members, new hash");
    let got = dana
        .wait_for_received(&w.server, 1, WAIT)
        .await
        .expect("dana received");
    assert_eq!(got[0].message.as_ref().expect("decrypted"), &text("two"));
    wait_text(&w.b, "two").await;

    // A second mismatch on the re-send is not chased: one re-send only.
    w.server.mismatch_next_phash();
    w.server.mismatch_next_phash();
    let sent = w.a1.client.send_text(&g, "three").await.expect("sent");
    let writes = w
        .server
        .client_messages()
        .into_iter()
        .filter(|m| m.message.as_ref().is_some_and(|m| m.id == sent.id))
        .count();
    assert_eq!(writes, 2);
}

#[tokio::test]
async fn group_retry_receipts_are_answered_also_after_a_restart() {
    let w = world().await;
    let g = w.group.jid().clone();
    let sent = w.a1.client.send_text(&g, "again?").await.expect("sent");
    w.contact
        .wait_for_received(&w.server, 2, WAIT)
        .await
        .expect("received");

    // The companion asks on the session it has.
    w.contact
        .send_group_retry_receipt(&w.server, &w.a1.jid, &w.group, 4, &sent.id, 1, false)
        .expect("queued");
    let got = w
        .contact
        .wait_for_received(&w.server, 3, WAIT)
        .await
        .expect("re-sent");
    let resend = &got[2];
    assert_eq!(resend.id, sent.id);
    assert_eq!(resend.device, w.companion);
    // Still a pkmsg: the companion never answered, so our session is not confirmed yet.
    assert_eq!(resend.enc_type, "pkmsg");
    assert_eq!(resend.message.as_ref().expect("decrypted"), &text("again?"));
    let stanza = last_group_message(&w.server, &sent.id);
    assert_eq!(stanza.participant.as_ref(), Some(&w.companion));
    assert_eq!(stanza.direct[0].retry_count, Some(1));

    // After a restart, from the fresh keys the receipt carries.
    w.a1.client.stop().await;
    let (client, _events) = start(&w.server, w.a1.store.clone(), quick_sends()).await;
    w.contact
        .send_group_retry_receipt(&w.server, &w.a1.jid, &w.group, 4, &sent.id, 2, true)
        .expect("queued");
    let got = w
        .contact
        .wait_for_received(&w.server, 4, WAIT)
        .await
        .expect("re-sent after restart");
    assert_eq!(got[3].enc_type, "pkmsg");
    assert_eq!(got[3].message.as_ref().expect("decrypted"), &text("again?"));
    // The sender key survived the restart: the next skmsg still reads everywhere.
    let next = client.send_text(&g, "still here").await.expect("sent");
    let got = w
        .contact
        .wait_for_received(&w.server, 6, WAIT)
        .await
        .expect("received");
    for r in copies(&got, &next.id) {
        assert_eq!(r.message.as_ref().expect("decrypted"), &text("still here"));
    }
}
