//! `<message>` parsing and decryption with two in-process parties, stanzas shaped as the
//! server sends them (whatsmeow `parseMessageSource`/`decryptMessages`).

use proptest::prelude::*;
use prost::Message as _;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_protobuf::wa;

use super::*;
use crate::binary::{Jid, Node};
use crate::signal::{
    pad_with, LocalIdentity, PreKey, PreKeyBundle, PreKeySet, SenderKeyRecord, SessionRecord,
    SignalError, SignedPreKey,
};
use crate::stanza::attrs::StanzaError;

const ME_PN: &str = "15550001111";
const ME_LID: &str = "100000000000001";
const BOB_PN: &str = "15550002222";
const BOB_LID: &str = "200000000000002";
const GROUP: &str = "120363000000000001";

fn own() -> OwnJids {
    OwnJids {
        pn: Jid::pn(ME_PN).with_device(5),
        lid: Some(Jid::lid(ME_LID).with_device(5)),
    }
}

fn text(s: &str) -> wa::Message {
    wa::Message {
        conversation: Some(s.into()),
        ..Default::default()
    }
}

fn dm_from_bob(encs: Vec<Node>) -> Node {
    Node::build("message")
        .attr("from", Jid::pn(BOB_PN).with_device(3))
        .attr("sender_lid", Jid::lid(BOB_LID))
        .attr("id", "3EB0ABCDEF0123456789")
        .attr("t", "1700000000")
        .attr("type", "text")
        .attr("notify", "Bob")
        .attr("offline", "0")
        .children(encs)
        .finish()
}

fn enc(ty: &'static str, bytes: Vec<u8>) -> Node {
    Node::build("enc")
        .attr("v", "2")
        .attr("type", ty)
        .bytes(bytes)
        .finish()
}

#[test]
fn dm_from_contact_has_every_field() {
    let node = dm_from_bob(vec![
        Node::build("enc")
            .attr("v", "2")
            .attr("type", "pkmsg")
            .attr("mediatype", "image")
            .attr("decrypt-fail", "hide")
            .attr("count", "2")
            .bytes(vec![1, 2, 3])
            .finish(),
        Node::build("device-identity").bytes(vec![9; 4]).finish(),
        Node::build("verified_name").bytes(vec![8; 3]).finish(),
        Node::new("multicast"),
    ]);
    let m = MessageStanza::parse(&node, &own()).unwrap();
    assert_eq!(m.id, "3EB0ABCDEF0123456789");
    assert_eq!(m.timestamp, 1_700_000_000);
    assert_eq!(m.source.chat, Jid::pn(BOB_PN));
    assert_eq!(m.source.sender, Jid::pn(BOB_PN).with_device(3));
    // The alternate identity takes the sender's device when it names none.
    assert_eq!(m.source.sender_alt, Some(Jid::lid(BOB_LID).with_device(3)));
    assert_eq!(
        m.source.lid_pair(),
        Some((Jid::pn(BOB_PN), Jid::lid(BOB_LID)))
    );
    assert_eq!(
        m.source.encryption_identity(),
        &Jid::lid(BOB_LID).with_device(3)
    );
    assert!(!m.source.is_from_me && !m.source.is_group);
    assert_eq!(m.push_name.as_deref(), Some("Bob"));
    assert_eq!(m.message_type.as_deref(), Some("text"));
    assert_eq!(m.offline.as_deref(), Some("0"));
    assert_eq!(m.edit, EditAttribute::None);
    assert!(m.multicast);
    assert_eq!(m.verified_name, Some(vec![8; 3]));
    assert_eq!(m.device_identity, Some(vec![9; 4]));
    assert_eq!(m.encs.len(), 1);
    let e = &m.encs[0];
    assert_eq!(e.enc_type, EncType::PreKey);
    assert_eq!(e.version, 2);
    assert_eq!(e.media_type.as_deref(), Some("image"));
    assert!(e.hide_on_failure());
    assert_eq!(m.retry_count(), Some(2));
    assert_eq!(e.ciphertext, vec![1, 2, 3]);
    assert!(!m.is_unavailable());
}

#[test]
fn own_device_dm_is_from_me_in_the_recipients_chat() {
    let node = Node::build("message")
        .attr("from", Jid::lid(ME_LID).with_device(2))
        .attr("recipient", Jid::lid(BOB_LID))
        .attr("peer_recipient_pn", Jid::pn(BOB_PN))
        .attr("id", "X")
        .attr("t", "5")
        .attr("edit", "7")
        .child(enc("msg", vec![0]))
        .finish();
    let m = MessageStanza::parse(&node, &own()).unwrap();
    assert!(m.source.is_from_me);
    assert_eq!(m.source.chat, Jid::lid(BOB_LID));
    assert_eq!(m.source.sender, Jid::lid(ME_LID).with_device(2));
    assert_eq!(m.source.recipient_alt, Some(Jid::pn(BOB_PN)));
    assert_eq!(
        m.source.lid_pair(),
        Some((Jid::pn(BOB_PN), Jid::lid(BOB_LID))),
        "our own DM names the chat partner's pair"
    );
    assert_eq!(m.recipient, Some(Jid::lid(BOB_LID)));
    assert_eq!(m.edit, EditAttribute::SenderRevoke);

    // Without `recipient` (a note to self) the chat is our own non-AD JID.
    let node = Node::build("message")
        .attr("from", Jid::pn(ME_PN).with_device(9))
        .attr("id", "Y")
        .attr("t", "5")
        .attr("category", "peer")
        .attr("type", "peer_msg")
        .finish();
    let m = MessageStanza::parse(&node, &own()).unwrap();
    assert_eq!(m.source.chat, Jid::pn(ME_PN));
    assert!(m.is_peer());
    assert_eq!(m.source.lid_pair(), None, "no alternate named");
}

#[test]
fn group_message_uses_participant_and_its_alternate() {
    let node = Node::build("message")
        .attr("from", Jid::group(GROUP))
        .attr("participant", Jid::lid(BOB_LID).with_device(4))
        .attr("participant_pn", Jid::pn(BOB_PN))
        .attr("addressing_mode", "lid")
        .attr("id", "G1")
        .attr("t", "7")
        .child(enc("skmsg", vec![1]))
        .finish();
    let m = MessageStanza::parse(&node, &own()).unwrap();
    assert!(m.source.is_group && !m.source.is_from_me);
    assert_eq!(m.source.chat, Jid::group(GROUP));
    assert_eq!(m.source.sender, Jid::lid(BOB_LID).with_device(4));
    assert_eq!(m.source.sender_alt, Some(Jid::pn(BOB_PN).with_device(4)));
    assert_eq!(m.source.addressing_mode, Some(AddressingMode::Lid));
    assert_eq!(m.source.encryption_identity(), &m.source.sender);
    assert_eq!(
        m.source.lid_pair(),
        Some((Jid::pn(BOB_PN), Jid::lid(BOB_LID))),
        "LID sender, PN alternate: the pair, without devices"
    );
    assert_eq!(m.participant, Some(Jid::lid(BOB_LID).with_device(4)));

    // Our own LID as participant: from me.
    let mine = Node::build("message")
        .attr("from", Jid::group(GROUP))
        .attr("participant", Jid::lid(ME_LID).with_device(1))
        .attr("id", "G2")
        .attr("t", "7")
        .finish();
    assert!(
        MessageStanza::parse(&mine, &own())
            .unwrap()
            .source
            .is_from_me
    );
}

#[test]
fn view_once_withheld_is_unavailable() {
    let node = Node::build("message")
        .attr("from", Jid::pn(BOB_PN))
        .attr("id", "V")
        .attr("t", "1")
        .child(Node::build("unavailable").attr("type", "view_once"))
        .finish();
    let m = MessageStanza::parse(&node, &own()).unwrap();
    assert!(m.is_unavailable());
    assert_eq!(m.unavailable.as_deref(), Some("view_once"));
}

#[test]
fn malformed_stanzas_give_typed_errors() {
    let base = || {
        Node::build("message")
            .attr("from", Jid::pn(BOB_PN))
            .attr("id", "1")
            .attr("t", "1")
    };
    assert!(matches!(
        MessageStanza::parse(&Node::new("receipt"), &own()),
        Err(StanzaError::WrongTag { .. })
    ));
    let no_id = Node::build("message")
        .attr("from", Jid::pn(BOB_PN))
        .attr("t", "1")
        .finish();
    assert_eq!(
        MessageStanza::parse(&no_id, &own()),
        Err(StanzaError::MissingAttr {
            tag: "message",
            attr: "id"
        })
    );
    let bad_t = base().attr("t", "soon").finish();
    assert!(matches!(
        MessageStanza::parse(&bad_t, &own()),
        Err(StanzaError::BadAttr { attr: "t", .. })
    ));
    let no_from = Node::build("message")
        .attr("id", "1")
        .attr("t", "1")
        .finish();
    assert!(matches!(
        MessageStanza::parse(&no_from, &own()),
        Err(StanzaError::MissingAttr { attr: "from", .. })
    ));
    let group_no_participant = Node::build("message")
        .attr("from", Jid::group(GROUP))
        .attr("id", "1")
        .attr("t", "1")
        .finish();
    assert!(matches!(
        MessageStanza::parse(&group_no_participant, &own()),
        Err(StanzaError::MissingAttr {
            attr: "participant",
            ..
        })
    ));
    let enc_no_type = base()
        .child(Node::build("enc").bytes(vec![1]).finish())
        .finish();
    assert!(matches!(
        MessageStanza::parse(&enc_no_type, &own()),
        Err(StanzaError::MissingAttr { tag: "enc", .. })
    ));
    let enc_no_bytes = base()
        .child(Node::build("enc").attr("type", "msg").finish())
        .finish();
    assert!(matches!(
        MessageStanza::parse(&enc_no_bytes, &own()),
        Err(StanzaError::BadContent { tag: "enc", .. })
    ));
}

struct Peer {
    identity: LocalIdentity,
    prekeys: PreKeySet,
}

fn peer(rng: &mut StdRng) -> Peer {
    let identity = LocalIdentity::generate(rng);
    let signed = vec![SignedPreKey::generate(&identity.key_pair, 1, rng)];
    Peer {
        identity,
        prekeys: PreKeySet {
            signed,
            one_time: vec![PreKey::generate(7, rng)],
        },
    }
}

/// Bob (sender) opens a session to us and encrypts `msg`; returns his record and the bytes.
fn bob_sends(
    rng: &mut StdRng,
    bob: &Peer,
    us: &Peer,
    record: Option<SessionRecord>,
    msg: &wa::Message,
) -> (SessionRecord, &'static str, Vec<u8>) {
    let record = record.unwrap_or_else(|| {
        SessionRecord::new()
            .initiate(
                &bob.identity,
                &PreKeyBundle::for_local(
                    &us.identity,
                    &us.prekeys.signed[0],
                    us.prekeys.one_time.first(),
                ),
                rng,
            )
            .unwrap()
    });
    let (ct, record) = record.encrypt(&pad_with(&msg.encode_to_vec(), 3)).unwrap();
    (record, ct.enc_type(), ct.serialized().to_vec())
}

#[test]
fn dm_pkmsg_decrypts_persists_and_redelivery_is_a_duplicate() {
    let mut rng = StdRng::seed_from_u64(6);
    let bob = peer(&mut rng);
    let us = peer(&mut rng);
    let (_, ty, bytes) = bob_sends(&mut rng, &bob, &us, None, &text("hello"));
    assert_eq!(ty, "pkmsg");
    let node = dm_from_bob(vec![enc(ty, bytes)]);
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let out = decrypt_stanza(
        &stanza,
        &RecvKeys::default(),
        &us.identity,
        &us.prekeys,
        &mut rng,
    );
    assert_eq!(out.failure, None);
    assert!(out.ignored.is_empty());
    assert_eq!(out.contents.len(), 1);
    assert_eq!(out.contents[0].message, text("hello"));
    assert_eq!(out.changes.consumed_prekey, Some(7));
    assert_eq!(
        out.changes.remote_identity,
        Some(bob.identity.key_pair.public)
    );
    let session = out.changes.session.clone().unwrap();
    assert!(session.has_session());
    assert!(out.changes.sender_key.is_none());

    // Redelivered after we persisted: the message key is used up, so it is a duplicate.
    let keys = RecvKeys {
        session,
        ..Default::default()
    };
    let again = decrypt_stanza(&stanza, &keys, &us.identity, &us.prekeys, &mut rng);
    assert_eq!(again.failure, None);
    assert!(again.contents.is_empty());
    assert_eq!(again.ignored.len(), 1);
    assert!(again.ignored[0].reason.is_duplicate());
}

#[test]
fn tampered_payload_fails_with_a_retry_and_changes_nothing() {
    let mut rng = StdRng::seed_from_u64(7);
    let bob = peer(&mut rng);
    let us = peer(&mut rng);
    let (_, ty, mut bytes) = bob_sends(&mut rng, &bob, &us, None, &text("x"));
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let node = dm_from_bob(vec![Node::build("enc")
        .attr("v", "2")
        .attr("type", ty)
        .attr("decrypt-fail", "hide")
        .bytes(bytes)
        .finish()]);
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let out = decrypt_stanza(
        &stanza,
        &RecvKeys::default(),
        &us.identity,
        &us.prekeys,
        &mut rng,
    );
    let f = out.failure.unwrap();
    assert_eq!(f.enc_type, EncType::PreKey);
    assert!(f.error.wants_retry());
    assert!(f.hide && !f.is_unavailable);
    assert!(out.changes.is_empty());
    assert!(out.contents.is_empty());
}

#[test]
fn device_sent_message_is_unwrapped_with_destination() {
    let mut rng = StdRng::seed_from_u64(8);
    let other_device = peer(&mut rng);
    let us = peer(&mut rng);
    let context = wa::MessageContextInfo {
        message_secret: Some(vec![4; 32]),
        ..Default::default()
    };
    let dsm = wa::Message {
        device_sent_message: Some(Box::new(wa::DeviceSentMessage {
            destination_jid: Some(format!("{BOB_PN}@s.whatsapp.net")),
            message: Some(Box::new(text("sent from my phone"))),
            phash: Some("2:abc".into()),
        })),
        message_context_info: Some(context.clone()),
        ..Default::default()
    };
    let (_, ty, bytes) = bob_sends(&mut rng, &other_device, &us, None, &dsm);
    let node = Node::build("message")
        .attr("from", Jid::pn(ME_PN))
        .attr("recipient", Jid::pn(BOB_PN))
        .attr("id", "D")
        .attr("t", "9")
        .child(enc(ty, bytes))
        .finish();
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    assert!(stanza.source.is_from_me);
    let out = decrypt_stanza(
        &stanza,
        &RecvKeys::default(),
        &us.identity,
        &us.prekeys,
        &mut rng,
    );
    let c = &out.contents[0];
    assert_eq!(
        c.message.conversation.as_deref(),
        Some("sent from my phone")
    );
    assert_eq!(c.message.message_context_info, Some(context));
    assert!(c.message.device_sent_message.is_none());
    let meta = c.device_sent.as_ref().unwrap();
    assert_eq!(meta.destination_jid, format!("{BOB_PN}@s.whatsapp.net"));
    assert_eq!(meta.phash.as_deref(), Some("2:abc"));
}

fn group_stanza(encs: Vec<Node>) -> Node {
    Node::build("message")
        .attr("from", Jid::group(GROUP))
        .attr("participant", Jid::lid(BOB_LID).with_device(1))
        .attr("addressing_mode", "lid")
        .attr("id", "GRP")
        .attr("t", "11")
        .attr("type", "text")
        .children(encs)
        .finish()
}

/// The 1:1 message that hands `sk`'s distribution message to a member of [`GROUP`].
fn skdm_for(sk: &SenderKeyRecord) -> wa::Message {
    wa::Message {
        sender_key_distribution_message: Some(wa::SenderKeyDistributionMessage {
            group_id: Some(format!("{GROUP}@g.us")),
            axolotl_sender_key_distribution_message: Some(
                sk.distribution_message().unwrap().serialize(),
            ),
        }),
        ..Default::default()
    }
}

#[test]
fn group_skdm_in_pkmsg_then_skmsg_decrypts_in_one_pass() {
    let mut rng = StdRng::seed_from_u64(9);
    let bob = peer(&mut rng);
    let us = peer(&mut rng);
    let bob_sk = SenderKeyRecord::generate_own(&mut rng);
    let skdm = skdm_for(&bob_sk);
    let (_, ty, direct) = bob_sends(&mut rng, &bob, &us, None, &skdm);
    let (skmsg, _) = bob_sk
        .encrypt(&pad_with(&text("hi group").encode_to_vec(), 5))
        .unwrap();
    // The server puts the group payload first here; the 1:1 one must still be used first.
    let node = group_stanza(vec![
        enc("skmsg", skmsg.serialized().to_vec()),
        enc(ty, direct),
    ]);
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let out = decrypt_stanza(
        &stanza,
        &RecvKeys::default(),
        &us.identity,
        &us.prekeys,
        &mut rng,
    );
    assert_eq!(out.failure, None, "{:?}", out.ignored);
    assert_eq!(out.contents.len(), 2);
    assert!(out.contents[0].is_empty());
    assert!(out.contents[0].sender_key_distribution.is_some());
    assert_eq!(out.contents[1].message, text("hi group"));
    assert!(!out.contents[1].is_empty());
    let sk = out.changes.sender_key.unwrap();
    assert!(sk.current().is_some());
    assert!(out.changes.session.is_some());
}

#[test]
fn skmsg_without_sender_key_is_unavailable_and_dm_skmsg_is_refused() {
    let mut rng = StdRng::seed_from_u64(10);
    let us = peer(&mut rng);
    let bob_sk = SenderKeyRecord::generate_own(&mut rng);
    let (skmsg, _) = bob_sk.encrypt(&pad_with(b"\x0a\x01x", 2)).unwrap();
    let node = group_stanza(vec![enc("skmsg", skmsg.serialized().to_vec())]);
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let out = decrypt_stanza(
        &stanza,
        &RecvKeys::default(),
        &us.identity,
        &us.prekeys,
        &mut rng,
    );
    let f = out.failure.unwrap();
    assert!(f.is_unavailable);
    assert!(matches!(
        f.error,
        DecryptError::Signal(SignalError::NoSenderKey(_))
    ));

    let node = dm_from_bob(vec![enc("skmsg", skmsg.serialized().to_vec())]);
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let out = decrypt_stanza(
        &stanza,
        &RecvKeys::default(),
        &us.identity,
        &us.prekeys,
        &mut rng,
    );
    assert_eq!(out.failure.unwrap().error, DecryptError::NotGroup);
}

#[test]
fn unsupported_kinds_and_versions_are_skipped_without_retry() {
    let mut rng = StdRng::seed_from_u64(11);
    let us = peer(&mut rng);
    let node = dm_from_bob(vec![
        enc("msmsg", vec![1, 2]),
        Node::build("enc")
            .attr("v", "3")
            .attr("type", "frskmsg")
            .bytes(vec![0])
            .finish(),
    ]);
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let out = decrypt_stanza(
        &stanza,
        &RecvKeys::default(),
        &us.identity,
        &us.prekeys,
        &mut rng,
    );
    assert_eq!(out.failure, None);
    assert_eq!(out.ignored.len(), 2);
    assert!(out
        .ignored
        .iter()
        .all(|i| matches!(i.reason, DecryptError::UnsupportedType(_))));

    let v3 = EncNode {
        enc_type: EncType::Whisper,
        version: 3,
        media_type: None,
        decrypt_fail: None,
        retry_count: None,
        ciphertext: Vec::new(),
    };
    assert_eq!(
        decode_payload(&v3, b"abc"),
        Err(DecryptError::UnsupportedVersion(3))
    );
}

#[test]
fn content_helpers_unpad_and_decode() {
    let bytes = pad_with(&text("a").encode_to_vec(), 16);
    let enc = EncNode {
        enc_type: EncType::Whisper,
        version: 2,
        media_type: None,
        decrypt_fail: None,
        retry_count: None,
        ciphertext: Vec::new(),
    };
    assert_eq!(decode_payload(&enc, &bytes).unwrap().message, text("a"));
    assert_eq!(
        decode_payload(&enc, &[1, 2, 3]),
        Err(DecryptError::BadPadding)
    );
    assert_eq!(
        decode_payload(&enc, &pad_with(&[0xff, 0xff], 1)),
        Err(DecryptError::BadProtobuf)
    );
    assert_eq!(unpad_payload(3, b"raw"), Ok(&b"raw"[..]));
    // A bare wrapper without an inner message stays as it was.
    let bare = wa::Message {
        device_sent_message: Some(Box::new(wa::DeviceSentMessage {
            destination_jid: Some("x".into()),
            message: None,
            phash: None,
        })),
        ..Default::default()
    };
    let c = split_message(bare.clone());
    assert_eq!(c.message, bare);
    assert!(c.device_sent.is_none());
}

fn sample_stanzas() -> Vec<Node> {
    vec![
        dm_from_bob(vec![
            enc("pkmsg", vec![0x33, 1, 2, 3]),
            enc("msg", vec![0x33; 40]),
        ]),
        group_stanza(vec![enc("skmsg", vec![0x33; 80])]),
    ]
}

fn mutate(node: &Node, choice: u8, data: &[u8]) -> Node {
    let mut n = node.clone();
    let text = String::from_utf8_lossy(data).into_owned();
    match choice % 6 {
        0 => n.set_attr("from", text),
        1 => n.set_attr("t", text),
        2 => n.set_attr("participant", text),
        3 => {
            if let crate::binary::Content::Nodes(children) = &mut n.content {
                if let Some(c) = children.first_mut() {
                    c.content = crate::binary::Content::Bytes(data.to_vec());
                    c.set_attr("v", text);
                }
            }
        }
        4 => n.content = crate::binary::Content::Bytes(data.to_vec()),
        _ => {
            if let crate::binary::Content::Nodes(children) = &mut n.content {
                children.push(
                    Node::build("enc")
                        .attr("type", text)
                        .bytes(data.to_vec())
                        .finish(),
                );
            }
        }
    }
    n
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_stanzas_never_panic(which in 0usize..2, choice in any::<u8>(), data in proptest::collection::vec(any::<u8>(), 0..120)) {
        let node = mutate(&sample_stanzas()[which], choice, &data);
        let mut rng = StdRng::seed_from_u64(1);
        if let Ok(stanza) = MessageStanza::parse(&node, &own()) {
            let us = LocalIdentity::generate(&mut rng);
            let _ = decrypt_stanza(&stanza, &RecvKeys::default(), &us, &PreKeySet::default(), &mut rng);
        }
    }

    #[test]
    fn random_plaintexts_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode_message(&data);
        let _ = unpad_payload(2, &data);
    }
}

/// The in-place stanza decrypt moves the caller's records exactly as far as the value form's
/// changes take them, and leaves them alone when nothing decrypts.
#[test]
fn in_place_stanza_decrypt_matches_the_value_form() {
    let mut rng = StdRng::seed_from_u64(12);
    let bob = peer(&mut rng);
    let us = peer(&mut rng);
    let bob_sk = SenderKeyRecord::generate_own(&mut rng);
    let skdm = skdm_for(&bob_sk);
    let (bob_session, ty, direct) = bob_sends(&mut rng, &bob, &us, None, &skdm);
    let (skmsg, _) = bob_sk
        .encrypt(&pad_with(&text("hi group").encode_to_vec(), 5))
        .unwrap();
    let mut tampered = skmsg.serialized().to_vec();
    tampered[4] ^= 1;
    for (sk, expect_failure) in [(skmsg.serialized().to_vec(), false), (tampered, true)] {
        let node = group_stanza(vec![enc("skmsg", sk), enc(ty, direct.clone())]);
        let stanza = MessageStanza::parse(&node, &own()).unwrap();
        let keys = RecvKeys::default();
        let value = decrypt_stanza(&stanza, &keys, &us.identity, &us.prekeys, &mut rng.clone());
        let mut moving = keys.clone();
        let (got, moved) =
            decrypt_stanza_in_place(&stanza, &mut moving, &us.identity, &us.prekeys, &mut rng);
        assert_eq!(value.failure.is_some(), expect_failure);
        assert_eq!(got.contents, value.contents);
        assert_eq!(got.failure, value.failure);
        assert_eq!(got.ignored, value.ignored);
        assert_eq!(got.changes.consumed_prekey, value.changes.consumed_prekey);
        assert_eq!(got.changes.remote_identity, value.changes.remote_identity);
        assert_eq!((got.changes.session, got.changes.sender_key), (None, None));
        assert_eq!(
            moved,
            Moved {
                session: true,
                sender_key: true
            },
            "the pkmsg and its distribution message moved both, whatever the skmsg did"
        );
        assert_eq!(Some(moving.session), value.changes.session);
        assert_eq!(Some(moving.sender_key), value.changes.sender_key);
    }

    // A `msg` that fails moves nothing.
    let (_, ty, bytes) = bob_sends(&mut rng, &bob, &us, Some(bob_session), &text("x"));
    let mut bytes = bytes;
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let node = dm_from_bob(vec![enc(ty, bytes)]);
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let mut keys = RecvKeys::default();
    let (got, moved) =
        decrypt_stanza_in_place(&stanza, &mut keys, &us.identity, &us.prekeys, &mut rng);
    assert!(got.failure.is_some());
    assert_eq!(moved, Moved::default());
    assert_eq!(keys, RecvKeys::default());
}
