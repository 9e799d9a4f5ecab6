use prost::Message as _;
use wa_protobuf::wa::{AdvDeviceIdentity, AdvSignedDeviceIdentity};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::crypto::KeyPair;
use wa_protocol::message::source::OwnJids;
use wa_protocol::pairing::adv::{account_signature_message, device_signature_message};

use super::*;
use crate::store::{Batch, MemoryStore};

const BOB: &str = "15550002222";

fn stanza(device: u16, enc_type: &str, device_identity: Option<Vec<u8>>) -> MessageStanza {
    let mut children = vec![Node::build("enc")
        .attr("v", "2")
        .attr("type", enc_type.to_owned())
        .bytes(vec![1, 2, 3])
        .finish()];
    if let Some(bytes) = device_identity {
        children.push(Node::build("device-identity").bytes(bytes).finish());
    }
    let node = Node::build("message")
        .attr("from", Jid::pn(BOB).with_device(device))
        .attr("id", "3EB0AA")
        .attr("t", "1700000000")
        .attr("type", "text")
        .children(children)
        .finish();
    let own = OwnJids {
        pn: Jid::pn("15550001111").with_device(5),
        lid: None,
    };
    MessageStanza::parse(&node, &own).expect("a valid stanza")
}

/// The statement Bob's phone made about his companion's key, countersigned.
fn statement(phone: &KeyPair, companion: &KeyPair) -> Vec<u8> {
    let details = AdvDeviceIdentity {
        raw_id: Some(1),
        key_index: Some(2),
        ..Default::default()
    }
    .encode_to_vec();
    let account = account_signature_message(&details, &companion.public, false);
    let device = device_signature_message(
        &details,
        companion.public.as_bytes(),
        phone.public.as_bytes(),
    );
    AdvSignedDeviceIdentity {
        details: Some(details),
        account_signature_key: Some(phone.public.as_bytes().to_vec()),
        account_signature: Some(phone.private.sign(&account).to_vec()),
        device_signature: Some(companion.private.sign(&device).to_vec()),
    }
    .encode_to_vec()
}

struct World {
    store: MemoryStore,
    account: AccountId,
    phone: KeyPair,
    companion: KeyPair,
}

async fn world(primary_known: bool) -> World {
    let w = World {
        store: MemoryStore::new(),
        account: AccountId::new("me"),
        phone: KeyPair::from_private_bytes([7; 32]),
        companion: KeyPair::from_private_bytes([9; 32]),
    };
    if primary_known {
        let primary = signal_address(&Jid::pn(BOB));
        let batch = Batch::new().put(
            Namespace::IDENTITIES,
            primary.into_bytes(),
            w.phone.public.as_bytes().to_vec(),
        );
        w.store.apply(&w.account, batch).await.unwrap();
    }
    w
}

async fn check(w: &World, s: &MessageStanza, remote: &PublicKey) -> Trust {
    let address = signal_address(s.source.encryption_identity());
    check_trust(&w.store, &w.account, s, &address, remote, Utc::now())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_companion_vouched_for_by_the_known_primary_is_trusted() {
    let w = world(true).await;
    let s = stanza(3, "pkmsg", Some(statement(&w.phone, &w.companion)));
    let t = check(&w, &s, &w.companion.public).await;
    assert!(t.refused.is_none() && !t.unverified && t.events.is_empty());
}

#[tokio::test]
async fn a_companion_vouched_for_by_another_phone_is_refused() {
    let w = world(true).await;
    let impostor = KeyPair::from_private_bytes([11; 32]);
    let s = stanza(3, "pkmsg", Some(statement(&impostor, &w.companion)));
    let t = check(&w, &s, &w.companion.public).await;
    assert_eq!(t.refused, Some(DeviceIdentityError::PrimaryMismatch));
    // A statement about another key than the pkmsg's is refused whoever signed it.
    let stranger = KeyPair::from_private_bytes([13; 32]).public;
    let s = stanza(3, "pkmsg", Some(statement(&w.phone, &w.companion)));
    let t = check(&w, &s, &stranger).await;
    assert_eq!(t.refused, Some(DeviceIdentityError::AccountSignature));
}

#[tokio::test]
async fn an_unknown_primary_or_a_missing_statement_is_flagged_not_refused() {
    let w = world(false).await;
    let s = stanza(3, "pkmsg", Some(statement(&w.phone, &w.companion)));
    let t = check(&w, &s, &w.companion.public).await;
    assert!(t.refused.is_none() && t.unverified);
    let w = world(true).await;
    let t = check(&w, &stanza(3, "pkmsg", None), &w.companion.public).await;
    assert!(t.refused.is_none() && t.unverified);
}

#[tokio::test]
async fn primaries_and_existing_sessions_need_no_statement() {
    let w = world(true).await;
    let t = check(&w, &stanza(0, "pkmsg", None), &w.phone.public).await;
    assert!(t.refused.is_none() && !t.unverified);
    let t = check(&w, &stanza(3, "msg", None), &w.companion.public).await;
    assert!(t.refused.is_none() && !t.unverified);
}

#[tokio::test]
async fn a_known_device_under_a_new_key_is_an_identity_change() {
    let w = world(true).await;
    let s = stanza(0, "pkmsg", None);
    assert!(check(&w, &s, &w.phone.public).await.events.is_empty());
    let new_key = KeyPair::from_private_bytes([15; 32]).public;
    let t = check(&w, &s, &new_key).await;
    match t.events.as_slice() {
        [Event::IdentityChange(c)] => {
            assert_eq!(c.jid, Jid::pn(BOB));
            assert!(c.implicit);
        }
        other => panic!("expected one IdentityChange, got {other:?}"),
    }
}
