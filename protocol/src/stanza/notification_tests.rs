//! Unit tests of `notification`.

use super::*;
use crate::binary::Node;
use proptest::prelude::*;

fn notif(ty: &'static str, from: Jid) -> crate::binary::NodeBuilder {
    Node::build("notification")
        .attr("id", "N1")
        .attr("type", ty)
        .attr("from", from)
        .attr("t", "1700000000")
}

#[test]
fn picture_set_and_delete() {
    let n = notif("picture", Jid::pn("2"))
        .children([
            Node::build("set")
                .attr("jid", Jid::pn("2"))
                .attr("author", Jid::pn("2"))
                .attr("id", "1688")
                .finish(),
            Node::build("delete").attr("jid", Jid::group("9")).finish(),
            Node::build("request").finish(),
        ])
        .finish();
    let p = Notification::parse(&n).unwrap();
    assert_eq!(p.id.as_deref(), Some("N1"));
    assert_eq!(p.timestamp, Some(1_700_000_000));
    let NotificationKind::Picture(changes) = p.kind else {
        panic!("{p:?}")
    };
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].action, PictureAction::Set);
    assert_eq!(changes[0].picture_id.as_deref(), Some("1688"));
    assert_eq!(changes[0].author, Some(Jid::pn("2")));
    assert_eq!(changes[1].action, PictureAction::Delete);
    assert_eq!(changes[1].jid, Jid::group("9"));
}

#[test]
fn about_text() {
    let n = notif("status", Jid::pn("2"))
        .child(Node::build("set").bytes(b"Hey there".to_vec()))
        .finish();
    assert_eq!(
        Notification::parse(&n).unwrap().kind,
        NotificationKind::About {
            text: "Hey there".into()
        }
    );
    let bare = notif("status", Jid::pn("2")).finish();
    assert_eq!(
        Notification::parse(&bare).unwrap().kind,
        NotificationKind::Other("status".into())
    );
}

#[test]
fn devices_add_remove_update() {
    let n = notif("devices", Jid::pn("2"))
        .attr("lid", Jid::lid("77"))
        .child(
            Node::build("add")
                .attr("device_hash", "2:abc")
                .children([
                    Node::build("device")
                        .attr("jid", Jid::pn("2").with_device(4))
                        .attr("lid", Jid::lid("77").with_device(4))
                        .attr("key-index", "3")
                        .finish(),
                    Node::build("key-index-list")
                        .attr("ts", "1699999999")
                        .bytes(vec![1, 2])
                        .finish(),
                ])
                .finish(),
        )
        .finish();
    let NotificationKind::Devices(d) = Notification::parse(&n).unwrap().kind else {
        panic!()
    };
    assert_eq!(d.op, DeviceOp::Add);
    assert_eq!(d.lid, Some(Jid::lid("77")));
    assert_eq!(d.devices[0].jid.device, 4);
    assert_eq!(d.devices[0].key_index, Some(3));
    assert_eq!(d.devices[0].lid, Some(Jid::lid("77").with_device(4)));
    assert_eq!(
        d.key_index,
        Some(KeyIndexList {
            timestamp: 1_699_999_999,
            signed: Some(vec![1, 2])
        })
    );
    assert_eq!(d.device_hash.as_deref(), Some("2:abc"));
    let u = notif("devices", Jid::pn("2"))
        .child(Node::build("update").attr("hash", "h"))
        .finish();
    let NotificationKind::Devices(d) = Notification::parse(&u).unwrap().kind else {
        panic!()
    };
    assert_eq!((d.op, d.hash.as_deref()), (DeviceOp::Update, Some("h")));
    let none = notif("devices", Jid::pn("2")).finish();
    assert!(matches!(
        Notification::parse(&none),
        Err(StanzaError::MissingChild { .. })
    ));
}

#[test]
fn business_kinds() {
    let case = |child: Node| {
        let n = notif("business", Jid::pn("2")).child(child).finish();
        match Notification::parse(&n).unwrap().kind {
            NotificationKind::Business(b) => b,
            other => panic!("{other:?}"),
        }
    };
    let b = case(Node::build("remove").attr("jid", Jid::pn("2")).finish());
    assert_eq!(b.kind, BusinessChangeKind::RemoveJid);
    assert_eq!(b.target_jid, Some(Jid::pn("2")));
    let b = case(Node::build("remove").attr("hash", "h").finish());
    assert_eq!(
        (b.kind, b.hash.as_deref()),
        (BusinessChangeKind::RemoveHash, Some("h"))
    );
    let b = case(
        Node::build("verified_name")
            .attr("jid", Jid::pn("2"))
            .attr("name", "Acme")
            .finish(),
    );
    assert_eq!(b.kind, BusinessChangeKind::VerifiedNameJid);
    assert_eq!(b.verified_name.as_deref(), Some("Acme"));
    assert_eq!(case(Node::new("profile")).kind, BusinessChangeKind::Profile);
    let b = case(
        Node::build("product_catalog")
            .children([
                Node::build("product")
                    .child(Node::build("id").string("P1"))
                    .finish(),
                Node::build("collection").attr("id", "C1").finish(),
            ])
            .finish(),
    );
    assert_eq!(b.kind, BusinessChangeKind::Products);
    assert_eq!(b.product_ids, ["P1"]);
    assert_eq!(b.collection_ids, ["C1"]);
    let b = case(
        Node::build("subscriptions")
            .child(
                Node::build("subscription")
                    .attr("id", "S")
                    .attr("status", "active")
                    .attr("subscription_end_time", "99"),
            )
            .finish(),
    );
    assert_eq!(b.kind, BusinessChangeKind::Subscriptions);
    assert_eq!(b.subscriptions[0].end_time, Some(99));
    assert_eq!(case(Node::new("x")).kind, BusinessChangeKind::Unknown);
}

#[test]
fn group_create_is_a_join() {
    let n = notif("w:gp2", Jid::group("1203"))
        .attr("participant", Jid::lid("5"))
        .attr("addressing_mode", "lid")
        .child(
            Node::build("create")
                .attr("reason", "invite")
                .attr("key", "K")
                .child(
                    Node::build("group")
                        .attr("id", "1203")
                        .attr("subject", "Friends")
                        .attr("s_t", "10")
                        .attr("s_o", Jid::lid("5"))
                        .attr("creator", Jid::lid("5"))
                        .attr("creation", "9")
                        .attr("size", "2")
                        .children([
                            Node::build("participant")
                                .attr("jid", Jid::lid("5"))
                                .attr("type", "superadmin")
                                .attr("phone_number", Jid::pn("15"))
                                .finish(),
                            Node::build("participant")
                                .attr("jid", Jid::lid("6"))
                                .finish(),
                            Node::build("description")
                                .attr("id", "D")
                                .child(Node::build("body").bytes(b"about us".to_vec()))
                                .finish(),
                            Node::new("announcement"),
                            Node::build("ephemeral")
                                .attr("expiration", "86400")
                                .finish(),
                        ])
                        .finish(),
                )
                .finish(),
        )
        .finish();
    let p = Notification::parse(&n).unwrap();
    assert_eq!(p.participant, Some(Jid::lid("5")));
    let NotificationKind::GroupCreated(c) = p.kind else {
        panic!()
    };
    assert_eq!(c.reason.as_deref(), Some("invite"));
    assert_eq!(c.key.as_deref(), Some("K"));
    let g = c.group;
    assert_eq!(g.jid, Jid::group("1203"));
    assert_eq!(g.subject.as_deref(), Some("Friends"));
    assert_eq!(g.creation, Some(9));
    assert_eq!(g.description.as_deref(), Some("about us"));
    assert_eq!(g.participants.len(), 2);
    assert_eq!(g.participants[0].role, ParticipantRole::SuperAdmin);
    assert_eq!(g.participants[0].alt, Some(Jid::pn("15")));
    assert!(g.announce && !g.locked);
    assert_eq!(g.ephemeral, Some(86400));
    assert_eq!(g.addressing_mode.as_deref(), Some("lid"));
    assert_eq!(g.size, Some(2));
}

#[test]
fn group_changes_in_order() {
    let n = notif("w:gp2", Jid::group("1203"))
        .attr("participant", Jid::lid("5"))
        .children([
            Node::build("add")
                .attr("reason", "invite")
                .child(Node::build("participant").attr("jid", Jid::lid("6")))
                .finish(),
            Node::build("subject")
                .attr("subject", "New")
                .attr("s_t", "3")
                .attr("s_o", Jid::lid("5"))
                .finish(),
            Node::build("description")
                .attr("id", "D2")
                .child(Node::new("delete"))
                .finish(),
            Node::new("locked"),
            Node::new("not_announcement"),
            Node::new("not_ephemeral"),
            Node::build("invite").attr("code", "abc").finish(),
            Node::new("unknown_thing"),
        ])
        .finish();
    let NotificationKind::GroupChanges(ch) = Notification::parse(&n).unwrap().kind else {
        panic!()
    };
    assert_eq!(
        ch,
        vec![
            GroupChange::Add {
                participants: vec![GroupParticipant {
                    jid: Jid::lid("6"),
                    alt: None,
                    role: ParticipantRole::Member
                }],
                reason: Some("invite".into())
            },
            GroupChange::Subject {
                subject: "New".into(),
                set_at: Some(3),
                set_by: Some(Jid::lid("5"))
            },
            GroupChange::Description {
                text: None,
                id: Some("D2".into())
            },
            GroupChange::Locked(true),
            GroupChange::Announce(false),
            GroupChange::Ephemeral(None),
            GroupChange::Invite("abc".into()),
            GroupChange::Other("unknown_thing".into()),
        ]
    );
}

#[test]
fn encrypt_and_passthrough_types() {
    let count = notif("encrypt", Jid::server_jid())
        .child(Node::build("count").attr("value", "3"))
        .finish();
    assert_eq!(
        Notification::parse(&count).unwrap().kind,
        NotificationKind::PreKeyCount(3)
    );
    let identity = notif("encrypt", Jid::pn("2"))
        .child(Node::new("identity"))
        .finish();
    assert_eq!(
        Notification::parse(&identity).unwrap().kind,
        NotificationKind::IdentityChange
    );
    let link = notif("link_code_companion_reg", Jid::pn("1")).finish();
    assert_eq!(
        Notification::parse(&link).unwrap().kind,
        NotificationKind::LinkCodeCompanionReg
    );
    let acct = notif("account_sync", Jid::pn("1"))
        .child(Node::new("picture"))
        .finish();
    assert_eq!(
        Notification::parse(&acct).unwrap().kind,
        NotificationKind::AccountSync(vec!["picture".into()])
    );
    let other = notif("mediaretry", Jid::pn("1")).finish();
    assert_eq!(
        Notification::parse(&other).unwrap().kind,
        NotificationKind::Other("mediaretry".into())
    );
    assert!(Notification::parse(&Node::new("notification")).is_err());
}

proptest! {
    #[test]
    fn random_notifications_never_panic(
        ty in prop::sample::select(vec!["picture", "status", "devices", "business", "w:gp2", "encrypt", "account_sync", "x"]),
        child in prop::sample::select(vec!["set", "add", "remove", "update", "create", "verified_name", "product_catalog", "subscriptions", "count", "identity", "description", "subject", "ephemeral"]),
        inner in prop::sample::select(vec!["group", "participant", "device", "key-index-list", "body", "product", "subscription"]),
        value in "[0-9a-z@.:_-]{0,24}",
        bytes in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let grand = Node::build(inner)
            .attr("jid", value.clone()).attr("id", value.clone()).attr("ts", value.clone())
            .attr("key-index", value.clone()).attr("expiration", value.clone()).attr("type", value.clone())
            .bytes(bytes.clone()).finish();
        let c = Node::build(child)
            .attr("jid", value.clone()).attr("value", value.clone()).attr("s_t", value.clone())
            .child(grand).finish();
        let n = Node::build("notification").attr("type", ty).attr("from", value.clone()).attr("t", value).child(c).finish();
        let _ = Notification::parse(&n);
    }
}
