use bytes::Bytes;
use proptest::prelude::*;
use prost::Message as _;
use wa_protobuf::wa;

use super::*;
use crate::binary::Jid;

fn conversation(i: usize, messages: usize) -> wa::Conversation {
    wa::Conversation {
        id: Some(format!("1555000{i:04}@s.whatsapp.net")),
        name: Some(format!("chat {i}")),
        messages: (0..messages)
            .map(|m| wa::HistorySyncMsg {
                message: Some(wa::WebMessageInfo {
                    key: Some(wa::MessageKey {
                        id: Some(format!("MSG{i}-{m}")),
                        ..Default::default()
                    }),
                    message: Some(Box::new(wa::Message {
                        conversation: Some(format!("hello {m}")),
                        ..Default::default()
                    })),
                    ..Default::default()
                }),
                msg_order_id: Some(m as u64),
            })
            .collect(),
        ..Default::default()
    }
}

fn sample() -> wa::HistorySync {
    wa::HistorySync {
        sync_type: Some(SyncType::Recent.to_wire()),
        conversations: (0..5).map(|i| conversation(i, 3)).collect(),
        chunk_order: Some(2),
        progress: Some(40),
        pushnames: vec![wa::Pushname {
            id: Some("15550001@s.whatsapp.net".into()),
            pushname: Some("Alice".into()),
        }],
        phone_number_to_lid_mappings: vec![wa::PhoneNumberToLidMapping {
            pn_jid: Some("15550001@s.whatsapp.net".into()),
            lid_jid: Some("99990001@lid".into()),
        }],
        ..Default::default()
    }
}

#[test]
fn a_compressed_blob_scans_back_to_what_was_put_in() {
    let original = sample();
    let blob = compress(&original.encode_to_vec());
    let inflated = inflate(&blob, DEFAULT_MAX_INFLATED).unwrap();
    let scanned = scan(&inflated).unwrap();
    assert_eq!(scanned.conversations.len(), 5);
    for (range, want) in scanned.conversations.iter().zip(&original.conversations) {
        let got = wa::Conversation::decode(&inflated[range.clone()]).unwrap();
        assert_eq!(&got, want);
    }
    let mut rest = original.clone();
    rest.conversations.clear();
    assert_eq!(scanned.rest, rest);
}

#[test]
fn inflation_stops_at_the_cap() {
    let big = vec![0u8; 100_000];
    let blob = compress(&big);
    assert_eq!(inflate(&blob, 100_000).unwrap().len(), 100_000);
    assert_eq!(
        inflate(&blob, 99_999),
        Err(HistoryError::TooLarge { max: 99_999 })
    );
    assert!(matches!(
        inflate(b"not zlib at all", 1000),
        Err(HistoryError::Inflate(_))
    ));
}

#[test]
fn broken_framing_is_a_typed_error() {
    let encoded = sample().encode_to_vec();
    let cut = &encoded[..encoded.len() - 3];
    assert!(matches!(scan(cut), Err(HistoryError::Malformed(_))));
    // Field 2 as a varint.
    assert!(matches!(
        scan(&[0x10, 0x01]),
        Err(HistoryError::Malformed(_))
    ));
    // A group wire type.
    assert!(matches!(scan(&[0x0b]), Err(HistoryError::Malformed(_))));
    assert_eq!(scan(&[]).unwrap(), ScannedHistory::default());
}

#[test]
fn a_bad_conversation_does_not_fail_the_scan() {
    // conversations = [garbage], pushnames = [..]: the scan keeps the range; decoding that
    // one conversation fails later, alone.
    let mut blob = vec![0x12, 0x02, 0xff, 0xff];
    blob.extend(
        wa::HistorySync {
            pushnames: sample().pushnames,
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let scanned = scan(&blob).unwrap();
    assert_eq!(scanned.conversations, vec![2..4]);
    assert!(wa::Conversation::decode(&blob[2..4]).is_err());
    assert_eq!(scanned.rest.pushnames.len(), 1);
}

fn download_source() -> HistorySource {
    HistorySource::Download {
        direct_path: "/v/t62/history".into(),
        media_key: vec![7; 32],
        file_enc_sha256: vec![1; 32],
        file_sha256: vec![2; 32],
        file_length: Some(1234),
    }
}

fn notification_of(m: &wa::Message) -> &wa::HistorySyncNotification {
    m.protocol_message
        .as_ref()
        .unwrap()
        .history_sync_notification
        .as_ref()
        .unwrap()
}

#[test]
fn notifications_read_back_as_built() {
    let parts = NotificationParts {
        sync_type: Some(SyncType::OnDemand),
        chunk_order: 3,
        progress: Some(60),
        original_message_id: Some("REQ1".into()),
        request_session_id: Some("S1".into()),
    };
    let m = notification(&parts, &download_source());
    let info = ChunkInfo::from_notification(notification_of(&m)).unwrap();
    assert_eq!(info.sync_type, SyncType::OnDemand);
    assert_eq!(info.chunk_order, 3);
    assert_eq!(info.progress, Some(60));
    assert_eq!(info.original_message_id.as_deref(), Some("REQ1"));
    assert_eq!(info.request_session_id.as_deref(), Some("S1"));
    assert_eq!(info.source, download_source());
    assert_eq!(info.dedup_key(), Some(vec![2; 32]));
    assert!(!format!("{:?}", info.source).contains("7, 7"));
}

#[test]
fn the_inline_payload_wins_and_gaps_are_typed() {
    let inline = HistorySource::Inline(Bytes::from_static(b"zz"));
    let mut m = notification(&NotificationParts::default(), &download_source());
    let n = m
        .protocol_message
        .as_mut()
        .unwrap()
        .history_sync_notification
        .as_mut()
        .unwrap();
    n.initial_hist_bootstrap_inline_payload = Some(b"zz".to_vec());
    let info = ChunkInfo::from_notification(n).unwrap();
    assert_eq!(info.source, inline);
    assert_eq!(info.sync_type, SyncType::InitialBootstrap);

    n.initial_hist_bootstrap_inline_payload = None;
    n.media_key = None;
    assert_eq!(
        ChunkInfo::from_notification(n),
        Err(HistoryError::MissingField("mediaKey"))
    );
    let none = notification(
        &NotificationParts {
            sync_type: Some(SyncType::NoHistory),
            ..Default::default()
        },
        &HistorySource::None,
    );
    let info = ChunkInfo::from_notification(notification_of(&none)).unwrap();
    assert_eq!(info.source, HistorySource::None);
    let empty = notification(&NotificationParts::default(), &HistorySource::None);
    assert_eq!(
        ChunkInfo::from_notification(notification_of(&empty)),
        Err(HistoryError::MissingField("directPath"))
    );
}

#[test]
fn sync_types_round_trip_and_keep_unknown_values() {
    for v in -1..12 {
        assert_eq!(SyncType::from_wire(v).to_wire(), v);
    }
    assert_eq!(SyncType::from_wire(42), SyncType::Unknown(42));
}

#[test]
fn hist_sync_receipt_goes_to_our_non_ad_jid() {
    let own = Jid::pn("15550009").with_device(4);
    let r = hist_sync_receipt("3EB0AA", &own);
    assert_eq!(r.tag, "receipt");
    assert_eq!(r.attr_str("id").as_deref(), Some("3EB0AA"));
    assert_eq!(r.attr_str("type").as_deref(), Some("hist_sync"));
    assert_eq!(r.attr_str("to").as_deref(), Some("15550009@s.whatsapp.net"));
}

#[test]
fn server_error_receipts_open_only_with_the_media_key() {
    let own = Jid::pn("15550009").with_device(4);
    let key = [9u8; 32];
    let r = server_error_receipt("3EB0BB", &own, &key, [3; 12]);
    assert_eq!(r.attr_str("type").as_deref(), Some("server-error"));
    assert_eq!(r.attr_str("category").as_deref(), Some("peer"));
    assert_eq!(parse_server_error_receipt(&r, &key).unwrap(), "3EB0BB");
    assert!(parse_server_error_receipt(&r, &[8u8; 32]).is_err());
    let other = server_error_receipt("3EB0CC", &own, &key, [3; 12]);
    assert_ne!(
        r.child("encrypt").unwrap().child("enc_p").unwrap().bytes(),
        other
            .child("encrypt")
            .unwrap()
            .child("enc_p")
            .unwrap()
            .bytes()
    );
}

#[test]
fn on_demand_requests_round_trip() {
    let req = OnDemandRequest {
        chat: Jid::pn("15550001"),
        oldest_message_id: "MSG1-0".into(),
        oldest_from_me: true,
        oldest_timestamp: 1_700_000_000,
        count: 50,
    };
    let m = on_demand_request(&req);
    assert_eq!(OnDemandRequest::from_message(&m), Some(req));
    assert_eq!(OnDemandRequest::from_message(&wa::Message::default()), None);
}

#[test]
fn message_secrets_are_found_without_decoding_the_conversation() {
    let mut c = conversation(1, 3);
    c.id = Some("120363000001@g.us".into());
    let m = c.messages[1].message.as_mut().unwrap();
    m.message_secret = Some(vec![9; 32]);
    m.key.as_mut().unwrap().participant = Some("15550001@s.whatsapp.net".into());
    m.key.as_mut().unwrap().from_me = Some(false);
    let secrets = message_secrets(&c.encode_to_vec());
    assert_eq!(secrets.len(), 1);
    let s = &secrets[0];
    assert_eq!(&*s.chat, "120363000001@g.us");
    assert_eq!(s.id, "MSG1-1");
    assert_eq!(s.participant, "15550001@s.whatsapp.net");
    assert!(!s.from_me);
    assert_eq!(s.secret, vec![9; 32]);
    assert!(!format!("{s:?}").contains("9, 9"));
    assert!(message_secrets(&conversation(2, 4).encode_to_vec()).is_empty());
    assert!(message_secrets(&[0xff, 0xff]).is_empty());
}

proptest! {
    #[test]
    fn scan_and_inflate_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = scan(&data);
        let _ = inflate(&data, 4096);
        let _ = message_secrets(&data);
    }

    #[test]
    fn every_scanned_range_is_inside_the_blob(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(s) = scan(&data) {
            for r in s.conversations {
                prop_assert!(r.start <= r.end && r.end <= data.len());
            }
        }
    }
}

#[test]
fn a_truncated_blob_is_refused_and_trailing_bytes_are_ignored() {
    let blob = compress(&sample().encode_to_vec());
    for cut in [1, blob.len() / 2, blob.len() - 1] {
        assert!(
            matches!(
                inflate(&blob[..cut], DEFAULT_MAX_INFLATED),
                Err(HistoryError::Inflate(_))
            ),
            "cut at {cut}"
        );
    }
    let mut trailing = blob.clone();
    trailing.extend_from_slice(b"junk after the stream");
    assert_eq!(
        inflate(&trailing, DEFAULT_MAX_INFLATED).unwrap(),
        sample().encode_to_vec()
    );
    assert!(matches!(
        inflate(&blob, 0),
        Err(HistoryError::TooLarge { max: 0 })
    ));
    // The cap holds exactly, whatever the first allocation guessed.
    let big = compress(&vec![7u8; 300_000]);
    assert_eq!(inflate(&big, 300_000).unwrap().len(), 300_000);
    assert!(matches!(
        inflate(&big, 299_999),
        Err(HistoryError::TooLarge { max: 299_999 })
    ));
}
