//! What a `GroupInfoUpdate` says changed in a group (the children of a `w:gp2`
//! notification; whatsmeow `events.GroupInfo`).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::serde_wire;
use crate::wire::Jid;

/// A member's role in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum GroupRole {
    /// An ordinary member.
    #[default]
    Member,
    /// An admin.
    Admin,
    /// The super admin (the creator).
    SuperAdmin,
}

/// A member named in a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMember {
    /// The member as the group addresses them (phone number or LID).
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// Their other identity (the LID of a phone-number member, or the reverse), when sent.
    #[serde(serialize_with = "serde_wire::opt_jid")]
    pub alt: Option<Jid>,
    /// Their role as stated in the change.
    pub role: GroupRole,
}

/// A community link that was made or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupLinkChange {
    /// The kind of link (`parent_group`, `sub_group`, ...), when sent.
    pub link_type: Option<String>,
    /// Why it was removed, for an unlink.
    pub reason: Option<String>,
    /// The group on the other side.
    #[serde(serialize_with = "serde_wire::jid")]
    pub group: Jid,
    /// That group's name, when sent.
    pub subject: Option<String>,
}

/// One change to a group, in the order the notification lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum GroupChange {
    /// Members joined or were added.
    Added {
        /// The new members.
        members: Vec<GroupMember>,
        /// Why, e.g. `invite` for a join by link.
        reason: Option<String>,
    },
    /// Members left or were removed.
    Removed(Vec<GroupMember>),
    /// Members became admins.
    Promoted(Vec<GroupMember>),
    /// Members are no longer admins.
    Demoted(Vec<GroupMember>),
    /// The group was renamed.
    Subject {
        /// The new name.
        name: String,
        /// When it was set, when sent.
        set_at: Option<DateTime<Utc>>,
        /// Who set it, when sent.
        #[serde(serialize_with = "serde_wire::opt_jid")]
        set_by: Option<Jid>,
    },
    /// The description was set (`text`) or deleted (`text` is `None`).
    Description {
        /// The new text; `None` when deleted.
        text: Option<String>,
        /// The description's id.
        id: Option<String>,
    },
    /// Only admins may send (true) or everyone may (false).
    Announce(bool),
    /// Only admins may edit the group info (true) or everyone may (false).
    Locked(bool),
    /// Disappearing messages turned on with this timer in seconds, or off (`None`).
    Ephemeral(Option<u32>),
    /// A new invite link code (the part after `https://chat.whatsapp.com/`).
    InviteCode(String),
    /// The group was deleted, with the reason when sent.
    Deleted(Option<String>),
    /// Joining now needs an admin's approval.
    MembershipApprovalRequired,
    /// The group was suspended (true) or reinstated (false).
    Suspended(bool),
    /// A community link was made.
    Linked(GroupLinkChange),
    /// A community link was removed.
    Unlinked(GroupLinkChange),
    /// A change this client does not model, by its tag.
    Other(String),
}
