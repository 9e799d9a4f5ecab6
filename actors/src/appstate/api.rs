//! The app-state mutations of [`Client`]: each builds one action, and the app-state actor
//! encodes, uploads and then fetches it back verified (our other devices get it from the
//! server the same way).

use std::time::Duration;

use wa_protobuf::wa;

use super::actor::{AppStateMsg, Mutation};
use crate::client::ClientError;
use crate::wire::Jid;
use crate::Client;

/// Upload, conflict refetch and resend together.
const MUTATE_TIMEOUT: Duration = Duration::from_secs(90);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Client {
    async fn mutate(
        &self,
        collection: &'static str,
        index: Vec<String>,
        value: wa::SyncActionValue,
        version: i32,
    ) -> Result<(), ClientError> {
        let m = Mutation {
            collection,
            index,
            value,
            version,
        };
        // Through the handle: the actor is started for this request if none runs.
        let (tx, rx) = tokio::sync::oneshot::channel();
        if !self
            .app_state
            .send(AppStateMsg::Mutate(Box::new(m), tx.into()))
        {
            return Err(ClientError::Stopped);
        }
        match tokio::time::timeout(MUTATE_TIMEOUT, rx).await {
            Ok(Ok(r)) => r.map_err(ClientError::AppState),
            Ok(Err(_)) => Err(ClientError::Stopped),
            Err(_) => Err(ClientError::Timeout),
        }
    }

    /// Archives or unarchives `chat` on all our devices (app state `archive`, regular_low).
    pub async fn archive_chat(&self, chat: &Jid, archived: bool) -> Result<(), ClientError> {
        let value = wa::SyncActionValue {
            timestamp: Some(now_ms()),
            archive_chat_action: Some(wa::ArchiveChatAction {
                archived: Some(archived),
                message_range: Some(wa::SyncActionMessageRange::default()),
            }),
            ..Default::default()
        };
        self.mutate(
            "regular_low",
            vec!["archive".into(), chat.to_string()],
            value,
            3,
        )
        .await
    }

    /// Pins or unpins `chat` (app state `pin_v1`, regular_low).
    pub async fn pin_chat(&self, chat: &Jid, pinned: bool) -> Result<(), ClientError> {
        let value = wa::SyncActionValue {
            timestamp: Some(now_ms()),
            pin_action: Some(wa::PinAction {
                pinned: Some(pinned),
            }),
            ..Default::default()
        };
        self.mutate(
            "regular_low",
            vec!["pin_v1".into(), chat.to_string()],
            value,
            5,
        )
        .await
    }

    /// Mutes `chat` until `until_ms` (Unix milliseconds; `Some(-1)` = forever) or unmutes it
    /// with `None` (app state `mute`, regular_high).
    pub async fn mute_chat(&self, chat: &Jid, until_ms: Option<i64>) -> Result<(), ClientError> {
        let value = wa::SyncActionValue {
            timestamp: Some(now_ms()),
            mute_action: Some(wa::MuteAction {
                muted: Some(until_ms.is_some()),
                mute_end_timestamp: until_ms,
                ..Default::default()
            }),
            ..Default::default()
        };
        self.mutate(
            "regular_high",
            vec!["mute".into(), chat.to_string()],
            value,
            2,
        )
        .await
    }

    /// Marks `chat` read or unread (app state `markChatAsRead`, regular_low).
    pub async fn mark_chat_read(&self, chat: &Jid, read: bool) -> Result<(), ClientError> {
        let value = wa::SyncActionValue {
            timestamp: Some(now_ms()),
            mark_chat_as_read_action: Some(wa::MarkChatAsReadAction {
                read: Some(read),
                message_range: Some(wa::SyncActionMessageRange::default()),
            }),
            ..Default::default()
        };
        self.mutate(
            "regular_low",
            vec!["markChatAsRead".into(), chat.to_string()],
            value,
            3,
        )
        .await
    }

    /// Sets our push name in app state (`setting_pushName`, critical_block), so our other
    /// devices learn it; [`Client::set_push_name`] also announces it with our presence.
    pub async fn set_push_name_app_state(&self, name: &str) -> Result<(), ClientError> {
        let value = wa::SyncActionValue {
            timestamp: Some(now_ms()),
            push_name_setting: Some(wa::PushNameSetting {
                name: Some(name.to_owned()),
            }),
            ..Default::default()
        };
        self.mutate("critical_block", vec!["setting_pushName".into()], value, 1)
            .await
    }
}
