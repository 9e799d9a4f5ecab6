//! A `<group>` element's metadata and its members, as a `w:gp2` create notification and the
//! `w:g2` group queries carry them (whatsmeow `group.go` `parseGroupNode`).

use crate::binary::Jid;

use super::attrs::{opt_int, opt_jid, opt_str, req_jid, req_str, StanzaError, StanzaNode};

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

pub(crate) fn parse_participants<'n, N: StanzaNode<'n>>(
    node: N,
) -> Result<Vec<GroupParticipant>, StanzaError> {
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

pub(crate) fn parse_group_info<'n, N: StanzaNode<'n>>(g: N) -> Result<GroupInfo, StanzaError> {
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
            .child("description")
            .and_then(|d| d.child("body"))
            .and_then(StanzaNode::content_text),
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
