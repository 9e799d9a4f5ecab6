//! Unit tests of `receipt`.

use super::*;
use crate::crypto::KeyPair;
use crate::signal::LocalIdentity;
use proptest::prelude::*;

fn own() -> OwnJids {
    OwnJids {
        pn: Jid::pn("15550001111"),
        lid: Some(Jid::lid("100000000000001")),
    }
}

fn bob() -> Jid {
    Jid::pn("15550002222")
}

#[test]
fn every_receipt_type_parses_and_round_trips_its_name() {
    for ty in [
        None,
        Some("sender"),
        Some("retry"),
        Some("read"),
        Some("read-self"),
        Some("played"),
        Some("played-self"),
        Some("server-error"),
        Some("inactive"),
        Some("peer_msg"),
        Some("hist_sync"),
        Some("enc_rekey_retry"),
    ] {
        let kind = ReceiptKind::from_wire(ty);
        assert_eq!(kind.as_wire(), ty);
        assert_eq!(kind == ReceiptKind::Delivery, ty.is_none());
    }
    assert_eq!(ReceiptKind::from_wire(Some("")), ReceiptKind::Delivery);
}

#[test]
fn dm_read_receipt_with_list() {
    let node = Node::build("receipt")
        .attr("from", bob().with_device(2))
        .attr("id", "A")
        .attr("t", "1700000001")
        .attr("type", "read")
        .child(
            Node::build("list")
                .children([
                    Node::build("item").attr("id", "B").finish(),
                    Node::build("item").attr("id", "C").finish(),
                    Node::build("other").attr("id", "Z").finish(),
                ])
                .finish(),
        )
        .finish();
    let r = IncomingReceipt::parse(&node, &own()).unwrap();
    assert_eq!(r.len(), 1);
    let r = &r[0];
    assert_eq!(r.kind, ReceiptKind::Read);
    assert_eq!(r.message_ids, ["A", "B", "C"]);
    assert_eq!(r.timestamp, Some(1_700_000_001));
    assert_eq!(r.source.chat, bob());
    assert_eq!(r.source.sender, bob().with_device(2));
    assert_eq!(r.stanza_id, "A");
    assert!(r.retry.is_none());
}

#[test]
fn own_device_sender_receipt_names_the_recipient() {
    let node = Node::build("receipt")
        .attr("from", Jid::pn("15550001111").with_device(3))
        .attr("recipient", bob())
        .attr("id", "M")
        .attr("type", "sender")
        .finish();
    let r = &IncomingReceipt::parse(&node, &own()).unwrap()[0];
    assert!(r.source.is_from_me);
    assert_eq!(r.source.chat, bob());
    assert_eq!(r.recipient, Some(bob()));
    assert_eq!(r.kind, ReceiptKind::Sender);
    assert_eq!(r.timestamp, None);
}

#[test]
fn grouped_group_receipt_fans_out_per_user() {
    let node = Node::build("receipt")
        .attr("from", Jid::group("1203"))
        .attr("id", "S")
        .attr("type", "read")
        .children([Node::build("participants")
            .attr("key", "MSG1")
            .children([
                Node::build("user")
                    .attr("jid", Jid::lid("7").with_device(1))
                    .attr("t", "10")
                    .finish(),
                Node::build("user")
                    .attr("jid", Jid::lid("100000000000001"))
                    .attr("t", "11")
                    .finish(),
            ])
            .finish()])
        .finish();
    let rs = IncomingReceipt::parse(&node, &own()).unwrap();
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0].source.sender, Jid::lid("7").with_device(1));
    assert_eq!(rs[0].message_ids, ["MSG1"]);
    assert_eq!(rs[0].timestamp, Some(10));
    assert!(!rs[0].source.is_from_me);
    assert!(rs[1].source.is_from_me);
    assert!(rs
        .iter()
        .all(|r| r.source.is_group && r.kind == ReceiptKind::Read));

    let no_participants = Node::build("receipt")
        .attr("from", Jid::group("1203"))
        .attr("id", "S")
        .finish();
    assert_eq!(
        IncomingReceipt::parse(&no_participants, &own()),
        Err(StanzaError::MissingChild {
            tag: "receipt",
            child: "participants"
        })
    );
}

fn incoming(from: Jid, participant: Option<Jid>) -> MessageStanza {
    let node = Node::build("message")
        .attr("from", from)
        .attr_opt("participant", participant)
        .attr("id", "3EB0FF")
        .attr("t", "1700000000")
        .attr("type", "text")
        .child(
            Node::build("enc")
                .attr("v", "2")
                .attr("type", "msg")
                .attr("count", "1")
                .bytes(vec![1]),
        )
        .finish();
    MessageStanza::parse(&node, &own()).unwrap()
}

#[test]
fn delivery_receipts_follow_whatsmeow() {
    let dm = incoming(bob().with_device(1), None);
    let r = delivery_receipt(&dm, true);
    assert_eq!(r.attr_str("id").as_deref(), Some("3EB0FF"));
    assert_eq!(r.attr_jid("to"), Some(bob().with_device(1)));
    assert!(r.attr("type").is_none());
    assert_eq!(
        delivery_receipt(&dm, false).attr_str("type").as_deref(),
        Some("inactive")
    );
    let grp = incoming(Jid::group("1203"), Some(Jid::lid("7").with_device(2)));
    let r = delivery_receipt(&grp, true);
    assert_eq!(r.attr_jid("to"), Some(Jid::group("1203")));
    assert_eq!(
        r.attr_jid("participant"),
        Some(Jid::lid("7").with_device(2))
    );
    let mine = incoming(Jid::pn("15550001111").with_device(4), None);
    assert_eq!(
        delivery_receipt(&mine, false).attr_str("type").as_deref(),
        Some("sender")
    );
}

#[test]
fn read_receipts_list_extra_ids_and_name_group_senders() {
    let ids = ["A".to_string(), "B".to_string(), "C".to_string()];
    let group = Jid::group("1203");
    let sender = Jid::lid("7").with_device(3);
    let r = read_receipt(&group, Some(&sender), &ids, ReceiptKind::Read, 99, false).unwrap();
    assert_eq!(r.attr_str("type").as_deref(), Some("read"));
    assert_eq!(r.attr_str("id").as_deref(), Some("A"));
    assert_eq!(r.attr_str("t").as_deref(), Some("99"));
    assert_eq!(r.attr_jid("participant"), Some(Jid::lid("7")));
    let items: Vec<_> = r
        .child("list")
        .unwrap()
        .children()
        .iter()
        .map(|i| i.attr_str("id").unwrap().into_owned())
        .collect();
    assert_eq!(items, ["B", "C"]);
    // Back through the parser as the peer would see it.
    let mut seen = r.clone();
    seen.attrs.remove("to");
    seen.set_attr("from", group.clone());
    let parsed = &IncomingReceipt::parse(&seen, &own()).unwrap()[0];
    assert_eq!(parsed.message_ids, ids);
    assert_eq!(parsed.kind, ReceiptKind::Read);

    let dm = read_receipt(&bob(), Some(&bob()), &ids[..1], ReceiptKind::Read, 1, true).unwrap();
    assert!(dm.attr("participant").is_none());
    assert!(dm.child("list").is_none());
    assert_eq!(dm.attr_str("type").as_deref(), Some("read-self"));
    let played = read_receipt(&bob(), None, &ids[..1], ReceiptKind::Played, 1, true).unwrap();
    assert_eq!(played.attr_str("type").as_deref(), Some("played"));
    assert!(read_receipt(&bob(), None, &[], ReceiptKind::Read, 1, false).is_none());
}

#[test]
fn retry_count_and_key_rules() {
    assert_eq!(next_retry_count(0, None), Some(1));
    assert_eq!(next_retry_count(0, Some(2)), Some(3));
    assert_eq!(next_retry_count(1, Some(2)), Some(2));
    assert_eq!(next_retry_count(3, None), Some(4));
    assert_eq!(next_retry_count(4, None), None);
    assert_eq!(next_retry_count(0, Some(4)), None);
    assert!(!retry_needs_keys(1, false));
    assert!(retry_needs_keys(1, true));
    assert!(retry_needs_keys(2, false));
}

#[test]
fn retry_receipt_round_trips_with_keys() {
    let grp = incoming(Jid::group("1203"), Some(Jid::lid("7").with_device(2)));
    let me = LocalIdentity {
        key_pair: KeyPair::from_private_bytes([5; 32]),
        registration_id: 4242,
    };
    let signed = SignedPreKey::new(&me.key_pair, 3, KeyPair::from_private_bytes([6; 32]));
    let one = PreKey {
        id: 77,
        key_pair: KeyPair::from_private_bytes([8; 32]),
    };
    let keys = RetryKeys {
        identity: &me.key_pair.public,
        prekey: &one,
        signed_prekey: &signed,
        device_identity: b"adv",
    };
    let r = retry_receipt(&grp, 2, me.registration_id, Some(keys));
    assert_eq!(r.attr_str("type").as_deref(), Some("retry"));
    assert_eq!(r.attr_jid("to"), Some(Jid::group("1203")));
    assert_eq!(
        r.attr_jid("participant"),
        Some(Jid::lid("7").with_device(2))
    );
    assert!(r.attr("category").is_none());
    let retry = r.child("retry").unwrap();
    assert_eq!(retry.attr_str("count").as_deref(), Some("2"));
    assert_eq!(retry.attr_str("t").as_deref(), Some("1700000000"));
    assert_eq!(retry.attr_str("v").as_deref(), Some("1"));
    assert_eq!(
        r.child("registration").and_then(Node::bytes),
        Some(&4242u32.to_be_bytes()[..])
    );
    assert_eq!(
        r.child_path(&["keys", "type"]).and_then(Node::bytes),
        Some(&[5u8][..])
    );

    // The server relays it to the sender with `from` = our device.
    let mut seen = r.clone();
    seen.attrs.remove("to");
    seen.attrs.remove("participant");
    seen.set_attr("from", Jid::lid("100000000000001").with_device(5));
    let parsed = &IncomingReceipt::parse(&seen, &own()).unwrap()[0];
    let req = parsed.retry.as_ref().unwrap();
    assert_eq!(req.message_id, "3EB0FF");
    assert_eq!(req.count, 2);
    assert_eq!(req.original_timestamp, Some(1_700_000_000));
    assert_eq!(req.version, Some(1));
    assert_eq!(req.registration_id, Some(4242));
    assert_eq!(
        req.bundle,
        Some(PreKeyBundle::for_local(&me, &signed, Some(&one)))
    );
    assert!(req.bundle.as_ref().unwrap().verify().is_ok());
    assert_eq!(req.device_identity.as_deref(), Some(&b"adv"[..]));

    // First retry: no keys, and the peer category for own peer messages.
    let node = Node::build("message")
        .attr("from", Jid::pn("15550001111").with_device(1))
        .attr("id", "P")
        .attr("t", "3")
        .attr("type", "peer_msg")
        .finish();
    let peer = MessageStanza::parse(&node, &own()).unwrap();
    let r = retry_receipt(&peer, 1, 1, None);
    assert_eq!(r.attr_str("category").as_deref(), Some("peer"));
    assert!(r.child("keys").is_none());
    let retry_no_child = Node::build("receipt")
        .attr("from", bob())
        .attr("id", "X")
        .attr("type", "retry")
        .finish();
    assert_eq!(
        IncomingReceipt::parse(&retry_no_child, &own()),
        Err(StanzaError::MissingChild {
            tag: "receipt",
            child: "retry"
        })
    );
}

proptest! {
    #[test]
    fn mutated_receipts_never_panic(
        ty in proptest::option::of("[a-z_-]{0,12}"),
        from in "[0-9a-z@.:_-]{0,30}",
        bytes in proptest::collection::vec(any::<u8>(), 0..80),
        grouped in any::<bool>(),
    ) {
        let mut b = Node::build("receipt").attr("from", from).attr("id", "1");
        if let Some(t) = ty { b = b.attr("type", t); }
        let child = if grouped {
            Node::build("participants").attr("key", "k").child(Node::build("user").attr("jid", String::from_utf8_lossy(&bytes).into_owned())).finish()
        } else {
            Node::build("retry").attr("count", String::from_utf8_lossy(&bytes).into_owned()).attr("id", "1").finish()
        };
        let node = b
            .child(child)
            .child(Node::build("registration").bytes(bytes.clone()))
            .child(Node::build("keys").child(Node::build("identity").bytes(bytes.clone())))
            .finish();
        let _ = IncomingReceipt::parse(&node, &own());
    }
}
