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

pub(crate) fn parse_group_info(g: &Node) -> Result<GroupInfo, StanzaError> {
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
#[path = "notification_tests.rs"]
mod tests;
