//! History sync and offline-queue events.

use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use wa_protobuf::wa;
pub use wa_protocol::history::{HistoryError, SyncType};

use super::{serde_wire, LazyConversation, SharedData};

/// One history-sync chunk from our phone (history-sync.md): the spec's "decoded history-sync
/// protobuf", kept lazily. Every top-level field but `conversations` is decoded
/// ([`data`](HistoryChunk::data)); each conversation stays as bytes of the inflated blob and
/// is parsed on its first [`LazyConversation::get`], so a subscriber that ignores history
/// pays for one scan of the blob and nothing more. Shared: every subscriber gets the same
/// allocation.
#[derive(Debug, Clone)]
pub struct HistorySync(pub SharedData<HistoryChunk>);

/// The content of a [`HistorySync`] event.
pub struct HistoryChunk {
    /// The id of the protocol message that announced the chunk (what the `hist_sync` receipt
    /// names).
    pub message_id: String,
    /// The notification's `syncType`.
    pub sync_type: SyncType,
    /// The notification's `chunkOrder`: chunks of one sync type are numbered from 0 (or 1).
    pub chunk_order: u32,
    /// The notification's `progress` (0..=100), when the phone gave one.
    pub progress: Option<u32>,
    /// For an on-demand chunk, the id of the request it answers (`originalMessageID`; what
    /// `Client::request_history` returned).
    pub request_id: Option<String>,
    /// The top-level fields of the blob other than `conversations` (push names, LID
    /// mappings, global settings, status messages, …); `data.conversations` is empty.
    pub data: wa::HistorySync,
    /// The conversations, undecoded.
    pub conversations: Vec<LazyConversation>,
    /// The inflated blob the conversations point into.
    pub blob: Bytes,
}

impl HistorySync {
    /// Wraps an already decoded blob (each conversation is encoded once, for
    /// [`LazyConversation::raw`]). The library itself builds events with
    /// [`HistorySync::from_chunk`], without decoding conversations.
    pub fn new(mut data: wa::HistorySync) -> Self {
        let conversations = std::mem::take(&mut data.conversations)
            .into_iter()
            .map(LazyConversation::from_conversation)
            .collect();
        Self::from_chunk(HistoryChunk {
            message_id: String::new(),
            sync_type: SyncType::from_wire(data.sync_type.unwrap_or_default()),
            chunk_order: data.chunk_order.unwrap_or_default(),
            progress: data.progress,
            request_id: None,
            data,
            conversations,
            blob: Bytes::new(),
        })
    }

    /// Wraps a chunk.
    pub fn from_chunk(chunk: HistoryChunk) -> Self {
        Self(SharedData(Arc::new(chunk)))
    }
}

impl HistoryChunk {
    /// Every conversation decoded, with the other fields: the whole `HistorySync` as
    /// whatsmeow's event carries it. Conversations that do not decode are left out.
    pub fn decode_all(&self) -> wa::HistorySync {
        let mut full = self.data.clone();
        full.conversations = self
            .conversations
            .iter()
            .filter_map(|c| c.get().cloned())
            .collect();
        full
    }

    /// `pushnames`.
    pub fn push_names(&self) -> &[wa::Pushname] {
        &self.data.pushnames
    }

    /// `phoneNumberToLidMappings`.
    pub fn lid_mappings(&self) -> &[wa::PhoneNumberToLidMapping] {
        &self.data.phone_number_to_lid_mappings
    }
}

impl std::fmt::Debug for HistoryChunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryChunk")
            .field("message_id", &self.message_id)
            .field("sync_type", &self.sync_type)
            .field("chunk_order", &self.chunk_order)
            .field("progress", &self.progress)
            .field("conversations", &self.conversations.len())
            .field("push_names", &self.data.pushnames.len())
            .field("blob_len", &self.blob.len())
            .finish_non_exhaustive()
    }
}

impl Deref for HistorySync {
    type Target = HistoryChunk;

    fn deref(&self) -> &HistoryChunk {
        &self.0
    }
}

impl Serialize for HistorySync {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Proto<'a>(&'a wa::HistorySync);
        impl Serialize for Proto<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serde_wire::bytes(&prost::Message::encode_to_vec(self.0), s)
            }
        }
        let mut st = s.serialize_struct("HistorySync", 7)?;
        st.serialize_field("message_id", &self.message_id)?;
        st.serialize_field("sync_type", &self.sync_type)?;
        st.serialize_field("chunk_order", &self.chunk_order)?;
        st.serialize_field("progress", &self.progress)?;
        st.serialize_field("request_id", &self.request_id)?;
        st.serialize_field("data", &Proto(&self.data))?;
        st.serialize_field("conversations", &self.conversations)?;
        st.end()
    }
}

/// A history chunk our phone announced that could not be used (the blob is missing,
/// corrupt, or too large). The client answered as the protocol says (a `server-error`
/// receipt when the download failed) and goes on.
#[derive(Debug, Clone, Serialize)]
pub struct HistorySyncFailed {
    /// The id of the announcing protocol message.
    pub message_id: String,
    /// The notification's `syncType`, when it could be read.
    pub sync_type: Option<SyncType>,
    /// The notification's `chunkOrder`.
    pub chunk_order: u32,
    /// What went wrong.
    #[serde(serialize_with = "display")]
    pub error: HistoryFailure,
}

/// Why a chunk failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryFailure {
    /// The notification or the blob is unusable.
    #[error(transparent)]
    Blob(#[from] HistoryError),
    /// The blob could not be downloaded.
    #[error("download: {0}")]
    Download(Arc<crate::media::MediaError>),
}

fn display<S: Serializer>(e: &HistoryFailure, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

/// What the server is about to replay after reconnecting (`<ib><offline_preview …/>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct OfflineSyncPreview {
    /// Total queued stanzas (`count`).
    pub total: i32,
    /// App-state notifications (`appdata`).
    pub app_data_changes: i32,
    /// Messages (`message`).
    pub messages: i32,
    /// Notifications (`notification`).
    pub notifications: i32,
    /// Receipts (`receipt`).
    pub receipts: i32,
}

/// The offline queue has been delivered (`<ib><offline count=…/>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct OfflineSyncCompleted {
    /// How many stanzas were replayed.
    pub count: i32,
}
