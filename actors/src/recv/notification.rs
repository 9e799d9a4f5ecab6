//! Classified `<notification>`s → user, device, business and group events, or the raw
//! `Notification` fallback for what no other event covers.

use chrono::{DateTime, Utc};
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::message::OwnJids;
use wa_protocol::stanza::notification::{
    BusinessChange, BusinessChangeKind, DeviceChange, DeviceOp, GroupCreate, Notification,
    NotificationKind, ParticipantRole, PictureAction, PictureChange,
};

use super::group_changes::group_change;

use super::unix_time;
use crate::events::{
    BusinessStatusUpdate, BusinessSubscription, BusinessUpdateType, DeviceListUpdate,
    DeviceListUpdateType, DeviceNotificationInfo, Event, KeyIndexInfo, LazyConversation,
    PictureUpdate, UserAboutUpdate,
};

/// The events for one notification (`raw` is the node it was parsed from, forwarded as the
/// `Notification` fallback). Notifications the client handles internally and that users have
/// no event for (prekey count, identity change, pairing code) give none.
pub(crate) fn notification_events(
    raw: &Node,
    n: &Notification,
    own: &OwnJids,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let at = unix_time(n.timestamp, now);
    match &n.kind {
        NotificationKind::Picture(changes) => {
            changes.iter().map(|c| picture_event(c, at)).collect()
        }
        NotificationKind::About { text } => vec![Event::UserAboutUpdate(UserAboutUpdate {
            jid: n.from.clone(),
            status: text.clone(),
            timestamp: at,
        })],
        NotificationKind::Devices(d) => vec![device_event(&n.from, d)],
        NotificationKind::Business(b) => {
            vec![business_event(&n.from, b, n.timestamp.unwrap_or(0))]
        }
        NotificationKind::GroupCreated(c) => vec![Event::JoinedGroup(
            LazyConversation::from_conversation(conversation(c)),
        )],
        NotificationKind::GroupChanges(changes) => vec![Event::GroupInfoUpdate {
            jid: n.from.clone(),
            // `SyncActionValue` has no field for group changes: it carries the time, and the
            // parsed changes travel beside it.
            update: Box::new(wa::SyncActionValue {
                timestamp: n.timestamp,
                ..Default::default()
            }),
            author: n.participant.clone(),
            author_name: n.notify.clone(),
            timestamp: at,
            changes: changes.iter().map(|c| group_change(c, now)).collect(),
        }],
        NotificationKind::AccountSync(items) => {
            let mut out = Vec::new();
            if items.iter().any(|t| t == "picture") {
                out.push(Event::PictureUpdate(PictureUpdate {
                    jid: own.pn.to_non_ad(),
                    author: own.pn.to_non_ad(),
                    timestamp: at,
                    photo_change: None,
                }));
            }
            if items.iter().any(|t| t != "picture") {
                out.push(Event::Notification(raw.clone()));
            }
            out
        }
        NotificationKind::PreKeyCount(_)
        | NotificationKind::IdentityChange
        | NotificationKind::LinkCodeCompanionReg => Vec::new(),
        NotificationKind::Other(_) => vec![Event::Notification(raw.clone())],
    }
}

fn picture_event(c: &PictureChange, at: DateTime<Utc>) -> Event {
    let photo_change = match c.action {
        PictureAction::Delete => None,
        PictureAction::Set | PictureAction::Add => c
            .picture_id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .map(|id| wa::PhotoChange {
                new_photo_id: Some(id),
                ..Default::default()
            }),
    };
    Event::PictureUpdate(PictureUpdate {
        jid: c.jid.clone(),
        // No author means the owner changed their own picture.
        author: c.author.clone().unwrap_or_else(|| c.jid.clone()),
        timestamp: at,
        photo_change,
    })
}

fn device_event(from: &Jid, d: &DeviceChange) -> Event {
    Event::DeviceListUpdate(DeviceListUpdate {
        user: from.clone(),
        lid_user: d.lid.clone(),
        update_type: match d.op {
            DeviceOp::Add => DeviceListUpdateType::Add,
            DeviceOp::Remove => DeviceListUpdateType::Remove,
            DeviceOp::Update => DeviceListUpdateType::Update,
        },
        devices: d
            .devices
            .iter()
            .map(|e| DeviceNotificationInfo {
                device_id: u32::from(e.jid.device),
                key_index: e.key_index,
            })
            .collect(),
        key_index: d.key_index.as_ref().map(|k| KeyIndexInfo {
            timestamp: k.timestamp,
            signed_bytes: k.signed.clone(),
        }),
        contact_hash: d.hash.clone(),
    })
}

fn business_event(from: &Jid, b: &BusinessChange, timestamp: i64) -> Event {
    Event::BusinessStatusUpdate(BusinessStatusUpdate {
        jid: from.clone(),
        update_type: match b.kind {
            BusinessChangeKind::RemoveJid | BusinessChangeKind::RemoveHash => {
                BusinessUpdateType::RemovedAsBusiness
            }
            BusinessChangeKind::VerifiedNameJid | BusinessChangeKind::VerifiedNameHash => {
                BusinessUpdateType::VerifiedNameChanged
            }
            BusinessChangeKind::Profile | BusinessChangeKind::ProfileHash => {
                BusinessUpdateType::ProfileUpdated
            }
            BusinessChangeKind::Products => BusinessUpdateType::ProductsUpdated,
            BusinessChangeKind::Collections => BusinessUpdateType::CollectionsUpdated,
            BusinessChangeKind::Subscriptions => BusinessUpdateType::SubscriptionsUpdated,
            BusinessChangeKind::Unknown => BusinessUpdateType::Unknown,
        },
        timestamp,
        target_jid: b.target_jid.clone(),
        hash: b.hash.clone(),
        verified_name: b.verified_name.clone(),
        product_ids: b.product_ids.clone(),
        collection_ids: b.collection_ids.clone(),
        subscriptions: b
            .subscriptions
            .iter()
            .map(|s| BusinessSubscription {
                id: s.id.clone(),
                status: s.status.clone(),
                expiration_date: s.end_time,
                creation_time: s.creation_time,
            })
            .collect(),
    })
}

/// The group of a `<create>` as the history-sync `Conversation` that `JoinedGroup` carries.
pub(crate) fn conversation(c: &GroupCreate) -> wa::Conversation {
    let g = &c.group;
    wa::Conversation {
        id: Some(g.jid.to_string()),
        name: g.subject.clone(),
        created_at: g.creation.and_then(|t| u64::try_from(t).ok()),
        created_by: g.creator.as_ref().map(Jid::to_string),
        description: g.description.clone(),
        ephemeral_expiration: g.ephemeral,
        locked: Some(g.locked),
        participant: g
            .participants
            .iter()
            .map(|p| wa::GroupParticipant {
                user_jid: Some(p.jid.to_string()),
                rank: Some(match p.role {
                    ParticipantRole::Member => wa::group_participant::Rank::Regular,
                    ParticipantRole::Admin => wa::group_participant::Rank::Admin,
                    ParticipantRole::SuperAdmin => wa::group_participant::Rank::Superadmin,
                } as i32),
            })
            .collect(),
        ..Default::default()
    }
}
