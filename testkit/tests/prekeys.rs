//! The server side of prekeys: count, upload, bundles, and the low-count notification, over a
//! real connection of a logged-in device.

mod common;

use std::time::Duration;

use common::{Keys, RawClient};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::crypto::KeyPair;
use wa_protocol::noise::{login_payload, PayloadConfig};
use wa_protocol::signal::keys::{PreKey, SignedPreKey};
use wa_protocol::stanza::prekey_nodes::parse_bundle;
use wa_testkit::FakeServer;

fn iq(ty: &str, id: &str, children: Vec<Node>) -> Node {
    Node::build("iq")
        .attr("xmlns", "encrypt")
        .attr("type", ty.to_owned())
        .attr("id", id.to_owned())
        .attr("to", "s.whatsapp.net")
        .children(children)
        .finish()
}

fn bytes(tag: &'static str, b: impl Into<Vec<u8>>) -> Node {
    Node::build(tag).bytes(b).finish()
}

/// The upload iq of signal.md §2.2.
fn upload(id: &str, identity: &KeyPair, spk: &SignedPreKey, prekeys: &[PreKey]) -> Node {
    let keys = prekeys
        .iter()
        .map(|k| {
            Node::build("key")
                .children([
                    bytes("id", k.id.to_be_bytes()[1..].to_vec()),
                    bytes("value", k.key_pair.public.0.to_vec()),
                ])
                .finish()
        })
        .collect::<Vec<_>>();
    iq(
        "set",
        id,
        vec![
            bytes("registration", 4242u32.to_be_bytes().to_vec()),
            bytes("type", vec![5]),
            bytes("identity", identity.public.0.to_vec()),
            Node::build("list").children(keys).finish(),
            Node::build("skey")
                .children([
                    bytes("id", spk.id.to_be_bytes()[1..].to_vec()),
                    bytes("value", spk.key_pair.public.0.to_vec()),
                    bytes("signature", spk.signature.to_vec()),
                ])
                .finish(),
        ],
    )
}

async fn count(client: &mut RawClient, id: &str) -> u64 {
    let query = iq("get", id, vec![Node::build("count").finish()]);
    client.send(&query).await;
    let reply = client
        .recv_until(|n| n.attr_str("id").as_deref() == Some(id))
        .await;
    reply
        .child("count")
        .and_then(|c| c.attr_u64("value"))
        .expect("count value")
}

/// A device provisioned through the shortcut, logged in over a bare connection.
async fn logged_in(server: &FakeServer) -> (RawClient, Jid, KeyPair) {
    let noise = KeyPair::generate(&mut rand::rngs::OsRng);
    let jid = server.provision(noise.public, None).jid;
    let user: u64 = jid.user.parse().expect("numeric");
    let payload = login_payload(&PayloadConfig::default(), user, u32::from(jid.device));
    let mut client = RawClient::connect(server, &noise, &payload).await;
    assert_eq!(client.recv().await.map(|n| n.tag), Some("success".into()));
    (client, jid, noise)
}

#[tokio::test]
async fn uploaded_prekeys_are_counted_handed_out_and_announced() {
    let server = FakeServer::start().await.expect("server");
    let (mut client, jid, _) = logged_in(&server).await;
    assert_eq!(count(&mut client, "c0").await, 0);
    assert!(server.prekeys(&jid).is_none());

    let mut rng = rand::rngs::OsRng;
    let identity = KeyPair::generate(&mut rng);
    let spk = SignedPreKey::generate(&identity, 1, &mut rng);
    let prekeys: Vec<PreKey> = (1..=30).map(|i| PreKey::generate(i, &mut rng)).collect();
    client.send(&upload("u1", &identity, &spk, &prekeys)).await;
    let reply = client
        .recv_until(|n| n.attr_str("id").as_deref() == Some("u1"))
        .await;
    assert_eq!(reply.attr_str("type").as_deref(), Some("result"));
    server
        .wait_for_prekey_uploads(&jid, 1, Duration::from_secs(5))
        .await
        .expect("upload recorded");
    assert_eq!(count(&mut client, "c1").await, 30);

    let stored = server.prekeys(&jid).expect("stored");
    assert_eq!(stored.uploads, 1);
    assert_eq!(stored.identity, identity.public);
    assert_eq!(stored.registration_id, 4242);
    assert_eq!(stored.prekeys.len(), 30);

    let bundle = server.take_prekey_bundle(&jid).expect("bundle");
    bundle.verify().expect("signed prekey verifies");
    assert_eq!(bundle.prekey, Some((1, prekeys[0].key_pair.public)));
    assert_eq!(bundle.signed_prekey, spk.key_pair.public);
    assert_eq!(count(&mut client, "c2").await, 29);

    // The LID names the same device.
    let lid = Jid::lid((jid.user.parse::<u64>().expect("n") + 100_000_000_000).to_string())
        .with_device(jid.device);
    assert_eq!(
        server
            .take_prekey_bundle(&lid)
            .and_then(|b| b.prekey)
            .map(|p| p.0),
        Some(2)
    );

    assert_eq!(server.send_prekey_count_notification(3), 1);
    let note = client.recv_until(|n| n.tag == "notification").await;
    assert_eq!(note.attr_str("type").as_deref(), Some("encrypt"));
    assert_eq!(
        note.child("count").and_then(|c| c.attr_u64("value")),
        Some(3)
    );
}

#[tokio::test]
async fn a_bad_upload_is_an_error_iq_and_changes_nothing() {
    let server = FakeServer::start().await.expect("server");
    let (mut client, jid, _) = logged_in(&server).await;
    let mut rng = rand::rngs::OsRng;
    let identity = KeyPair::generate(&mut rng);
    let mut spk = SignedPreKey::generate(&identity, 1, &mut rng);
    spk.signature[7] ^= 1;
    let prekeys = vec![PreKey::generate(1, &mut rng)];
    client.send(&upload("u1", &identity, &spk, &prekeys)).await;
    let reply = client
        .recv_until(|n| n.attr_str("id").as_deref() == Some("u1"))
        .await;
    assert_eq!(reply.attr_str("type").as_deref(), Some("error"));
    assert_eq!(
        reply.child("error").and_then(|e| e.attr_u64("code")),
        Some(400)
    );
    assert!(server.prekeys(&jid).is_none());
    assert_eq!(count(&mut client, "c").await, 0);
}

#[tokio::test]
async fn a_registration_connection_cannot_use_prekey_iqs_and_gets_no_notification() {
    let server = FakeServer::start().await.expect("server");
    server.set_qr_refs(0);
    let keys = Keys::generate();
    let mut client = RawClient::register(&server, &keys).await;
    client
        .send(&iq("get", "c", vec![Node::build("count").finish()]))
        .await;
    let reply = client.recv().await.expect("reply");
    assert_eq!(reply.attr_str("type").as_deref(), Some("error"));
    assert_eq!(server.send_prekey_count_notification(1), 0);
}

#[tokio::test]
async fn a_contact_fetches_a_bundle_that_consumes_a_prekey() {
    let server = FakeServer::start().await.expect("server");
    let (mut alice, alice_jid, _) = logged_in(&server).await;
    let (mut bob, _, _) = logged_in(&server).await;
    let mut rng = rand::rngs::OsRng;
    let identity = KeyPair::generate(&mut rng);
    let spk = SignedPreKey::generate(&identity, 0x01_0203, &mut rng);
    let prekeys: Vec<PreKey> = (5..=6).map(|i| PreKey::generate(i, &mut rng)).collect();
    alice.send(&upload("u1", &identity, &spk, &prekeys)).await;
    server
        .wait_for_prekey_uploads(&alice_jid, 1, Duration::from_secs(5))
        .await
        .expect("uploaded");

    let stranger = Jid::pn("19990000000").with_device(3);
    let user = |jid: &Jid| {
        Node::build("user")
            .attr("jid", jid.clone())
            .attr("reason", "identity")
            .finish()
    };
    let fetch = iq(
        "get",
        "f1",
        vec![Node::build("key")
            .children([user(&alice_jid), user(&stranger)])
            .finish()],
    );
    bob.send(&fetch).await;
    let reply = bob
        .recv_until(|n| n.attr_str("id").as_deref() == Some("f1"))
        .await;
    let list = reply.child("list").expect("list");
    let users: Vec<&Node> = list.children_by_tag("user").collect();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].attr_jid("jid"), Some(alice_jid.clone()));
    let bundle = parse_bundle(users[0], "user").expect("a bundle the client can read");
    bundle.verify().expect("signed prekey verifies");
    assert_eq!(bundle.registration_id, 4242);
    assert_eq!(bundle.identity_key, identity.public);
    assert_eq!(bundle.signed_prekey_id, 0x01_0203);
    assert_eq!(bundle.prekey, Some((5, prekeys[0].key_pair.public)));
    assert_eq!(
        users[1].child("error").and_then(|e| e.attr_u64("code")),
        Some(404)
    );
    assert_eq!(count(&mut alice, "c").await, 1);
}
