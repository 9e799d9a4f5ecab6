//! App-state sync end to end against wa-testkit's phone: after the phone shares its key, the
//! initial sync delivers every typed event with the phone's contents and
//! `from_full_sync = true` (snapshots through the media host, and patches in pages when there
//! is none); a later change on the phone arrives with `from_full_sync = false`; our mutations
//! reach the phone and a second linked device; a corrupted patch or snapshot MAC is recovered
//! by a refetch; a restart resumes from the stored versions.

mod common;

use std::sync::Arc;

use common::{fast, ready_with, subscribe, EventLog, Harness, PREKEYS, WAIT};
use wa_actors::events::Event;
use wa_actors::media::MediaConfig;
use wa_actors::proto::wa;
use wa_actors::protocol::binary::Jid;
use wa_actors::store::{AccountId, SqliteStore, Store};
use wa_actors::testing::{provision_device, Provisioned};
use wa_actors::Client;
use wa_testkit::AppStateCorruption;

const CONTACT: &str = "15557654321@s.whatsapp.net";
const PINNED: &str = "15551234567@s.whatsapp.net";
const GROUP: &str = "120363025246125486@g.us";
const ARCHIVED: &str = "15550000042@s.whatsapp.net";

fn media_config() -> MediaConfig {
    let mut m = MediaConfig::default();
    m.plain_http = true;
    m.backoff = std::time::Duration::from_millis(10);
    m
}

fn value(f: impl FnOnce(&mut wa::SyncActionValue)) -> wa::SyncActionValue {
    let mut v = wa::SyncActionValue {
        timestamp: Some(1_700_000_000_000),
        ..Default::default()
    };
    f(&mut v);
    v
}

/// The phone's contents: a contact, a pinned, a muted, an archived and a read chat, our push
/// name, and enough extra contacts that the contact collection takes several pages.
fn seed(h: &Harness, me: &Jid) {
    let s = &h.server;
    s.app_state_set(
        me,
        "critical_unblock_low",
        &["contact", CONTACT],
        value(|v| {
            v.contact_action = Some(wa::ContactAction {
                full_name: Some("Bob Example".into()),
                first_name: Some("Bob".into()),
                ..Default::default()
            })
        }),
    )
    .unwrap();
    for i in 0..12 {
        let jid = format!("1555800{i:04}@s.whatsapp.net");
        s.app_state_set(
            me,
            "critical_unblock_low",
            &["contact", &jid],
            value(|v| {
                v.contact_action = Some(wa::ContactAction {
                    full_name: Some(format!("Extra {i}")),
                    ..Default::default()
                })
            }),
        )
        .unwrap();
    }
    s.app_state_set(
        me,
        "regular_low",
        &["pin_v1", PINNED],
        value(|v| v.pin_action = Some(wa::PinAction { pinned: Some(true) })),
    )
    .unwrap();
    s.app_state_set(
        me,
        "regular_high",
        &["mute", GROUP],
        value(|v| {
            v.mute_action = Some(wa::MuteAction {
                muted: Some(true),
                mute_end_timestamp: Some(-1),
                ..Default::default()
            })
        }),
    )
    .unwrap();
    s.app_state_set(
        me,
        "regular_low",
        &["archive", ARCHIVED],
        value(|v| {
            v.archive_chat_action = Some(wa::ArchiveChatAction {
                archived: Some(true),
                message_range: None,
            })
        }),
    )
    .unwrap();
    s.app_state_set(
        me,
        "regular_low",
        &["markChatAsRead", PINNED],
        value(|v| {
            v.mark_chat_as_read_action = Some(wa::MarkChatAsReadAction {
                read: Some(true),
                message_range: None,
            })
        }),
    )
    .unwrap();
    s.app_state_set(
        me,
        "critical_block",
        &["setting_pushName"],
        value(|v| {
            v.push_name_setting = Some(wa::PushNameSetting {
                name: Some("Alice Phone".into()),
            })
        }),
    )
    .unwrap();
    // An action without a typed event still arrives, raw.
    s.app_state_set(
        me,
        "regular_high",
        &["star", PINNED, "3EB0AAAA", "1", "0"],
        value(|v| {
            v.star_action = Some(wa::StarAction {
                starred: Some(true),
            })
        }),
    )
    .unwrap();
}

/// Waits for every event of the seeded contents, all `from_full_sync`.
async fn expect_initial(events: &EventLog) {
    let jid = |s: &str| s.parse::<Jid>().unwrap();
    events
        .wait_for("contact", |e| matches!(e, Event::ContactUpdate(c) if c.jid == jid(CONTACT) && c.action.full_name.as_deref() == Some("Bob Example") && c.from_full_sync))
        .await;
    events
        .wait_count(
            13,
            "13 contacts",
            |e| matches!(e, Event::ContactUpdate(c) if c.from_full_sync),
        )
        .await;
    events
        .wait_for("pin", |e| matches!(e, Event::PinUpdate(p) if p.jid == jid(PINNED) && p.action.pinned == Some(true) && p.from_full_sync))
        .await;
    events
        .wait_for("mute", |e| matches!(e, Event::MuteUpdate(m) if m.jid == jid(GROUP) && m.action.mute_end_timestamp == Some(-1) && m.from_full_sync))
        .await;
    events
        .wait_for("archive", |e| matches!(e, Event::ArchiveUpdate(a) if a.jid == jid(ARCHIVED) && a.action.archived == Some(true) && a.from_full_sync))
        .await;
    events
        .wait_for("read", |e| matches!(e, Event::MarkChatAsReadUpdate(m) if m.jid == jid(PINNED) && m.action.read == Some(true) && m.from_full_sync))
        .await;
    events
        .wait_for("push name", |e| matches!(e, Event::SelfPushNameUpdated(p) if p.from_server && p.new_name == "Alice Phone" && p.from_full_sync))
        .await;
    events
        .wait_for("star", |e| matches!(e, Event::AppStateUpdate(u) if u.index[0] == "star" && u.from_full_sync && u.action.star_action.is_some()))
        .await;
}

/// A second linked device of `me`'s account with its own store, connected, its prekeys on
/// the server.
async fn second_device(h: &Harness, me: &Jid) -> (Client, EventLog, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("b.sqlite"))
            .await
            .unwrap(),
    );
    let second = me.clone().with_device(2);
    provision_device(&*store, &AccountId::new("default"), |noise, _| {
        let given = h.server.provision(*noise, Some(&second));
        Provisioned {
            jid: given.jid,
            lid: given.lid,
        }
    })
    .await
    .unwrap();
    let builder = Client::builder()
        .url(h.server.url())
        .trust_root(h.server.trust_root())
        .store(store)
        .prekeys(PREKEYS)
        .media(media_config());
    let client = fast(builder).build().await.unwrap();
    let events = EventLog::new();
    subscribe(&client, &events).await;
    client.connect().await.unwrap();
    h.server
        .wait_for_prekey_uploads(&second, 1, WAIT)
        .await
        .unwrap();
    (client, events, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newly_linked_device_gets_the_keys_and_everything_right_after_pairing() {
    let (h, me) = ready_with(|b| b).await;
    seed(&h, &me);
    h.server.set_app_state_share_after_pairing(true);
    let (client2, events2, _dir) = second_device(&h, &me).await;
    expect_initial(&events2).await;
    // The first device was linked before and got nothing.
    assert_eq!(h.events.count(|e| matches!(e, Event::ContactUpdate(_))), 0);
    client2.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_by_snapshot_then_live_changes_both_ways_and_a_resume() {
    let (h, me) = ready_with(|b| b.media(media_config())).await;
    let _host = h.server.media_host().await.expect("media host");
    seed(&h, &me);

    // A second linked device of the same account, with its own store.
    let (client2, events2, _dir2) = second_device(&h, &me).await;

    assert_eq!(h.server.app_state_share_keys(&me).unwrap(), 2);
    expect_initial(&h.events).await;
    expect_initial(&events2).await;
    let snapshot_asked = h
        .server
        .app_state_requests(&me)
        .iter()
        .any(|(c, v, snap)| c == "regular_low" && *v == 0 && *snap);
    assert!(
        snapshot_asked,
        "the first fetch of a collection asks for a snapshot"
    );

    // A later change on the phone arrives as an incremental patch.
    h.server
        .app_state_set(
            &me,
            "regular_low",
            &["pin_v1", ARCHIVED],
            value(|v| v.pin_action = Some(wa::PinAction { pinned: Some(true) })),
        )
        .unwrap();
    let archived: Jid = ARCHIVED.parse().unwrap();
    h.events
        .wait_for(
            "live pin",
            |e| matches!(e, Event::PinUpdate(p) if p.jid == archived && !p.from_full_sync),
        )
        .await;

    // Our mutation reaches the phone and the second device.
    let chat: Jid = "15550000077@s.whatsapp.net".parse().unwrap();
    h.client
        .archive_chat(&chat, true)
        .await
        .expect("archive uploaded");
    h.client
        .mute_chat(&chat, Some(-1))
        .await
        .expect("mute uploaded");
    let got = h.server.app_state_received(&me);
    assert!(got
        .iter()
        .any(|m| m.index == ["archive", "15550000077@s.whatsapp.net"]
            && m.value
                .archive_chat_action
                .as_ref()
                .and_then(|a| a.archived)
                == Some(true)));
    assert!(got
        .iter()
        .any(|m| m.collection == "regular_high" && m.index[0] == "mute"));
    events2
        .wait_for(
            "our archive on the second device",
            |e| matches!(e, Event::ArchiveUpdate(a) if a.jid == chat && !a.from_full_sync),
        )
        .await;
    h.events
        .wait_for(
            "our archive, fetched back verified",
            |e| matches!(e, Event::ArchiveUpdate(a) if a.jid == chat && !a.from_full_sync),
        )
        .await;

    events2
        .wait_for(
            "our mute on the second device",
            |e| matches!(e, Event::MuteUpdate(m) if m.jid == chat && !m.from_full_sync),
        )
        .await;
    // The request log is per account: stop the second device so only the restart is seen.
    client2.stop().await;

    // A restart resumes from the stored versions: no snapshot is asked for again.
    let before = h.server.app_state_requests(&me).len();
    h.client.stop().await;
    let builder = Client::builder()
        .url(h.server.url())
        .trust_root(h.server.trust_root())
        .store(h.store.clone())
        .prekeys(PREKEYS)
        .media(media_config());
    let again = fast(builder).build().await.unwrap();
    let events3 = EventLog::new();
    subscribe(&again, &events3).await;
    again.connect().await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let after: Vec<_> = h.server.app_state_requests(&me)[before..].to_vec();
        if after.len() >= 5 {
            // Collections the phone holds resume from their stored version; an empty one
            // (`regular` here) has nothing stored and asks for a snapshot again.
            for (c, v, snap) in &after {
                let held = h.server.app_state_version(&me, c);
                if held > 0 {
                    assert!(
                        !snap && *v == held,
                        "{c} resumed at {v} (snapshot {snap}), phone at {held}"
                    );
                } else {
                    assert!(*snap && *v == 0, "{c} is empty: {after:?}");
                }
            }
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no resume sync: {after:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        events3.count(|e| matches!(e, Event::ContactUpdate(_) | Event::PinUpdate(_))),
        0,
        "nothing is applied twice"
    );
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_patch_is_refetched_and_ends_verified() {
    let (h, me) = ready_with(|b| b).await;
    seed(&h, &me);
    h.server
        .app_state_corrupt_next(&me, AppStateCorruption::PatchMac)
        .unwrap();
    h.server.app_state_share_keys(&me).unwrap();
    // Without a media host the server answers with every patch from version 0, in pages.
    expect_initial(&h.events).await;
    let c = h.client.counters();
    assert!(c.app_state_verify_failures >= 1, "{c:?}");
    assert!(c.app_state_recoveries >= 1, "{c:?}");
    // Every collection ends at the phone's version.
    h.server
        .app_state_set(
            &me,
            "critical_block",
            &["setting_pushName"],
            value(|v| {
                v.push_name_setting = Some(wa::PushNameSetting {
                    name: Some("Alice Again".into()),
                })
            }),
        )
        .unwrap();
    h.events
        .wait_for("later name", |e| matches!(e, Event::SelfPushNameUpdated(p) if p.new_name == "Alice Again" && p.old_name == "Alice Phone" && !p.from_full_sync))
        .await;
    // Our own name change goes to the phone through app state too.
    h.client.set_push_name("Alice Laptop").await.unwrap();
    let got = h.server.app_state_received(&me);
    assert!(
        got.iter().any(|m| m.collection == "critical_block"
            && m.index == ["setting_pushName"]
            && m.value
                .push_name_setting
                .as_ref()
                .and_then(|p| p.name.as_deref())
                == Some("Alice Laptop")),
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_snapshot_is_refetched_and_ends_verified() {
    let (h, me) = ready_with(|b| b.media(media_config())).await;
    let _host = h.server.media_host().await.expect("media host");
    seed(&h, &me);
    h.server
        .app_state_corrupt_next(&me, AppStateCorruption::SnapshotMac)
        .unwrap();
    h.server.app_state_share_keys(&me).unwrap();
    expect_initial(&h.events).await;
    let c = h.client.counters();
    assert!(
        c.app_state_verify_failures >= 1 && c.app_state_recoveries >= 1,
        "{c:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_on_a_stale_version_is_refetched_reapplied_and_sent_once_more() {
    let (h, me) = ready_with(|b| b).await;
    seed(&h, &me);
    h.server.app_state_share_keys(&me).unwrap();
    expect_initial(&h.events).await;
    // The phone changes regular_low without telling us: our upload is built one version behind.
    let behind = h.server.app_state_version(&me, "regular_low");
    h.server
        .app_state_set_unannounced(
            &me,
            "regular_low",
            &["pin_v1", GROUP],
            value(|v| v.pin_action = Some(wa::PinAction { pinned: Some(true) })),
        )
        .unwrap();
    let chat: Jid = ARCHIVED.parse().unwrap();
    h.client
        .pin_chat(&chat, true)
        .await
        .expect("sent after the conflict");
    let group: Jid = GROUP.parse().unwrap();
    h.events
        .wait_for(
            "the phone's change, fetched on the conflict",
            |e| matches!(e, Event::PinUpdate(p) if p.jid == group && !p.from_full_sync),
        )
        .await;
    let got = h.server.app_state_received(&me);
    assert_eq!(got.len(), 1, "exactly one upload was applied: {got:?}");
    assert_eq!(got[0].index, ["pin_v1", ARCHIVED]);
    assert_eq!(h.server.app_state_version(&me, "regular_low"), behind + 2);
    let stale = h
        .server
        .app_state_requests(&me)
        .iter()
        .filter(|(c, v, snap)| c == "regular_low" && *v == behind && !snap)
        .count();
    assert!(stale >= 1, "the first upload was built on version {behind}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_share_from_anyone_but_our_own_devices_is_ignored() {
    let (h, me) = ready_with(|b| b).await;
    seed(&h, &me);
    let mallory = h.server.add_contact(15559990000);
    let forged = wa::Message {
        protocol_message: Some(Box::new(wa::ProtocolMessage {
            r#type: Some(6),
            app_state_sync_key_share: Some(wa::AppStateSyncKeyShare {
                keys: vec![wa::AppStateSyncKey {
                    key_id: Some(wa::AppStateSyncKeyId {
                        key_id: Some(vec![0, 0, 0, 9]),
                    }),
                    key_data: Some(wa::AppStateSyncKeyData {
                        key_data: Some(vec![7; 32]),
                        fingerprint: None,
                        timestamp: None,
                    }),
                }],
            }),
            ..Default::default()
        })),
        ..Default::default()
    };
    let id = mallory.send_message(&h.server, &me, &forged).unwrap();
    h.server.wait_for_acks(1, WAIT).await.unwrap();
    assert!(h.server.acked(&id));
    let keys = h
        .store
        .scan_prefix(
            &AccountId::new("default"),
            wa_actors::store::Namespace::APP_STATE_KEYS,
            b"",
        )
        .await
        .unwrap();
    assert!(keys.is_empty(), "a contact's key share was stored");
    // The phone's own share still works afterwards.
    h.server.app_state_share_keys(&me).unwrap();
    expect_initial(&h.events).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patches_with_external_mutations_are_downloaded_and_verified() {
    let (h, me) = ready_with(|b| b.media(media_config())).await;
    let host = h.server.media_host().await.expect("media host");
    h.server.app_state_share_keys(&me).unwrap();
    // A first change reaches us by snapshot; the next comes as a patch whose mutations are
    // an external blob.
    h.server
        .app_state_set(
            &me,
            "regular_low",
            &["pin_v1", PINNED],
            value(|v| v.pin_action = Some(wa::PinAction { pinned: Some(true) })),
        )
        .unwrap();
    let pinned: Jid = PINNED.parse().unwrap();
    h.events
        .wait_for(
            "pin by snapshot",
            |e| matches!(e, Event::PinUpdate(p) if p.jid == pinned && p.from_full_sync),
        )
        .await;
    h.server.app_state_external_patches(&me, true).unwrap();
    let (_, downloads_before) = host.counts();
    h.server
        .app_state_set(
            &me,
            "regular_low",
            &["archive", PINNED],
            value(|v| {
                v.archive_chat_action = Some(wa::ArchiveChatAction {
                    archived: Some(true),
                    message_range: None,
                })
            }),
        )
        .unwrap();
    h.events
        .wait_for(
            "archive from an external blob",
            |e| matches!(e, Event::ArchiveUpdate(a) if a.jid == pinned && !a.from_full_sync),
        )
        .await;
    let (_, downloads_after) = host.counts();
    assert!(
        downloads_after > downloads_before,
        "the mutations came from the media host"
    );
}

#[tokio::test]
async fn a_change_before_any_key_arrived_fails_with_no_keys() {
    let (h, _me) = ready_with(|b| b).await;
    let chat: Jid = PINNED.parse().unwrap();
    let err = h
        .client
        .archive_chat(&chat, true)
        .await
        .expect_err("no key was shared, so nothing can be signed");
    assert!(
        matches!(
            err,
            wa_actors::ClientError::AppState(wa_actors::MutationError::NoKeys)
        ),
        "{err:?}"
    );
}
