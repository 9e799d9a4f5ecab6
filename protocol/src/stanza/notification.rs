//! `<notification>` stanzas classified by `type` into typed values (events.md; whatsmeow
//! `notification.go`, `group.go` `parseGroupNotification`; whatsapp-rust
//! `wacore/src/stanza/{devices,business}.rs`).
//!
//! Every notification is acked whatever it holds; [`Notification::parse`] only fails when the
//! envelope itself is broken (no `from`) or a recognised type is malformed. Types we do not
//! model come back as [`NotificationKind::Other`] so the caller can forward the raw node.

use crate::binary::{AttrKeys, Jid};

use super::attrs::{
    expect_tag, int_of, jid_of, need, opt_int, opt_jid, opt_str, req_jid, str_of, AttrRef,
    StanzaError, StanzaNode,
};
use super::business::parse_business;
pub use super::business::{BusinessChange, BusinessChangeKind, Subscription};
use super::group_changes::parse_changes;
pub use super::group_changes::{GroupChange, GroupLink};
pub(crate) use super::group_info::{parse_group_info, parse_participants};
pub use super::group_info::{GroupCreate, GroupInfo, GroupParticipant, ParticipantRole};

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

impl Notification {
    /// Parses a `<notification>`: an owned `&Node`, or a [`NodeRef`](crate::binary::NodeRef)
    /// of a borrowed view (same result, without building the owned tree).
    pub fn parse<'n, N: StanzaNode<'n>>(node: N) -> Result<Self, StanzaError> {
        expect_tag(node, "notification")?;
        const KEYS: AttrKeys<6> =
            AttrKeys::new(["from", "type", "id", "participant", "notify", "t"]);
        let [from, ty, id, participant, notify, t] = node.attrs_by_key(&KEYS);
        let from = need(
            jid_of(from, "notification", "from")?,
            "notification",
            "from",
        )?;
        let ty = ty.map(AttrRef::text).unwrap_or_default();
        let kind = match &*ty {
            "picture" => NotificationKind::Picture(parse_pictures(node)?),
            "status" => match node.child("set") {
                Some(set) => NotificationKind::About {
                    text: set.content_text().unwrap_or_default(),
                },
                None => NotificationKind::Other(ty.into_owned()),
            },
            "devices" => NotificationKind::Devices(parse_devices(node)?),
            "business" => NotificationKind::Business(parse_business(node)?),
            "w:gp2" => parse_group(node)?,
            "encrypt" => parse_encrypt(node, &from, ty.into_owned())?,
            "link_code_companion_reg" => NotificationKind::LinkCodeCompanionReg,
            "account_sync" => NotificationKind::AccountSync(
                node.children().map(|c| c.tag_text().into_owned()).collect(),
            ),
            _ => NotificationKind::Other(ty.into_owned()),
        };
        Ok(Self {
            id: str_of(id),
            from,
            participant: jid_of(participant, "notification", "participant")?,
            notify: str_of(notify),
            timestamp: int_of(t, "notification", "t")?,
            kind,
        })
    }
}

fn parse_pictures<'n, N: StanzaNode<'n>>(node: N) -> Result<Vec<PictureChange>, StanzaError> {
    let mut out = Vec::new();
    for child in node.children() {
        let action = match &*child.tag_text() {
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

fn parse_devices<'n, N: StanzaNode<'n>>(node: N) -> Result<DeviceChange, StanzaError> {
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
                .map(std::borrow::Cow::into_owned),
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

fn parse_encrypt<'n, N: StanzaNode<'n>>(
    node: N,
    from: &Jid,
    ty: String,
) -> Result<NotificationKind, StanzaError> {
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

fn parse_group<'n, N: StanzaNode<'n>>(node: N) -> Result<NotificationKind, StanzaError> {
    let mut children = node.children();
    if let (Some(create), None) = (children.next(), children.next()) {
        if create.tag_is("create") {
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
