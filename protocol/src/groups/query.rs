//! The client's group queries and the reading of their replies.

use crate::binary::{Jid, Node};
use crate::stanza::attrs::{expect_tag, req_child, StanzaError};
use crate::stanza::notification::{parse_group_info as read_group, GroupInfo};

use super::{GROUPS_XMLNS, GROUP_SERVER, MAX_GROUPS, MAX_PARTICIPANTS};

/// Why a group query reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupQueryError {
    /// An element or attribute is missing or malformed.
    #[error(transparent)]
    Stanza(#[from] StanzaError),
    /// More groups than allowed in one reply.
    #[error("{count} groups in one reply (at most {max})")]
    TooManyGroups {
        /// How many (counted up to `max + 1`).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// More participants than allowed in one group.
    #[error("{count} participants in {group} (at most {max})")]
    TooManyParticipants {
        /// The group.
        group: String,
        /// How many (counted up to `max + 1`).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The reply describes another group than the one asked for.
    #[error("asked about {asked}, the reply describes {got}")]
    WrongGroup {
        /// The group asked for.
        asked: Jid,
        /// The group described.
        got: Jid,
    },
}

/// `<iq xmlns="w:g2" type="get" to=group><query request="interactive"/></iq>` (no `id`: the
/// stanza machine assigns one).
pub fn group_info_iq(group: &Jid) -> Node {
    Node::build("iq")
        .attr("xmlns", GROUPS_XMLNS)
        .attr("type", "get")
        .attr("to", group.to_non_ad())
        .child(Node::build("query").attr("request", "interactive"))
        .finish()
}

/// `<iq xmlns="w:g2" type="get" to="@g.us"><participating><participants/><description/>
/// </participating></iq>`.
pub fn joined_groups_iq() -> Node {
    Node::build("iq")
        .attr("xmlns", GROUPS_XMLNS)
        .attr("type", "get")
        .attr("to", GROUP_SERVER)
        .child(
            Node::build("participating")
                .child(Node::new("participants"))
                .child(Node::new("description")),
        )
        .finish()
}

/// One `<group>`, with its participants bounded.
pub(crate) fn bounded_group(g: &Node) -> Result<GroupInfo, GroupQueryError> {
    let count = g
        .children_by_tag("participant")
        .take(MAX_PARTICIPANTS + 1)
        .count();
    if count > MAX_PARTICIPANTS {
        return Err(GroupQueryError::TooManyParticipants {
            group: g
                .attr_str("id")
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect(),
            count,
            max: MAX_PARTICIPANTS,
        });
    }
    Ok(read_group(g)?)
}

/// Reads the reply to [`group_info_iq`] for `asked`: `<iq type="result"><group …/></iq>`.
pub fn parse_group_info(iq: &Node, asked: &Jid) -> Result<GroupInfo, GroupQueryError> {
    expect_tag(iq, "iq")?;
    let info = bounded_group(req_child(iq, "iq", "group")?)?;
    if !info.jid.same_user(&asked.to_non_ad()) {
        return Err(GroupQueryError::WrongGroup {
            asked: asked.clone(),
            got: info.jid,
        });
    }
    Ok(info)
}

/// Reads the reply to [`joined_groups_iq`]: `<iq type="result"><groups><group/>…</groups>`.
pub fn parse_joined_groups(iq: &Node) -> Result<Vec<GroupInfo>, GroupQueryError> {
    expect_tag(iq, "iq")?;
    let groups = req_child(iq, "iq", "groups")?;
    let count = groups.children_by_tag("group").take(MAX_GROUPS + 1).count();
    if count > MAX_GROUPS {
        return Err(GroupQueryError::TooManyGroups {
            count,
            max: MAX_GROUPS,
        });
    }
    groups.children_by_tag("group").map(bounded_group).collect()
}
