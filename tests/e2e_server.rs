//! The fake server answers what real clients ask after login as the real server does: the
//! empty offline marker, the prekey digest, the privacy settings, and a presence
//! subscription answered with the contact's presence.

mod common;

use common::{ready, Harness};
use wa_actors::events::Event;
use wa_actors::protocol::stanza::digest::{digest_iq, parse_digest};
use wa_actors::protocol::stanza::privacy::{parse_privacy, privacy_iq};
use wa_actors::store::{AccountId, Namespace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_login_ends_its_offline_batch_even_when_empty() {
    let h = Harness::start().await;
    let done = h
        .events
        .wait_for("OfflineSyncCompleted", |e| {
            matches!(e, Event::OfflineSyncCompleted(_))
        })
        .await;
    let Event::OfflineSyncCompleted(done) = done else {
        unreachable!()
    };
    assert_eq!(done.count, 0);
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_sums_up_the_prekeys_the_client_uploaded() {
    let (h, _me) = ready().await;
    let reply = h.client.raw().iq(digest_iq()).await.expect("digest");
    let digest = parse_digest(&reply).expect("a real <digest>");
    let account = AccountId::new("default");
    let device = h.store.load_device(&account).await.unwrap().unwrap();
    assert_eq!(digest.registration_id, device.registration_id);
    assert_eq!(digest.identity, device.identity_key.public);
    assert!(!digest.prekey_ids.is_empty());
    for id in &digest.prekey_ids {
        let stored = h
            .store
            .get(&account, Namespace::PRE_KEYS, &id.to_be_bytes())
            .await
            .unwrap();
        assert!(stored.is_some(), "prekey {id} is the client's");
    }
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_settings_have_their_real_shape() {
    let (h, _me) = ready().await;
    let reply = h.client.raw().iq(privacy_iq()).await.expect("privacy");
    let settings = parse_privacy(&reply).expect("categories");
    assert!(
        settings.contains(&("readreceipts".into(), "all".into())),
        "{settings:?}"
    );
    assert!(settings.iter().any(|(name, _)| name == "last"));
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presence_subscription_is_answered_with_the_contact_s_presence() {
    let (h, _me) = ready().await;
    let alice = h.server.add_contact(15551110009);
    alice.set_presence(&h.server, false, Some(1_700_000_000));
    h.client
        .subscribe_presence(alice.jid())
        .await
        .expect("sent");
    let update = h
        .events
        .wait_for("Presence", |e| matches!(e, Event::Presence(_)))
        .await;
    let Event::Presence(p) = update else {
        unreachable!()
    };
    assert_eq!(&p.from, alice.jid());
    assert!(p.unavailable);
    assert_eq!(p.last_seen.map(|t| t.timestamp()), Some(1_700_000_000));
    h.client.stop().await;
}
