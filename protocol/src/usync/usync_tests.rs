use super::*;
use crate::binary::{decode, encode, Jid, Node};
use crate::stanza::attrs::StanzaError;
use crate::stanza::notification::KeyIndexList;

/// Through the wire format and back, as both sides see it.
fn wire(node: &Node) -> Node {
    decode(&encode(node).expect("encodes")).expect("decodes")
}

fn alice() -> Jid {
    Jid::pn("15550001")
}

fn reply(users: Vec<Node>) -> Node {
    Node::build("iq")
        .attr("type", "result")
        .child(Node::build("usync").child(Node::build("list").children(users)))
        .finish()
}

fn device(id: &str) -> Node {
    Node::build("device").attr("id", id.to_owned()).finish()
}

fn user_with_devices(jid: &str, devices: Vec<Node>) -> Node {
    Node::build("user")
        .attr("jid", jid.to_owned())
        .child(Node::build("devices").child(Node::build("device-list").children(devices)))
        .finish()
}

#[test]
fn device_query_has_the_usync_shape() {
    let q = UsyncQuery::devices([&alice().with_device(3), &Jid::lid("987")]);
    let iq = q.to_iq("sid-1").unwrap();
    assert_eq!(iq.attr_str("xmlns").as_deref(), Some("usync"));
    assert_eq!(iq.attr_str("type").as_deref(), Some("get"));
    assert_eq!(iq.attr_str("to").as_deref(), Some("s.whatsapp.net"));
    assert!(iq.attr("id").is_none(), "the stanza machine assigns ids");
    let usync = iq.child("usync").unwrap();
    for (k, v) in [
        ("sid", "sid-1"),
        ("mode", "query"),
        ("context", "message"),
        ("last", "true"),
        ("index", "0"),
    ] {
        assert_eq!(usync.attr_str(k).as_deref(), Some(v), "{k}");
    }
    let query = usync.child("query").unwrap();
    assert_eq!(
        query
            .child("devices")
            .unwrap()
            .attr_str("version")
            .as_deref(),
        Some("2")
    );
    assert!(query.child("lid").is_some() && query.child("contact").is_none());
    let users: Vec<Jid> = usync
        .child("list")
        .unwrap()
        .children_by_tag("user")
        .map(|u| u.attr_jid("jid").unwrap())
        .collect();
    assert_eq!(
        users,
        vec![alice(), Jid::lid("987")],
        "asked per user, no device"
    );
}

#[test]
fn contact_query_names_phone_numbers() {
    let iq = UsyncQuery::contacts(["+1 555-0100", "4420"])
        .to_iq("s")
        .unwrap();
    let usync = iq.child("usync").unwrap();
    assert_eq!(usync.attr_str("context").as_deref(), Some("interactive"));
    let query = usync.child("query").unwrap();
    assert!(query.child("contact").is_some() && query.child("devices").is_none());
    let phones: Vec<String> = usync
        .child("list")
        .unwrap()
        .children_by_tag("user")
        .map(|u| u.child("contact").unwrap().string().unwrap().to_owned())
        .collect();
    assert_eq!(phones, vec!["+15550100", "+4420"]);
}

#[test]
fn queries_are_bounded() {
    assert_eq!(UsyncQuery::devices([]).to_iq("s"), Err(UsyncError::NoUsers));
    let many: Vec<Jid> = (0..=MAX_QUERY_USERS)
        .map(|i| Jid::pn(i.to_string()))
        .collect();
    assert!(matches!(
        UsyncQuery::devices(&many).to_iq("s"),
        Err(UsyncError::TooManyUsers {
            max: MAX_QUERY_USERS,
            ..
        })
    ));
    assert!(UsyncQuery::devices(&many[..MAX_QUERY_USERS])
        .to_iq("s")
        .is_ok());
}

#[test]
fn device_lists_round_trip_through_both_roles() {
    let bob = Jid::pn("15550002");
    let q = UsyncQuery::devices([&alice(), &bob]);
    let mut iq = q.to_iq("sid-9").unwrap();
    iq.set_attr("id", "q1");
    let request = parse_query(&wire(&iq)).unwrap();
    assert_eq!(request.id, "q1");
    assert_eq!(request.sid.as_deref(), Some("sid-9"));
    assert!(request.protocols.devices && request.protocols.lid && !request.protocols.contact);
    assert_eq!(
        request.users,
        vec![QueryUser::Jid(alice()), QueryUser::Jid(bob.clone())]
    );
    let answers = [UserAnswer {
        jid: alice(),
        pn: None,
        lid: Some(Jid::lid("777")),
        devices: vec![
            DeviceEntry {
                id: 0,
                key_index: None,
                hosted: false,
            },
            DeviceEntry {
                id: 5,
                key_index: Some(2),
                hosted: false,
            },
            DeviceEntry {
                id: 99,
                key_index: None,
                hosted: true,
            },
        ],
        key_index: Some(KeyIndexList {
            timestamp: 1_700_000_000,
            signed: Some(vec![1, 2, 3]),
        }),
        contact: Some((ContactStatus::In, "ignored".into())),
    }];
    let answer = wire(&result_iq(&request, &answers));
    assert_eq!(answer.attr_str("id").as_deref(), Some("q1"));
    assert!(
        answer
            .child_path(&["usync", "list", "user", "contact"])
            .is_none(),
        "only asked protocols are answered"
    );
    let users = parse_result(&answer).unwrap();
    assert_eq!(users.len(), 1, "unknown users are left out");
    let u = &users[0];
    assert_eq!(u.lid_mapping(), Some((alice(), Jid::lid("777"))));
    assert_eq!(
        u.key_index,
        Some(KeyIndexList {
            timestamp: 1_700_000_000,
            signed: Some(vec![1, 2, 3])
        })
    );
    let devices = u.user_devices().unwrap();
    assert_eq!(devices.user, alice());
    assert_eq!(devices.lid, Some(Jid::lid("777")));
    assert_eq!(devices.devices, answers[0].devices);
    let jids: Vec<Jid> = devices.device_jids().collect();
    assert_eq!(jids[1], alice().with_device(5));
}

#[test]
fn contact_lookups_round_trip_through_both_roles() {
    let mut iq = UsyncQuery::contacts(["15550001", "15559999"])
        .to_iq("s")
        .unwrap();
    iq.set_attr("id", "c1");
    let request = parse_query(&wire(&iq)).unwrap();
    assert_eq!(
        request.users,
        vec![
            QueryUser::Phone("15550001".into()),
            QueryUser::Phone("15559999".into())
        ]
    );
    let answers = [
        UserAnswer {
            jid: alice(),
            pn: None,
            lid: Some(Jid::lid("777")),
            devices: Vec::new(),
            key_index: None,
            contact: Some((ContactStatus::In, "+15550001".into())),
        },
        UserAnswer {
            jid: Jid::pn("15559999"),
            pn: None,
            lid: None,
            devices: Vec::new(),
            key_index: None,
            contact: Some((ContactStatus::Out, "+15559999".into())),
        },
    ];
    let users = parse_result(&wire(&result_iq(&request, &answers))).unwrap();
    assert_eq!(users[0].contact, Some(ContactStatus::In));
    assert_eq!(users[0].contact_query.as_deref(), Some("+15550001"));
    assert_eq!(users[0].lid, Some(Jid::lid("777")));
    assert_eq!(users[1].contact, Some(ContactStatus::Out));
    assert!(users[1].user_devices().is_none(), "no list was asked for");
}

#[test]
fn server_reads_whatsmeow_style_contact_users() {
    let iq = Node::build("iq")
        .attr("xmlns", "usync")
        .attr("id", "x")
        .child(
            Node::build("usync")
                .child(Node::build("query").child(Node::new("contact")))
                .child(Node::build("list").child(
                    Node::build("user").child(Node::build("contact").string("15550001@c.us")),
                )),
        )
        .finish();
    let r = parse_query(&iq).unwrap();
    assert_eq!(r.users, vec![QueryUser::Phone("15550001".into())]);
    let not_usync = Node::build("iq").attr("xmlns", "w:g2").finish();
    assert!(matches!(
        parse_query(&not_usync),
        Err(UsyncError::Stanza(StanzaError::BadAttr {
            attr: "xmlns",
            ..
        }))
    ));
    let empty_user = Node::build("iq")
        .attr("xmlns", "usync")
        .child(
            Node::build("usync")
                .child(Node::new("query"))
                .child(Node::build("list").child(Node::new("user"))),
        )
        .finish();
    assert!(matches!(
        parse_query(&empty_user),
        Err(UsyncError::Stanza(StanzaError::MissingChild {
            child: "contact",
            ..
        }))
    ));
}

#[test]
fn replies_are_read_defensively() {
    // Repeated device ids are kept once.
    let r = reply(vec![user_with_devices(
        "15550001@s.whatsapp.net",
        vec![device("0"), device("4"), device("4")],
    )]);
    let ids: Vec<u16> = parse_result(&r).unwrap()[0]
        .devices
        .as_ref()
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, vec![0, 4]);

    let many = (0..=MAX_DEVICES_PER_USER)
        .map(|i| device(&i.to_string()))
        .collect();
    assert!(matches!(
        parse_result(&reply(vec![user_with_devices("1@s.whatsapp.net", many)])),
        Err(UsyncError::TooManyDevices {
            max: MAX_DEVICES_PER_USER,
            ..
        })
    ));

    let users = (0..=MAX_REPLY_USERS)
        .map(|i| user_with_devices(&format!("{i}@s.whatsapp.net"), vec![device("0")]))
        .collect();
    assert!(matches!(
        parse_result(&reply(users)),
        Err(UsyncError::TooManyUsers {
            max: MAX_REPLY_USERS,
            ..
        })
    ));

    assert!(matches!(
        parse_result(&reply(vec![user_with_devices(
            "1:3@s.whatsapp.net",
            vec![]
        )])),
        Err(UsyncError::DeviceAddress(_))
    ));
    assert!(matches!(
        parse_result(&reply(vec![user_with_devices(
            "1@s.whatsapp.net",
            vec![device("x")]
        )])),
        Err(UsyncError::Stanza(StanzaError::BadAttr { attr: "id", .. }))
    ));
    assert!(matches!(
        parse_result(&reply(vec![user_with_devices(
            "1@s.whatsapp.net",
            vec![device("70000")]
        )])),
        Err(UsyncError::Stanza(StanzaError::BadAttr { attr: "id", .. }))
    ));
    let no_usync = Node::build("iq").attr("type", "result").finish();
    assert!(matches!(
        parse_result(&no_usync),
        Err(UsyncError::Stanza(StanzaError::MissingChild {
            child: "usync",
            ..
        }))
    ));
}

#[test]
fn per_user_errors_and_foreign_lids_are_not_device_lists() {
    let failed = Node::build("user")
        .attr("jid", "1@s.whatsapp.net")
        .child(
            Node::build("devices").child(
                Node::build("error")
                    .attr("code", "403")
                    .attr("text", "blocked")
                    .finish(),
            ),
        )
        .child(Node::build("lid").attr("val", "2@s.whatsapp.net").finish())
        .finish();
    let empty = user_with_devices("3@s.whatsapp.net", vec![]);
    let lid_first = Node::build("user")
        .attr("jid", "777@lid")
        .attr("pn_jid", "15550001@s.whatsapp.net")
        .finish();
    let no_type = Node::build("user")
        .attr("jid", "4@s.whatsapp.net")
        .child(Node::build("contact").string("+4"))
        .finish();
    let users = parse_result(&reply(vec![failed, empty, lid_first])).unwrap();
    assert_eq!(users[0].error.as_ref().map(|e| e.code), Some(403));
    assert_eq!(users[0].user_devices(), None);
    assert_eq!(users[0].lid, None, "a phone number is not a LID");
    assert_eq!(users[0].lid_mapping(), None);
    assert_eq!(users[1].devices, Some(vec![]));
    assert_eq!(users[1].user_devices(), None, "an empty list is no list");
    assert_eq!(users[2].lid_mapping(), Some((alice(), Jid::lid("777"))));
    assert!(matches!(
        parse_result(&reply(vec![no_type])),
        Err(UsyncError::Stanza(StanzaError::MissingAttr {
            attr: "type",
            ..
        }))
    ));
}
