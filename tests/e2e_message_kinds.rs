//! Nothing silently dropped: kinds of message beyond text (poll v3, event, album) arrive as
//! typed `Message` events; content outside our schema arrives as `UnknownMessage` with its
//! raw bytes and is receipted like any other; a `w:gp2` change arrives as a
//! `GroupInfoUpdate` that says what changed.

mod common;

use common::{ready, WAIT};
use prost::Message as _;
use wa_actors::events::{Event, GroupChange, GroupMember, GroupRole};
use wa_actors::proto::wa;
use wa_actors::protocol::binary::{Jid, Node};
use wa_actors::protocol::stanza::receipt::ReceiptKind;
use wa_testkit::stanzas;

fn poll_v3() -> wa::Message {
    wa::Message {
        poll_creation_message_v3: Some(Box::new(wa::PollCreationMessage {
            name: Some("Lunch?".into()),
            options: vec![
                wa::poll_creation_message::Option {
                    option_name: Some("Pizza".into()),
                    option_hash: None,
                },
                wa::poll_creation_message::Option {
                    option_name: Some("Sushi".into()),
                    option_hash: None,
                },
            ],
            selectable_options_count: Some(1),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn event() -> wa::Message {
    wa::Message {
        event_message: Some(Box::new(wa::EventMessage {
            name: Some("Climbing".into()),
            start_time: Some(1_700_000_000),
            is_canceled: Some(false),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn album() -> wa::Message {
    wa::Message {
        album_message: Some(Box::new(wa::AlbumMessage {
            expected_image_count: Some(3),
            expected_video_count: Some(1),
            ..Default::default()
        })),
        ..Default::default()
    }
}

/// Appends field `number` as a length-delimited field holding `payload`.
fn push_field(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    prost::encoding::encode_key(number, prost::encoding::WireType::LengthDelimited, out);
    prost::encoding::encode_varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

fn message_id(e: &Event) -> Option<String> {
    match e {
        Event::Message(_, info) => Some(info.id.clone()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_event_and_album_messages_arrive_typed() {
    let (h, me) = ready().await;
    let alice = h.server.add_named_contact(15551230001, "Alice");
    let ids = [
        alice
            .send_message(&h.server, &me, &poll_v3())
            .expect("sent"),
        alice.send_message(&h.server, &me, &event()).expect("sent"),
        alice.send_message(&h.server, &me, &album()).expect("sent"),
    ];
    h.events
        .wait_count(3, "three messages", |e| matches!(e, Event::Message(..)))
        .await;
    let messages: Vec<(wa::Message, String)> = h
        .events
        .all()
        .iter()
        .filter_map(|e| match e {
            Event::Message(m, info) => Some(((**m).clone(), info.id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(messages[0], (poll_v3(), ids[0].as_str().to_owned()));
    assert_eq!(messages[1], (event(), ids[1].as_str().to_owned()));
    assert_eq!(messages[2], (album(), ids[2].as_str().to_owned()));
    let poll = messages[0].0.poll_creation_message_v3.as_ref().unwrap();
    assert_eq!(poll.options[1].option_name.as_deref(), Some("Sushi"));
    assert_eq!(
        h.events.count(|e| matches!(e, Event::UnknownMessage(_))),
        0,
        "everything in these is modelled"
    );
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_outside_the_schema_is_published_raw_and_receipted() {
    let (h, me) = ready().await;
    let alice = h.server.add_named_contact(15551230002, "Alice");
    // Only a field no schema here knows (and the context info every message carries).
    let mut unknown_only = wa::Message {
        message_context_info: Some(wa::MessageContextInfo {
            message_secret: Some(vec![7; 32]),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec();
    push_field(
        &mut unknown_only,
        9999,
        b"a kind of message from the future",
    );
    // Text we model, plus an unknown field inside an ephemeral wrapper.
    let mut inner = wa::Message {
        conversation: Some("hello".into()),
        ..Default::default()
    }
    .encode_to_vec();
    push_field(&mut inner, 4242, b"extra");
    let mut wrapper = Vec::new();
    push_field(&mut wrapper, 1, &inner);
    let mut mixed = Vec::new();
    push_field(&mut mixed, 40, &wrapper);

    let first = alice
        .send_message_bytes(&h.server, &me, &unknown_only)
        .expect("sent");
    let second = alice
        .send_message_bytes(&h.server, &me, &mixed)
        .expect("sent");
    h.events
        .wait_count(2, "two unknown messages", |e| {
            matches!(e, Event::UnknownMessage(_))
        })
        .await;
    let unknown: Vec<_> = h
        .events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            Event::UnknownMessage(u) => Some(u),
            _ => None,
        })
        .collect();
    assert_eq!(unknown[0].info.id, first.as_str());
    assert_eq!(unknown[0].fields, vec![9999]);
    assert_eq!(&unknown[0].raw[..], &unknown_only[..]);
    assert_eq!(unknown[0].info.push_name, "Alice");
    assert_eq!(unknown[1].info.id, second.as_str());
    assert_eq!(unknown[1].fields, vec![4242]);
    assert_eq!(&unknown[1].raw[..], &mixed[..]);
    // The unknown-only message gives no empty `Message`; the mixed one gives its text too.
    let ids: Vec<String> = h.events.all().iter().filter_map(message_id).collect();
    assert_eq!(ids, vec![second.as_str().to_owned()]);

    h.server
        .wait_for_receipts(2, WAIT, |r| r.kind == ReceiptKind::Delivery)
        .await
        .expect("both receipted");
    h.server.wait_for_acks(2, WAIT).await.expect("both acked");
    assert!(h.server.acked(&first) && h.server.acked(&second));
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_changes_arrive_parsed() {
    let (h, me) = ready().await;
    let dan = h.server.add_named_contact(15551230003, "Dan");
    let eve = h.server.add_named_contact(15551230004, "Eve");
    let group = h
        .server
        .create_group("Climbing", &[dan.jid().clone(), me.to_non_ad()]);
    h.server
        .add_group_members(&me, &group, &dan, &[eve.jid().clone()])
        .expect("added");
    h.server
        .send_group_change(
            &me,
            &group,
            &dan,
            Node::build("promote")
                .child(stanzas::group_participant(eve.jid(), Some("admin")))
                .finish(),
        )
        .expect("promoted");
    h.server
        .send_group_change(&me, &group, &dan, Node::new("locked"))
        .expect("locked");
    h.server
        .send_group_change(
            &me,
            &group,
            &dan,
            Node::build("ephemeral")
                .attr("expiration", "86400")
                .finish(),
        )
        .expect("ephemeral");
    h.server
        .send_group_change(&me, &group, &dan, stanzas::group_description("D1", "Ropes"))
        .expect("described");
    h.server
        .remove_group_members(&me, &group, &dan, &[eve.jid().clone()])
        .expect("removed");

    h.events
        .wait_count(6, "six group updates", |e| {
            matches!(e, Event::GroupInfoUpdate { .. })
        })
        .await;
    let updates: Vec<(Jid, Option<Jid>, Vec<GroupChange>)> = h
        .events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            Event::GroupInfoUpdate {
                jid,
                author,
                changes,
                ..
            } => Some((jid, author, changes)),
            _ => None,
        })
        .collect();
    assert!(updates.iter().all(|(jid, author, _)| jid == group.jid()
        && author.as_ref().map(Jid::to_non_ad) == Some(dan.jid().to_non_ad())));
    let member = |role| GroupMember {
        jid: eve.jid().clone(),
        alt: None,
        role,
    };
    let changes: Vec<GroupChange> = updates.into_iter().flat_map(|(_, _, c)| c).collect();
    assert_eq!(
        changes,
        vec![
            GroupChange::Added {
                members: vec![member(GroupRole::Member)],
                reason: None,
            },
            GroupChange::Promoted(vec![member(GroupRole::Admin)]),
            GroupChange::Locked(true),
            GroupChange::Ephemeral(Some(86400)),
            GroupChange::Description {
                text: Some("Ropes".into()),
                id: Some("D1".into()),
            },
            GroupChange::Removed(vec![member(GroupRole::Member)]),
        ]
    );
    h.client.stop().await;
}
