//! The stanza parsers read an owned `Node` and a borrowed view of its encoding to the same
//! result (or the same error), on generated stanzas and on realistic ones.

use proptest::prelude::*;

use super::StanzaNode;
use crate::binary::{decode, decode_view, encode, AttrValue, Content, Jid, Node};
use crate::message::{EncNode, MessageStanza, OwnJids};
use crate::send::ack::MessageAck;
use crate::stanza::ack::{ack_for, nack_for};
use crate::stanza::notification::Notification;
use crate::stanza::receipt::IncomingReceipt;

fn own() -> OwnJids {
    OwnJids {
        pn: Jid::pn("15550001111"),
        lid: Some(Jid::lid("100000000000001")),
    }
}

/// Every parser on both forms of `node`; panics (fails the case) on the first difference.
/// Returns how many parsers succeeded on it, so callers can check the input was meaningful.
fn same_results(node: &Node) -> usize {
    let bytes = encode(node).expect("generated stanzas encode");
    let owned = decode(&bytes).expect("own encoding decodes");
    let view = decode_view(&bytes).expect("own encoding decodes as a view");
    let (o, v) = (&owned, view.root());
    let own = own();
    let mut ok = 0;
    let mut check = |a_ok: bool, same: bool, what: &str| {
        assert!(same, "{what} differs on {node:?}");
        ok += usize::from(a_ok);
    };
    let (a, b) = (MessageStanza::parse(o, &own), MessageStanza::parse(v, &own));
    check(a.is_ok(), a == b, "message");
    let (a, b) = (
        IncomingReceipt::parse(o, &own),
        IncomingReceipt::parse(v, &own),
    );
    check(a.is_ok(), a == b, "receipt");
    let (a, b) = (Notification::parse(o), Notification::parse(v));
    check(a.is_ok(), a == b, "notification");
    let (a, b) = (MessageAck::parse(o), MessageAck::parse(v));
    check(matches!(a, Ok(Some(_))), a == b, "message ack");
    let (a, b) = (ack_for(o), ack_for(v));
    check(a.is_some(), a == b, "ack_for");
    check(true, nack_for(o, 487) == nack_for(v, 487), "nack_for");
    for (c, d) in o.children().iter().zip(StanzaNode::children(v)) {
        let (a, b) = (EncNode::parse(c), EncNode::parse(d));
        check(a.is_ok(), a == b, "enc");
    }
    ok
}

fn jid() -> impl Strategy<Value = Jid> {
    ("[0-9]{1,15}", 0u16..40, 0u8..7).prop_map(|(user, device, kind)| match kind {
        0 => Jid::pn(user).with_device(device),
        1 => Jid::lid(user).with_device(device),
        2 => Jid::group(format!("{user}-1600000000")),
        3 => Jid::new(user, crate::binary::Server::Broadcast),
        4 => Jid::new(user, crate::binary::Server::Newsletter),
        5 => Jid::pn("15550001111").with_device(device),
        _ => Jid::server_jid(),
    })
}

/// A value: a typed JID, a JID sent as a string, a number, a token or junk.
fn value() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        3 => jid().prop_map(AttrValue::from),
        1 => jid().prop_map(|j| AttrValue::from(j.to_string())),
        2 => (0u64..2_000_000_000).prop_map(AttrValue::from),
        2 => prop::sample::select(vec![
            "read", "retry", "pkmsg", "msg", "skmsg", "text", "message", "receipt", "devices",
            "w:gp2", "encrypt", "picture", "status", "lid", "pn", "1", "2", "", "peer",
        ])
        .prop_map(AttrValue::from),
        1 => "[0-9A-F]{0,12}".prop_map(AttrValue::from),
        1 => ".{0,6}".prop_map(AttrValue::from),
    ]
}

const KEYS: &[&str] = &[
    "id",
    "from",
    "t",
    "type",
    "participant",
    "recipient",
    "class",
    "notify",
    "category",
    "edit",
    "offline",
    "server_id",
    "addressing_mode",
    "sender_lid",
    "sender_pn",
    "participant_pn",
    "participant_lid",
    "peer_recipient_lid",
    "v",
    "count",
    "mediatype",
    "decrypt-fail",
    "jid",
    "key",
    "error",
    "phash",
    "value",
    "lid",
    "hash",
    "ts",
    "key-index",
    "author",
    "reason",
];

const TAGS: &[&str] = &[
    "enc",
    "list",
    "item",
    "participants",
    "user",
    "retry",
    "registration",
    "keys",
    "set",
    "add",
    "remove",
    "update",
    "device",
    "key-index-list",
    "count",
    "identity",
    "create",
    "group",
    "participant",
    "multicast",
    "verified_name",
    "unavailable",
    "plaintext",
    "device-identity",
    "meta",
    "delete",
    "subject",
    "picture",
];

fn attrs() -> impl Strategy<Value = Vec<(&'static str, AttrValue)>> {
    prop::collection::vec((prop::sample::select(KEYS), value()), 0..8)
}

fn with(tag: &'static str, attrs: Vec<(&'static str, AttrValue)>, content: Content) -> Node {
    let mut n = Node::new(tag);
    for (k, v) in attrs {
        n.attrs.push(k, v);
    }
    n.content = content;
    n
}

fn child() -> impl Strategy<Value = Node> {
    let leaf = (
        prop::sample::select(TAGS),
        attrs(),
        0u8..4,
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(tag, attrs, kind, bytes)| {
            let content = match kind {
                0 => Content::None,
                1 | 2 => Content::Bytes(bytes),
                // String content, including packable text the view keeps packed.
                _ => Content::String(hex::encode_upper(&bytes).into()),
            };
            with(tag, attrs, content)
        });
    leaf.prop_recursive(3, 24, 4, |inner| {
        (
            prop::sample::select(TAGS),
            attrs(),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(tag, attrs, kids)| with(tag, attrs, Content::Nodes(kids)))
    })
}

fn stanza() -> impl Strategy<Value = Node> {
    (
        prop::sample::select(vec![
            "message",
            "receipt",
            "notification",
            "ack",
            "call",
            "iq",
        ]),
        attrs(),
        prop::collection::vec(child(), 0..5),
    )
        .prop_map(|(tag, attrs, kids)| with(tag, attrs, Content::Nodes(kids)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn owned_and_viewed_stanzas_parse_alike(node in stanza()) {
        same_results(&node);
    }
}

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

/// Realistic stanzas that the parsers accept: the comparison above must also hold where
/// every field is filled, not only on the random shapes that fail early.
fn realistic() -> Vec<Node> {
    let bob = Jid::pn("15550002222").with_device(3);
    let group = Jid::group("120363000000000001");
    vec![
        Node::build("message")
            .attr("from", bob.clone())
            .attr("id", "3EB0C0FFEE1234567890")
            .attr("t", "1700000000")
            .attr("type", "text")
            .attr("notify", "Bob")
            .attr("sender_lid", Jid::lid("200000000000002"))
            .children([
                Node::build("enc")
                    .attr("v", "2")
                    .attr("type", "pkmsg")
                    .bytes(bytes(300, 1))
                    .finish(),
                Node::build("device-identity").bytes(bytes(150, 2)).finish(),
            ])
            .finish(),
        Node::build("message")
            .attr("from", group.clone())
            .attr("participant", Jid::lid("200000000000002").with_device(1))
            .attr("addressing_mode", "lid")
            .attr("participant_pn", bob.clone())
            .attr("id", "ABCDEF")
            .attr("t", 1_700_000_001u64)
            .children([
                Node::build("enc")
                    .attr("v", "2")
                    .attr("type", "skmsg")
                    .attr("count", "1")
                    .bytes(bytes(80, 3))
                    .finish(),
                Node::new("multicast"),
            ])
            .finish(),
        Node::build("receipt")
            .attr("from", bob.clone())
            .attr("id", "3EB0C0FFEE1234567890")
            .attr("type", "read")
            .attr("t", "1700000002")
            .child(Node::build("list").children((0..5).map(|i| {
                Node::build("item")
                    .attr("id", format!("3EB0C0FFEE12345678{i:02}"))
                    .finish()
            })))
            .finish(),
        Node::build("receipt")
            .attr("from", group.clone())
            .attr("id", "G1")
            .attr("type", "read")
            .child(
                Node::build("participants").attr("key", "M1").children([
                    Node::build("user")
                        .attr("jid", bob.clone())
                        .attr("t", "1700000003")
                        .finish(),
                    Node::build("user")
                        .attr("jid", Jid::pn("15550003333"))
                        .finish(),
                ]),
            )
            .finish(),
        Node::build("receipt")
            .attr("from", bob.clone())
            .attr("id", "R1")
            .attr("type", "retry")
            .children([
                Node::build("retry")
                    .attr("count", "2")
                    .attr("id", "M9")
                    .attr("t", "1700000004")
                    .attr("v", "1")
                    .finish(),
                Node::build("registration").bytes(vec![0, 0, 1, 2]).finish(),
            ])
            .finish(),
        Node::build("notification")
            .attr("from", Jid::pn("15550002222"))
            .attr("id", "N1")
            .attr("type", "devices")
            .attr("t", "1700000005")
            .child(
                Node::build("add")
                    .attr("device_hash", "2:abc")
                    .child(
                        Node::build("device")
                            .attr("jid", bob.clone())
                            .attr("key-index", "4"),
                    )
                    .child(
                        Node::build("key-index-list")
                            .attr("ts", "1700000005")
                            .bytes(bytes(40, 4)),
                    ),
            )
            .finish(),
        Node::build("notification")
            .attr("from", group.clone())
            .attr("participant", bob.clone())
            .attr("id", "N2")
            .attr("type", "w:gp2")
            .children([
                Node::build("add")
                    .attr("reason", "invite")
                    .child(Node::build("participant").attr("jid", Jid::pn("15550004444")))
                    .finish(),
                Node::build("subject")
                    .attr("subject", "Team")
                    .attr("s_t", "1700000006")
                    .finish(),
            ])
            .finish(),
        Node::build("notification")
            .attr("from", Jid::server_jid())
            .attr("id", "N3")
            .attr("type", "encrypt")
            .child(Node::build("count").attr("value", "5"))
            .finish(),
        Node::build("ack")
            .attr("class", "message")
            .attr("id", "3EB0C0FFEE1234567890")
            .attr("from", bob)
            .attr("t", "1700000007")
            .attr("phash", "2:xyz")
            .finish(),
    ]
}

#[test]
fn realistic_stanzas_parse_alike_and_succeed() {
    for node in realistic() {
        // At least the stanza's own parser and its ack succeed.
        assert!(same_results(&node) >= 2, "nothing parsed {node:?}");
    }
}

#[test]
fn the_view_parse_matches_known_values() {
    let nodes = realistic();
    let frame = encode(&nodes[0]).unwrap();
    let view = decode_view(&frame).unwrap();
    let msg = MessageStanza::parse(view.root(), &own()).unwrap();
    assert_eq!(msg.id, "3EB0C0FFEE1234567890");
    assert_eq!(msg.timestamp, 1_700_000_000);
    assert_eq!(msg.push_name.as_deref(), Some("Bob"));
    assert_eq!(msg.encs.len(), 1);
    assert_eq!(msg.encs[0].ciphertext, bytes(300, 1));
    assert_eq!(msg.device_identity.as_deref(), Some(&bytes(150, 2)[..]));
    assert_eq!(
        msg.source.sender_alt,
        Some(Jid::lid("200000000000002").with_device(3))
    );
}

/// `AttrKeys` matches a token key by its code alone, which is right only if no string is a
/// token twice (the encoder could then send either code for one key).
#[test]
fn token_strings_are_unique_across_dictionaries() {
    use crate::binary::tokens::{DOUBLE_BYTE, SINGLE_BYTE};
    let mut seen = std::collections::HashSet::new();
    let all = SINGLE_BYTE[1..]
        .iter()
        .chain(DOUBLE_BYTE.iter().flatten())
        .filter(|t| !t.is_empty());
    for t in all {
        assert!(seen.insert(*t), "token {t:?} appears twice");
    }
}

#[test]
fn one_pass_reads_what_lookups_read() {
    use crate::binary::AttrKeys;
    const KEYS: AttrKeys<5> = AttrKeys::new(["from", "t", "not-a-token-key", "id", "absent"]);
    let n = Node::build("message")
        .attr("id", "3EB0ABCDEF")
        .attr("from", Jid::pn("15551234567").with_device(2))
        .attr("t", "1700000000")
        .attr("not-a-token-key", "raw")
        .finish();
    let bytes = encode(&n).unwrap();
    let view = decode_view(&bytes).unwrap();
    let v = view.root();
    let slots = StanzaNode::attrs_by_key(v, &KEYS);
    let owned = (&n).attrs_by_key(&KEYS);
    for (i, name) in KEYS.names().iter().enumerate() {
        let by_lookup = StanzaNode::attr(v, name).map(|a| a.to_attr_value());
        assert_eq!(slots[i].map(|a| a.to_attr_value()), by_lookup, "{name}");
        assert_eq!(owned[i].map(|a| a.to_attr_value()), by_lookup, "{name}");
    }
    assert!(slots[4].is_none());
    assert_eq!(slots[1].map(|a| a.number::<i64>()), Some(Ok(1_700_000_000)));
}
