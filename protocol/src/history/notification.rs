//! What a `HistorySyncNotification` announces: which chunk, and where its bytes are.

use bytes::Bytes;
use serde::Serialize;
use wa_protobuf::wa;

use super::error::HistoryError;

/// The kind of a history chunk (`HistorySyncType`, history-sync.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum SyncType {
    /// The first chunks after linking: recent chats with a few messages each.
    InitialBootstrap,
    /// Status updates (stories).
    InitialStatusV3,
    /// Older history, when full sync was asked for.
    Full,
    /// Recent messages beyond the bootstrap.
    Recent,
    /// Contacts' push names only.
    PushName,
    /// Data the client needs but not at once (LID mappings, past participants).
    NonBlockingData,
    /// The answer to a history request of ours.
    OnDemand,
    /// The phone sends no history (it says so, so the client stops waiting).
    NoHistory,
    /// Which chats the client may read.
    MessageAccessStatus,
    /// A value newer than our schema.
    Unknown(i32),
}

impl SyncType {
    /// From the protobuf enum value.
    pub fn from_wire(v: i32) -> Self {
        match v {
            0 => Self::InitialBootstrap,
            1 => Self::InitialStatusV3,
            2 => Self::Full,
            3 => Self::Recent,
            4 => Self::PushName,
            5 => Self::NonBlockingData,
            6 => Self::OnDemand,
            7 => Self::NoHistory,
            8 => Self::MessageAccessStatus,
            other => Self::Unknown(other),
        }
    }

    /// The protobuf enum value.
    pub fn to_wire(self) -> i32 {
        match self {
            Self::InitialBootstrap => 0,
            Self::InitialStatusV3 => 1,
            Self::Full => 2,
            Self::Recent => 3,
            Self::PushName => 4,
            Self::NonBlockingData => 5,
            Self::OnDemand => 6,
            Self::NoHistory => 7,
            Self::MessageAccessStatus => 8,
            Self::Unknown(v) => v,
        }
    }
}

/// Where the chunk's compressed bytes are.
#[derive(Clone, PartialEq, Eq)]
pub enum HistorySource {
    /// In the notification itself (`initialHistBootstrapInlinePayload`).
    Inline(Bytes),
    /// On the media host (downloaded as media type "history").
    Download {
        /// `directPath`.
        direct_path: String,
        /// `mediaKey` (secret: not printed by `Debug`).
        media_key: Vec<u8>,
        /// `fileEncSHA256`.
        file_enc_sha256: Vec<u8>,
        /// `fileSHA256`.
        file_sha256: Vec<u8>,
        /// `fileLength`, when given.
        file_length: Option<u64>,
    },
    /// Nothing to fetch: a `NO_HISTORY` notification.
    None,
}

impl std::fmt::Debug for HistorySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Inline(b) => f.debug_tuple("Inline").field(&b.len()).finish(),
            Self::Download {
                direct_path,
                file_length,
                ..
            } => f
                .debug_struct("Download")
                .field("direct_path", direct_path)
                .field("file_length", file_length)
                .finish_non_exhaustive(),
            Self::None => f.write_str("None"),
        }
    }
}

/// One announced chunk: its kind and place in the sequence, and where to fetch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkInfo {
    /// `syncType`.
    pub sync_type: SyncType,
    /// `chunkOrder` (0 when absent).
    pub chunk_order: u32,
    /// `progress`, 0..=100, when given.
    pub progress: Option<u32>,
    /// `originalMessageID`: the request an on-demand chunk answers.
    pub original_message_id: Option<String>,
    /// `peerDataRequestSessionID`: the on-demand request session, when given.
    pub request_session_id: Option<String>,
    /// `oldestMsgInChunkTimestampSec`.
    pub oldest_message_timestamp: Option<i64>,
    /// Where the bytes are.
    pub source: HistorySource,
}

impl ChunkInfo {
    /// Reads a notification. The inline payload wins over a media reference (whatsmeow
    /// `DownloadHistorySync`); without either, only `NO_HISTORY` is acceptable.
    pub fn from_notification(n: &wa::HistorySyncNotification) -> Result<Self, HistoryError> {
        let sync_type = SyncType::from_wire(n.sync_type.unwrap_or_default());
        let source = match n.initial_hist_bootstrap_inline_payload.as_deref() {
            Some(p) if !p.is_empty() => HistorySource::Inline(Bytes::copy_from_slice(p)),
            _ => download_source(n, sync_type)?,
        };
        Ok(Self {
            sync_type,
            chunk_order: n.chunk_order.unwrap_or_default(),
            progress: n.progress,
            original_message_id: n.original_message_id.clone().filter(|s| !s.is_empty()),
            request_session_id: n
                .peer_data_request_session_id
                .clone()
                .filter(|s| !s.is_empty()),
            oldest_message_timestamp: n.oldest_msg_in_chunk_timestamp_sec,
            source,
        })
    }

    /// A key that is the same for two notifications of the same blob, so a chunk announced
    /// twice (under two message ids) is published once: the plaintext hash when the chunk is
    /// downloaded, else a hash of the inline payload.
    pub fn dedup_key(&self) -> Option<Vec<u8>> {
        use sha2::{Digest, Sha256};
        match &self.source {
            HistorySource::Download { file_sha256, .. } => Some(file_sha256.clone()),
            HistorySource::Inline(p) => Some(Sha256::digest(p).to_vec()),
            HistorySource::None => None,
        }
    }
}

fn download_source(
    n: &wa::HistorySyncNotification,
    sync_type: SyncType,
) -> Result<HistorySource, HistoryError> {
    let direct_path = n.direct_path.as_deref().filter(|p| !p.is_empty());
    let Some(direct_path) = direct_path else {
        return if sync_type == SyncType::NoHistory {
            Ok(HistorySource::None)
        } else {
            Err(HistoryError::MissingField("directPath"))
        };
    };
    let field = |v: &Option<Vec<u8>>, name| {
        v.clone()
            .filter(|b| !b.is_empty())
            .ok_or(HistoryError::MissingField(name))
    };
    Ok(HistorySource::Download {
        direct_path: direct_path.to_owned(),
        media_key: field(&n.media_key, "mediaKey")?,
        file_enc_sha256: field(&n.file_enc_sha256, "fileEncSHA256")?,
        file_sha256: field(&n.file_sha256, "fileSHA256")?,
        file_length: n.file_length,
    })
}
