//! The server's side of usync: read a client's query, build the answer.

use crate::binary::{Jid, Node};
use crate::stanza::attrs::{expect_tag, opt_str, req_child, req_jid, StanzaError};
use crate::stanza::iq::SERVER;
use crate::stanza::notification::KeyIndexList;

use super::query::{normalize_phone, QueryUser, UsyncProtocols};
use super::result::{ContactStatus, DeviceEntry};
use super::{UsyncError, MAX_QUERY_USERS, USYNC_XMLNS};

/// A client's usync query as the server reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsyncRequest {
    /// The iq `id`, echoed in the answer.
    pub id: String,
    /// `sid`.
    pub sid: Option<String>,
    /// `mode`, verbatim.
    pub mode: Option<String>,
    /// `context`, verbatim.
    pub context: Option<String>,
    /// The protocols asked for (unknown ones are ignored).
    pub protocols: UsyncProtocols,
    /// The users, in order.
    pub users: Vec<QueryUser>,
}

/// What the server knows of one queried user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAnswer {
    /// `jid`: the user (phone number or LID, no device).
    pub jid: Jid,
    /// `pn_jid`, when `jid` is a LID.
    pub pn: Option<Jid>,
    /// The LID, sent when the query asked for `<lid/>`.
    pub lid: Option<Jid>,
    /// The devices, sent when the query asked for `<devices/>`.
    pub devices: Vec<DeviceEntry>,
    /// `<key-index-list>`, with the devices.
    pub key_index: Option<KeyIndexList>,
    /// `<contact type>` and the echoed query, sent when the query asked for `<contact/>`.
    pub contact: Option<(ContactStatus, String)>,
}

/// Reads `<iq xmlns="usync" type="get"><usync><query/><list/></usync></iq>`. `<user>`s with
/// neither a `jid` nor a `<contact>` are an error.
pub fn parse_query(iq: &Node) -> Result<UsyncRequest, UsyncError> {
    expect_tag(iq, "iq")?;
    if !iq.attr("xmlns").is_some_and(|x| x.eq_str(USYNC_XMLNS)) {
        return Err(StanzaError::BadAttr {
            tag: "iq",
            attr: "xmlns",
            value: iq
                .attr_str("xmlns")
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect(),
        }
        .into());
    }
    let id = opt_str(iq, "id").unwrap_or_default();
    let usync = req_child(iq, "iq", "usync")?;
    let query = req_child(usync, "usync", "query")?;
    let protocols = UsyncProtocols {
        devices: query.child("devices").is_some(),
        lid: query.child("lid").is_some(),
        contact: query.child("contact").is_some(),
    };
    let list = req_child(usync, "usync", "list")?;
    let count = list
        .children_by_tag("user")
        .take(MAX_QUERY_USERS + 1)
        .count();
    if count > MAX_QUERY_USERS {
        return Err(UsyncError::TooManyUsers {
            count,
            max: MAX_QUERY_USERS,
        });
    }
    if count == 0 {
        return Err(UsyncError::NoUsers);
    }
    let users = list
        .children_by_tag("user")
        .map(|u| {
            if u.attr("jid").is_some() {
                return Ok(QueryUser::Jid(req_jid(u, "user", "jid")?.to_non_ad()));
            }
            let phone = req_child(u, "user", "contact")?.content_bytes().ok_or(
                StanzaError::BadContent {
                    tag: "contact",
                    reason: "expected the phone number",
                },
            )?;
            let phone = String::from_utf8_lossy(phone);
            let phone = phone.split('@').next().unwrap_or_default();
            Ok(QueryUser::Phone(normalize_phone(phone)))
        })
        .collect::<Result<Vec<_>, UsyncError>>()?;
    Ok(UsyncRequest {
        id,
        sid: opt_str(usync, "sid"),
        mode: opt_str(usync, "mode"),
        context: opt_str(usync, "context"),
        protocols,
        users,
    })
}

/// The answer to `request`: one `<user>` per answer, each with the protocols the request
/// asked for. Users the server does not know are simply left out of `answers`, except
/// contact lookups, which should answer `ContactStatus::Out`.
pub fn result_iq(request: &UsyncRequest, answers: &[UserAnswer]) -> Node {
    let users = answers.iter().map(|a| user_node(&request.protocols, a));
    let usync = Node::build("usync")
        .attr_opt("sid", request.sid.clone())
        .child(Node::build("list").children(users))
        .finish();
    Node::build("iq")
        .attr("id", request.id.clone())
        .attr("type", "result")
        .attr("from", SERVER)
        .child(usync)
        .finish()
}

fn user_node(p: &UsyncProtocols, a: &UserAnswer) -> Node {
    let mut user = Node::build("user")
        .attr("jid", a.jid.to_non_ad())
        .attr_opt("pn_jid", a.pn.clone())
        .finish();
    if p.devices && !a.devices.is_empty() {
        let list = a.devices.iter().map(|d| {
            Node::build("device")
                .attr("id", d.id)
                .attr_opt("key-index", d.key_index)
                .attr_opt("is_hosted", d.hosted.then_some("true"))
                .finish()
        });
        let mut devices = Node::build("devices")
            .child(Node::build("device-list").children(list))
            .finish();
        if let Some(k) = &a.key_index {
            let mut b = Node::build("key-index-list").attr("ts", k.timestamp.to_string());
            if let Some(bytes) = &k.signed {
                b = b.bytes(bytes.clone());
            }
            devices.push_child(b.finish());
        }
        user.push_child(devices);
    }
    if p.lid {
        if let Some(lid) = &a.lid {
            user.push_child(Node::build("lid").attr("val", lid.to_non_ad()).finish());
        }
    }
    if p.contact {
        if let Some((status, echo)) = &a.contact {
            let ty = match status {
                ContactStatus::In => "in",
                ContactStatus::Out => "out",
            };
            user.push_child(
                Node::build("contact")
                    .attr("type", ty)
                    .string(echo.clone())
                    .finish(),
            );
        }
    }
    user
}
