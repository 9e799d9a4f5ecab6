use std::sync::Arc;
use std::time::Duration;

use wa_protocol::binary::{Jid, Node};
use wa_protocol::message::OwnJids;
use wa_protocol::usync::{DeviceEntry, UserDevices};

use super::devices::{decode, encode, CachedDevices};
use super::*;
use crate::events::{DeviceListUpdate, DeviceListUpdateType, Event};
use crate::link::{IqError, LiveConn};
use crate::store::{AccountId, MemoryStore, Namespace, Store};

fn account() -> AccountId {
    AccountId::new("a")
}

async fn directory(store: &Arc<MemoryStore>, config: DirectoryConfig) -> Directory {
    Directory::load(
        store.clone(),
        account(),
        LiveConn::default(),
        Duration::from_secs(1),
        config,
    )
    .await
    .unwrap()
}

fn list(user: &str, ids: &[u16]) -> UserDevices {
    UserDevices {
        user: Jid::pn(user),
        lid: Some(Jid::lid(format!("9{user}"))),
        devices: ids
            .iter()
            .map(|&id| DeviceEntry {
                id,
                key_index: (id != 0).then_some(u32::from(id) + 10),
                hosted: id == 99,
            })
            .collect(),
    }
}

fn cache(d: &Directory, devices: UserDevices) {
    let cached = CachedDevices {
        fetched_at: unix_now(),
        devices,
    };
    d.0.devices.insert(cached.devices.user.clone(), cached);
}

#[test]
fn stored_lists_round_trip_and_damage_is_refused() {
    let c = CachedDevices {
        fetched_at: 1_700_000_000,
        devices: list("1555", &[0, 3, 99]),
    };
    let bytes = encode(&c);
    assert_eq!(decode(&Jid::pn("1555"), &bytes), Some(c.clone()));
    for cut in 0..bytes.len() {
        assert_eq!(
            decode(&Jid::pn("1555"), &bytes[..cut]),
            None,
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(decode(&Jid::pn("1555"), &longer), None);
    let mut other_version = bytes;
    other_version[0] = 2;
    assert_eq!(decode(&Jid::pn("1555"), &other_version), None);
}

#[tokio::test]
async fn lid_pairs_are_learned_persisted_and_reloaded() {
    let store = Arc::new(MemoryStore::new());
    let d = directory(&store, DirectoryConfig::default()).await;
    d.learn_lid(
        &Jid::pn("1555").with_device(2),
        &Jid::lid("777").with_device(2),
    );
    // Not a PN and a LID: nothing learned.
    d.learn_lid(&Jid::lid("1"), &Jid::lid("2"));
    d.learn_lid(&Jid::pn("1"), &Jid::pn("2"));
    assert_eq!(
        d.lid_for_pn(&Jid::pn("1555").with_device(5)),
        Some(Jid::lid("777"))
    );
    assert_eq!(d.pn_for_lid(&Jid::lid("777")), Some(Jid::pn("1555")));
    assert_eq!(d.alternate(&Jid::lid("777")), Some(Jid::pn("1555")));
    assert_eq!(d.lid_for_pn(&Jid::pn("1")), None);
    d.flush().await;
    let again = directory(&store, DirectoryConfig::default()).await;
    assert_eq!(again.lid_for_pn(&Jid::pn("1555")), Some(Jid::lid("777")));
    assert_eq!(again.pn_for_lid(&Jid::lid("777")), Some(Jid::pn("1555")));

    // A changed LID replaces the old pair both ways, in memory and in the store.
    again.learn_lid(&Jid::pn("1555"), &Jid::lid("888"));
    assert_eq!(again.pn_for_lid(&Jid::lid("777")), None);
    again.flush().await;
    let stored = store
        .scan_prefix(&account(), Namespace::LID_MAP, b"")
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "{stored:?}");
    let third = directory(&store, DirectoryConfig::default()).await;
    assert_eq!(third.lid_for_pn(&Jid::pn("1555")), Some(Jid::lid("888")));
    assert_eq!(third.pn_for_lid(&Jid::lid("777")), None);
}

#[tokio::test]
async fn cached_lists_answer_without_the_server_until_invalidated() {
    let store = Arc::new(MemoryStore::new());
    let d = directory(&store, DirectoryConfig::default()).await;
    cache(&d, list("1555", &[0, 3]));
    cache(&d, list("1666", &[0]));
    // No connection: only the cache can answer, in the order asked, once per user.
    let got = d
        .user_devices(&[
            Jid::pn("1666"),
            Jid::pn("1555").with_device(3),
            Jid::pn("1666"),
        ])
        .await
        .unwrap();
    assert_eq!(got, vec![list("1666", &[0]), list("1555", &[0, 3])]);
    d.learn_lid(&Jid::pn("1555"), &Jid::lid("91555"));
    // A devices notification from the LID drops the list cached under the phone number.
    d.observe_events(&[Event::DeviceListUpdate(DeviceListUpdate {
        user: Jid::lid("91555"),
        lid_user: None,
        update_type: DeviceListUpdateType::Add,
        devices: Vec::new(),
        key_index: None,
        contact_hash: None,
    })]);
    assert_eq!(d.cached_devices(&Jid::pn("1555")), None);
    assert_eq!(
        d.user_devices(&[Jid::pn("1555")]).await,
        Err(QueryError::Iq(IqError::Disconnected))
    );
    assert!(
        d.cached_devices(&Jid::pn("1666")).is_some(),
        "others are kept"
    );
}

#[tokio::test]
async fn expired_lists_are_asked_for_again() {
    let store = Arc::new(MemoryStore::new());
    let config = DirectoryConfig {
        device_ttl: Duration::ZERO,
        ..DirectoryConfig::default()
    };
    let d = directory(&store, config).await;
    cache(&d, list("1555", &[0]));
    assert_eq!(d.cached_devices(&Jid::pn("1555")), None);
    assert_eq!(
        d.user_devices(&[Jid::pn("1555")]).await,
        Err(QueryError::Iq(IqError::Disconnected))
    );
}

#[tokio::test]
async fn stored_lists_are_loaded_at_start() {
    let store = Arc::new(MemoryStore::new());
    let c = CachedDevices {
        fetched_at: unix_now(),
        devices: list("1555", &[0, 7]),
    };
    store
        .put(
            &account(),
            Namespace::DEVICE_LISTS,
            b"1555@s.whatsapp.net",
            &encode(&c),
        )
        .await
        .unwrap();
    store
        .put(
            &account(),
            Namespace::DEVICE_LISTS,
            b"junk@s.whatsapp.net",
            b"\x01junk",
        )
        .await
        .unwrap();
    let d = directory(&store, DirectoryConfig::default()).await;
    assert_eq!(
        d.cached_devices(&Jid::pn("1555")),
        Some(list("1555", &[0, 7]))
    );
    d.invalidate_devices(&Jid::pn("1555"));
    d.flush().await;
    let again = directory(&store, DirectoryConfig::default()).await;
    assert_eq!(
        again.cached_devices(&Jid::pn("1555")),
        None,
        "the drop is stored"
    );
}

#[tokio::test]
async fn message_attributes_and_group_changes_teach_and_invalidate() {
    let store = Arc::new(MemoryStore::new());
    let d = directory(&store, DirectoryConfig::default()).await;
    let own = OwnJids {
        pn: Jid::pn("1000"),
        lid: None,
    };
    let msg = Node::build("message")
        .attr("from", Jid::pn("1555").with_device(2))
        .attr("sender_lid", Jid::lid("777").with_device(2))
        .attr("id", "X")
        .attr("t", "1")
        .finish();
    d.observe_stanza(&msg, &own);
    assert_eq!(d.lid_for_pn(&Jid::pn("1555")), Some(Jid::lid("777")));
    let receipt = Node::build("receipt")
        .attr("from", Jid::pn("1666"))
        .attr("sender_lid", Jid::lid("666"))
        .finish();
    d.observe_stanza(&receipt, &own);
    assert_eq!(d.lid_for_pn(&Jid::pn("1666")), None, "only messages teach");

    let group = Jid::group("1203");
    let info = wa_protocol::stanza::notification::GroupInfo {
        jid: group.clone(),
        subject: Some("s".into()),
        subject_time: None,
        subject_owner: None,
        creator: None,
        creation: None,
        description: None,
        participants: vec![wa_protocol::stanza::notification::GroupParticipant {
            jid: Jid::lid("555"),
            alt: Some(Jid::pn("1777")),
            role: Default::default(),
        }],
        announce: false,
        locked: false,
        ephemeral: None,
        addressing_mode: Some("lid".into()),
        size: None,
    };
    d.remember_group(&info);
    assert_eq!(d.lid_for_pn(&Jid::pn("1777")), Some(Jid::lid("555")));
    assert_eq!(d.group_info(&group).await, Ok(info));
    d.observe_events(&[Event::GroupInfoUpdate {
        jid: group.clone(),
        update: Box::default(),
        author: None,
        author_name: None,
        timestamp: chrono::Utc::now(),
        changes: Vec::new(),
    }]);
    assert_eq!(d.cached_group(&group), None);
    assert_eq!(
        d.group_info(&group).await,
        Err(QueryError::Iq(IqError::Disconnected))
    );
}
