//! History sync and offline-queue events.

use std::ops::Deref;

use serde::{Serialize, Serializer};
use wa_protobuf::wa;

use super::{serde_wire, SharedData};

/// A decoded history-sync blob. Shared, so every subscriber gets the same allocation.
#[derive(Debug, Clone)]
pub struct HistorySync(pub SharedData<wa::HistorySync>);

impl HistorySync {
    /// Wraps a decoded blob.
    pub fn new(data: wa::HistorySync) -> Self {
        Self(SharedData::new(data))
    }
}

impl Deref for HistorySync {
    type Target = wa::HistorySync;

    fn deref(&self) -> &wa::HistorySync {
        &self.0
    }
}

impl Serialize for HistorySync {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_wire::proto(&self.0, s)
    }
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
