use super::*;
use crate::binary::{decode, encode, Jid, Node};
use crate::stanza::attrs::StanzaError;
use crate::stanza::notification::{GroupInfo, GroupParticipant, ParticipantRole};

fn wire(node: &Node) -> Node {
    decode(&encode(node).expect("encodes")).expect("decodes")
}

fn sample(id: &str) -> GroupInfo {
    GroupInfo {
        jid: Jid::group(id),
        subject: Some("Climbing".into()),
        subject_time: Some(1_700_000_100),
        subject_owner: Some(Jid::pn("15550001")),
        creator: Some(Jid::pn("15550001")),
        creation: Some(1_700_000_000),
        description: Some("Saturdays".into()),
        participants: vec![
            GroupParticipant {
                jid: Jid::pn("15550001"),
                alt: Some(Jid::lid("777")),
                role: ParticipantRole::SuperAdmin,
            },
            GroupParticipant {
                jid: Jid::lid("888"),
                alt: Some(Jid::pn("15550002")),
                role: ParticipantRole::Admin,
            },
            GroupParticipant {
                jid: Jid::pn("15550003"),
                alt: None,
                role: ParticipantRole::Member,
            },
        ],
        announce: true,
        locked: false,
        ephemeral: Some(86_400),
        addressing_mode: Some("lid".into()),
        size: Some(3),
    }
}

fn with_id(mut iq: Node, id: &str) -> Node {
    iq.set_attr("id", id.to_owned());
    iq
}

#[test]
fn group_info_round_trips_through_both_roles() {
    let group = Jid::group("120363000000000001");
    let iq = group_info_iq(&group);
    assert_eq!(iq.attr_str("xmlns").as_deref(), Some("w:g2"));
    assert_eq!(iq.attr_jid("to"), Some(group.clone()));
    assert_eq!(
        iq.child("query").unwrap().attr_str("request").as_deref(),
        Some("interactive")
    );
    let seen = wire(&with_id(iq, "g1"));
    assert_eq!(
        parse_group_query(&seen),
        Ok(Some(GroupQuery::Info(group.clone())))
    );
    let info = sample("120363000000000001");
    let answer = wire(&group_info_result("g1", &info));
    assert_eq!(answer.attr_str("id").as_deref(), Some("g1"));
    assert_eq!(parse_group_info(&answer, &group), Ok(info));
}

#[test]
fn joined_groups_round_trip_through_both_roles() {
    let iq = joined_groups_iq();
    assert_eq!(iq.attr_str("to").as_deref(), Some("@g.us"));
    let p = iq.child("participating").unwrap();
    assert!(p.child("participants").is_some() && p.child("description").is_some());
    assert_eq!(
        parse_group_query(&wire(&with_id(iq, "j"))),
        Ok(Some(GroupQuery::Participating))
    );
    let groups = vec![sample("1"), sample("2")];
    let answer = wire(&joined_groups_result("j", &groups));
    assert_eq!(parse_joined_groups(&answer), Ok(groups));
    assert_eq!(
        parse_joined_groups(&joined_groups_result("j", &[])),
        Ok(vec![])
    );
}

#[test]
fn replies_are_read_defensively() {
    let asked = Jid::group("1");
    let other = group_info_result("x", &sample("2"));
    assert!(matches!(
        parse_group_info(&other, &asked),
        Err(GroupQueryError::WrongGroup { .. })
    ));
    let bare = Node::build("iq").attr("type", "result").finish();
    assert!(matches!(
        parse_group_info(&bare, &asked),
        Err(GroupQueryError::Stanza(StanzaError::MissingChild {
            child: "group",
            ..
        }))
    ));
    assert!(matches!(
        parse_joined_groups(&bare),
        Err(GroupQueryError::Stanza(StanzaError::MissingChild {
            child: "groups",
            ..
        }))
    ));
    let crowd = (0..=MAX_PARTICIPANTS).map(|i| {
        Node::build("participant")
            .attr("jid", Jid::pn(i.to_string()))
            .finish()
    });
    let huge = Node::build("iq")
        .child(Node::build("group").attr("id", "1").children(crowd))
        .finish();
    assert!(matches!(
        parse_group_info(&huge, &asked),
        Err(GroupQueryError::TooManyParticipants {
            max: MAX_PARTICIPANTS,
            ..
        })
    ));
    let many = (0..=MAX_GROUPS).map(|i| Node::build("group").attr("id", i.to_string()).finish());
    let flood = Node::build("iq")
        .child(Node::build("groups").children(many))
        .finish();
    assert!(matches!(
        parse_joined_groups(&flood),
        Err(GroupQueryError::TooManyGroups {
            max: MAX_GROUPS,
            ..
        })
    ));
    let bad_member = Node::build("iq")
        .child(
            Node::build("group")
                .attr("id", "1")
                .child(Node::build("participant").attr("jid", "no jid@").finish()),
        )
        .finish();
    assert!(parse_group_info(&bad_member, &asked).is_err());
}

#[test]
fn server_ignores_other_requests_and_refuses_non_group_targets() {
    let set = Node::build("iq")
        .attr("xmlns", "w:g2")
        .attr("type", "set")
        .child(Node::new("participating"))
        .finish();
    assert_eq!(parse_group_query(&set), Ok(None));
    let usync = Node::build("iq")
        .attr("xmlns", "usync")
        .attr("type", "get")
        .finish();
    assert_eq!(parse_group_query(&usync), Ok(None));
    let to_user = Node::build("iq")
        .attr("xmlns", "w:g2")
        .attr("type", "get")
        .attr("to", Jid::pn("1"))
        .child(Node::new("query"))
        .finish();
    assert!(matches!(
        parse_group_query(&to_user),
        Err(StanzaError::BadAttr { attr: "to", .. })
    ));
}
