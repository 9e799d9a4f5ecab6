//! Contacts sending to a bare receiver that decrypts with the protocol crate's pure code:
//! 1:1 first and later messages, groups (SKDM then `skmsg` only), and push names.

mod common;

use common::receiver::{Receiver, PREKEYS};
use common::WAIT;
use wa_protocol::binary::Jid;
use wa_protocol::message::EncType;
use wa_protocol::signal::PreKeyWhisperMessage;
use wa_testkit::FakeServer;

fn enc_types(node: &wa_protocol::binary::Node) -> Vec<String> {
    node.children_by_tag("enc")
        .filter_map(|e| e.attr_str("type").map(|t| t.into_owned()))
        .collect()
}

#[tokio::test]
async fn a_contact_s_first_and_later_messages_decrypt() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_named_contact(15_551_230_001, "Alice");

    let id1 = alice.send_text(&server, &r.jid, "hello").expect("sent");
    let m1 = r.next_message().await;
    assert_eq!(m1.attr_str("id").as_deref(), Some(id1.as_str()));
    assert_eq!(m1.attr_jid("from").as_ref(), Some(alice.jid()));
    assert_eq!(m1.attr_str("type").as_deref(), Some("text"));
    assert_eq!(m1.attr_str("notify").as_deref(), Some("Alice"));
    assert!(m1.attr("participant").is_none());
    assert!(id1.as_str().starts_with("3EB0") && id1.as_str().len() == 22);
    assert_eq!(enc_types(&m1), ["pkmsg"]);
    let (stanza, out) = r.decrypt(&m1);
    assert!(out.failure.is_none(), "{:?}", out.failure);
    assert_eq!(out.contents.len(), 1);
    assert_eq!(
        out.contents[0].message.conversation.as_deref(),
        Some("hello")
    );
    assert_eq!(
        out.changes.remote_identity,
        alice.identity_key(&server),
        "the session names the contact's identity"
    );
    assert_eq!(out.changes.consumed_prekey, Some(1));
    assert!(!stanza.source.is_group);
    assert_eq!(
        server.prekeys(&r.jid).map(|k| k.prekeys.len()),
        Some(PREKEYS as usize - 1),
        "one bundle fetched"
    );
    assert!(!server.acked(&id1));
    r.ack(&m1).await;
    server.wait_for_acks(1, WAIT).await.expect("acked");
    assert!(server.acked(&id1));

    // We never answer, so libsignal keeps sending pkmsg with the same prekey and base key.
    let id2 = alice.send_text(&server, &r.jid, "again").expect("sent");
    let m2 = r.next_message().await;
    assert_eq!(m2.attr_str("id").as_deref(), Some(id2.as_str()));
    assert_eq!(enc_types(&m2), ["pkmsg"]);
    let first = PreKeyWhisperMessage::parse(&r.parse(&m1).encs[0].ciphertext).expect("pkmsg");
    let second = PreKeyWhisperMessage::parse(&r.parse(&m2).encs[0].ciphertext).expect("pkmsg");
    assert_eq!(first.prekey_id, second.prekey_id);
    assert_eq!(first.base_key, second.base_key);
    assert_eq!(r.texts(&m2), ["again"]);
    assert_eq!(
        server.prekeys(&r.jid).map(|k| k.prekeys.len()),
        Some(PREKEYS as usize - 1),
        "no second bundle"
    );

    // A push-name change is just a different `notify`.
    alice.set_push_name(&server, "Alice B.");
    alice.send_text(&server, &r.jid, "renamed").expect("sent");
    let m3 = r.next_message().await;
    assert_eq!(m3.attr_str("notify").as_deref(), Some("Alice B."));
    assert_eq!(r.texts(&m3), ["renamed"]);
}

#[tokio::test]
async fn sending_needs_a_registered_device_with_prekeys() {
    let server = FakeServer::start().await.expect("server");
    let bob = server.add_contact(15_551_230_002);
    let nobody = Jid::pn("19990000000").with_device(1);
    assert!(matches!(
        bob.send_text(&server, &nobody, "x"),
        Err(wa_testkit::TestkitError::UnknownDevice(_))
    ));
}

#[tokio::test]
async fn a_group_message_brings_the_sender_key_once_then_skmsg_alone() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_003);
    let carol = server.add_contact(15_551_230_004);
    let group = server.create_group("Friends", &[alice.jid().clone(), r.jid.to_non_ad()]);
    assert!(group.jid().is_group());
    assert_eq!(server.group_subject(&group).as_deref(), Some("Friends"));
    assert!(matches!(
        carol.send_group_text(&server, &group, "not a member"),
        Err(wa_testkit::TestkitError::NotMember(_))
    ));

    let id1 = alice
        .send_group_text(&server, &group, "hi all")
        .expect("sent");
    let m1 = r.next_message().await;
    assert_eq!(m1.attr_str("id").as_deref(), Some(id1.as_str()));
    assert_eq!(m1.attr_jid("from").as_ref(), Some(group.jid()));
    assert_eq!(m1.attr_jid("participant").as_ref(), Some(alice.jid()));
    assert_eq!(enc_types(&m1), ["pkmsg", "skmsg"]);
    let (stanza, out) = r.decrypt(&m1);
    assert!(stanza.source.is_group);
    assert!(out.failure.is_none(), "{:?}", out.failure);
    assert_eq!(out.contents.len(), 2, "the SKDM payload and the text");
    let skdm = out.contents[0]
        .sender_key_distribution
        .as_ref()
        .expect("distribution message");
    assert_eq!(
        skdm.group_id.as_deref(),
        Some(group.jid().to_string().as_str())
    );
    assert_eq!(
        out.contents[1].message.conversation.as_deref(),
        Some("hi all")
    );
    r.ack(&m1).await;

    for text in ["two", "three"] {
        alice.send_group_text(&server, &group, text).expect("sent");
        let m = r.next_message().await;
        assert_eq!(enc_types(&m), ["skmsg"]);
        let (_, out) = r.decrypt(&m);
        assert!(out.failure.is_none());
        assert_eq!(out.contents.len(), 1);
        assert_eq!(out.contents[0].message.conversation.as_deref(), Some(text));
        assert_eq!(
            r.parse(&m).encs[0].enc_type,
            EncType::SenderKey,
            "parsed as skmsg"
        );
        r.ack(&m).await;
    }
    server.wait_for_acks(3, WAIT).await.expect("acked");
    assert!(
        server.unmatched_acks().is_empty(),
        "group acks name the participant"
    );
}

#[tokio::test]
async fn a_message_to_a_user_reaches_each_of_its_devices_under_one_id() {
    let server = FakeServer::start().await.expect("server");
    let mut one = Receiver::start(&server).await;
    let mut two = Receiver::start_as(&server, Some(one.jid.to_non_ad().with_device(2))).await;
    assert!(two.jid.same_user(&one.jid) && two.jid.device == 2);
    let alice = server.add_contact(15_551_230_005);

    let id = alice
        .send_message_to_user(
            &server,
            &one.jid.to_non_ad(),
            &wa_testkit::text_message("both"),
        )
        .expect("sent");
    for r in [&mut one, &mut two] {
        let m = r.next_message().await;
        assert_eq!(m.attr_str("id").as_deref(), Some(id.as_str()));
        assert_eq!(r.texts(&m), ["both"]);
        r.ack(&m).await;
    }
    server.wait_for_acks(2, WAIT).await.expect("acked");
    assert_eq!(server.deliveries_of(&id).len(), 2);
    assert!(server.acked(&id));
}

#[tokio::test]
async fn with_lid_addressing_the_receiver_keys_the_session_by_lid() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_006);
    alice.set_lid_addressing(&server, true);
    alice.send_text(&server, &r.jid, "by lid").expect("sent");
    let m = r.next_message().await;
    assert_eq!(m.attr_jid("sender_lid").as_ref(), Some(alice.lid()));
    let stanza = r.parse(&m);
    assert_eq!(stanza.source.encryption_identity(), alice.lid());
    assert_eq!(r.texts(&m), ["by lid"]);
    assert!(r
        .sessions
        .contains_key(&wa_protocol::message::signal_address(alice.lid())));

    let group = server.create_group("G", &[alice.jid().clone(), r.jid.to_non_ad()]);
    alice
        .send_group_text(&server, &group, "group by lid")
        .expect("sent");
    let m = r.next_message().await;
    assert_eq!(m.attr_jid("participant_lid").as_ref(), Some(alice.lid()));
    assert_eq!(r.texts(&m), ["group by lid"]);
}
