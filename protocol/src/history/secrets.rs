//! Message secrets in history (`WebMessageInfo.messageSecret`, field 49): the keys that
//! decrypt later poll votes and encrypted reactions to those messages. whatsmeow stores them
//! for every history message (`storeMessageSecrets`); we find them with a walk over the
//! conversation's bytes, so collecting them does not decode the conversation.

use std::sync::Arc;

use prost::Message as _;
use wa_protobuf::wa;

use super::scan::Fields;

/// `Conversation.ID`, `Conversation.messages`.
const CONVERSATION_ID: u64 = 1;
const CONVERSATION_MESSAGES: u64 = 2;
/// `HistorySyncMsg.message`.
const HISTORY_MSG_MESSAGE: u64 = 1;
/// `WebMessageInfo.key`, `.participant`, `.messageSecret`.
const WMI_KEY: u64 = 1;
const WMI_PARTICIPANT: u64 = 5;
const WMI_MESSAGE_SECRET: u64 = 49;

/// The most secrets taken from one conversation (a real one has at most a few thousand
/// messages in a chunk).
pub const MAX_SECRETS_PER_CONVERSATION: usize = 100_000;

/// One message's secret, with what names the message.
#[derive(Clone, PartialEq, Eq)]
pub struct MessageSecret {
    /// The conversation's id (the chat JID as sent), shared by every secret of the chat.
    pub chat: Arc<str>,
    /// `key.participant` or `participant` (groups), empty otherwise.
    pub participant: String,
    /// `key.fromMe`.
    pub from_me: bool,
    /// `key.id`.
    pub id: String,
    /// The secret.
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for MessageSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageSecret")
            .field("chat", &self.chat)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The message secrets in an encoded `Conversation`. Broken framing ends the walk with what
/// was found so far (the conversation itself fails later, when it is decoded).
pub fn message_secrets(conversation: &[u8]) -> Vec<MessageSecret> {
    let mut chat: Arc<str> = Arc::from("");
    // The chat id may come after the messages: attach it at the end.
    let mut found = Vec::new();
    for field in Fields::new(conversation).map_while(Result::ok) {
        match (field.number, field.wire_type) {
            (CONVERSATION_ID, 2) => {
                chat = Arc::from(String::from_utf8_lossy(&conversation[field.body]));
            }
            (CONVERSATION_MESSAGES, 2) if found.len() < MAX_SECRETS_PER_CONVERSATION => {
                found.extend(secret_of(&conversation[field.body]));
            }
            _ => {}
        }
    }
    found
        .into_iter()
        .map(|(from_me, participant, id, secret)| MessageSecret {
            chat: chat.clone(),
            participant,
            from_me,
            id,
            secret,
        })
        .collect()
}

/// `(from_me, participant, id, secret)` of one `HistorySyncMsg`, when it has a secret.
fn secret_of(history_msg: &[u8]) -> Option<(bool, String, String, Vec<u8>)> {
    let info = Fields::new(history_msg)
        .map_while(Result::ok)
        .find(|f| f.number == HISTORY_MSG_MESSAGE && f.wire_type == 2)?;
    let info = &history_msg[info.body];
    // Only byte ranges during the walk: most messages carry no secret, and decoding their
    // keys first was most of the allocations of a blob's secret pass (perf, sidebyside
    // `history/*`). The last occurrence of a field wins, as in a protobuf decode.
    let (mut key, mut participant, mut secret) = (None, None, None);
    for f in Fields::new(info).map_while(Result::ok) {
        match (f.number, f.wire_type) {
            (WMI_KEY, 2) => key = Some(f.body),
            (WMI_PARTICIPANT, 2) => participant = Some(f.body),
            (WMI_MESSAGE_SECRET, 2) => secret = Some(f.body),
            _ => {}
        }
    }
    let secret = &info[secret?];
    if secret.is_empty() {
        return None;
    }
    let key = wa::MessageKey::decode(&info[key?]).ok()?;
    let id = key.id.filter(|i| !i.is_empty())?;
    let participant = key
        .participant
        .filter(|p| !p.is_empty())
        .or_else(|| participant.map(|r| String::from_utf8_lossy(&info[r]).into_owned()))
        .unwrap_or_default();
    Some((
        key.from_me.unwrap_or_default(),
        participant,
        id,
        secret.to_vec(),
    ))
}

/// A downloaded blob read as a companion reads it at once: inflated within `max`, scanned,
/// and the message secrets of every conversation collected (the conversations themselves stay
/// undecoded, as byte ranges of the returned buffer).
pub fn read_blob(
    compressed: &[u8],
    max: usize,
) -> Result<(Vec<u8>, super::ScannedHistory, Vec<MessageSecret>), super::HistoryError> {
    let inflated = super::inflate(compressed, max)?;
    let scanned = super::scan(&inflated)?;
    let secrets = scanned
        .conversations
        .iter()
        .flat_map(|r| message_secrets(&inflated[r.clone()]))
        .collect();
    Ok((inflated, scanned, secrets))
}
