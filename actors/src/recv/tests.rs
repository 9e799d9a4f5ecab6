//! Stanzas shaped as the server sends them, through the protocol parsers and these mappings,
//! to the public events.

use chrono::{DateTime, TimeZone, Utc};
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::message::{
    split_message, DecryptError, DecryptFailure, EncType, MessageStanza, OwnJids,
};
use wa_protocol::signal::SignalError;
use wa_protocol::stanza::notification::Notification;
use wa_protocol::stanza::presence::{IncomingChatState, IncomingPresence};
use wa_protocol::stanza::receipt::IncomingReceipt;

use super::message::{message_events, message_info, push_name_update, undecryptable_event};
use super::notification::notification_events;
use super::presence::{chat_presence_event, presence_event};
use super::receipt::receipt_event;
use crate::events::*;

fn own() -> OwnJids {
    OwnJids {
        pn: Jid::pn("15550001111").with_device(5),
        lid: Some(Jid::lid("100000000000001").with_device(5)),
    }
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).single().unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap()
}

fn group_message() -> MessageStanza {
    let node = Node::build("message")
        .attr("from", Jid::group("1203"))
        .attr("participant", Jid::lid("7").with_device(2))
        .attr("id", "ID1")
        .attr("t", "1700000000")
        .attr("notify", "Ann")
        .attr("category", "peer")
        .child(
            Node::build("enc")
                .attr("v", "2")
                .attr("type", "skmsg")
                .attr("decrypt-fail", "hide")
                .bytes(vec![1]),
        )
        .finish();
    MessageStanza::parse(&node, &own()).unwrap()
}

#[test]
fn message_info_carries_every_field() {
    let info = message_info(&group_message(), now());
    assert_eq!(
        info,
        MessageInfo {
            id: "ID1".into(),
            source: MessageSource {
                sender: Jid::lid("7").with_device(2),
                chat: Jid::group("1203"),
                is_from_me: false,
                is_bot: false,
                sender_alt: None,
            },
            timestamp: at(1_700_000_000),
            push_name: "Ann".into(),
            is_group: true,
            category: "peer".into(),
        }
    );
    let text = wa::Message {
        conversation: Some("hi".into()),
        ..Default::default()
    };
    match &message_events(&info, split_message(text.clone()))[..] {
        [Event::Message(m, i)] => {
            assert_eq!(**m, text);
            assert_eq!(i, &info);
        }
        other => panic!("{other:?}"),
    }
    let only_skdm = wa::Message {
        sender_key_distribution_message: Some(wa::SenderKeyDistributionMessage {
            group_id: Some("1203@g.us".into()),
            axolotl_sender_key_distribution_message: Some(vec![0x33]),
        }),
        ..Default::default()
    };
    assert!(message_events(&info, split_message(only_skdm)).is_empty());
}

#[test]
fn undecryptable_for_failures_and_withheld_view_once() {
    let stanza = group_message();
    let info = message_info(&stanza, now());
    let failure = DecryptFailure {
        enc_type: EncType::SenderKey,
        error: DecryptError::Signal(SignalError::NoSenderKey(1)),
        is_unavailable: true,
        hide: true,
    };
    match undecryptable_event(&stanza, &info, Some(&failure)) {
        Event::UndecryptableMessage(u) => {
            assert!(u.is_unavailable);
            assert_eq!(u.decrypt_fail_mode, DecryptFailMode::Hide);
            assert_eq!(u.unavailable_type, UnavailableType::Unknown);
            assert_eq!(u.info, info);
        }
        other => panic!("{other:?}"),
    }
    let node = Node::build("message")
        .attr("from", Jid::pn("2"))
        .attr("id", "V")
        .attr("t", "1")
        .child(Node::build("unavailable").attr("type", "view_once"))
        .finish();
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    assert!(stanza.is_unavailable());
    let info = message_info(&stanza, now());
    match undecryptable_event(&stanza, &info, None) {
        Event::UndecryptableMessage(u) => {
            assert!(u.is_unavailable);
            assert_eq!(u.unavailable_type, UnavailableType::ViewOnce);
            assert_eq!(u.decrypt_fail_mode, DecryptFailMode::Show);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn push_name_changes_only() {
    let info = message_info(&group_message(), now());
    assert!(push_name_update(&info, Some("Ann")).is_none());
    match push_name_update(&info, Some("Annie")) {
        Some(Event::PushNameUpdate(p)) => {
            assert_eq!(p.jid, Jid::lid("7"));
            assert_eq!(p.old_push_name, "Annie");
            assert_eq!(p.new_push_name, "Ann");
            assert_eq!(*p.message, info);
        }
        other => panic!("{other:?}"),
    }
    let mut dash = info.clone();
    dash.push_name = "-".into();
    assert!(push_name_update(&dash, None).is_none());
}

#[test]
fn receipts_map_all_eight_types_and_skip_protocol_ones() {
    let cases = [
        (None, Some(ReceiptType::Delivery)),
        (Some("read"), Some(ReceiptType::Read)),
        (Some("read-self"), Some(ReceiptType::ReadSelf)),
        (Some("played"), Some(ReceiptType::Played)),
        (Some("sender"), Some(ReceiptType::Sender)),
        (Some("server-error"), Some(ReceiptType::ServerError)),
        (Some("inactive"), Some(ReceiptType::Inactive)),
        (Some("played-self"), None),
        (Some("peer_msg"), None),
        (Some("hist_sync"), None),
    ];
    for (ty, want) in cases {
        let node = Node::build("receipt")
            .attr("from", Jid::pn("2").with_device(1))
            .attr("id", "A")
            .attr("t", "1700000005")
            .attr_opt("type", ty)
            .finish();
        let r = &IncomingReceipt::parse(&node, &own()).unwrap()[0];
        match (receipt_event(r, &own(), now()), want) {
            (Some(Event::Receipt(e)), Some(t)) => {
                assert_eq!(e.r#type, t);
                assert_eq!(e.message_ids, ["A"]);
                assert_eq!(e.timestamp, at(1_700_000_005));
                assert_eq!(e.source.chat, Jid::pn("2"));
                assert_eq!(e.message_sender, Jid::pn("15550001111"));
            }
            (None, None) => {}
            (got, want) => panic!("{ty:?}: {got:?} vs {want:?}"),
        }
    }
    // The eighth type: a retry receipt also surfaces (after internal handling).
    let node = Node::build("receipt")
        .attr("from", Jid::pn("2"))
        .attr("recipient", Jid::pn("3"))
        .attr("id", "R")
        .attr("type", "retry")
        .child(Node::build("retry").attr("id", "R").attr("count", "1"))
        .finish();
    let r = &IncomingReceipt::parse(&node, &own()).unwrap()[0];
    match receipt_event(r, &own(), now()) {
        Some(Event::Receipt(e)) => {
            assert_eq!(e.r#type, ReceiptType::Retry);
            assert_eq!(e.timestamp, now());
            assert_eq!(e.message_sender, Jid::pn("3"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn presence_and_chat_presence() {
    let p = IncomingPresence::parse(
        &Node::build("presence")
            .attr("from", Jid::pn("2"))
            .attr("type", "unavailable")
            .attr("last", "1700000000")
            .finish(),
    )
    .unwrap();
    match presence_event(&p) {
        Event::Presence(u) => {
            assert!(u.unavailable);
            assert_eq!(u.last_seen, Some(at(1_700_000_000)));
            assert_eq!(u.from, Jid::pn("2"));
        }
        other => panic!("{other:?}"),
    }
    let c = IncomingChatState::parse(
        &Node::build("chatstate")
            .attr("from", Jid::group("1"))
            .attr("participant", Jid::lid("9"))
            .child(Node::build("composing").attr("media", "audio"))
            .finish(),
        &own(),
    )
    .unwrap();
    match chat_presence_event(&c) {
        Event::ChatPresence(u) => {
            assert_eq!(u.state, ChatPresence::Composing);
            assert_eq!(u.media, ChatPresenceMedia::Audio);
            assert_eq!(u.source.chat, Jid::group("1"));
            assert_eq!(u.source.sender, Jid::lid("9"));
        }
        other => panic!("{other:?}"),
    }
}

fn events_of(node: Node) -> Vec<Event> {
    let n = Notification::parse(&node).unwrap();
    notification_events(&node, &n, &own(), now())
}

fn notif(ty: &'static str, from: Jid) -> wa_protocol::binary::NodeBuilder {
    Node::build("notification")
        .attr("id", "N")
        .attr("type", ty)
        .attr("from", from)
        .attr("t", "1700000000")
}

#[test]
fn user_notifications() {
    let ev = events_of(
        notif("picture", Jid::pn("2"))
            .child(
                Node::build("set")
                    .attr("jid", Jid::pn("2"))
                    .attr("id", "42"),
            )
            .finish(),
    );
    match &ev[..] {
        [Event::PictureUpdate(p)] => {
            assert_eq!(p.jid, Jid::pn("2"));
            assert_eq!(p.author, Jid::pn("2"));
            assert_eq!(p.timestamp, at(1_700_000_000));
            assert_eq!(
                p.photo_change.as_ref().and_then(|c| c.new_photo_id),
                Some(42)
            );
        }
        other => panic!("{other:?}"),
    }
    let ev = events_of(
        notif("status", Jid::pn("2"))
            .child(Node::build("set").bytes(b"busy".to_vec()))
            .finish(),
    );
    assert!(matches!(&ev[..], [Event::UserAboutUpdate(u)] if u.status == "busy"));
    let ev = events_of(
        notif("account_sync", Jid::pn("15550001111"))
            .children([Node::new("picture"), Node::new("privacy")])
            .finish(),
    );
    match &ev[..] {
        [Event::PictureUpdate(p), Event::Notification(_)] => {
            assert_eq!(p.jid, Jid::pn("15550001111"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn device_and_business_notifications() {
    let ev = events_of(
        notif("devices", Jid::pn("2"))
            .attr("lid", Jid::lid("8"))
            .child(
                Node::build("remove")
                    .child(
                        Node::build("device")
                            .attr("jid", Jid::pn("2").with_device(3))
                            .attr("key-index", "4"),
                    )
                    .child(Node::build("key-index-list").attr("ts", "5")),
            )
            .finish(),
    );
    match &ev[..] {
        [Event::DeviceListUpdate(d)] => {
            assert_eq!(d.update_type, DeviceListUpdateType::Remove);
            assert_eq!(d.lid_user, Some(Jid::lid("8")));
            assert_eq!(
                d.devices,
                [DeviceNotificationInfo {
                    device_id: 3,
                    key_index: Some(4)
                }]
            );
            assert_eq!(d.key_index.as_ref().map(|k| k.timestamp), Some(5));
        }
        other => panic!("{other:?}"),
    }
    let ev = events_of(
        notif("business", Jid::pn("2"))
            .child(
                Node::build("verified_name")
                    .attr("hash", "h")
                    .attr("name", "Acme"),
            )
            .finish(),
    );
    match &ev[..] {
        [Event::BusinessStatusUpdate(b)] => {
            assert_eq!(b.update_type, BusinessUpdateType::VerifiedNameChanged);
            assert_eq!(b.hash.as_deref(), Some("h"));
            assert_eq!(b.verified_name.as_deref(), Some("Acme"));
            assert_eq!(b.timestamp, 1_700_000_000);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn group_notifications_and_fallback() {
    let ev = events_of(
        notif("w:gp2", Jid::group("1203"))
            .child(
                Node::build("create").child(
                    Node::build("group")
                        .attr("id", "1203")
                        .attr("subject", "Friends")
                        .attr("creator", Jid::lid("5"))
                        .attr("creation", "9")
                        .child(
                            Node::build("participant")
                                .attr("jid", Jid::lid("5"))
                                .attr("type", "admin"),
                        ),
                ),
            )
            .finish(),
    );
    match &ev[..] {
        [Event::JoinedGroup(conv)] => {
            let c = conv.get().expect("conversation");
            assert_eq!(c.id.as_deref(), Some("1203@g.us"));
            assert_eq!(c.name.as_deref(), Some("Friends"));
            assert_eq!(c.created_at, Some(9));
            assert_eq!(c.created_by.as_deref(), Some("5@lid"));
            assert_eq!(c.participant[0].rank, Some(1));
        }
        other => panic!("{other:?}"),
    }
    let ev = events_of(
        notif("w:gp2", Jid::group("1203"))
            .attr("participant", Jid::lid("5"))
            .child(Node::build("subject").attr("subject", "New"))
            .finish(),
    );
    match &ev[..] {
        [Event::GroupInfoUpdate {
            jid,
            update,
            author,
            timestamp,
            changes,
            ..
        }] => {
            assert_eq!(jid, &Jid::group("1203"));
            assert_eq!(update.timestamp, Some(1_700_000_000));
            assert_eq!(author, &Some(Jid::lid("5")));
            assert_eq!(timestamp, &at(1_700_000_000));
            assert_eq!(
                changes,
                &[GroupChange::Subject {
                    name: "New".into(),
                    set_at: None,
                    set_by: None
                }]
            );
        }
        other => panic!("{other:?}"),
    }
    let raw = notif("mediaretry", Jid::pn("2")).finish();
    match &events_of(raw.clone())[..] {
        [Event::Notification(n)] => assert_eq!(n, &raw),
        other => panic!("{other:?}"),
    }
    let count = notif("encrypt", Jid::server_jid())
        .child(Node::build("count").attr("value", "2"))
        .finish();
    assert!(events_of(count).is_empty());
}

mod plan {
    use super::*;
    use crate::recv::message::{plan_message, self_push_name_event, RetryNeed};
    use wa_protocol::message::{Decryption, IgnoredEnc};

    #[test]
    fn delivered_messages_get_events_and_a_receipt() {
        let stanza = group_message();
        let text = wa::Message {
            conversation: Some("hi".into()),
            ..Default::default()
        };
        let d = Decryption {
            contents: vec![split_message(text)],
            ..Default::default()
        };
        let plan = plan_message(&stanza, d, true, now());
        assert_eq!(plan.events.len(), 1);
        assert!(matches!(plan.events[0], Event::Message(..)));
        let r = plan.receipt.unwrap();
        assert_eq!(r.attr_str("id").as_deref(), Some("ID1"));
        assert_eq!(
            r.attr_jid("participant"),
            Some(Jid::lid("7").with_device(2))
        );
        assert!(plan.retry.is_none());
    }

    #[test]
    fn unknown_content_is_published_raw_and_receipted() {
        use prost::Message as _;
        let stanza = group_message();
        // A sender-key distribution (taken out for the caller) and field 9999, which no
        // schema here has: `9999 << 3 | 2` as a varint, then a two-byte payload.
        let mut raw = wa::Message {
            sender_key_distribution_message: Some(wa::SenderKeyDistributionMessage {
                group_id: Some("1203@g.us".into()),
                axolotl_sender_key_distribution_message: Some(vec![0x33]),
            }),
            ..Default::default()
        }
        .encode_to_vec();
        raw.extend([0xfa, 0xf0, 0x04, 2, b'o', b'k']);
        let d = Decryption {
            contents: vec![wa_protocol::message::decode_message(&raw).unwrap()],
            ..Default::default()
        };
        let plan = plan_message(&stanza, d, true, now());
        match &plan.events[..] {
            [Event::UnknownMessage(u)] => {
                assert_eq!(u.fields, vec![9999]);
                assert_eq!(&u.raw[..], &raw[..]);
                assert_eq!(u.info.id, "ID1");
            }
            other => panic!("{other:?}"),
        }
        assert!(plan.receipt.is_some(), "receipted like any other message");
        assert!(plan.retry.is_none());

        // Inside an ephemeral wrapper (40 { 1 { 9999 } }) it is still one UnknownMessage, not
        // also a `Message` holding an empty wrapper.
        let wrapped = [0xc2, 0x02, 6, 0x0a, 4, 0xfa, 0xf0, 0x04, 0];
        let d = Decryption {
            contents: vec![wa_protocol::message::decode_message(&wrapped).unwrap()],
            ..Default::default()
        };
        let plan = plan_message(&stanza, d, true, now());
        match &plan.events[..] {
            [Event::UnknownMessage(u)] => assert_eq!(u.fields, vec![9999]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failures_owe_a_retry_and_duplicates_a_receipt() {
        let stanza = group_message();
        let d = Decryption {
            failure: Some(DecryptFailure {
                enc_type: EncType::SenderKey,
                error: DecryptError::Signal(SignalError::NoSenderKey(1)),
                is_unavailable: true,
                hide: false,
            }),
            ..Default::default()
        };
        let plan = plan_message(&stanza, d, true, now());
        assert!(matches!(plan.events[..], [Event::UndecryptableMessage(_)]));
        assert!(plan.receipt.is_none());
        assert_eq!(plan.retry, Some(RetryNeed { force_keys: true }));

        let dup = Decryption {
            ignored: vec![IgnoredEnc {
                enc_type: EncType::SenderKey,
                reason: DecryptError::Signal(SignalError::OldCounter {
                    chain: 3,
                    message: 1,
                }),
            }],
            ..Default::default()
        };
        let plan = plan_message(&stanza, dup, false, now());
        assert!(plan.events.is_empty());
        assert!(plan.receipt.is_some());
        assert!(plan.retry.is_none());

        let nothing = plan_message(&stanza, Decryption::default(), true, now());
        assert!(nothing.receipt.is_none() && nothing.events.is_empty());
    }

    #[test]
    fn withheld_content_is_unavailable_without_retry() {
        let node = Node::build("message")
            .attr("from", Jid::pn("2"))
            .attr("id", "V")
            .attr("t", "1")
            .child(Node::build("unavailable").attr("type", "view_once"))
            .finish();
        let stanza = MessageStanza::parse(&node, &own()).unwrap();
        let plan = plan_message(&stanza, Decryption::default(), true, now());
        match &plan.events[..] {
            [Event::UndecryptableMessage(u)] => {
                assert_eq!(u.unavailable_type, UnavailableType::ViewOnce)
            }
            other => panic!("{other:?}"),
        }
        assert!(plan.receipt.is_none() && plan.retry.is_none());
    }

    #[test]
    fn self_push_name() {
        assert!(self_push_name_event("a", "a", true).is_none());
        match self_push_name_event("a", "b", true) {
            Some(Event::SelfPushNameUpdated(s)) => {
                assert!(s.from_server);
                assert_eq!((s.old_name.as_str(), s.new_name.as_str()), ("a", "b"));
            }
            other => panic!("{other:?}"),
        }
    }
}
