//! Parsed `w:gp2` changes (`wa_protocol`) → the [`GroupChange`]s a `GroupInfoUpdate` carries.

use chrono::{DateTime, Utc};
use wa_protocol::stanza::group_changes::{GroupChange as Wire, GroupLink};
use wa_protocol::stanza::notification::{GroupParticipant, ParticipantRole};

use super::unix_time;
use crate::events::{GroupChange, GroupLinkChange, GroupMember, GroupRole};

/// One change as users see it. `now` stands in for a subject time out of range.
pub(crate) fn group_change(c: &Wire, now: DateTime<Utc>) -> GroupChange {
    match c {
        Wire::Add {
            participants,
            reason,
        } => GroupChange::Added {
            members: members(participants),
            reason: reason.clone(),
        },
        Wire::Remove(p) => GroupChange::Removed(members(p)),
        Wire::Promote(p) => GroupChange::Promoted(members(p)),
        Wire::Demote(p) => GroupChange::Demoted(members(p)),
        Wire::Subject {
            subject,
            set_at,
            set_by,
        } => GroupChange::Subject {
            name: subject.clone(),
            set_at: set_at.map(|t| unix_time(Some(t), now)),
            set_by: set_by.clone(),
        },
        Wire::Description { text, id } => GroupChange::Description {
            text: text.clone(),
            id: id.clone(),
        },
        Wire::Announce(on) => GroupChange::Announce(*on),
        Wire::Locked(on) => GroupChange::Locked(*on),
        Wire::Ephemeral(timer) => GroupChange::Ephemeral(*timer),
        Wire::Invite(code) => GroupChange::InviteCode(code.clone()),
        Wire::Delete(reason) => GroupChange::Deleted(reason.clone()),
        Wire::MembershipApproval => GroupChange::MembershipApprovalRequired,
        Wire::Suspended(on) => GroupChange::Suspended(*on),
        Wire::Link(l) => GroupChange::Linked(link(l)),
        Wire::Unlink(l) => GroupChange::Unlinked(link(l)),
        Wire::Other(tag) => GroupChange::Other(tag.clone()),
        // The protocol enum may grow before this mapping does; name the change, do not drop it.
        other => GroupChange::Other(format!("{other:?}")),
    }
}

fn members(p: &[GroupParticipant]) -> Vec<GroupMember> {
    p.iter()
        .map(|p| GroupMember {
            jid: p.jid.clone(),
            alt: p.alt.clone(),
            role: match p.role {
                ParticipantRole::Member => GroupRole::Member,
                ParticipantRole::Admin => GroupRole::Admin,
                ParticipantRole::SuperAdmin => GroupRole::SuperAdmin,
            },
        })
        .collect()
}

fn link(l: &GroupLink) -> GroupLinkChange {
    GroupLinkChange {
        link_type: l.link_type.clone(),
        reason: l.reason.clone(),
        group: l.group.clone(),
        subject: l.subject.clone(),
    }
}
