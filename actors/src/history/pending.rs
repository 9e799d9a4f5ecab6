//! Pending-chunk rows: written by the Signal actor in its batch, read by the history actor.

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::message::{MessageContent, MessageStanza};

use crate::store::Namespace;

/// One notification waiting to be processed.
#[derive(Debug, Clone)]
pub(crate) struct PendingChunk {
    /// The row's key (arrival order).
    pub key: Vec<u8>,
    /// The announcing message's id.
    pub message_id: String,
    pub notification: wa::HistorySyncNotification,
}

/// The pending rows for the history notifications in a decrypted stanza: only from our own
/// phone (device 0 of our account), which is the only party whose history we take. Keyed by
/// the stanza's timestamp (zero-padded, so keys sort in arrival order), its id and the
/// payload's index.
pub(crate) fn pending_rows(
    stanza: &MessageStanza,
    contents: &[MessageContent],
) -> Vec<(Namespace, Vec<u8>, Vec<u8>)> {
    if !stanza.source.is_from_me || stanza.source.sender.device != 0 {
        return Vec::new();
    }
    contents
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let n = c
                .message
                .protocol_message
                .as_ref()?
                .history_sync_notification
                .as_ref()?;
            let key = format!("{:020}:{}:{i}", stanza.timestamp.max(0), stanza.id).into_bytes();
            Some((Namespace::HISTORY_PENDING, key, encode(&stanza.id, n)))
        })
        .collect()
}

/// `[id length: u16 BE][id][notification]`.
fn encode(id: &str, n: &wa::HistorySyncNotification) -> Vec<u8> {
    let id = &id.as_bytes()[..id.len().min(u16::MAX as usize)];
    let mut out = Vec::with_capacity(2 + id.len() + n.encoded_len());
    out.extend_from_slice(&(id.len() as u16).to_be_bytes());
    out.extend_from_slice(id);
    n.encode(&mut out).unwrap_or_default();
    out
}

/// Reads a row back; `None` for a row that does not parse (it is then deleted).
pub(crate) fn decode(key: Vec<u8>, value: &[u8]) -> Option<PendingChunk> {
    let (len, rest) = value.split_first_chunk::<2>()?;
    let len = u16::from_be_bytes(*len) as usize;
    let id = std::str::from_utf8(rest.get(..len)?).ok()?.to_owned();
    let notification = wa::HistorySyncNotification::decode(rest.get(len..)?).ok()?;
    Some(PendingChunk {
        key,
        message_id: id,
        notification,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back() {
        let n = wa::HistorySyncNotification {
            direct_path: Some("/p".into()),
            chunk_order: Some(4),
            ..Default::default()
        };
        let row = decode(b"k".to_vec(), &encode("3EB0X", &n)).unwrap();
        assert_eq!(row.message_id, "3EB0X");
        assert_eq!(row.notification, n);
        assert!(decode(b"k".to_vec(), &[0, 9, b'a']).is_none());
        assert!(decode(b"k".to_vec(), &[]).is_none());
    }
}
