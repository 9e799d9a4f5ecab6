//! Receipts, presence, chat state and notifications from contacts and the server, each read
//! back with the protocol crate's parsers (the client's own code).

mod common;

use common::receiver::Receiver;
use common::WAIT;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::stanza::notification::{
    BusinessChangeKind, DeviceOp, GroupChange, Notification, NotificationKind, PictureAction,
};
use wa_protocol::stanza::presence::{ChatState, IncomingChatState, IncomingPresence};
use wa_protocol::stanza::receipt::{IncomingReceipt, ReceiptKind};
use wa_testkit::{stanzas, FakeServer, MessageId};

async fn next_tagged(r: &mut Receiver, tag: &str) -> Node {
    let tag = tag.to_owned();
    r.client
        .as_mut()
        .expect("connected")
        .recv_until(move |n| n.tag == tag)
        .await
}

async fn next_notification(r: &mut Receiver) -> Notification {
    let node = next_tagged(r, "notification").await;
    r.ack(&node).await;
    Notification::parse(&node).expect("notification parses")
}

#[tokio::test]
async fn receipts_of_every_type_parse_and_wait_for_acks() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_030);
    let ids = [MessageId::from("3EB0AAAA"), MessageId::from("3EB0BBBB")];
    let kinds = [
        ReceiptKind::Delivery,
        ReceiptKind::Read,
        ReceiptKind::ReadSelf,
        ReceiptKind::Played,
        ReceiptKind::PlayedSelf,
        ReceiptKind::Sender,
        ReceiptKind::Retry,
        ReceiptKind::ServerError,
        ReceiptKind::Inactive,
        ReceiptKind::PeerMsg,
    ];
    for kind in &kinds {
        alice
            .send_receipt(&server, &r.jid, kind.clone(), &ids)
            .expect("queued");
        let node = next_tagged(&mut r, "receipt").await;
        let parsed = IncomingReceipt::parse(&node, &r.own()).expect("parses");
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].kind, *kind);
        assert_eq!(parsed[0].source.sender, *alice.jid());
        if *kind == ReceiptKind::Retry {
            let retry = parsed[0].retry.as_ref().expect("retry part");
            assert_eq!((retry.count, retry.message_id.as_str()), (1, "3EB0AAAA"));
        } else {
            assert_eq!(parsed[0].message_ids, ["3EB0AAAA", "3EB0BBBB"]);
        }
        r.ack(&node).await;
    }
    server
        .wait_for_acks(kinds.len(), WAIT)
        .await
        .expect("acked");

    let group = server.create_group("G", &[alice.jid().clone(), r.jid.to_non_ad()]);
    alice
        .send_group_receipt(&server, &r.jid, &group, ReceiptKind::Read, &ids[..1])
        .expect("queued");
    let node = next_tagged(&mut r, "receipt").await;
    let parsed = IncomingReceipt::parse(&node, &r.own()).expect("parses");
    assert!(parsed[0].source.is_group);
    assert_eq!(parsed[0].source.chat, *group.jid());
    assert_eq!(parsed[0].source.sender, *alice.jid());
}

#[tokio::test]
async fn presence_and_chat_state_go_live_only() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_031);

    assert_eq!(
        alice
            .send_presence(&server, &r.jid, false, Some(1_700_000_000))
            .expect("device known"),
        1
    );
    let p = IncomingPresence::parse(&next_tagged(&mut r, "presence").await).expect("parses");
    assert_eq!(p.from, *alice.jid());
    assert!(p.unavailable);
    assert_eq!(p.last_seen, Some(1_700_000_000));

    alice
        .send_chatstate(&server, &r.jid, true, true)
        .expect("sent");
    let node = next_tagged(&mut r, "chatstate").await;
    let c = IncomingChatState::parse(&node, &r.own()).expect("parses");
    assert_eq!((c.state, c.audio), (ChatState::Composing, true));
    let group = server.create_group("G", &[alice.jid().clone(), r.jid.to_non_ad()]);
    alice
        .send_group_chatstate(&server, &r.jid, &group, false, false)
        .expect("sent");
    let node = next_tagged(&mut r, "chatstate").await;
    let c = IncomingChatState::parse(&node, &r.own()).expect("parses");
    assert_eq!(c.state, ChatState::Paused);
    assert_eq!(c.source.chat, *group.jid());

    r.disconnect(&server).await;
    assert_eq!(
        alice
            .send_presence(&server, &r.jid, true, None)
            .expect("device known"),
        0
    );
    assert!(server.pending_messages(&r.jid).is_empty(), "never queued");
}

#[tokio::test]
async fn user_notifications_parse_to_their_kinds() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_032);

    alice
        .set_picture(&server, &r.jid, Some("777"))
        .expect("queued");
    let n = next_notification(&mut r).await;
    let NotificationKind::Picture(changes) = n.kind else {
        panic!("{:?}", n.kind)
    };
    assert_eq!(changes[0].action, PictureAction::Set);
    assert_eq!(changes[0].picture_id.as_deref(), Some("777"));
    assert_eq!(changes[0].jid, *alice.jid());
    alice.set_picture(&server, &r.jid, None).expect("queued");
    let n = next_notification(&mut r).await;
    assert!(
        matches!(&n.kind, NotificationKind::Picture(c) if c[0].action == PictureAction::Delete)
    );

    alice.set_about(&server, &r.jid, "busy").expect("queued");
    let n = next_notification(&mut r).await;
    assert_eq!(
        n.kind,
        NotificationKind::About {
            text: "busy".into()
        }
    );
    assert!(n.timestamp.is_some() && n.id.is_some());

    alice
        .change_device(&server, &r.jid, true, 3)
        .expect("queued");
    let n = next_notification(&mut r).await;
    let NotificationKind::Devices(d) = n.kind else {
        panic!("{:?}", n.kind)
    };
    assert_eq!(d.op, DeviceOp::Add);
    assert_eq!(d.devices[0].jid, alice.jid().clone().with_device(3));
    assert!(d.key_index.and_then(|k| k.signed).is_some());
    alice
        .change_device(&server, &r.jid, false, 3)
        .expect("queued");
    let n = next_notification(&mut r).await;
    assert!(matches!(&n.kind, NotificationKind::Devices(d) if d.op == DeviceOp::Remove));

    let vn = stanzas::business_verified_name(alice.jid(), "Alice Ltd");
    alice
        .send_business_update(&server, &r.jid, vn)
        .expect("queued");
    let n = next_notification(&mut r).await;
    let NotificationKind::Business(b) = n.kind else {
        panic!("{:?}", n.kind)
    };
    assert_eq!(b.kind, BusinessChangeKind::VerifiedNameJid);
    assert_eq!(b.verified_name.as_deref(), Some("Alice Ltd"));

    server
        .send_notification(&r.jid, "psa_new_thing", &Jid::server_jid(), Vec::new())
        .expect("queued");
    let n = next_notification(&mut r).await;
    assert_eq!(n.kind, NotificationKind::Other("psa_new_thing".into()));
    server
        .wait_for_empty_queue(&r.jid, WAIT)
        .await
        .expect("all acked");
}

#[tokio::test]
async fn group_notifications_follow_the_server_s_group() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_033);
    let bob = server.add_contact(15_551_230_034);
    let group = server.create_group("Team", &[alice.jid().clone(), r.jid.to_non_ad()]);

    server
        .announce_group(&r.jid, &group, &alice)
        .expect("queued");
    let n = next_notification(&mut r).await;
    let NotificationKind::GroupCreated(created) = n.kind else {
        panic!("{:?}", n.kind)
    };
    assert_eq!(created.group.jid, *group.jid());
    assert_eq!(created.group.subject.as_deref(), Some("Team"));
    assert_eq!(created.group.participants.len(), 2);
    assert_eq!(n.participant.as_ref(), Some(alice.jid()));

    server
        .add_group_members(&r.jid, &group, &alice, &[bob.jid().clone()])
        .expect("queued");
    let n = next_notification(&mut r).await;
    assert!(matches!(&n.kind, NotificationKind::GroupChanges(c)
        if matches!(&c[0], GroupChange::Add { participants, .. } if participants[0].jid == *bob.jid())));
    assert_eq!(server.group_members(&group).len(), 3);
    bob.send_group_text(&server, &group, "I'm in")
        .expect("a member now");

    server
        .set_group_subject(&r.jid, &group, &alice, "Team 2")
        .expect("queued");
    let n = next_notification(&mut r).await;
    assert!(matches!(&n.kind, NotificationKind::GroupChanges(c)
        if matches!(&c[0], GroupChange::Subject { subject, .. } if subject == "Team 2")));
    assert_eq!(server.group_subject(&group).as_deref(), Some("Team 2"));

    server
        .remove_group_members(&r.jid, &group, &alice, &[bob.jid().clone()])
        .expect("queued");
    let n = next_notification(&mut r).await;
    assert!(matches!(&n.kind, NotificationKind::GroupChanges(c)
        if matches!(&c[0], GroupChange::Remove(p) if p[0].jid == *bob.jid())));
    assert!(bob.send_group_text(&server, &group, "still?").is_err());
}

#[tokio::test]
async fn an_identity_change_is_announced_and_the_next_message_uses_the_new_identity() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_035);
    alice.send_text(&server, &r.jid, "before").expect("sent");
    let m = r.next_message().await;
    assert_eq!(r.texts(&m), ["before"]);
    let old = alice.identity_key(&server);

    alice.change_identity(&server, &r.jid).expect("queued");
    let n = next_notification(&mut r).await;
    assert_eq!(n.kind, NotificationKind::IdentityChange);
    assert_ne!(alice.identity_key(&server), old);
    // What the client does on this notification: forget the contact's sessions.
    r.sessions.clear();

    alice.send_text(&server, &r.jid, "after").expect("sent");
    let m = r.next_message().await;
    let (_, out) = r.decrypt(&m);
    assert!(out.failure.is_none(), "{:?}", out.failure);
    assert_eq!(out.changes.remote_identity, alice.identity_key(&server));
    assert_eq!(
        out.contents[0].message.conversation.as_deref(),
        Some("after")
    );
}
