//! End-to-end: every receipt, presence, notification and offline-queue event arrives with the
//! right payload when the fake server sends the stanza the real server would, and the
//! client's own receipts and presence go out in the documented shapes.

mod common;

use std::time::Duration;

use common::{Harness, WAIT};
use wa_actors::events::{
    BusinessUpdateType, ChatPresence, ChatPresenceMedia, DeviceListUpdateType, Event, ReceiptType,
    UnavailableType,
};
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::{Jid, Node, NodeBuilder};
use wa_actors::protocol::stanza::presence::ChatState;
use wa_actors::store::AccountId;

async fn ready() -> (Harness, Jid) {
    let h = Harness::start_with(|b| {
        b.prekeys(PreKeyConfig {
            min: 5,
            refill: 10,
            initial: 20,
        })
    })
    .await;
    h.connected(1).await;
    let me = h
        .store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap()
        .expect("device")
        .jid
        .expect("paired");
    h.server
        .wait_for_prekey_uploads(&me, 1, WAIT)
        .await
        .expect("prekeys");
    (h, me)
}

fn notification(ty: &str, from: Jid, id: &str) -> NodeBuilder {
    Node::build("notification")
        .attr("id", id.to_string())
        .attr("type", ty.to_string())
        .attr("from", from)
        .attr("t", "1700000000")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_of_every_public_type_become_receipt_events() {
    let (h, me) = ready().await;
    let bob = Jid::pn("15557770001");
    let types = [
        (None, ReceiptType::Delivery),
        (Some("read"), ReceiptType::Read),
        (Some("read-self"), ReceiptType::ReadSelf),
        (Some("played"), ReceiptType::Played),
        (Some("sender"), ReceiptType::Sender),
        (Some("retry"), ReceiptType::Retry),
        (Some("server-error"), ReceiptType::ServerError),
        (Some("inactive"), ReceiptType::Inactive),
    ];
    for (i, (ty, _)) in types.iter().enumerate() {
        let mut b = Node::build("receipt")
            .attr("id", format!("MSG{i}"))
            .attr("from", bob.clone().with_device(1))
            .attr("t", "1700000001");
        if let Some(ty) = ty {
            b = b.attr("type", ty.to_string());
        }
        if *ty == Some("retry") {
            b = b.child(
                Node::build("retry")
                    .attr("count", "1")
                    .attr("id", format!("MSG{i}"))
                    .attr("t", "1700000000")
                    .attr("v", "1")
                    .finish(),
            );
        }
        if i == 1 {
            b = b.child(
                Node::build("list")
                    .child(Node::build("item").attr("id", "EXTRA").finish())
                    .finish(),
            );
        }
        h.server.send_node(b.finish());
    }
    h.events
        .wait_count(types.len(), "receipts", |e| matches!(e, Event::Receipt(_)))
        .await;
    let receipts: Vec<_> = h
        .events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            Event::Receipt(r) => Some(r),
            _ => None,
        })
        .collect();
    for (i, (_, want)) in types.iter().enumerate() {
        let r = &receipts[i];
        assert_eq!(r.r#type, *want, "receipt {i}");
        assert_eq!(r.message_ids[0], format!("MSG{i}"));
        assert_eq!(r.source.sender.to_non_ad(), bob);
        assert_eq!(r.timestamp.timestamp(), 1_700_000_001);
        assert_eq!(r.message_sender, me.to_non_ad());
    }
    assert_eq!(receipts[1].message_ids, ["MSG1", "EXTRA"]);
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_and_typing_arrive_and_ours_go_out() {
    let (h, _) = ready().await;
    let carol = Jid::pn("15557770002");
    h.server.send_node(
        Node::build("presence")
            .attr("from", carol.clone())
            .attr("type", "unavailable")
            .attr("last", "1700000005")
            .finish(),
    );
    h.server.send_node(
        Node::build("chatstate")
            .attr("from", carol.clone())
            .child(Node::build("composing").attr("media", "audio").finish())
            .finish(),
    );
    let Event::Presence(p) = h
        .events
        .wait_for("Presence", |e| matches!(e, Event::Presence(_)))
        .await
    else {
        unreachable!()
    };
    assert_eq!(p.from, carol);
    assert!(p.unavailable);
    assert_eq!(p.last_seen.map(|t| t.timestamp()), Some(1_700_000_005));
    let Event::ChatPresence(c) = h
        .events
        .wait_for("ChatPresence", |e| matches!(e, Event::ChatPresence(_)))
        .await
    else {
        unreachable!()
    };
    assert_eq!(c.state, ChatPresence::Composing);
    assert_eq!(c.media, ChatPresenceMedia::Audio);
    assert_eq!(c.source.chat, carol);

    h.client.set_push_name("Tester").await.expect("name");
    h.client.send_presence(true).await.expect("presence");
    h.client
        .subscribe_presence(&carol)
        .await
        .expect("subscribe");
    h.client
        .send_chat_presence(&carol, ChatState::Paused, false)
        .await
        .expect("chatstate");
    h.client
        .mark_read(&carol, None, &["A1".to_string(), "A2".to_string()])
        .await
        .expect("read");
    let sent = |pred: fn(&Node) -> bool| h.server.wait_for_node(WAIT, pred);
    let ours = sent(|n| n.tag == "presence" && n.attr_str("type").as_deref() == Some("available"))
        .await
        .expect("our presence");
    assert_eq!(ours.attr_str("name").as_deref(), Some("Tester"));
    // `set_push_name` announces itself; `send_presence` sends a second one with the stored name.
    h.server
        .wait_for_nodes(2, WAIT, |n| {
            n.tag == "presence"
                && n.attr_str("type").as_deref() == Some("available")
                && n.attr_str("name").as_deref() == Some("Tester")
        })
        .await
        .expect("both presences carry the stored name");
    sent(|n| n.tag == "presence" && n.attr_str("type").as_deref() == Some("subscribe"))
        .await
        .expect("presence subscription");
    sent(|n| n.tag == "chatstate" && n.child("paused").is_some())
        .await
        .expect("typing state");
    let read = sent(|n| n.tag == "receipt" && n.attr_str("type").as_deref() == Some("read"))
        .await
        .expect("read receipt");
    assert_eq!(read.attr_str("id").as_deref(), Some("A1"));
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_become_their_events_and_the_rest_the_fallback() {
    let (h, _) = ready().await;
    let dan = Jid::pn("15557770003");
    let group = Jid::group("120363000000000001");
    h.server.send_node(
        notification("picture", dan.clone(), "N1")
            .child(
                Node::build("set")
                    .attr("jid", dan.clone())
                    .attr("id", "42")
                    .finish(),
            )
            .finish(),
    );
    h.server.send_node(
        notification("status", dan.clone(), "N2")
            .child(Node::build("set").bytes(b"at the gym".to_vec()).finish())
            .finish(),
    );
    h.server.send_node(
        notification("devices", dan.clone(), "N3")
            .child(
                Node::build("add")
                    .child(
                        Node::build("device")
                            .attr("jid", dan.clone().with_device(5))
                            .attr("key-index", "2")
                            .finish(),
                    )
                    .finish(),
            )
            .finish(),
    );
    h.server.send_node(
        notification("business", dan.clone(), "N4")
            .child(
                Node::build("verified_name")
                    .attr("hash", "h1")
                    .attr("name", "Dan's Bikes")
                    .finish(),
            )
            .finish(),
    );
    h.server.send_node(
        notification("encrypt", dan.clone(), "N4b")
            .child(Node::new("identity"))
            .finish(),
    );
    h.server.send_node(
        notification("w:gp2", group.clone(), "N5")
            .child(
                Node::build("create")
                    .child(
                        Node::build("group")
                            .attr("id", "120363000000000001")
                            .attr("subject", "Climbing")
                            .attr("creator", dan.clone())
                            .attr("creation", "1699999999")
                            .child(
                                Node::build("participant")
                                    .attr("jid", dan.clone())
                                    .attr("type", "superadmin")
                                    .finish(),
                            )
                            .finish(),
                    )
                    .finish(),
            )
            .finish(),
    );
    h.server.send_node(
        notification("w:gp2", group.clone(), "N6")
            .attr("participant", dan.clone())
            .child(
                Node::build("subject")
                    .attr("subject", "Bouldering")
                    .finish(),
            )
            .finish(),
    );
    let unknown = notification("mediaretry", dan.clone(), "N7").finish();
    h.server.send_node(unknown.clone());

    let get = |what: &'static str, pred: fn(&Event) -> bool| h.events.wait_for(what, pred);
    let Event::PictureUpdate(p) =
        get("PictureUpdate", |e| matches!(e, Event::PictureUpdate(_))).await
    else {
        unreachable!()
    };
    assert_eq!(p.jid, dan);
    assert_eq!(
        p.photo_change.as_ref().and_then(|c| c.new_photo_id),
        Some(42)
    );
    let Event::UserAboutUpdate(a) = get("UserAboutUpdate", |e| {
        matches!(e, Event::UserAboutUpdate(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(
        (a.jid.clone(), a.status.as_str()),
        (dan.clone(), "at the gym")
    );
    let Event::DeviceListUpdate(d) = get("DeviceListUpdate", |e| {
        matches!(e, Event::DeviceListUpdate(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(d.update_type, DeviceListUpdateType::Add);
    assert_eq!(d.devices[0].device_id, 5);
    let Event::BusinessStatusUpdate(b) = get("BusinessStatusUpdate", |e| {
        matches!(e, Event::BusinessStatusUpdate(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(b.update_type, BusinessUpdateType::VerifiedNameChanged);
    assert_eq!(b.verified_name.as_deref(), Some("Dan's Bikes"));
    let Event::JoinedGroup(g) = get("JoinedGroup", |e| matches!(e, Event::JoinedGroup(_))).await
    else {
        unreachable!()
    };
    let conv = g.get().expect("a conversation");
    assert_eq!(conv.id.as_deref(), Some("120363000000000001@g.us"));
    assert_eq!(conv.name.as_deref(), Some("Climbing"));
    let Event::GroupInfoUpdate { jid, .. } = get("GroupInfoUpdate", |e| {
        matches!(e, Event::GroupInfoUpdate { .. })
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(jid, group);
    let Event::IdentityChange(c) =
        get("IdentityChange", |e| matches!(e, Event::IdentityChange(_))).await
    else {
        unreachable!()
    };
    assert_eq!((c.jid.clone(), c.implicit), (dan.clone(), false));
    let Event::Notification(raw) =
        get("Notification", |e| matches!(e, Event::Notification(_))).await
    else {
        unreachable!()
    };
    assert_eq!(raw, unknown);
    // Every notification was acked.
    h.server
        .wait_for_nodes(7, WAIT, |n| {
            n.tag == "ack" && n.attr_str("class").as_deref() == Some("notification")
        })
        .await
        .expect("acks");
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_markers_view_once_and_push_names() {
    let (h, me) = ready().await;
    h.server.send_node(
        Node::build("ib")
            .child(
                Node::build("offline_preview")
                    .attr("count", "3")
                    .attr("message", "2")
                    .attr("notification", "1")
                    .attr("receipt", "0")
                    .attr("appdata", "0")
                    .finish(),
            )
            .finish(),
    );
    // A view-once message the server withholds from companions.
    let erin = Jid::pn("15557770004");
    h.server
        .deliver_raw(
            &me,
            Node::build("message")
                .attr("id", "VO1")
                .attr("from", erin.clone())
                .attr("type", "media")
                .attr("t", "1700000010")
                .attr("notify", "Erin")
                .child(
                    Node::build("unavailable")
                        .attr("type", "view_once")
                        .finish(),
                )
                .finish(),
        )
        .expect("queued");
    h.server.send_node(
        Node::build("ib")
            .child(Node::build("offline").attr("count", "3").finish())
            .finish(),
    );
    let Event::OfflineSyncPreview(p) = h
        .events
        .wait_for("OfflineSyncPreview", |e| {
            // The server's own (empty) markers at login come first.
            matches!(e, Event::OfflineSyncPreview(p) if p.total == 3)
        })
        .await
    else {
        unreachable!()
    };
    assert_eq!((p.total, p.messages, p.notifications), (3, 2, 1));
    let Event::UndecryptableMessage(u) = h
        .events
        .wait_for("view-once", |e| matches!(e, Event::UndecryptableMessage(_)))
        .await
    else {
        unreachable!()
    };
    assert!(u.is_unavailable);
    assert_eq!(u.unavailable_type, UnavailableType::ViewOnce);
    assert_eq!(u.info.id, "VO1");
    let Event::OfflineSyncCompleted(c) = h
        .events
        .wait_for(
            "OfflineSyncCompleted",
            |e| matches!(e, Event::OfflineSyncCompleted(c) if c.count == 3),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(c.count, 3);

    // A contact's changed push name, seen on a message.
    let frank = h.server.add_named_contact(15557770005, "Frank");
    frank.send_text(&h.server, &me, "hi").expect("sent");
    frank.set_push_name(&h.server, "Franky");
    frank.send_text(&h.server, &me, "new name").expect("sent");
    let Event::PushNameUpdate(u) = h
        .events
        .wait_for(
            "PushNameUpdate Franky",
            |e| matches!(e, Event::PushNameUpdate(u) if u.new_push_name == "Franky"),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(u.old_push_name, "Frank");
    assert_eq!(u.jid, frank.jid().to_non_ad());

    // Our own push name, set locally.
    h.client.set_push_name("Me Myself").await.expect("set");
    let Event::SelfPushNameUpdated(s) = h
        .events
        .wait_for("SelfPushNameUpdated", |e| {
            matches!(e, Event::SelfPushNameUpdated(_))
        })
        .await
    else {
        unreachable!()
    };
    assert!(!s.from_server);
    assert_eq!(s.new_name, "Me Myself");
    let stored = h
        .store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.push_name, "Me Myself");
    tokio::time::sleep(Duration::from_millis(50)).await;
    h.client.stop().await;
}
