//! End-to-end queries against the fake server's directory: device lists (cached, invalidated
//! by a `devices` notification, kept across a restart), phone-number lookups, group metadata
//! and the LID ↔ phone-number map, learned from usync and from message attributes.

mod common;

use common::{fast, ready, Harness, WAIT};
use wa_actors::directory::QueryError;
use wa_actors::events::Event;
use wa_actors::protocol::stanza::iq::IqErrorReply;
use wa_actors::wire::{Jid, Node};
use wa_actors::{Client, IqError};

/// How many iqs of namespace `xmlns` the client sent.
fn iqs(h: &Harness, xmlns: &str) -> usize {
    h.server
        .received()
        .iter()
        .filter(|(_, n): &&(u64, Node)| {
            n.tag == "iq" && n.attr("xmlns").is_some_and(|x| x.eq_str(xmlns))
        })
        .count()
}

fn ids(list: &wa_actors::directory::UserDevices) -> Vec<u16> {
    list.devices.iter().map(|d| d.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_device_contact_and_our_own_account_have_their_device_lists() {
    let (h, me) = ready().await;
    let alice = h.server.add_contact(15551110001);
    alice.set_devices(&h.server, &[3]);
    let lists = h
        .client
        .user_devices(&[alice.jid().clone(), me.to_non_ad()])
        .await
        .expect("usync");
    assert_eq!(lists.len(), 2, "{lists:?}");
    assert_eq!(lists[0].user, alice.jid().to_non_ad());
    assert_eq!(lists[0].lid.as_ref(), Some(alice.lid()));
    assert_eq!(ids(&lists[0]), vec![0, 3]);
    assert!(
        lists[0].devices[1].key_index.is_some(),
        "companions carry a key index"
    );
    assert_eq!(lists[1].user, me.to_non_ad());
    assert!(ids(&lists[1]).contains(&me.device), "{:?}", lists[1]);
    assert!(ids(&lists[1]).contains(&0), "the phone is a device too");
    let lid = h.client.directory().lid_for_pn(alice.jid());
    assert_eq!(lid.as_ref(), Some(alice.lid()), "usync taught the LID");
    assert_eq!(
        h.client.directory().pn_for_lid(alice.lid()),
        Some(alice.jid().to_non_ad())
    );
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn is_on_whatsapp_tells_registered_numbers_from_unknown_ones() {
    let (h, _me) = ready().await;
    let alice = h.server.add_contact(15551110002);
    let answers = h
        .client
        .is_on_whatsapp(&["+1 555 111 0002", "15559990000"])
        .await
        .expect("usync");
    assert_eq!(answers.len(), 2, "{answers:?}");
    let yes = answers
        .iter()
        .find(|a| a.query == "15551110002")
        .expect("alice");
    assert!(yes.is_in);
    assert_eq!(&yes.jid, alice.jid());
    assert_eq!(yes.lid.as_ref(), Some(alice.lid()));
    let no = answers
        .iter()
        .find(|a| a.query == "15559990000")
        .expect("unknown");
    assert!(!no.is_in);
    assert_eq!(no.lid, None);
    assert_eq!(
        h.client.directory().lid_for_pn(alice.jid()).as_ref(),
        Some(alice.lid())
    );
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_info_and_joined_groups_describe_our_groups_only() {
    let (h, me) = ready().await;
    let alice = h.server.add_contact(15551110003);
    let bob = h.server.add_contact(15551110004);
    let ours = h
        .server
        .create_group("Climbing", &[alice.jid().clone(), me.to_non_ad()]);
    let theirs = h
        .server
        .create_group("Not us", &[alice.jid().clone(), bob.jid().clone()]);

    let info = h.client.group_info(ours.jid()).await.expect("group info");
    assert_eq!(&info.jid, ours.jid());
    assert_eq!(info.subject.as_deref(), Some("Climbing"));
    assert_eq!(info.addressing_mode.as_deref(), Some("pn"));
    let members: Vec<&Jid> = info.participants.iter().map(|p| &p.jid).collect();
    assert_eq!(members, vec![alice.jid(), &me.to_non_ad()]);
    assert_eq!(info.participants[0].alt.as_ref(), Some(alice.lid()));
    assert_eq!(
        h.client.directory().lid_for_pn(alice.jid()).as_ref(),
        Some(alice.lid()),
        "participants' LIDs are learned"
    );

    let joined = h.client.joined_groups().await.expect("participating");
    let jids: Vec<&Jid> = joined.iter().map(|g| &g.jid).collect();
    assert_eq!(jids, vec![ours.jid()]);

    match h.client.group_info(theirs.jid()).await {
        Err(QueryError::Iq(IqError::Server(IqErrorReply { code: 403, .. }))) => {}
        other => panic!("not a member: {other:?}"),
    }
    match h.client.group_info(&Jid::group("1")).await {
        Err(QueryError::Iq(IqError::Server(IqErrorReply { code: 404, .. }))) => {}
        other => panic!("no such group: {other:?}"),
    }
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_lists_and_groups_are_cached_until_a_notification_changes_them() {
    let (h, me) = ready().await;
    let alice = h.server.add_contact(15551110005);
    let first = h.client.user_devices(&[alice.jid().clone()]).await.unwrap();
    let again = h.client.user_devices(&[alice.jid().clone()]).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(iqs(&h, "usync"), 1, "the second answer came from the cache");

    alice.set_devices(&h.server, &[7]);
    alice.change_device(&h.server, &me, true, 7).unwrap();
    h.events
        .wait_for("DeviceListUpdate", |e| {
            matches!(e, Event::DeviceListUpdate(_))
        })
        .await;
    let fresh = h.client.user_devices(&[alice.jid().clone()]).await.unwrap();
    assert_eq!(
        iqs(&h, "usync"),
        2,
        "the notification dropped the cached list"
    );
    assert_eq!(ids(&fresh[0]), vec![0, 7]);

    let group = h
        .server
        .create_group("Cached", &[alice.jid().clone(), me.to_non_ad()]);
    h.client.group_info(group.jid()).await.unwrap();
    h.client.group_info(group.jid()).await.unwrap();
    assert_eq!(iqs(&h, "w:g2"), 1, "the second answer came from the cache");
    h.server
        .set_group_subject(&me, &group, &alice, "Renamed")
        .unwrap();
    h.events
        .wait_for("GroupInfoUpdate", |e| {
            matches!(e, Event::GroupInfoUpdate { .. })
        })
        .await;
    let renamed = h.client.group_info(group.jid()).await.unwrap();
    assert_eq!(
        iqs(&h, "w:g2"),
        2,
        "the w:gp2 change dropped the cached group"
    );
    assert_eq!(renamed.subject.as_deref(), Some("Renamed"));
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lid_map_and_device_lists_survive_a_restart() {
    let (h, _me) = ready().await;
    let alice = h.server.add_contact(15551110006);
    alice.set_devices(&h.server, &[2]);
    let before = h.client.user_devices(&[alice.jid().clone()]).await.unwrap();
    h.client.stop().await;

    let builder = Client::builder()
        .url(h.server.url())
        .trust_root(h.server.trust_root())
        .store(h.store.clone());
    // Not connected: whatever it knows comes from the store.
    let restarted = fast(builder).build().await.expect("client");
    let dir = restarted.directory();
    assert_eq!(dir.lid_for_pn(alice.jid()).as_ref(), Some(alice.lid()));
    assert_eq!(dir.pn_for_lid(alice.lid()), Some(alice.jid().to_non_ad()));
    let after = restarted
        .user_devices(&[alice.jid().clone()])
        .await
        .expect("served from the stored cache while offline");
    assert_eq!(after, before);
    assert_eq!(
        restarted.user_devices(&[Jid::pn("15550000000")]).await,
        Err(QueryError::Iq(IqError::Disconnected)),
        "an uncached user needs the server"
    );
    restarted.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_naming_the_sender_lid_exposes_it_and_teaches_the_map() {
    let (h, me) = ready().await;
    let alice = h.server.add_contact(15551110007);
    alice.set_lid_addressing(&h.server, true);
    alice.send_text(&h.server, &me, "hi").expect("sent");
    let event = h
        .events
        .wait_for("Message", |e| matches!(e, Event::Message(..)))
        .await;
    let Event::Message(_, info) = event else {
        unreachable!()
    };
    assert_eq!(
        info.source.sender_alt.as_ref().map(Jid::to_non_ad).as_ref(),
        Some(alice.lid())
    );
    assert_eq!(
        h.client.directory().lid_for_pn(alice.jid()).as_ref(),
        Some(alice.lid())
    );
    assert!(tokio::time::timeout(WAIT, h.client.directory().flush())
        .await
        .is_ok());
    h.client.stop().await;
}
