//! Retry receipts: the contact re-sends the same message, re-encrypted on a new session, under
//! the same id with `<enc count>`.

mod common;

use common::receiver::Receiver;
use common::WAIT;
use wa_protocol::binary::Node;
use wa_protocol::signal::keys::PreKey;
use wa_protocol::signal::PreKeyWhisperMessage;
use wa_protocol::stanza::receipt::{retry_receipt, ReceiptKind, RetryKeys};
use wa_testkit::FakeServer;

fn enc_attrs(node: &Node) -> Vec<(String, Option<u64>)> {
    node.children_by_tag("enc")
        .map(|e| {
            (
                e.attr_str("type")
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                e.attr_u64("count"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_corrupted_message_is_re_sent_decryptable_after_a_retry_receipt() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_020);
    let id = alice
        .send_corrupted_text(&server, &r.jid, "fragile")
        .expect("sent");
    let m1 = r.next_message().await;
    let (stanza, out) = r.decrypt(&m1);
    let failure = out.failure.expect("the first delivery must not decrypt");
    assert!(failure.error.wants_retry());
    assert!(out.contents.is_empty());
    r.ack(&m1).await;
    let receipt = retry_receipt(&stanza, 1, r.identity.registration_id, None);
    r.send(&receipt).await;

    let m2 = r.next_message().await;
    assert_eq!(m2.attr_str("id").as_deref(), Some(id.as_str()));
    assert_eq!(m2.attr_str("t"), m1.attr_str("t"), "same envelope");
    assert_eq!(enc_attrs(&m2), [("pkmsg".to_owned(), Some(1))]);
    assert_eq!(r.texts(&m2), ["fragile"]);
    r.ack(&m2).await;

    server.wait_for_acks(2, WAIT).await.expect("both acked");
    assert!(server.acked(&id));
    assert_eq!(server.deliveries_of(&id).len(), 2);
    let receipts = server.receipts_for(&id);
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].kind, ReceiptKind::Retry);
    assert_eq!(receipts[0].device, r.jid);
    let retry = receipts[0].retry.as_ref().expect("retry part");
    assert_eq!((retry.count, retry.bundle.is_some()), (1, false));
}

#[tokio::test]
async fn a_retry_with_keys_starts_the_new_session_from_those_keys() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_021);
    let id = alice.send_text(&server, &r.jid, "once").expect("sent");
    let m1 = r.next_message().await;
    let stanza = r.parse(&m1);
    r.ack(&m1).await;

    let fresh = PreKey::generate(500, &mut rand::rngs::OsRng);
    r.prekeys.one_time.push(fresh.clone());
    let keys = RetryKeys {
        identity: &r.identity.key_pair.public,
        prekey: &fresh,
        signed_prekey: &r.prekeys.signed[0],
        device_identity: b"adv",
    };
    let receipt = retry_receipt(&stanza, 2, r.identity.registration_id, Some(keys));
    let before = server.prekeys(&r.jid).map(|k| k.prekeys.len());
    r.send(&receipt).await;

    let m2 = r.next_message().await;
    assert_eq!(m2.attr_str("id").as_deref(), Some(id.as_str()));
    assert_eq!(enc_attrs(&m2), [("pkmsg".to_owned(), Some(2))]);
    let pk = PreKeyWhisperMessage::parse(&r.parse(&m2).encs[0].ciphertext).expect("pkmsg");
    assert_eq!(
        pk.prekey_id,
        Some(500),
        "the receipt's prekey, not the server's"
    );
    assert_eq!(server.prekeys(&r.jid).map(|k| k.prekeys.len()), before);
    assert_eq!(r.texts(&m2), ["once"]);
}

#[tokio::test]
async fn a_group_retry_re_sends_over_1_1_with_the_sender_key() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_022);
    let group = server.create_group("G", &[alice.jid().clone(), r.jid.to_non_ad()]);
    let id = alice
        .send_group_text(&server, &group, "first")
        .expect("sent");
    // Pretend the whole stanza was lost on our side: ask again without decrypting.
    let m1 = r.next_message().await;
    let stanza = r.parse(&m1);
    r.ack(&m1).await;
    r.send(&retry_receipt(&stanza, 1, r.identity.registration_id, None))
        .await;

    let m2 = r.next_message().await;
    assert_eq!(m2.attr_str("id").as_deref(), Some(id.as_str()));
    assert_eq!(m2.attr_jid("from").as_ref(), Some(group.jid()));
    assert_eq!(m2.attr_jid("participant").as_ref(), Some(alice.jid()));
    assert_eq!(enc_attrs(&m2), [("pkmsg".to_owned(), Some(1))]);
    let (_, out) = r.decrypt(&m2);
    assert!(out.failure.is_none(), "{:?}", out.failure);
    assert_eq!(out.contents.len(), 1);
    assert_eq!(
        out.contents[0].message.conversation.as_deref(),
        Some("first")
    );
    assert!(out.contents[0].sender_key_distribution.is_some());
    assert!(out.changes.sender_key.is_some());
    r.ack(&m2).await;

    alice
        .send_group_text(&server, &group, "second")
        .expect("sent");
    let m3 = r.next_message().await;
    assert_eq!(enc_attrs(&m3), [("skmsg".to_owned(), None)]);
    assert_eq!(r.texts(&m3), ["second"]);
}
