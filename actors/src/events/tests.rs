use std::collections::HashSet;

use chrono::TimeZone;
use prost::Message as _;

use super::*;

fn jid(s: &str) -> Jid {
    s.parse::<Jid>().expect("valid jid")
}

fn ts() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .timestamp_opt(1_700_000_000, 0)
        .single()
        .expect("valid time")
}

fn source(chat: &str) -> MessageSource {
    MessageSource {
        sender: jid("111@s.whatsapp.net"),
        chat: jid(chat),
        is_from_me: false,
        is_bot: false,
        sender_alt: None,
    }
}

fn info(chat: &str) -> MessageInfo {
    MessageInfo {
        id: "3EB0ABC".into(),
        source: source(chat),
        timestamp: ts(),
        push_name: "Ann".into(),
        is_group: chat.ends_with("@g.us"),
        category: String::new(),
    }
}

/// One event of every kind, in [`EventKind::ALL`] order.
pub(crate) fn one_of_each() -> Vec<Event> {
    let chat = "222@s.whatsapp.net";
    vec![
        Event::Connected(Connected),
        Event::Disconnected(Disconnected),
        Event::StreamReplaced(StreamReplaced),
        Event::StreamError(StreamError {
            code: "503".into(),
            raw: None,
        }),
        Event::ConnectFailure(ConnectFailure {
            reason: ConnectFailureReason::from_code(409),
            message: "bad ua".into(),
            raw: None,
        }),
        Event::TemporaryBan(TemporaryBan {
            code: TempBanReason::from_code(101),
            expire: Duration::from_secs(3600),
        }),
        Event::PairingQrCode {
            code: "ref,a,b,c".into(),
            timeout: Duration::from_secs(60),
        },
        Event::PairingCode {
            code: "ABCD1234".into(),
            timeout: Duration::from_secs(180),
        },
        Event::PairSuccess(PairSuccess {
            id: jid("111:5@s.whatsapp.net"),
            lid: jid("999:5@lid"),
            business_name: String::new(),
            platform: "android".into(),
        }),
        Event::PairError(PairError {
            id: jid("111:5@s.whatsapp.net"),
            lid: jid("999:5@lid"),
            business_name: String::new(),
            platform: "android".into(),
            error: "bad hmac".into(),
        }),
        Event::QrScannedWithoutMultidevice(QrScannedWithoutMultidevice),
        Event::ClientOutdated(ClientOutdated),
        Event::LoggedOut(LoggedOut::default()),
        Event::Message(
            SharedData::new(wa::Message {
                conversation: Some("hello".into()),
                ..Default::default()
            }),
            info(chat),
        ),
        Event::Receipt(Receipt {
            source: source(chat),
            message_ids: vec!["a".into(), "b".into()],
            timestamp: ts(),
            r#type: ReceiptType::Read,
            message_sender: jid("333@s.whatsapp.net"),
        }),
        Event::UndecryptableMessage(UndecryptableMessage {
            info: info(chat),
            is_unavailable: true,
            unavailable_type: UnavailableType::ViewOnce,
            decrypt_fail_mode: DecryptFailMode::Hide,
        }),
        Event::UnknownMessage(UnknownMessage {
            info: info(chat),
            fields: vec![9999],
            raw: bytes::Bytes::from_static(&[0xfa, 0xf0, 0x04, 0x00]),
        }),
        Event::Notification(Node::default()),
        Event::ChatPresence(ChatPresenceUpdate {
            source: source(chat),
            state: ChatPresence::Composing,
            media: ChatPresenceMedia::Audio,
        }),
        Event::Presence(PresenceUpdate {
            from: jid(chat),
            unavailable: true,
            last_seen: Some(ts()),
        }),
        Event::PictureUpdate(PictureUpdate {
            jid: jid(chat),
            author: jid(chat),
            timestamp: ts(),
            photo_change: Some(wa::PhotoChange::default()),
        }),
        Event::UserAboutUpdate(UserAboutUpdate {
            jid: jid(chat),
            status: "busy".into(),
            timestamp: ts(),
        }),
        Event::PushNameUpdate(PushNameUpdate {
            jid: jid(chat),
            message: Box::new(info(chat)),
            old_push_name: "A".into(),
            new_push_name: "B".into(),
        }),
        Event::SelfPushNameUpdated(SelfPushNameUpdated {
            from_server: true,
            old_name: "me".into(),
            new_name: "me2".into(),
            from_full_sync: true,
        }),
        Event::JoinedGroup(LazyConversation::from_conversation(wa::Conversation {
            id: Some("123-456@g.us".into()),
            ..Default::default()
        })),
        Event::GroupInfoUpdate {
            jid: jid("123-456@g.us"),
            update: Box::default(),
            author: Some(jid("111@s.whatsapp.net")),
            author_name: Some("Ann".into()),
            timestamp: ts(),
            changes: vec![
                GroupChange::Promoted(vec![GroupMember {
                    jid: jid("222@s.whatsapp.net"),
                    alt: Some(jid("999@lid")),
                    role: GroupRole::Admin,
                }]),
                GroupChange::Locked(true),
            ],
        },
        Event::ContactUpdate(ContactUpdate {
            jid: jid(chat),
            timestamp: ts(),
            action: Box::default(),
            from_full_sync: false,
        }),
        Event::PinUpdate(PinUpdate {
            jid: jid(chat),
            timestamp: ts(),
            action: Box::new(wa::PinAction { pinned: Some(true) }),
            from_full_sync: true,
        }),
        Event::MuteUpdate(MuteUpdate {
            jid: jid(chat),
            timestamp: ts(),
            action: Box::default(),
            from_full_sync: false,
        }),
        Event::ArchiveUpdate(ArchiveUpdate {
            jid: jid(chat),
            timestamp: ts(),
            action: Box::default(),
            from_full_sync: false,
        }),
        Event::MarkChatAsReadUpdate(MarkChatAsReadUpdate {
            jid: jid(chat),
            timestamp: ts(),
            action: Box::default(),
            from_full_sync: false,
        }),
        Event::HistorySync(HistorySync::new(wa::HistorySync::default())),
        Event::OfflineSyncPreview(OfflineSyncPreview {
            total: 5,
            app_data_changes: 1,
            messages: 2,
            notifications: 1,
            receipts: 1,
        }),
        Event::OfflineSyncCompleted(OfflineSyncCompleted { count: 5 }),
        Event::DeviceListUpdate(DeviceListUpdate {
            user: jid(chat),
            lid_user: None,
            update_type: DeviceListUpdateType::Add,
            devices: vec![DeviceNotificationInfo {
                device_id: 3,
                key_index: Some(7),
            }],
            key_index: Some(KeyIndexInfo {
                timestamp: 1,
                signed_bytes: None,
            }),
            contact_hash: None,
        }),
        Event::BusinessStatusUpdate(BusinessStatusUpdate {
            jid: jid(chat),
            update_type: BusinessUpdateType::from_tag("product"),
            timestamp: 1,
            target_jid: None,
            hash: None,
            verified_name: None,
            product_ids: vec!["p1".into()],
            collection_ids: vec![],
            subscriptions: vec![],
        }),
        Event::IdentityChange(IdentityChange {
            jid: jid("111:2@s.whatsapp.net"),
            timestamp: ts(),
            implicit: true,
        }),
        Event::AppStateUpdate(AppStateUpdate {
            collection: "regular_high".into(),
            index: vec![
                "star".into(),
                chat.into(),
                "ID".into(),
                "1".into(),
                "0".into(),
            ],
            set: true,
            timestamp: ts(),
            action: Box::default(),
            from_full_sync: true,
        }),
        Event::HistorySyncFailed(HistorySyncFailed {
            message_id: "3EB0H".into(),
            sync_type: Some(SyncType::Recent),
            chunk_order: 2,
            error: HistoryFailure::Blob(HistoryError::TooLarge { max: 10 }),
        }),
    ]
}

#[test]
fn a_history_event_decodes_conversations_only_when_asked() {
    let data = wa::HistorySync {
        conversations: vec![wa::Conversation {
            id: Some("1@s.whatsapp.net".into()),
            ..Default::default()
        }],
        pushnames: vec![wa::Pushname {
            id: Some("1@s.whatsapp.net".into()),
            pushname: Some("A".into()),
        }],
        chunk_order: Some(3),
        ..Default::default()
    };
    let raw = data.conversations[0].encode_to_vec();
    let event = HistorySync::from_chunk(HistoryChunk {
        message_id: "M".into(),
        sync_type: SyncType::Full,
        chunk_order: 3,
        progress: Some(50),
        request_id: None,
        data: wa::HistorySync {
            pushnames: data.pushnames.clone(),
            ..Default::default()
        },
        conversations: vec![LazyConversation::new(raw)],
        blob: bytes::Bytes::new(),
    });
    let copy = event.clone();
    assert!(!event.conversations[0].is_parsed());
    assert_eq!(copy.push_names().len(), 1);
    let mut full = event.decode_all();
    full.chunk_order = Some(3);
    assert_eq!(full, data);
    assert!(copy.conversations[0].is_parsed(), "clones share the parse");
    let json = serde_json::to_value(Event::HistorySync(event)).unwrap();
    assert_eq!(json["HistorySync"]["chunk_order"], 3);
}

#[test]
fn every_kind_has_a_variant_and_serializes() {
    let events = one_of_each();
    let kinds: Vec<EventKind> = events.iter().map(Event::kind).collect();
    assert_eq!(kinds, EventKind::ALL);
    for event in &events {
        let json = serde_json::to_value(event).expect("serializes");
        let obj = json.as_object().expect("externally tagged");
        assert_eq!(
            obj.keys().next().map(String::as_str),
            Some(event.kind().name())
        );
        // Debug and Clone exist for every payload.
        assert!(!format!("{:?}", event.clone()).is_empty());
    }
}

#[test]
fn payloads_serialize_readably() {
    let events = one_of_each();
    let msg = serde_json::to_value(&events[EventKind::Message as usize]).unwrap();
    let body = msg["Message"][0].as_str().expect("protobuf as base64");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap();
    let decoded = wa::Message::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded.conversation.as_deref(), Some("hello"));
    assert_eq!(msg["Message"][1]["source"]["chat"], "222@s.whatsapp.net");
    assert_eq!(msg["Message"][1]["timestamp"], "2023-11-14T22:13:20Z");

    let ban = serde_json::to_value(&events[EventKind::TemporaryBan as usize]).unwrap();
    assert_eq!(ban["TemporaryBan"]["code"], "SentToTooManyPeople");
    assert_eq!(ban["TemporaryBan"]["expire"]["secs"], 3600);
    let fail = serde_json::to_value(&events[EventKind::ConnectFailure as usize]).unwrap();
    assert_eq!(fail["ConnectFailure"]["reason"], "BadUserAgent");
    let receipt = serde_json::to_value(&events[EventKind::Receipt as usize]).unwrap();
    assert_eq!(receipt["Receipt"]["type"], "Read");
}

#[test]
fn receipt_types_map_to_and_from_the_wire() {
    let all = [
        ReceiptType::Delivery,
        ReceiptType::Read,
        ReceiptType::ReadSelf,
        ReceiptType::Played,
        ReceiptType::Sender,
        ReceiptType::Retry,
        ReceiptType::ServerError,
        ReceiptType::Inactive,
    ];
    let wires: HashSet<&str> = all.iter().map(ReceiptType::as_wire).collect();
    assert_eq!(wires.len(), 8);
    for t in all {
        assert_eq!(ReceiptType::from_wire(t.as_wire()), Some(t));
    }
    assert_eq!(
        ReceiptType::from_wire("read-self"),
        Some(ReceiptType::ReadSelf)
    );
    assert_eq!(ReceiptType::from_wire("peer_msg"), None);
    assert_eq!(
        UnavailableType::from_wire("view_once"),
        UnavailableType::ViewOnce
    );
    assert_eq!(DecryptFailMode::from_wire("hide"), DecryptFailMode::Hide);
    assert_eq!(DecryptFailMode::from_wire(""), DecryptFailMode::Show);
    assert_eq!(ChatPresence::from_tag("paused"), Some(ChatPresence::Paused));
    assert_eq!(
        ChatPresenceMedia::from_wire("audio"),
        ChatPresenceMedia::Audio
    );
    assert_eq!(
        DeviceListUpdateType::from_tag("remove"),
        Some(DeviceListUpdateType::Remove)
    );
    assert_eq!(
        BusinessUpdateType::from_tag("verified_name_hash"),
        BusinessUpdateType::VerifiedNameChanged
    );
    assert_eq!(
        BusinessUpdateType::from_tag("x"),
        BusinessUpdateType::Unknown
    );
}

#[test]
fn lazy_conversation_parses_once_and_hides_empty_ids() {
    let conv = wa::Conversation {
        id: Some("123-456@g.us".into()),
        name: Some("Team".into()),
        ..Default::default()
    };
    let lazy = LazyConversation::new(conv.encode_to_vec());
    let clone = lazy.clone();
    assert!(!lazy.is_parsed());
    assert_eq!(lazy.get().and_then(|c| c.name.as_deref()), Some("Team"));
    // The clone shares the parse.
    assert!(clone.is_parsed());
    assert!(std::ptr::eq(lazy.get().unwrap(), clone.get().unwrap()));

    let empty = LazyConversation::new(
        wa::Conversation {
            id: Some(String::new()),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    assert!(empty.get().is_none());
    assert!(LazyConversation::new(vec![0xff, 0xff, 0xff])
        .get()
        .is_none());
    assert!(LazyConversation::new(Vec::new()).get().is_none());
}

#[test]
fn shared_data_clones_share_one_allocation() {
    let a = SharedData::new(wa::Message::default());
    let b = a.clone();
    assert!(std::sync::Arc::ptr_eq(&a.0, &b.0));
    assert_eq!(b.conversation, None);
}

#[test]
fn filter_by_kind_and_chat() {
    let events = one_of_each();
    let only_messages = EventFilter::kinds([EventKind::Message, EventKind::Receipt]);
    let passed: Vec<EventKind> = events
        .iter()
        .filter(|e| only_messages.matches(e))
        .map(Event::kind)
        .collect();
    assert_eq!(passed, [EventKind::Message, EventKind::Receipt]);

    let chat = EventFilter::chats([jid("123-456@g.us")]);
    let passed: Vec<EventKind> = events
        .iter()
        .filter(|e| chat.matches(e))
        .map(Event::kind)
        .collect();
    assert_eq!(passed, [EventKind::GroupInfoUpdate]);

    assert!(events.iter().all(|e| EventFilter::all().matches(e)));
    let none = EventFilter::kinds([]);
    assert!(events.iter().all(|e| !none.matches(e)));
    let set = EventKindSet::all().without(EventKind::Message);
    assert!(!set.contains(EventKind::Message));
    assert_eq!(set.iter().count(), EventKind::ALL.len() - 1);
}

#[test]
fn notification_serializes_as_a_node_and_its_sender_is_the_chat() {
    let group = jid("123-456@g.us");
    let node = Node::build("notification")
        .attr("from", group.clone())
        .attr("type", "w:gp2")
        .children([
            Node::build("create").bytes(vec![1u8, 2, 3]).finish(),
            Node::build("subject").string("Team").finish(),
        ])
        .finish();
    let event = Event::Notification(node);
    assert_eq!(event.chat(), Some(&group));
    assert!(EventFilter::chats([group]).matches(&event));
    let json = serde_json::to_value(&event).unwrap();
    let n = &json["Notification"];
    assert_eq!(n["tag"], "notification");
    assert_eq!(n["attrs"]["from"], "123-456@g.us");
    assert_eq!(n["attrs"]["type"], "w:gp2");
    assert_eq!(n["content"][0]["tag"], "create");
    assert_eq!(n["content"][0]["content"], "AQID");
    assert_eq!(n["content"][1]["content"], "Team");
    assert!(n["content"][0]["attrs"].as_object().unwrap().is_empty());

    // A string `from` that was never a JID gives no chat rather than a guess.
    let plain = Event::Notification(Node::build("notification").attr("from", "x").finish());
    assert_eq!(plain.chat(), None);

    let failure = Event::StreamError(StreamError {
        code: "503".into(),
        raw: Some(Node::build("stream:error").attr("code", "503").finish()),
    });
    let json = serde_json::to_value(&failure).unwrap();
    assert_eq!(json["StreamError"]["raw"]["attrs"]["code"], "503");
}

#[test]
fn chat_filters_compare_users_not_devices() {
    let by_user = EventFilter::chats([jid("222@s.whatsapp.net")]);
    let by_device = EventFilter::chats([jid("222:7@s.whatsapp.net")]);
    let from_device = Event::Presence(PresenceUpdate {
        from: jid("222:3@s.whatsapp.net"),
        unavailable: false,
        last_seen: None,
    });
    let from_user = Event::Presence(PresenceUpdate {
        from: jid("222@s.whatsapp.net"),
        unavailable: false,
        last_seen: None,
    });
    let other = Event::Presence(PresenceUpdate {
        from: jid("223:3@s.whatsapp.net"),
        unavailable: false,
        last_seen: None,
    });
    for f in [&by_user, &by_device] {
        assert!(f.matches(&from_device));
        assert!(f.matches(&from_user));
        assert!(!f.matches(&other));
    }
}

#[test]
fn a_printed_event_shows_ids_as_whatsapp_writes_them() {
    let event = Event::Presence(PresenceUpdate {
        from: jid("15550000001:1@s.whatsapp.net"),
        unavailable: false,
        last_seen: None,
    });
    let printed = format!("{event:?}");
    assert!(
        printed.contains("Jid(15550000001:1@s.whatsapp.net)"),
        "{printed}"
    );
    assert!(!printed.contains("user:"), "no struct dump: {printed}");
}

#[test]
fn unknown_message_debug_shows_the_length_not_the_bytes() {
    let e = UnknownMessage {
        info: info("222@s.whatsapp.net"),
        fields: vec![9999],
        raw: bytes::Bytes::from_static(&[0xfa, 0xf0, 0x04, 0x01, 0xab]),
    };
    let shown = format!("{e:?}");
    assert!(
        shown.contains("raw_len: 5") && shown.contains("9999"),
        "{shown}"
    );
    assert!(!shown.contains("171") && !shown.contains("xab"), "{shown}");
}
