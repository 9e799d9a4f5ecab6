//! The history-sync blob against wacore 0.7: a zlib-compressed `HistorySync` from its bytes to
//! what a companion keeps at once (the message secrets of every conversation, the PN → LID
//! mappings, push names), the conversations themselves left undecoded on both sides.
//!
//! Ours is what `actors/src/history/process.rs` runs per blob, `history::read_blob`: `inflate`
//! (whole, within the cap), `scan` (conversation ranges; the other top-level fields decoded)
//! and `message_secrets` over each conversation. wacore's is `process_history_sync_bytes` (a
//! streaming inflate window and the same kind of field walk; it also collects trusted-contact
//! token candidates from 1:1 conversations, which this blob does not carry). `check` asserts
//! that both find the same secrets, mappings and conversation count.

use std::hint::black_box;

use bytes::Bytes;
use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::history::{compress, read_blob, DEFAULT_MAX_INFLATED};
use wacore::history_sync::process_history_sync_bytes;

use crate::Path;

/// Conversations in the blob, and messages in each.
const CHATS: usize = 60;
const MESSAGES: usize = 40;

fn message(chat: usize, m: usize, group: bool) -> wa::HistorySyncMsg {
    let text = format!(
        "message {m} in chat {chat}: {}",
        "lorem ipsum dolor sit amet ".repeat(1 + (m * 7 + chat) % 5)
    );
    let from_me = m.is_multiple_of(3);
    wa::HistorySyncMsg {
        message: Some(wa::WebMessageInfo {
            key: Some(wa::MessageKey {
                remote_jid: None,
                from_me: Some(from_me),
                id: Some(format!(
                    "3EB0{:016X}",
                    (chat * 1000 + m) as u64 * 0x9E37_79B9
                )),
                participant: (group && !from_me)
                    .then(|| format!("4915100{:06}@s.whatsapp.net", (chat * 31 + m) % 997)),
            }),
            message: Some(Box::new(wa::Message {
                conversation: Some(text),
                ..Default::default()
            })),
            message_timestamp: Some(1_700_000_000 + (chat * MESSAGES + m) as u64 * 60),
            // One message in four carries a secret (polls, events, reactions to come).
            message_secret: (m % 4 == 1).then(|| vec![(chat + m) as u8; 32]),
            ..Default::default()
        }),
        msg_order_id: Some(m as u64),
    }
}

fn blob() -> Vec<u8> {
    let conversations = (0..CHATS)
        .map(|i| {
            let group = i.is_multiple_of(4);
            wa::Conversation {
                id: Some(if group {
                    format!("120363{:012}@g.us", i)
                } else {
                    format!("4915100{:06}@s.whatsapp.net", i)
                }),
                name: Some(format!("chat {i}")),
                messages: (0..MESSAGES).map(|m| message(i, m, group)).collect(),
                unread_count: Some((i % 7) as u32),
                ..Default::default()
            }
        })
        .collect();
    let sync = wa::HistorySync {
        sync_type: Some(wa::history_sync::HistorySyncType::InitialBootstrap as i32),
        conversations,
        chunk_order: Some(1),
        progress: Some(10),
        pushnames: (0..CHATS)
            .map(|i| wa::Pushname {
                id: Some(format!("4915100{:06}@s.whatsapp.net", i)),
                pushname: Some(format!("Contact {i}")),
            })
            .collect(),
        phone_number_to_lid_mappings: (0..CHATS)
            .map(|i| wa::PhoneNumberToLidMapping {
                pn_jid: Some(format!("4915100{:06}@s.whatsapp.net", i)),
                lid_jid: Some(format!("{}@lid", 100_000_000_000u64 + i as u64)),
            })
            .collect(),
        ..Default::default()
    };
    compress(&sync.encode_to_vec())
}

/// What both keep from a blob, for the check: (chat, id, secret) per secret, (pn, lid)
/// pairs, and the conversation count.
type Kept = (Vec<(String, String, Vec<u8>)>, Vec<(String, String)>, usize);

/// Ours, as the history actor runs it (`history::read_blob`); the result is what the actor
/// goes on with.
fn ours(
    compressed: &[u8],
) -> (
    Vec<u8>,
    wa_protocol::history::ScannedHistory,
    Vec<wa_protocol::history::MessageSecret>,
) {
    read_blob(compressed, DEFAULT_MAX_INFLATED).expect("ours reads it")
}

fn ours_kept(compressed: &[u8]) -> Kept {
    let (_, scanned, secrets) = ours(compressed);
    let secrets = secrets
        .into_iter()
        .map(|s| (s.chat.to_string(), s.id, s.secret))
        .collect();
    let lids = scanned
        .rest
        .phone_number_to_lid_mappings
        .into_iter()
        .map(|m| (m.pn_jid.unwrap_or_default(), m.lid_jid.unwrap_or_default()))
        .collect();
    (secrets, lids, scanned.conversations.len())
}

fn theirs(compressed: &Bytes) -> wacore::history_sync::HistorySyncResult {
    process_history_sync_bytes(compressed.clone(), None, false).expect("wacore reads it")
}

fn theirs_kept(compressed: &Bytes) -> Kept {
    let r = theirs(compressed);
    let secrets = r
        .msg_secret_records
        .into_iter()
        .map(|s| {
            (
                s.chat_id.to_string(),
                s.msg_id.to_string(),
                s.secret.to_vec(),
            )
        })
        .collect();
    let lids = r
        .lid_mappings
        .into_iter()
        .map(|m| (m.phone_number, m.lid))
        .collect();
    (secrets, lids, r.conversations_processed)
}

/// The history path, after checking that both sides keep the same things.
pub fn paths(checked: bool) -> Vec<Path> {
    let compressed: &'static [u8] = blob().leak();
    let shared = Bytes::from_static(compressed);
    if checked {
        let (a, b) = (ours_kept(compressed), theirs_kept(&shared));
        assert_eq!(a.2, b.2, "history: conversation counts differ");
        assert_eq!(a.0.len(), CHATS * MESSAGES / 4, "history: our secret count");
        assert_eq!(a.0, b.0, "history: the message secrets differ");
        let strip = |v: &[(String, String)]| -> Vec<(String, String)> {
            // wacore keeps the user parts of the JIDs.
            v.iter()
                .map(|(p, l)| {
                    let user = |j: &str| j.split('@').next().unwrap_or(j).to_string();
                    (user(p), user(l))
                })
                .collect()
        };
        assert_eq!(strip(&a.1), strip(&b.1), "history: the LID mappings differ");
    }
    vec![Path {
        name: format!("history/blob_{CHATS}x{MESSAGES}"),
        ours: Box::new(move || {
            black_box(ours(black_box(compressed)));
        }),
        theirs: Box::new(move || {
            black_box(theirs(black_box(&shared)));
        }),
    }]
}
