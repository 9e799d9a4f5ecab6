//! Proves our `.proto` field numbers and types against the peers' bytes in `shared/vectors`.
//!
//! Every blob is decoded and re-encoded; prost writes fields in field-number order, drops
//! unknown fields and keeps the exact scalar encoding of the declared type, so a byte-identical
//! re-encoding shows that every field in the blob is declared with the right number and type
//! (a wrong `sint`/`int`, `fixed`/varint or packed/unpacked choice changes the bytes).

use std::path::PathBuf;

use prost::Message as _;
use serde_json::Value;
use wa_protobuf::wa;

/// `shared/` sits beside the repository folder (in a worktree `/work/wt/shared` is a symlink to
/// it; in a CI clone it is checked out next to the repository).
fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors")
}

fn load(name: &str) -> Value {
    let path = vectors_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// Decodes `bytes` as `M`, re-encodes it and asserts the bytes are identical.
fn roundtrip<M: prost::Message + Default>(what: &str, bytes: &[u8]) -> M {
    let msg = M::decode(bytes).unwrap_or_else(|e| panic!("{what}: decode failed: {e}"));
    let again = msg.encode_to_vec();
    assert_eq!(
        hex::encode(&again),
        hex::encode(bytes),
        "{what}: re-encoding differs"
    );
    msg
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

#[test]
fn vectors_dir_resolves() {
    assert!(
        vectors_dir().join("README.md").is_file(),
        "{} has no README.md",
        vectors_dir().display()
    );
}

#[test]
fn signal_message_protos_roundtrip() {
    let v = load("signal-1to1.json");
    let mut count = 0;
    for sc in v["scenarios"].as_array().expect("scenarios") {
        for ev in sc["events"].as_array().expect("events") {
            let Some(mp) = ev.get("message_proto") else {
                continue;
            };
            let m: wa::Message = roundtrip("signal message_proto", &hex_of(mp));
            assert_eq!(m.conversation.as_deref(), Some(s(&ev["text"])));
            count += 1;
        }
    }
    assert!(count > 0, "no message_proto found");
}

#[test]
fn sender_key_message_protos_roundtrip() {
    let v = load("sender-keys.json");
    let msgs = v["messages"].as_array().expect("messages");
    assert!(!msgs.is_empty());
    for m in msgs {
        let msg: wa::Message = roundtrip("sender-key message_proto", &hex_of(&m["message_proto"]));
        assert_eq!(msg.conversation.as_deref(), Some(s(&m["text"])));
    }
}

#[test]
fn app_state_patches_roundtrip() {
    let v = load("app-state.json");
    let patches = v["patches"].as_array().expect("patches");
    assert!(!patches.is_empty());
    for p in patches {
        let label = s(&p["label"]);
        let sent: wa::SyncdPatch = roundtrip(label, &hex_of(&p["patch_as_sent"]));
        assert!(
            sent.version.is_none(),
            "{label}: as-sent patch has no version"
        );
        let with: wa::SyncdPatch = roundtrip(label, &hex_of(&p["patch_with_version"]));
        let version = with.version.as_ref().and_then(|v| v.version);
        let want: u64 = p["state_after"]["version"].as_u64().expect("version");
        assert_eq!(version, Some(want), "{label}: patch version");
        assert_eq!(with.mutations.len(), 1, "{label}: one mutation");
        let op = with.mutations[0].operation();
        let want_op = match s(&p["operation"]) {
            "SET" => wa::syncd_mutation::SyncdOperation::Set,
            _ => wa::syncd_mutation::SyncdOperation::Remove,
        };
        assert_eq!(op, want_op, "{label}: operation");

        let data: wa::SyncActionData = roundtrip(label, &hex_of(&p["sync_action_data"]));
        assert_eq!(
            data.index.as_deref(),
            Some(s(&p["index_json"]).as_bytes()),
            "{label}: index"
        );
        assert_eq!(
            i64::from(data.version.expect("version")),
            p["api_version"].as_i64().expect("api_version")
        );
        check_sync_action(
            label,
            data.value.as_ref().expect("value"),
            &p["sync_action"],
        );
    }
}

/// Compares a decoded SyncActionValue with the protobuf-JSON `sync_action` of the vector.
fn check_sync_action(label: &str, got: &wa::SyncActionValue, want: &Value) {
    let ts: i64 = s(&want["timestamp"]).parse().expect("timestamp");
    assert_eq!(got.timestamp, Some(ts), "{label}: timestamp");
    if let Some(pin) = want.get("pinAction") {
        assert_eq!(
            got.pin_action.as_ref().and_then(|a| a.pinned),
            pin["pinned"].as_bool()
        );
    }
    if let Some(mute) = want.get("muteAction") {
        let a = got.mute_action.as_ref().expect("muteAction");
        assert_eq!(a.muted, mute["muted"].as_bool(), "{label}: muted");
        let end = mute
            .get("muteEndTimestamp")
            .map(|t| s(t).parse::<i64>().expect("i64"));
        assert_eq!(a.mute_end_timestamp, end, "{label}: muteEndTimestamp");
    }
    if let Some(c) = want.get("contactAction") {
        let a = got.contact_action.as_ref().expect("contactAction");
        assert_eq!(a.full_name.as_deref(), c["fullName"].as_str());
        assert_eq!(a.first_name.as_deref(), c["firstName"].as_str());
    }
    if let Some(p) = want.get("pushNameSetting") {
        let a = got.push_name_setting.as_ref().expect("pushNameSetting");
        assert_eq!(a.name.as_deref(), p["name"].as_str());
    }
    let range = want
        .get("archiveChatAction")
        .map(|a| {
            (
                &a["messageRange"],
                got.archive_chat_action
                    .as_ref()
                    .and_then(|x| x.message_range.as_ref()),
            )
        })
        .or_else(|| {
            want.get("markChatAsReadAction").map(|a| {
                (
                    &a["messageRange"],
                    got.mark_chat_as_read_action
                        .as_ref()
                        .and_then(|x| x.message_range.as_ref()),
                )
            })
        });
    if let Some((want_range, got_range)) = range {
        let got_range = got_range.expect("messageRange");
        let last: i64 = s(&want_range["lastMessageTimestamp"]).parse().expect("i64");
        assert_eq!(got_range.last_message_timestamp, Some(last));
        let want_key = &want_range["messages"][0]["key"];
        let key = got_range.messages[0].key.as_ref().expect("key");
        assert_eq!(key.remote_jid.as_deref(), want_key["remoteJid"].as_str());
        assert_eq!(key.id.as_deref(), want_key["id"].as_str());
        assert_eq!(key.from_me, want_key["fromMe"].as_bool());
        assert_eq!(key.participant.as_deref(), want_key["participant"].as_str());
    }
}

#[test]
fn app_state_snapshot_roundtrips() {
    let v = load("app-state.json");
    let snap = &v["snapshot"];
    let got: wa::SyncdSnapshot = roundtrip("snapshot", &hex_of(&snap["bytes"]));
    assert_eq!(
        got.version.and_then(|v| v.version),
        snap["version"].as_u64(),
        "snapshot version"
    );
    assert_eq!(got.mac.as_deref(), Some(&hex_of(&snap["mac"])[..]));
    assert_eq!(
        got.records.len(),
        snap["expected_indexes"].as_array().expect("indexes").len()
    );
}

#[test]
fn history_sync_blob_roundtrips_and_matches_object() {
    let v = load("media.json");
    let h = &v["history"];
    let got: wa::HistorySync = roundtrip("history_proto", &hex_of(&h["history_proto"]));
    let obj = &h["history_object"];
    assert_eq!(
        got.sync_type(),
        wa::history_sync::HistorySyncType::InitialBootstrap
    );
    assert_eq!(
        got.chunk_order,
        obj["chunkOrder"].as_u64().map(|x| x as u32)
    );
    assert_eq!(got.progress, obj["progress"].as_u64().map(|x| x as u32));

    let convs = obj["conversations"].as_array().expect("conversations");
    assert_eq!(got.conversations.len(), convs.len());
    for (c, want) in got.conversations.iter().zip(convs) {
        assert_eq!(c.id.as_deref(), want["id"].as_str());
        assert_eq!(c.name.as_deref(), want["name"].as_str());
        assert_eq!(
            c.unread_count,
            want["unreadCount"].as_u64().map(|x| x as u32)
        );
        assert_eq!(c.archived, want["archived"].as_bool());
        assert_eq!(c.pinned, want["pinned"].as_u64().map(|x| x as u32));
        let ts: Option<u64> = want["conversationTimestamp"]
            .as_str()
            .map(|t| t.parse().expect("u64"));
        assert_eq!(c.conversation_timestamp, ts);
        let msgs = want["messages"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        assert_eq!(c.messages.len(), msgs.len());
        for (m, wm) in c.messages.iter().zip(msgs) {
            let order: Option<u64> = wm["msgOrderId"].as_str().map(|t| t.parse().expect("u64"));
            assert_eq!(m.msg_order_id, order);
            let info = m.message.as_ref().expect("WebMessageInfo");
            let wi = &wm["message"];
            let key = info.key.as_ref().expect("key");
            assert_eq!(key.remote_jid.as_deref(), wi["key"]["remoteJid"].as_str());
            assert_eq!(key.id.as_deref(), wi["key"]["id"].as_str());
            assert_eq!(key.from_me, wi["key"]["fromMe"].as_bool());
            assert_eq!(
                key.participant.as_deref(),
                wi["key"]["participant"].as_str()
            );
            assert_eq!(
                info.message
                    .as_ref()
                    .and_then(|m| m.conversation.as_deref()),
                wi["message"]["conversation"].as_str()
            );
            assert_eq!(info.status().as_str_name(), s(&wi["status"]));
            assert_eq!(info.push_name.as_deref(), wi["pushName"].as_str());
            let ts: Option<u64> = wi["messageTimestamp"]
                .as_str()
                .map(|t| t.parse().expect("u64"));
            assert_eq!(info.message_timestamp, ts);
        }
    }
    let names = obj["pushnames"].as_array().expect("pushnames");
    assert_eq!(got.pushnames.len(), names.len());
    for (p, want) in got.pushnames.iter().zip(names) {
        assert_eq!(p.id.as_deref(), want["id"].as_str());
        assert_eq!(p.pushname.as_deref(), want["pushname"].as_str());
    }
}

#[test]
fn history_notification_message_roundtrips() {
    let v = load("media.json");
    let h = &v["history"];
    let m: wa::Message = roundtrip("notification_message", &hex_of(&h["notification_message"]));
    let pm = m.protocol_message.as_ref().expect("protocolMessage");
    assert_eq!(
        pm.r#type(),
        wa::protocol_message::Type::HistorySyncNotification
    );
    let n = pm.history_sync_notification.as_ref().expect("notification");
    assert_eq!(n.media_key.as_deref(), Some(&hex_of(&h["media_key"])[..]));
    assert_eq!(
        n.file_sha256.as_deref(),
        Some(&hex_of(&h["file_sha256"])[..])
    );
    assert_eq!(
        n.file_enc_sha256.as_deref(),
        Some(&hex_of(&h["file_enc_sha256"])[..])
    );
    assert_eq!(n.file_length, h["file_length"].as_u64());
    assert_eq!(n.sync_type(), wa::HistorySyncType::InitialBootstrap);
}

#[test]
fn pairing_adv_roundtrips() {
    let v = load("pairing.json");
    for case in v["pair_success"].as_array().expect("pair_success") {
        let name = s(&case["name"]);
        let adv = &case["adv"];
        let details: wa::AdvDeviceIdentity =
            roundtrip(name, &hex_of(&adv["device_identity_details"]));
        // Rejected cases may carry tampered details; only accepted ones must match the inputs.
        if case["accepted"].as_bool() == Some(true) {
            let want = &case["inputs"]["device_identity"];
            assert_eq!(
                details.raw_id.map(u64::from),
                want["raw_id"].as_u64(),
                "{name}"
            );
            assert_eq!(details.timestamp, want["timestamp"].as_u64(), "{name}");
            assert_eq!(
                details.key_index.map(u64::from),
                want["key_index"].as_u64(),
                "{name}"
            );
            assert_eq!(
                details
                    .device_type
                    .map(|t| wa::AdvEncryptionType::try_from(t)
                        .expect("known")
                        .as_str_name()),
                want["device_type"].as_str(),
                "{name}"
            );
        }
        let signed: wa::AdvSignedDeviceIdentity =
            roundtrip(name, &hex_of(&adv["signed_device_identity"]));
        assert_eq!(
            signed.account_signature.as_deref(),
            Some(&hex_of(&adv["account_signature"])[..])
        );
        let wrapped: wa::AdvSignedDeviceIdentityHmac =
            roundtrip(name, &hex_of(&adv["signed_device_identity_hmac"]));
        assert_eq!(wrapped.hmac.as_deref(), Some(&hex_of(&adv["hmac"])[..]));
        assert_eq!(
            wrapped
                .account_type
                .map(|t| wa::AdvEncryptionType::try_from(t)
                    .expect("known")
                    .as_str_name()),
            case["inputs"]["hmac_account_type"].as_str(),
            "{name}"
        );
        if let Some(reply) = case
            .get("expected")
            .and_then(|e| e.get("reply_device_identity"))
        {
            let r: wa::AdvSignedDeviceIdentity = roundtrip(name, &hex_of(reply));
            assert!(
                r.account_signature_key.is_none(),
                "{name}: reply drops the key"
            );
            assert_eq!(
                r.device_signature.as_deref(),
                Some(&hex_of(&case["expected"]["device_signature"])[..])
            );
        }
    }
}

#[test]
fn noise_payloads_roundtrip() {
    let v = load("noise.json");
    for sc in v["scenarios"].as_array().expect("scenarios") {
        let name = s(&sc["name"]);
        let cp: wa::ClientPayload = roundtrip(name, &hex_of(&sc["client_payload"]));
        let obj = &sc["client_payload_object"];
        let user: Option<u64> = obj["username"].as_str().map(|u| u.parse().expect("u64"));
        assert_eq!(cp.username, user, "{name}: username");
        assert_eq!(cp.device, obj["device"].as_u64().map(|d| d as u32));
        let ua = cp.user_agent.as_ref().expect("userAgent");
        assert_eq!(
            ua.platform().as_str_name(),
            s(&obj["userAgent"]["platform"])
        );
        if let Some(reg) = cp.device_pairing_data.as_ref() {
            let props = reg.device_props.as_deref().expect("deviceProps");
            let dp: wa::DeviceProps = roundtrip(name, props);
            assert_eq!(dp.os.as_deref(), Some(s(&sc["config"]["browser"][0])));
        }
        let _: wa::CertChain = roundtrip(name, &hex_of(&sc["cert_chain"]));
        for fr in sc["handshake_frames"].as_array().expect("frames") {
            let _: wa::HandshakeMessage = roundtrip(name, &hex_of(&fr["payload"]));
        }
    }
}

#[test]
fn missing_required_fields_still_decode() {
    // A Conversation without its id and a HistorySync without syncType (both `required` in
    // whatsmeow) decode; the consumer decides what to do with them.
    let conv = wa::Conversation {
        name: Some("x".into()),
        ..Default::default()
    };
    let blob = wa::HistorySync {
        conversations: vec![conv],
        ..Default::default()
    }
    .encode_to_vec();
    let got = wa::HistorySync::decode(&blob[..]).expect("decodes");
    assert!(got.sync_type.is_none());
    assert!(got.conversations[0].id.is_none());
}

#[test]
fn deeply_nested_quotes_are_rejected_not_overflowed() {
    // Message -> ContextInfo.quotedMessage -> ... nested far past prost's recursion limit must
    // come back as an error, not a stack overflow.
    let mut m = wa::Message {
        conversation: Some("leaf".into()),
        ..Default::default()
    };
    for _ in 0..200 {
        m = wa::Message {
            extended_text_message: Some(Box::new(wa::ExtendedTextMessage {
                context_info: Some(Box::new(wa::ContextInfo {
                    quoted_message: Some(Box::new(m)),
                    ..Default::default()
                })),
                ..Default::default()
            })),
            ..Default::default()
        };
    }
    let bytes = m.encode_to_vec();
    assert!(wa::Message::decode(&bytes[..]).is_err());
}

/// Message kinds beyond the first 24 fields sit at whatsmeow's waE2E numbers: each byte string
/// is written out by hand from `(field << 3 | wire type)` varints, so a mistyped number or a
/// wrong field type in `e2e.proto` changes the decoded value or the re-encoding.
#[test]
fn later_message_kinds_sit_at_whatsmeows_numbers() {
    // albumMessage 83 { expectedImageCount 2 = 3 }: key 83<<3|2 = 666 = 9a 05.
    let album: wa::Message = roundtrip("album", &[0x9a, 0x05, 0x02, 0x10, 0x03]);
    assert_eq!(album.album_message.unwrap().expected_image_count, Some(3));
    // eventMessage 75 { name 3 = "x" }: 602 = da 04.
    let event: wa::Message = roundtrip("event", &[0xda, 0x04, 0x03, 0x1a, 0x01, b'x']);
    assert_eq!(event.event_message.unwrap().name.as_deref(), Some("x"));
    // pollCreationMessageV3 64 { name 2 = "q" }: 514 = 82 04.
    let poll: wa::Message = roundtrip("poll v3", &[0x82, 0x04, 0x03, 0x12, 0x01, b'q']);
    assert_eq!(
        poll.poll_creation_message_v3.unwrap().name.as_deref(),
        Some("q")
    );
    // ptvMessage 66 is a VideoMessage { seconds 5 = 7 }: 530 = 92 04.
    let ptv: wa::Message = roundtrip("ptv", &[0x92, 0x04, 0x02, 0x28, 0x07]);
    assert_eq!(ptv.ptv_message.unwrap().seconds, Some(7));
    // pinInChatMessage 63 { type 2 = PIN_FOR_ALL (1), senderTimestampMS 3 = 5 }: 506 = fa 03.
    let pin: wa::Message = roundtrip("pin", &[0xfa, 0x03, 0x04, 0x10, 0x01, 0x18, 0x05]);
    let pin = pin.pin_in_chat_message.unwrap();
    assert_eq!((pin.r#type, pin.sender_timestamp_ms), (Some(1), Some(5)));
    // groupInviteMessage 28 { inviteCode 2 = "c", inviteExpiration 3 = 9 }: 226 = e2 01.
    let invite: wa::Message =
        roundtrip("invite", &[0xe2, 0x01, 0x05, 0x12, 0x01, b'c', 0x18, 0x09]);
    let invite = invite.group_invite_message.unwrap();
    assert_eq!(invite.invite_code.as_deref(), Some("c"));
    assert_eq!(invite.invite_expiration, Some(9));
    // contactsArrayMessage 13 { contacts 2 = [{ displayName 1 = "a" }] }: 13<<3|2 = 6a.
    let contacts: wa::Message = roundtrip("contacts", &[0x6a, 0x05, 0x12, 0x03, 0x0a, 0x01, b'a']);
    let contacts = contacts.contacts_array_message.unwrap();
    assert_eq!(contacts.contacts[0].display_name.as_deref(), Some("a"));
    // buttonsResponseMessage 43 { selectedButtonID 1 = "b" }: 346 = da 02.
    let buttons: wa::Message = roundtrip("buttons", &[0xda, 0x02, 0x03, 0x0a, 0x01, b'b']);
    assert_eq!(
        buttons
            .buttons_response_message
            .unwrap()
            .selected_button_id
            .as_deref(),
        Some("b")
    );
}
