//! `<notification>` stanzas classified by `type` into typed values (events.md; whatsmeow
//! `notification.go`, `group.go` `parseGroupNotification`; whatsapp-rust
//! `wacore/src/stanza/{devices,business}.rs`).
//!
//! Every notification is acked whatever it holds; [`Notification::parse`] only fails when the
//! envelope itself is broken (no `from`) or a recognised type is malformed. Types we do not
//! model come back as [`NotificationKind::Other`] so the caller can forward the raw node.

use crate::binary::{Jid, Node};

use super::attrs::{expect_tag, opt_int, opt_jid, opt_str, req_jid, req_str, StanzaError};
use super::group_changes::parse_changes;
pub use super::group_changes::{GroupChange, GroupLink};

/// An incoming notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Stanza id (for the ack).
    pub id: Option<String>,
    /// `from`: the user, group or server it is about.
    pub from: Jid,
    /// `participant`: who caused it (group changes).
    pub participant: Option<Jid>,
    /// `notify`: the causer's push name.
    pub notify: Option<String>,
    /// Unix seconds (`t`), when given.
    pub timestamp: Option<i64>,
    /// What it says.
    pub kind: NotificationKind,
}

/// The content of a notification, by `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationKind {
    /// `picture`: profile pictures set, added or removed.
    Picture(Vec<PictureChange>),
    /// `status`: a contact's about text (`<set>text</set>`).
    About {
        /// The new text.
        text: String,
    },
    /// `devices`: a contact's device list changed.
    Devices(DeviceChange),
    /// `business`: a business account changed.
    Business(BusinessChange),
    /// `w:gp2` with a single `<create>`: we were added to or created a group.
    GroupCreated(Box<GroupCreate>),
    /// `w:gp2` otherwise: changes to a group we are in.
    GroupChanges(Vec<GroupChange>),
    /// `encrypt` from the server: how many one-time prekeys it still holds.
    PreKeyCount(u32),
    /// `encrypt` from a user with `<identity>`: their identity key changed; drop their
    /// sessions and identities.
    IdentityChange,
    /// `link_code_companion_reg`: pairing-code flow; handled by the pairing code.
    LinkCodeCompanionReg,
    /// `account_sync`: changes to our own account, by child tag (`picture`, `devices`,
    /// `privacy`, `blocklist`, ...).
    AccountSync(Vec<String>),
    /// Any other type, or an `encrypt` we do not understand.
    Other(String),
}

/// One picture change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureChange {
    /// `set`, `add` or `delete`.
    pub action: PictureAction,
    /// Whose picture (user or group).
    pub jid: Jid,
    /// Who changed it.
    pub author: Option<Jid>,
    /// The new picture id (`set`/`add`).
    pub picture_id: Option<String>,
}

/// What happened to a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureAction {
    /// `<set>`.
    Set,
    /// `<add>`.
    Add,
    /// `<delete>`.
    Delete,
}

/// A device-list change (`<add>`, `<remove>` or `<update>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceChange {
    /// The user's LID (`lid` attribute), when sent.
    pub lid: Option<Jid>,
    /// Which operation.
    pub op: DeviceOp,
    /// The devices concerned (`<device jid [lid] [key-index]>`).
    pub devices: Vec<DeviceEntry>,
    /// `<key-index-list ts>signed bytes</key-index-list>`.
    pub key_index: Option<KeyIndexList>,
    /// `hash` of an `<update>`.
    pub hash: Option<String>,
    /// `device_hash` of an `<add>`/`<remove>`: the list hash after the change.
    pub device_hash: Option<String>,
}

/// Device-list operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceOp {
    /// Devices added.
    Add,
    /// Devices removed.
    Remove,
    /// Changed some other way: re-fetch the list.
    Update,
}

/// One `<device>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    /// Device JID.
    pub jid: Jid,
    /// Same device's LID.
    pub lid: Option<Jid>,
    /// `key-index`.
    pub key_index: Option<u32>,
}

/// `<key-index-list>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIndexList {
    /// `ts`.
    pub timestamp: i64,
    /// The `ADVSignedKeyIndexList` bytes, when present.
    pub signed: Option<Vec<u8>>,
}

/// A business notification (whatsapp-rust `BusinessNotification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessChange {
    /// What changed.
    pub kind: BusinessChangeKind,
    /// The JID named by the child.
    pub target_jid: Option<Jid>,
    /// The `hash` of the child.
    pub hash: Option<String>,
    /// A new verified name.
    pub verified_name: Option<String>,
    /// Product ids of a catalog change.
    pub product_ids: Vec<String>,
    /// Collection ids of a catalog change.
    pub collection_ids: Vec<String>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// Kinds of business change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessChangeKind {
    /// `<remove jid>`.
    RemoveJid,
    /// `<remove hash>`.
    RemoveHash,
    /// `<verified_name jid>`.
    VerifiedNameJid,
    /// `<verified_name hash>`.
    VerifiedNameHash,
    /// `<profile>` without hash.
    Profile,
    /// `<profile hash>`.
    ProfileHash,
    /// `<product_catalog>` with products.
    Products,
    /// `<product_catalog>` with collections.
    Collections,
    /// `<subscriptions>`.
    Subscriptions,
    /// Anything else.
    Unknown,
}

/// One business subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// `id`.
    pub id: String,
    /// `status`.
    pub status: String,
    /// `subscription_end_time`.
    pub end_time: Option<i64>,
    /// `subscription_creation_time`.
    pub creation_time: Option<i64>,
}

/// We joined or created a group (`<create reason key type><group …/></create>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCreate {
    /// `reason`, e.g. `invite`.
    pub reason: Option<String>,
    /// `key`.
    pub key: Option<String>,
    /// `type`.
    pub create_type: Option<String>,
    /// The group.
    pub group: GroupInfo,
}

/// A `<group>` element: the group's metadata (whatsmeow `parseGroupNode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// `id` as a group JID.
    pub jid: Jid,
    /// `subject`.
    pub subject: Option<String>,
    /// `s_t`: when the subject was set.
    pub subject_time: Option<i64>,
    /// `s_o`: who set it.
    pub subject_owner: Option<Jid>,
    /// `creator`.
    pub creator: Option<Jid>,
    /// `creation`: unix seconds.
    pub creation: Option<i64>,
    /// `<description><body>`.
    pub description: Option<String>,
    /// `<participant>`s.
    pub participants: Vec<GroupParticipant>,
    /// `<announcement/>`: only admins send.
    pub announce: bool,
    /// `<locked/>`: only admins edit info.
    pub locked: bool,
    /// `<ephemeral expiration>`: disappearing timer in seconds.
    pub ephemeral: Option<u32>,
    /// `addressing_mode` (`pn` or `lid`).
    pub addressing_mode: Option<String>,
    /// `size`.
    pub size: Option<u32>,
}

/// A group member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupParticipant {
    /// `jid`.
    pub jid: Jid,
    /// The other identity (`lid` for PN members, `phone_number` for LID members).
    pub alt: Option<Jid>,
    /// `type`: role.
    pub role: ParticipantRole,
}

/// A member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParticipantRole {
    /// No `type`.
    #[default]
    Member,
    /// `admin`.
    Admin,
    /// `superadmin`: the creator.
    SuperAdmin,
}

impl Notification {
    /// Parses a `<notification>`.
    pub fn parse(node: &Node) -> Result<Self, StanzaError> {
        expect_tag(node, "notification")?;
        let from = req_jid(node, "notification", "from")?;
        let ty = opt_str(node, "type").unwrap_or_default();
        let kind = match ty.as_str() {
            "picture" => NotificationKind::Picture(parse_pictures(node)?),
            "status" => match node.child("set") {
                Some(set) => NotificationKind::About {
                    text: String::from_utf8_lossy(set.content_bytes().unwrap_or_default())
                        .into_owned(),
                },
                None => NotificationKind::Other(ty),
            },
            "devices" => NotificationKind::Devices(parse_devices(node)?),
            "business" => NotificationKind::Business(parse_business(node)?),
            "w:gp2" => parse_group(node)?,
            "encrypt" => parse_encrypt(node, &from, ty)?,
            "link_code_companion_reg" => NotificationKind::LinkCodeCompanionReg,
            "account_sync" => NotificationKind::AccountSync(
                node.children().iter().map(|c| c.tag.to_string()).collect(),
            ),
            _ => NotificationKind::Other(ty),
        };
        Ok(Self {
            id: opt_str(node, "id"),
            from,
            participant: opt_jid(node, "notification", "participant")?,
            notify: opt_str(node, "notify"),
            timestamp: opt_int(node, "notification", "t")?,
            kind,
        })
    }
}

fn parse_pictures(node: &Node) -> Result<Vec<PictureChange>, StanzaError> {
    let mut out = Vec::new();
    for child in node.children() {
        let action = match child.tag.as_ref() {
            "set" => PictureAction::Set,
            "add" => PictureAction::Add,
            "delete" => PictureAction::Delete,
            _ => continue,
        };
        out.push(PictureChange {
            action,
            jid: req_jid(child, "picture", "jid")?,
            author: opt_jid(child, "picture", "author")?,
            picture_id: opt_str(child, "id"),
        });
    }
    Ok(out)
}

fn parse_devices(node: &Node) -> Result<DeviceChange, StanzaError> {
    let (op, child) = [
        ("remove", DeviceOp::Remove),
        ("add", DeviceOp::Add),
        ("update", DeviceOp::Update),
    ]
    .into_iter()
    .find_map(|(tag, op)| node.child(tag).map(|c| (op, c)))
    .ok_or(StanzaError::MissingChild {
        tag: "notification",
        child: "add|remove|update",
    })?;
    let mut devices = Vec::new();
    for d in child.children_by_tag("device") {
        devices.push(DeviceEntry {
            jid: req_jid(d, "device", "jid")?,
            lid: opt_jid(d, "device", "lid")?,
            key_index: opt_int(d, "device", "key-index")?,
        });
    }
    let key_index = match child.child("key-index-list") {
        Some(k) => Some(KeyIndexList {
            timestamp: opt_int(k, "key-index-list", "ts")?.unwrap_or(0),
            signed: k
                .content_bytes()
                .filter(|b| !b.is_empty())
                .map(<[u8]>::to_vec),
        }),
        None => None,
    };
    Ok(DeviceChange {
        lid: opt_jid(node, "notification", "lid")?,
        op,
        devices,
        key_index,
        hash: opt_str(child, "hash"),
        device_hash: opt_str(child, "device_hash"),
    })
}

fn parse_business(node: &Node) -> Result<BusinessChange, StanzaError> {
    let mut out = BusinessChange {
        kind: BusinessChangeKind::Unknown,
        target_jid: None,
        hash: None,
        verified_name: None,
        product_ids: Vec::new(),
        collection_ids: Vec::new(),
        subscriptions: Vec::new(),
    };
    let jid_or_hash = |c: &Node, out: &mut BusinessChange, by_jid, by_hash| {
        if let Some(j) = opt_jid(c, "business", "jid")? {
            out.target_jid = Some(j);
            out.kind = by_jid;
        } else if let Some(h) = opt_str(c, "hash") {
            out.hash = Some(h);
            out.kind = by_hash;
        }
        Ok::<_, StanzaError>(())
    };
    if let Some(c) = node.child("remove") {
        jid_or_hash(
            c,
            &mut out,
            BusinessChangeKind::RemoveJid,
            BusinessChangeKind::RemoveHash,
        )?;
    } else if let Some(c) = node.child("verified_name") {
        out.verified_name = opt_str(c, "name").or_else(|| {
            c.child("name")
                .and_then(Node::content_bytes)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        });
        jid_or_hash(
            c,
            &mut out,
            BusinessChangeKind::VerifiedNameJid,
            BusinessChangeKind::VerifiedNameHash,
        )?;
    } else if let Some(c) = node.child("profile") {
        out.hash = opt_str(c, "hash");
        out.kind = if out.hash.is_some() {
            BusinessChangeKind::ProfileHash
        } else {
            BusinessChangeKind::Profile
        };
    } else if let Some(c) = node.child("product_catalog") {
        for p in c.children() {
            match p.tag.as_ref() {
                "product" => {
                    if let Some(id) = p.child("id").and_then(Node::content_bytes) {
                        out.product_ids
                            .push(String::from_utf8_lossy(id).into_owned());
                    }
                }
                "collection" => out.collection_ids.extend(opt_str(p, "id")),
                _ => {}
            }
        }
        if !out.product_ids.is_empty() {
            out.kind = BusinessChangeKind::Products;
        } else if !out.collection_ids.is_empty() {
            out.kind = BusinessChangeKind::Collections;
        }
    } else if let Some(c) = node.child("subscriptions") {
        for s in c.children_by_tag("subscription") {
            if let (Some(id), Some(status)) = (opt_str(s, "id"), opt_str(s, "status")) {
                out.subscriptions.push(Subscription {
                    id,
                    status,
                    end_time: opt_int(s, "subscription", "subscription_end_time")?,
                    creation_time: opt_int(s, "subscription", "subscription_creation_time")?,
                });
            }
        }
        if !out.subscriptions.is_empty() {
            out.kind = BusinessChangeKind::Subscriptions;
        }
    }
    Ok(out)
}

fn parse_encrypt(node: &Node, from: &Jid, ty: String) -> Result<NotificationKind, StanzaError> {
    if from.is_server() {
        if let Some(count) = node.child("count") {
            return Ok(NotificationKind::PreKeyCount(
                opt_int(count, "count", "value")?.ok_or(StanzaError::MissingAttr {
                    tag: "count",
                    attr: "value",
                })?,
            ));
        }
    } else if node.child("identity").is_some() {
        return Ok(NotificationKind::IdentityChange);
    }
    Ok(NotificationKind::Other(ty))
}

pub(super) fn parse_participants(node: &Node) -> Result<Vec<GroupParticipant>, StanzaError> {
    let mut out = Vec::new();
    for p in node.children_by_tag("participant") {
        let jid = req_jid(p, "participant", "jid")?;
        let alt = if jid.is_lid() {
            opt_jid(p, "participant", "phone_number")?
        } else {
            opt_jid(p, "participant", "lid")?
        };
        let role = match opt_str(p, "type").as_deref() {
            Some("admin") => ParticipantRole::Admin,
            Some("superadmin") => ParticipantRole::SuperAdmin,
            _ => ParticipantRole::Member,
        };
        out.push(GroupParticipant { jid, alt, role });
    }
    Ok(out)
}

fn parse_group_info(g: &Node) -> Result<GroupInfo, StanzaError> {
    let id = req_str(g, "group", "id")?;
    let jid = if id.contains('@') {
        id.parse().map_err(|_| StanzaError::BadAttr {
            tag: "group",
            attr: "id",
            value: id.chars().take(64).collect(),
        })?
    } else {
        Jid::group(id)
    };
    Ok(GroupInfo {
        jid,
        subject: opt_str(g, "subject"),
        subject_time: opt_int(g, "group", "s_t")?,
        subject_owner: opt_jid(g, "group", "s_o")?,
        creator: opt_jid(g, "group", "creator")?,
        creation: opt_int(g, "group", "creation")?,
        description: g
            .child_path(&["description", "body"])
            .and_then(Node::content_bytes)
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        participants: parse_participants(g)?,
        announce: g.child("announcement").is_some(),
        locked: g.child("locked").is_some(),
        ephemeral: match g.child("ephemeral") {
            Some(e) => Some(opt_int(e, "ephemeral", "expiration")?.unwrap_or(0)),
            None => None,
        },
        addressing_mode: opt_str(g, "addressing_mode"),
        size: opt_int(g, "group", "size")?,
    })
}

fn parse_group(node: &Node) -> Result<NotificationKind, StanzaError> {
    if let [create] = node.children() {
        if create.tag == "create" {
            let group = create.child("group").ok_or(StanzaError::MissingChild {
                tag: "create",
                child: "group",
            })?;
            let mut group = parse_group_info(group)?;
            if group.addressing_mode.is_none() {
                group.addressing_mode = opt_str(node, "addressing_mode");
            }
            return Ok(NotificationKind::GroupCreated(Box::new(GroupCreate {
                reason: opt_str(create, "reason"),
                key: opt_str(create, "key"),
                create_type: opt_str(create, "type"),
                group,
            })));
        }
    }
    Ok(NotificationKind::GroupChanges(parse_changes(node)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn notif(ty: &'static str, from: Jid) -> crate::binary::NodeBuilder {
        Node::build("notification")
            .attr("id", "N1")
            .attr("type", ty)
            .attr("from", from)
            .attr("t", "1700000000")
    }

    #[test]
    fn picture_set_and_delete() {
        let n = notif("picture", Jid::pn("2"))
            .children([
                Node::build("set")
                    .attr("jid", Jid::pn("2"))
                    .attr("author", Jid::pn("2"))
                    .attr("id", "1688")
                    .finish(),
                Node::build("delete").attr("jid", Jid::group("9")).finish(),
                Node::build("request").finish(),
            ])
            .finish();
        let p = Notification::parse(&n).unwrap();
        assert_eq!(p.id.as_deref(), Some("N1"));
        assert_eq!(p.timestamp, Some(1_700_000_000));
        let NotificationKind::Picture(changes) = p.kind else {
            panic!("{p:?}")
        };
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].action, PictureAction::Set);
        assert_eq!(changes[0].picture_id.as_deref(), Some("1688"));
        assert_eq!(changes[0].author, Some(Jid::pn("2")));
        assert_eq!(changes[1].action, PictureAction::Delete);
        assert_eq!(changes[1].jid, Jid::group("9"));
    }

    #[test]
    fn about_text() {
        let n = notif("status", Jid::pn("2"))
            .child(Node::build("set").bytes(b"Hey there".to_vec()))
            .finish();
        assert_eq!(
            Notification::parse(&n).unwrap().kind,
            NotificationKind::About {
                text: "Hey there".into()
            }
        );
        let bare = notif("status", Jid::pn("2")).finish();
        assert_eq!(
            Notification::parse(&bare).unwrap().kind,
            NotificationKind::Other("status".into())
        );
    }

    #[test]
    fn devices_add_remove_update() {
        let n = notif("devices", Jid::pn("2"))
            .attr("lid", Jid::lid("77"))
            .child(
                Node::build("add")
                    .attr("device_hash", "2:abc")
                    .children([
                        Node::build("device")
                            .attr("jid", Jid::pn("2").with_device(4))
                            .attr("lid", Jid::lid("77").with_device(4))
                            .attr("key-index", "3")
                            .finish(),
                        Node::build("key-index-list")
                            .attr("ts", "1699999999")
                            .bytes(vec![1, 2])
                            .finish(),
                    ])
                    .finish(),
            )
            .finish();
        let NotificationKind::Devices(d) = Notification::parse(&n).unwrap().kind else {
            panic!()
        };
        assert_eq!(d.op, DeviceOp::Add);
        assert_eq!(d.lid, Some(Jid::lid("77")));
        assert_eq!(d.devices[0].jid.device, 4);
        assert_eq!(d.devices[0].key_index, Some(3));
        assert_eq!(d.devices[0].lid, Some(Jid::lid("77").with_device(4)));
        assert_eq!(
            d.key_index,
            Some(KeyIndexList {
                timestamp: 1_699_999_999,
                signed: Some(vec![1, 2])
            })
        );
        assert_eq!(d.device_hash.as_deref(), Some("2:abc"));
        let u = notif("devices", Jid::pn("2"))
            .child(Node::build("update").attr("hash", "h"))
            .finish();
        let NotificationKind::Devices(d) = Notification::parse(&u).unwrap().kind else {
            panic!()
        };
        assert_eq!((d.op, d.hash.as_deref()), (DeviceOp::Update, Some("h")));
        let none = notif("devices", Jid::pn("2")).finish();
        assert!(matches!(
            Notification::parse(&none),
            Err(StanzaError::MissingChild { .. })
        ));
    }

    #[test]
    fn business_kinds() {
        let case = |child: Node| {
            let n = notif("business", Jid::pn("2")).child(child).finish();
            match Notification::parse(&n).unwrap().kind {
                NotificationKind::Business(b) => b,
                other => panic!("{other:?}"),
            }
        };
        let b = case(Node::build("remove").attr("jid", Jid::pn("2")).finish());
        assert_eq!(b.kind, BusinessChangeKind::RemoveJid);
        assert_eq!(b.target_jid, Some(Jid::pn("2")));
        let b = case(Node::build("remove").attr("hash", "h").finish());
        assert_eq!(
            (b.kind, b.hash.as_deref()),
            (BusinessChangeKind::RemoveHash, Some("h"))
        );
        let b = case(
            Node::build("verified_name")
                .attr("jid", Jid::pn("2"))
                .attr("name", "Acme")
                .finish(),
        );
        assert_eq!(b.kind, BusinessChangeKind::VerifiedNameJid);
        assert_eq!(b.verified_name.as_deref(), Some("Acme"));
        assert_eq!(case(Node::new("profile")).kind, BusinessChangeKind::Profile);
        let b = case(
            Node::build("product_catalog")
                .children([
                    Node::build("product")
                        .child(Node::build("id").string("P1"))
                        .finish(),
                    Node::build("collection").attr("id", "C1").finish(),
                ])
                .finish(),
        );
        assert_eq!(b.kind, BusinessChangeKind::Products);
        assert_eq!(b.product_ids, ["P1"]);
        assert_eq!(b.collection_ids, ["C1"]);
        let b = case(
            Node::build("subscriptions")
                .child(
                    Node::build("subscription")
                        .attr("id", "S")
                        .attr("status", "active")
                        .attr("subscription_end_time", "99"),
                )
                .finish(),
        );
        assert_eq!(b.kind, BusinessChangeKind::Subscriptions);
        assert_eq!(b.subscriptions[0].end_time, Some(99));
        assert_eq!(case(Node::new("x")).kind, BusinessChangeKind::Unknown);
    }

    #[test]
    fn group_create_is_a_join() {
        let n = notif("w:gp2", Jid::group("1203"))
            .attr("participant", Jid::lid("5"))
            .attr("addressing_mode", "lid")
            .child(
                Node::build("create")
                    .attr("reason", "invite")
                    .attr("key", "K")
                    .child(
                        Node::build("group")
                            .attr("id", "1203")
                            .attr("subject", "Friends")
                            .attr("s_t", "10")
                            .attr("s_o", Jid::lid("5"))
                            .attr("creator", Jid::lid("5"))
                            .attr("creation", "9")
                            .attr("size", "2")
                            .children([
                                Node::build("participant")
                                    .attr("jid", Jid::lid("5"))
                                    .attr("type", "superadmin")
                                    .attr("phone_number", Jid::pn("15"))
                                    .finish(),
                                Node::build("participant")
                                    .attr("jid", Jid::lid("6"))
                                    .finish(),
                                Node::build("description")
                                    .attr("id", "D")
                                    .child(Node::build("body").bytes(b"about us".to_vec()))
                                    .finish(),
                                Node::new("announcement"),
                                Node::build("ephemeral")
                                    .attr("expiration", "86400")
                                    .finish(),
                            ])
                            .finish(),
                    )
                    .finish(),
            )
            .finish();
        let p = Notification::parse(&n).unwrap();
        assert_eq!(p.participant, Some(Jid::lid("5")));
        let NotificationKind::GroupCreated(c) = p.kind else {
            panic!()
        };
        assert_eq!(c.reason.as_deref(), Some("invite"));
        assert_eq!(c.key.as_deref(), Some("K"));
        let g = c.group;
        assert_eq!(g.jid, Jid::group("1203"));
        assert_eq!(g.subject.as_deref(), Some("Friends"));
        assert_eq!(g.creation, Some(9));
        assert_eq!(g.description.as_deref(), Some("about us"));
        assert_eq!(g.participants.len(), 2);
        assert_eq!(g.participants[0].role, ParticipantRole::SuperAdmin);
        assert_eq!(g.participants[0].alt, Some(Jid::pn("15")));
        assert!(g.announce && !g.locked);
        assert_eq!(g.ephemeral, Some(86400));
        assert_eq!(g.addressing_mode.as_deref(), Some("lid"));
        assert_eq!(g.size, Some(2));
    }

    #[test]
    fn group_changes_in_order() {
        let n = notif("w:gp2", Jid::group("1203"))
            .attr("participant", Jid::lid("5"))
            .children([
                Node::build("add")
                    .attr("reason", "invite")
                    .child(Node::build("participant").attr("jid", Jid::lid("6")))
                    .finish(),
                Node::build("subject")
                    .attr("subject", "New")
                    .attr("s_t", "3")
                    .attr("s_o", Jid::lid("5"))
                    .finish(),
                Node::build("description")
                    .attr("id", "D2")
                    .child(Node::new("delete"))
                    .finish(),
                Node::new("locked"),
                Node::new("not_announcement"),
                Node::new("not_ephemeral"),
                Node::build("invite").attr("code", "abc").finish(),
                Node::new("unknown_thing"),
            ])
            .finish();
        let NotificationKind::GroupChanges(ch) = Notification::parse(&n).unwrap().kind else {
            panic!()
        };
        assert_eq!(
            ch,
            vec![
                GroupChange::Add {
                    participants: vec![GroupParticipant {
                        jid: Jid::lid("6"),
                        alt: None,
                        role: ParticipantRole::Member
                    }],
                    reason: Some("invite".into())
                },
                GroupChange::Subject {
                    subject: "New".into(),
                    set_at: Some(3),
                    set_by: Some(Jid::lid("5"))
                },
                GroupChange::Description {
                    text: None,
                    id: Some("D2".into())
                },
                GroupChange::Locked(true),
                GroupChange::Announce(false),
                GroupChange::Ephemeral(None),
                GroupChange::Invite("abc".into()),
                GroupChange::Other("unknown_thing".into()),
            ]
        );
    }

    #[test]
    fn encrypt_and_passthrough_types() {
        let count = notif("encrypt", Jid::server_jid())
            .child(Node::build("count").attr("value", "3"))
            .finish();
        assert_eq!(
            Notification::parse(&count).unwrap().kind,
            NotificationKind::PreKeyCount(3)
        );
        let identity = notif("encrypt", Jid::pn("2"))
            .child(Node::new("identity"))
            .finish();
        assert_eq!(
            Notification::parse(&identity).unwrap().kind,
            NotificationKind::IdentityChange
        );
        let link = notif("link_code_companion_reg", Jid::pn("1")).finish();
        assert_eq!(
            Notification::parse(&link).unwrap().kind,
            NotificationKind::LinkCodeCompanionReg
        );
        let acct = notif("account_sync", Jid::pn("1"))
            .child(Node::new("picture"))
            .finish();
        assert_eq!(
            Notification::parse(&acct).unwrap().kind,
            NotificationKind::AccountSync(vec!["picture".into()])
        );
        let other = notif("mediaretry", Jid::pn("1")).finish();
        assert_eq!(
            Notification::parse(&other).unwrap().kind,
            NotificationKind::Other("mediaretry".into())
        );
        assert!(Notification::parse(&Node::new("notification")).is_err());
    }

    proptest! {
        #[test]
        fn random_notifications_never_panic(
            ty in prop::sample::select(vec!["picture", "status", "devices", "business", "w:gp2", "encrypt", "account_sync", "x"]),
            child in prop::sample::select(vec!["set", "add", "remove", "update", "create", "verified_name", "product_catalog", "subscriptions", "count", "identity", "description", "subject", "ephemeral"]),
            inner in prop::sample::select(vec!["group", "participant", "device", "key-index-list", "body", "product", "subscription"]),
            value in "[0-9a-z@.:_-]{0,24}",
            bytes in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let grand = Node::build(inner)
                .attr("jid", value.clone()).attr("id", value.clone()).attr("ts", value.clone())
                .attr("key-index", value.clone()).attr("expiration", value.clone()).attr("type", value.clone())
                .bytes(bytes.clone()).finish();
            let c = Node::build(child)
                .attr("jid", value.clone()).attr("value", value.clone()).attr("s_t", value.clone())
                .child(grand).finish();
            let n = Node::build("notification").attr("type", ty).attr("from", value.clone()).attr("t", value).child(c).finish();
            let _ = Notification::parse(&n);
        }
    }
}
