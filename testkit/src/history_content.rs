//! The history a simulated phone holds: chats (direct and group), text and media messages,
//! push names and LID mappings, made up deterministically from a plan.

use wa_protobuf::wa;
use wa_protocol::binary::Jid;

use crate::phone::lid_of;

/// First phone number of the made-up contacts in history (far from test accounts).
const FIRST_CONTACT: u64 = 17_770_000_000;

/// How much history the phone has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryContent {
    /// Chats in all (the first `groups` of them are groups).
    pub chats: usize,
    /// How many chats are groups.
    pub groups: usize,
    /// Messages per chat (every fifth is an image).
    pub messages_per_chat: usize,
}

impl Default for HistoryContent {
    fn default() -> Self {
        Self {
            chats: 4,
            groups: 1,
            messages_per_chat: 3,
        }
    }
}

/// The made-up history, as the phone would put it in blobs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhoneHistory {
    /// Every chat, newest first.
    pub conversations: Vec<wa::Conversation>,
    /// `(phone-number JID, push name)` of every contact.
    pub push_names: Vec<(Jid, String)>,
    /// `(phone-number JID, LID)` of every contact.
    pub lid_mappings: Vec<(Jid, Jid)>,
}

/// The chat JID of history chat `i`.
pub fn history_chat(content: &HistoryContent, i: usize) -> Jid {
    if i < content.groups {
        Jid::group(format!("120363{:012}", i))
    } else {
        Jid::pn((FIRST_CONTACT + i as u64).to_string())
    }
}

/// The id of message `m` (0 = oldest) of chat `i`.
pub fn history_message_id(i: usize, m: usize) -> String {
    format!("3EB0HIST{i:05}{m:05}")
}

impl HistoryContent {
    /// Makes the history, with message timestamps before `now` (unix seconds).
    pub fn build(&self, own: &Jid, now: u64) -> PhoneHistory {
        let mut out = PhoneHistory::default();
        for i in 0..self.chats {
            let chat = history_chat(self, i);
            let group = i < self.groups;
            let member = Jid::pn((FIRST_CONTACT + 50_000 + i as u64).to_string());
            let messages = (0..self.messages_per_chat)
                .map(|m| self.message(&chat, group.then_some(&member), own, i, m, now))
                .collect();
            out.conversations.push(wa::Conversation {
                id: Some(chat.to_string()),
                name: group.then(|| format!("History group {i}")),
                messages,
                conversation_timestamp: Some(now.saturating_sub(i as u64 * 60)),
                unread_count: Some((i % 3) as u32),
                ..Default::default()
            });
            if !group {
                let number = FIRST_CONTACT + i as u64;
                out.push_names
                    .push((chat.clone(), format!("History contact {i}")));
                out.lid_mappings.push((chat, lid_of(number)));
            }
        }
        out
    }

    fn message(
        &self,
        chat: &Jid,
        member: Option<&Jid>,
        own: &Jid,
        i: usize,
        m: usize,
        now: u64,
    ) -> wa::HistorySyncMsg {
        let from_me = m % 2 == 1;
        let age = (self.messages_per_chat - m) as u64 * 30 + i as u64 * 60;
        let content = if m % 5 == 4 {
            wa::Message {
                image_message: Some(Box::new(wa::ImageMessage {
                    url: Some(format!("https://mmg.whatsapp.net/hist/{i}/{m}")),
                    direct_path: Some(format!("/v/t62.7118-24/hist{i}_{m}")),
                    mimetype: Some("image/jpeg".into()),
                    media_key: Some(vec![(i % 251) as u8; 32]),
                    file_sha256: Some(vec![1; 32]),
                    file_enc_sha256: Some(vec![2; 32]),
                    file_length: Some(40_000 + m as u64),
                    caption: Some(format!("photo {m} of chat {i}")),
                    ..Default::default()
                })),
                ..Default::default()
            }
        } else {
            wa::Message {
                conversation: Some(format!("history message {m} of chat {i}")),
                ..Default::default()
            }
        };
        wa::HistorySyncMsg {
            message: Some(wa::WebMessageInfo {
                key: Some(wa::MessageKey {
                    remote_jid: Some(chat.to_string()),
                    from_me: Some(from_me),
                    id: Some(history_message_id(i, m)),
                    participant: member.filter(|_| !from_me).map(|j| j.to_string()),
                }),
                message: Some(Box::new(content)),
                message_timestamp: Some(now.saturating_sub(age)),
                status: Some(if from_me { 3 } else { 4 }),
                push_name: (!from_me).then(|| format!("History contact {i}")),
                participant: (from_me && member.is_some()).then(|| own.to_non_ad().to_string()),
                // Every third message has a secret (polls and reactions need them).
                message_secret: (m % 3 == 0).then(|| vec![(i + m) as u8; 32]),
                ..Default::default()
            }),
            msg_order_id: Some(m as u64 + 1),
        }
    }
}
