//! Builders for the other stanzas contacts and the server send our devices: receipts for our
//! messages, presence, chat state, and notifications. Shapes are those whatsmeow and
//! whatsapp-rust parse (named per builder); `wa_protocol::stanza::{receipt, presence,
//! notification}` parse every one of them in this crate's tests.
//!
//! Builders take every value explicitly (no clock, no RNG); the [`crate::FakeServer`] and
//! [`crate::Contact`] methods that queue them fill in ids and times.

use wa_protocol::binary::{Jid, Node};
use wa_protocol::stanza::receipt::ReceiptKind;

/// `<receipt from [participant] id t [type]>[<list><item id/>…</list>]</receipt>` for our
/// messages `ids` (at least one). whatsmeow `parseReceipt`; messages.md §3.4.
pub fn receipt(
    from: &Jid,
    participant: Option<&Jid>,
    kind: &ReceiptKind,
    ids: &[String],
    t: u64,
) -> Node {
    let (first, rest) = ids
        .split_first()
        .map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
    let mut b = Node::build("receipt")
        .attr("from", from.clone())
        .attr_opt("participant", participant.cloned())
        .attr("id", first.to_owned())
        .attr("t", t.to_string())
        .attr_opt("type", kind.as_wire().map(str::to_owned));
    let mut children = Vec::new();
    if !rest.is_empty() {
        children.push(
            Node::build("list")
                .children(
                    rest.iter()
                        .map(|id| Node::build("item").attr("id", id.clone()).finish()),
                )
                .finish(),
        );
    }
    if !children.is_empty() {
        b = b.children(children);
    }
    b.finish()
}

/// A contact's retry receipt for our message `id` (messages.md §4.1, without `<keys>`):
/// `<receipt from [participant] id t type="retry"><retry count id t v="1"/><registration/>`.
pub fn retry_receipt(
    from: &Jid,
    participant: Option<&Jid>,
    id: &str,
    count: u32,
    registration_id: u32,
    t: u64,
) -> Node {
    Node::build("receipt")
        .attr("from", from.clone())
        .attr_opt("participant", participant.cloned())
        .attr("id", id.to_owned())
        .attr("t", t.to_string())
        .attr("type", "retry")
        .children([
            Node::build("retry")
                .attr("count", count.to_string())
                .attr("id", id.to_owned())
                .attr("t", t.to_string())
                .attr("v", "1")
                .finish(),
            Node::build("registration")
                .bytes(registration_id.to_be_bytes().to_vec())
                .finish(),
        ])
        .finish()
}

/// `<presence from [type="unavailable"] [last]/>` (whatsmeow `handlePresence`).
pub fn presence(from: &Jid, available: bool, last_seen: Option<u64>) -> Node {
    Node::build("presence")
        .attr("from", from.clone())
        .attr_opt("type", (!available).then_some("unavailable"))
        .attr_opt("last", last_seen.map(|t| t.to_string()))
        .finish()
}

/// `<chatstate from [participant]><composing [media="audio"]/>|<paused/></chatstate>`
/// (whatsmeow `handleChatState`).
pub fn chatstate(from: &Jid, participant: Option<&Jid>, composing: bool, audio: bool) -> Node {
    let child = if composing {
        Node::build("composing")
            .attr_opt("media", audio.then_some("audio"))
            .finish()
    } else {
        Node::build("paused").finish()
    };
    Node::build("chatstate")
        .attr("from", from.clone())
        .attr_opt("participant", participant.cloned())
        .child(child)
        .finish()
}

/// `<notification type from id t [participant]>children</notification>`.
pub fn notification(
    kind: &str,
    from: &Jid,
    participant: Option<&Jid>,
    id: &str,
    t: u64,
    children: Vec<Node>,
) -> Node {
    let b = Node::build("notification")
        .attr("from", from.clone())
        .attr("type", kind.to_owned())
        .attr("id", id.to_owned())
        .attr("t", t.to_string())
        .attr_opt("participant", participant.cloned());
    if children.is_empty() {
        b.finish()
    } else {
        b.children(children).finish()
    }
}

/// The child of a `picture` notification: `<set jid author id/>`, or `<delete jid author/>`
/// when `picture_id` is `None` (whatsmeow `handlePictureNotification`).
pub fn picture_change(jid: &Jid, author: &Jid, picture_id: Option<&str>) -> Node {
    match picture_id {
        Some(id) => Node::build("set")
            .attr("jid", jid.clone())
            .attr("author", author.clone())
            .attr("id", id.to_owned())
            .finish(),
        None => Node::build("delete")
            .attr("jid", jid.clone())
            .attr("author", author.clone())
            .finish(),
    }
}

/// The child of a `status` notification: `<set>about text</set>` (whatsmeow
/// `handleStatusNotification`).
pub fn about_set(text: &str) -> Node {
    Node::build("set").bytes(text.as_bytes().to_vec()).finish()
}

/// The child of a `devices` notification: `<add|remove><device jid/><key-index-list
/// ts/></add|remove>` (whatsapp-rust `stanza/devices.rs`; the key index list is required for
/// both, its signed bytes only sent on add).
pub fn device_change(added: bool, device: &Jid, ts: u64, key_index: Option<&[u8]>) -> Node {
    let list = Node::build("key-index-list").attr("ts", ts.to_string());
    let list = match key_index {
        Some(bytes) => list.bytes(bytes.to_vec()).finish(),
        None => list.finish(),
    };
    Node::build(if added { "add" } else { "remove" })
        .children([
            Node::build("device").attr("jid", device.clone()).finish(),
            list,
        ])
        .finish()
}

/// A child of a `business` notification: `<verified_name jid name/>` (whatsapp-rust
/// `stanza/business.rs`).
pub fn business_verified_name(jid: &Jid, name: &str) -> Node {
    Node::build("verified_name")
        .attr("jid", jid.clone())
        .attr("name", name.to_owned())
        .finish()
}

/// A child of a `business` notification: `<remove jid/>` (the account is no longer a
/// business).
pub fn business_remove(jid: &Jid) -> Node {
    Node::build("remove").attr("jid", jid.clone()).finish()
}

/// `<participant jid [type]/>` for `w:gp2` lists (whatsmeow `parseParticipantList`).
pub fn group_participant(jid: &Jid, role: Option<&str>) -> Node {
    Node::build("participant")
        .attr("jid", jid.clone())
        .attr_opt("type", role.map(str::to_owned))
        .finish()
}

/// A `w:gp2` membership change: `<add|remove|promote|demote><participant jid/>…</…>`
/// (whatsmeow `parseGroupChange`). `tag` is one of those four.
pub fn group_members_change(tag: &'static str, members: &[Jid]) -> Node {
    Node::build(tag)
        .children(members.iter().map(|m| group_participant(m, None)))
        .finish()
}

/// A `w:gp2` subject change: `<subject subject s_t s_o/>`.
pub fn group_subject(subject: &str, set_by: &Jid, t: u64) -> Node {
    Node::build("subject")
        .attr("subject", subject.to_owned())
        .attr("s_t", t.to_string())
        .attr("s_o", set_by.clone())
        .finish()
}

/// A `w:gp2` description change: `<description id><body>text</body></description>`.
pub fn group_description(id: &str, text: &str) -> Node {
    Node::build("description")
        .attr("id", id.to_owned())
        .child(Node::build("body").bytes(text.as_bytes().to_vec()).finish())
        .finish()
}

/// The only child of a `w:gp2` notification telling us we are in a new group: `<create
/// reason><group id subject s_t s_o creator creation><participant jid [type]/>…</group>
/// </create>` (whatsmeow `parseGroupCreate`, `parseGroupNode`). The creator is
/// `superadmin`.
pub fn group_create(
    group: &Jid,
    subject: &str,
    creator: &Jid,
    members: &[Jid],
    t: u64,
    reason: Option<&str>,
) -> Node {
    let participants = members.iter().map(|m| {
        let role = m.same_user(creator).then_some("superadmin");
        group_participant(m, role)
    });
    Node::build("create")
        .attr_opt("reason", reason.map(str::to_owned))
        .child(
            Node::build("group")
                .attr("id", group.user.clone())
                .attr("subject", subject.to_owned())
                .attr("s_t", t.to_string())
                .attr("s_o", creator.clone())
                .attr("creator", creator.clone())
                .attr("creation", t.to_string())
                .children(participants)
                .finish(),
        )
        .finish()
}

/// The child of an `encrypt` notification from a user: `<identity/>`, their identity key
/// changed (whatsmeow `handleEncryptNotification`).
pub fn identity_changed() -> Node {
    Node::build("identity").finish()
}
