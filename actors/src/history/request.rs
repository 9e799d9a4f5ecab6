//! `Client::request_history`: ask our phone for older messages of a chat (whatsmeow
//! `BuildHistorySyncRequest` + `SendPeerMessage`). The answer arrives later, like any chunk,
//! as a `HistorySync` event of type `OnDemand` whose `request_id` is the id returned here.

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use wa_protobuf::wa;
use wa_protocol::binary::Jid;
use wa_protocol::history::{on_demand_request, OnDemandRequest};
use wa_protocol::send::{key_fetch_iq, parse_key_fetch_reply};

use crate::events::MessageInfo;
use crate::send::SendError;
use crate::state::{own_phone, PeerJob, SignalMsg};
use crate::Client;

/// The oldest message a client has of a chat: the phone sends what came before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryAnchor {
    /// Its id.
    pub id: String,
    /// Whether we sent it.
    pub from_me: bool,
    /// Its timestamp.
    pub timestamp: DateTime<Utc>,
}

impl From<&MessageInfo> for HistoryAnchor {
    fn from(m: &MessageInfo) -> Self {
        Self {
            id: m.id.clone(),
            from_me: m.source.is_from_me,
            timestamp: m.timestamp,
        }
    }
}

impl HistoryAnchor {
    /// From a message of a history chunk; `None` without a key id.
    pub fn from_web_message(m: &wa::WebMessageInfo) -> Option<Self> {
        let key = m.key.as_ref()?;
        Some(Self {
            id: key.id.clone()?,
            from_me: key.from_me.unwrap_or_default(),
            timestamp: DateTime::from_timestamp(
                i64::try_from(m.message_timestamp.unwrap_or_default()).unwrap_or_default(),
                0,
            )
            .unwrap_or_default(),
        })
    }
}

impl Client {
    /// Asks our phone for `count` messages of `chat` older than `before` (50 is what clients
    /// ask; the phone caps it). Resolves with the request's message id once it is written;
    /// the messages arrive as a [`HistorySync`](crate::events::HistorySync) of type
    /// [`OnDemand`](crate::events::SyncType::OnDemand) with that `request_id`.
    pub async fn request_history(
        &self,
        chat: &Jid,
        before: &HistoryAnchor,
        count: u32,
    ) -> Result<String, SendError> {
        let device = self.device().ok_or(SendError::NotPaired)?;
        let phone = own_phone(&device).ok_or(SendError::NotPaired)?;
        let message = on_demand_request(&OnDemandRequest {
            chat: chat.to_non_ad(),
            oldest_message_id: before.id.clone(),
            oldest_from_me: before.from_me,
            // Seconds, though the field is named `…MS` (whatsmeow's note).
            oldest_timestamp: before.timestamp.timestamp(),
            count: i32::try_from(count).unwrap_or(i32::MAX),
        });
        let missing = self.ask_signal(|tx| SignalMsg::MissingSessions(vec![phone.clone()], tx));
        let bundle = if missing.await?.is_empty() {
            None
        } else {
            let reply = self
                .raw()
                .iq(key_fetch_iq(std::slice::from_ref(&phone)))
                .await
                .map_err(SendError::Bundles)?;
            let fetched = parse_key_fetch_reply(&reply, std::slice::from_ref(&phone));
            match fetched.into_iter().next() {
                Some((_, Ok(b))) => Some(b),
                _ => return Err(SendError::NoDevices),
            }
        };
        let id = wa_protocol::send::message_id(
            u64::try_from(Utc::now().timestamp()).unwrap_or_default(),
            &phone.user,
            &rand::random(),
        );
        let job_id = id.clone();
        self.ask_signal(move |reply| {
            SignalMsg::Peer(Box::new(PeerJob {
                id: job_id,
                message,
                bundle,
                reply,
            }))
        })
        .await?;
        Ok(id)
    }

    async fn ask_signal<T>(
        &self,
        build: impl FnOnce(oneshot::Sender<Result<T, SendError>>) -> SignalMsg,
    ) -> Result<T, SendError> {
        let (tx, rx) = oneshot::channel();
        if !self.signal.send(build(tx)) {
            return Err(SendError::Stopped);
        }
        rx.await.map_err(|_| SendError::Stopped)?
    }
}
