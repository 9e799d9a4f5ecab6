//! The children of a `w:gp2` notification that changes a group we are in (whatsmeow
//! `group.go` `parseGroupChange`): members, name, description, settings, links.

use crate::binary::Jid;

use super::attrs::{opt_int, opt_jid, opt_str, req_str, StanzaError, StanzaNode};
use super::notification::{parse_participants, GroupParticipant};

/// One change in a `w:gp2` notification (whatsmeow `parseGroupChange`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupChange {
    /// `<add [reason]>`: members joined.
    Add {
        /// The members.
        participants: Vec<GroupParticipant>,
        /// `reason`, e.g. `invite`.
        reason: Option<String>,
    },
    /// `<remove>`: members left or were removed.
    Remove(Vec<GroupParticipant>),
    /// `<promote>`: made admins.
    Promote(Vec<GroupParticipant>),
    /// `<demote>`: no longer admins.
    Demote(Vec<GroupParticipant>),
    /// `<subject subject s_t s_o>`.
    Subject {
        /// The new name.
        subject: String,
        /// When.
        set_at: Option<i64>,
        /// By whom.
        set_by: Option<Jid>,
    },
    /// `<description id><body>…</body></description>`, or with `<delete/>` (then `text` is
    /// `None`).
    Description {
        /// The new text; `None` when deleted.
        text: Option<String>,
        /// `id`.
        id: Option<String>,
    },
    /// `<announcement/>` (true) or `<not_announcement/>` (false).
    Announce(bool),
    /// `<locked/>` (true) or `<unlocked/>` (false).
    Locked(bool),
    /// `<ephemeral expiration>` (Some) or `<not_ephemeral/>` (None).
    Ephemeral(Option<u32>),
    /// `<invite code>`: a new invite link code.
    Invite(String),
    /// `<delete reason>`: the group was deleted.
    Delete(Option<String>),
    /// `<membership_approval_mode>`: joining needs admin approval.
    MembershipApproval,
    /// `<suspended/>` (true) or `<unsuspended/>` (false).
    Suspended(bool),
    /// `<link link_type><group …/></link>`: a group was linked to this one (community).
    Link(GroupLink),
    /// `<unlink unlink_type unlink_reason><group …/></unlink>`: a link was removed.
    Unlink(GroupLink),
    /// Any other child, by tag.
    Other(String),
}

/// The other side of a community link change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLink {
    /// `link_type` / `unlink_type`, e.g. `parent_group` or `sub_group`.
    pub link_type: Option<String>,
    /// `unlink_reason`; `None` for links.
    pub reason: Option<String>,
    /// The linked group: `<group jid>`, or `<group id>` on the group server.
    pub group: Jid,
    /// Its `subject`, when given.
    pub subject: Option<String>,
}

/// Parses every child of a `w:gp2` notification that is not a `<create>` on its own.
pub(super) fn parse_changes<'n, N: StanzaNode<'n>>(
    node: N,
) -> Result<Vec<GroupChange>, StanzaError> {
    node.children().map(parse_change).collect()
}

fn parse_change<'n, N: StanzaNode<'n>>(c: N) -> Result<GroupChange, StanzaError> {
    Ok(match &*c.tag_text() {
        "add" => GroupChange::Add {
            participants: parse_participants(c)?,
            reason: opt_str(c, "reason"),
        },
        "remove" => GroupChange::Remove(parse_participants(c)?),
        "promote" => GroupChange::Promote(parse_participants(c)?),
        "demote" => GroupChange::Demote(parse_participants(c)?),
        "subject" => GroupChange::Subject {
            subject: opt_str(c, "subject").unwrap_or_default(),
            set_at: opt_int(c, "subject", "s_t")?,
            set_by: opt_jid(c, "subject", "s_o")?,
        },
        "description" => GroupChange::Description {
            text: match c.child("delete") {
                Some(_) => None,
                None => Some(
                    c.child("body")
                        .and_then(StanzaNode::content_text)
                        .unwrap_or_default(),
                ),
            },
            id: opt_str(c, "id"),
        },
        "announcement" => GroupChange::Announce(true),
        "not_announcement" => GroupChange::Announce(false),
        "locked" => GroupChange::Locked(true),
        "unlocked" => GroupChange::Locked(false),
        "ephemeral" => {
            GroupChange::Ephemeral(Some(opt_int(c, "ephemeral", "expiration")?.unwrap_or(0)))
        }
        "not_ephemeral" => GroupChange::Ephemeral(None),
        "invite" => GroupChange::Invite(opt_str(c, "code").unwrap_or_default()),
        "delete" => GroupChange::Delete(opt_str(c, "reason")),
        "membership_approval_mode" => GroupChange::MembershipApproval,
        "suspended" => GroupChange::Suspended(true),
        "unsuspended" => GroupChange::Suspended(false),
        "link" => GroupChange::Link(parse_link(c, "link", "link_type")?),
        "unlink" => GroupChange::Unlink(parse_link(c, "unlink", "unlink_type")?),
        other => GroupChange::Other(other.to_owned()),
    })
}

fn parse_link<'n, N: StanzaNode<'n>>(
    c: N,
    tag: &'static str,
    type_attr: &'static str,
) -> Result<GroupLink, StanzaError> {
    let g = c.child("group").ok_or(StanzaError::MissingChild {
        tag,
        child: "group",
    })?;
    let group = match opt_jid(g, "group", "jid")? {
        Some(jid) => jid,
        None => Jid::group(req_str(g, "group", "id")?),
    };
    Ok(GroupLink {
        link_type: opt_str(c, type_attr),
        reason: opt_str(c, "unlink_reason"),
        group,
        subject: opt_str(g, "subject"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::Node;

    fn change(node: Node) -> Result<GroupChange, StanzaError> {
        parse_change(&node)
    }

    #[test]
    fn settings_and_suspension() {
        assert_eq!(
            change(Node::new("suspended")).unwrap(),
            GroupChange::Suspended(true)
        );
        assert_eq!(
            change(Node::new("unsuspended")).unwrap(),
            GroupChange::Suspended(false)
        );
        assert_eq!(
            change(
                Node::build("ephemeral")
                    .attr("expiration", "604800")
                    .finish()
            )
            .unwrap(),
            GroupChange::Ephemeral(Some(604800))
        );
        assert_eq!(
            change(Node::new("membership_approval_mode")).unwrap(),
            GroupChange::MembershipApproval
        );
        assert!(change(Node::build("ephemeral").attr("expiration", "x").finish()).is_err());
    }

    #[test]
    fn link_and_unlink_name_the_other_group() {
        let link = Node::build("link")
            .attr("link_type", "sub_group")
            .child(
                Node::build("group")
                    .attr("id", "120363")
                    .attr("subject", "Sub"),
            )
            .finish();
        assert_eq!(
            change(link).unwrap(),
            GroupChange::Link(GroupLink {
                link_type: Some("sub_group".into()),
                reason: None,
                group: Jid::group("120363"),
                subject: Some("Sub".into()),
            })
        );
        let unlink = Node::build("unlink")
            .attr("unlink_type", "parent_group")
            .attr("unlink_reason", "delete_parent")
            .child(Node::build("group").attr("jid", Jid::group("9")))
            .finish();
        let GroupChange::Unlink(l) = change(unlink).unwrap() else {
            panic!("an unlink")
        };
        assert_eq!(l.group, Jid::group("9"));
        assert_eq!(l.reason.as_deref(), Some("delete_parent"));
        assert_eq!(l.link_type.as_deref(), Some("parent_group"));
        // The linked group is required.
        assert!(change(Node::new("link")).is_err());
        assert!(change(Node::build("unlink").child(Node::new("group")).finish()).is_err());
    }
}
