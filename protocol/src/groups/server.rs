//! The server's side of the group queries: read the query, build the `<group>` answers.

use crate::binary::{Jid, Node};
use crate::stanza::attrs::{expect_tag, req_jid, StanzaError};
use crate::stanza::notification::{GroupInfo, ParticipantRole};

use super::GROUPS_XMLNS;

/// What a `w:g2` get asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupQuery {
    /// One group's metadata (`<query request="interactive"/>` to the group).
    Info(Jid),
    /// Every group the asking account is in (`<participating>`).
    Participating,
}

/// Reads a client's `<iq xmlns="w:g2" type="get">`; `None` for other iqs and other `w:g2`
/// requests (the caller answers those some other way).
pub fn parse_group_query(iq: &Node) -> Result<Option<GroupQuery>, StanzaError> {
    expect_tag(iq, "iq")?;
    let is = |k: &str, v: &str| iq.attr(k).is_some_and(|a| a.eq_str(v));
    if !is("xmlns", GROUPS_XMLNS) || !is("type", "get") {
        return Ok(None);
    }
    if iq.child("participating").is_some() {
        return Ok(Some(GroupQuery::Participating));
    }
    if iq.child("query").is_some() {
        let to = req_jid(iq, "iq", "to")?;
        if !to.is_group() {
            return Err(StanzaError::BadAttr {
                tag: "iq",
                attr: "to",
                value: to.to_string().chars().take(64).collect(),
            });
        }
        return Ok(Some(GroupQuery::Info(to)));
    }
    Ok(None)
}

/// The `<group>` element for `info` (whatsmeow `parseGroupNode` reads it back).
pub fn group_node(info: &GroupInfo) -> Node {
    let mut g = Node::build("group")
        .attr("id", info.jid.user.clone())
        .attr_opt("subject", info.subject.clone())
        .attr_opt("s_t", info.subject_time.map(|t| t.to_string()))
        .attr_opt("s_o", info.subject_owner.clone())
        .attr_opt("creator", info.creator.clone())
        .attr_opt("creation", info.creation.map(|t| t.to_string()))
        .attr_opt("size", info.size)
        .attr_opt("addressing_mode", info.addressing_mode.clone())
        .finish();
    for p in &info.participants {
        let alt_key = if p.jid.is_lid() {
            "phone_number"
        } else {
            "lid"
        };
        let role = match p.role {
            ParticipantRole::Member => None,
            ParticipantRole::Admin => Some("admin"),
            ParticipantRole::SuperAdmin => Some("superadmin"),
        };
        g.push_child(
            Node::build("participant")
                .attr("jid", p.jid.clone())
                .attr_opt("type", role)
                .attr_opt(alt_key, p.alt.clone())
                .finish(),
        );
    }
    if let Some(text) = &info.description {
        g.push_child(
            Node::build("description")
                .child(Node::build("body").string(text.clone()))
                .finish(),
        );
    }
    if info.announce {
        g.push_child(Node::new("announcement"));
    }
    if info.locked {
        g.push_child(Node::new("locked"));
    }
    if let Some(expiration) = info.ephemeral {
        g.push_child(
            Node::build("ephemeral")
                .attr("expiration", expiration)
                .finish(),
        );
    }
    g
}

fn result(id: &str, from: Jid, child: Node) -> Node {
    Node::build("iq")
        .attr("id", id.to_owned())
        .attr("type", "result")
        .attr("from", from)
        .child(child)
        .finish()
}

/// `<iq type="result" from=group id><group …/></iq>`.
pub fn group_info_result(id: &str, info: &GroupInfo) -> Node {
    result(id, info.jid.to_non_ad(), group_node(info))
}

/// `<iq type="result" from="@g.us" id><groups><group/>…</groups></iq>`.
pub fn joined_groups_result(id: &str, groups: &[GroupInfo]) -> Node {
    let from = Jid::new("", crate::binary::Server::Group);
    result(
        id,
        from,
        Node::build("groups")
            .children(groups.iter().map(group_node))
            .finish(),
    )
}
