//! The phone's side: a compressed blob and the notification announcing it (the fake server
//! and the tests send history with these).

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use wa_protobuf::wa;

use super::notification::{HistorySource, SyncType};

/// What a notification says about its chunk, besides where the bytes are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationParts {
    /// `syncType` (`None` leaves it out, which reads as `INITIAL_BOOTSTRAP`).
    pub sync_type: Option<SyncType>,
    /// `chunkOrder`.
    pub chunk_order: u32,
    /// `progress`.
    pub progress: Option<u32>,
    /// `originalMessageID`.
    pub original_message_id: Option<String>,
    /// `peerDataRequestSessionID`.
    pub request_session_id: Option<String>,
}

/// zlib-compresses an encoded `HistorySync` as the phone does.
pub fn compress(encoded: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(
        Vec::with_capacity(encoded.len() / 4),
        Compression::default(),
    );
    // Writing into a Vec cannot fail.
    let _ = z.write_all(encoded);
    z.finish().unwrap_or_default()
}

/// `Message{protocolMessage{type: HISTORY_SYNC_NOTIFICATION, historySyncNotification}}` for a
/// chunk at `source`.
pub fn notification(parts: &NotificationParts, source: &HistorySource) -> wa::Message {
    let mut n = wa::HistorySyncNotification {
        sync_type: parts.sync_type.map(SyncType::to_wire),
        chunk_order: Some(parts.chunk_order),
        progress: parts.progress,
        original_message_id: parts.original_message_id.clone(),
        peer_data_request_session_id: parts.request_session_id.clone(),
        ..Default::default()
    };
    match source {
        HistorySource::Inline(p) => n.initial_hist_bootstrap_inline_payload = Some(p.to_vec()),
        HistorySource::Download {
            direct_path,
            media_key,
            file_enc_sha256,
            file_sha256,
            file_length,
        } => {
            n.direct_path = Some(direct_path.clone());
            n.media_key = Some(media_key.clone());
            n.file_enc_sha256 = Some(file_enc_sha256.clone());
            n.file_sha256 = Some(file_sha256.clone());
            n.file_length = *file_length;
        }
        HistorySource::None => {}
    }
    wa::Message {
        protocol_message: Some(Box::new(wa::ProtocolMessage {
            r#type: Some(wa::protocol_message::Type::HistorySyncNotification as i32),
            history_sync_notification: Some(n),
            ..Default::default()
        })),
        ..Default::default()
    }
}
