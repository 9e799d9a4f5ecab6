//! The phone's answer to an on-demand history request (`HISTORY_SYNC_ON_DEMAND` from our
//! device): an `ON_DEMAND` chunk of made-up older messages of the chat.

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::history::{
    compress, notification, HistorySource, NotificationParts, OnDemandRequest, SyncType,
};

use crate::contact_devices::ReceivedMessage;
use crate::history::{chunk, enqueue_from_phone, stored};
use crate::state::{DeviceKey, State};

/// The most messages the phone sends for one on-demand request (whatsmeow recommends 50).
pub const MAX_ON_DEMAND: usize = 50;

/// The id of the `k`-th message (0 = the newest) an on-demand answer makes up.
pub fn on_demand_message_id(k: usize) -> String {
    format!("3EB0ONDEMAND{k:05}")
}

/// When our device asked the phone for history (`HISTORY_SYNC_ON_DEMAND`): an `ON_DEMAND`
/// chunk with up to `count` (at most [`MAX_ON_DEMAND`]) made-up messages of the chat, older
/// than the anchor, on the media host when it runs, else inline.
pub(crate) fn answer_on_demand(st: &mut State, device: DeviceKey, received: &ReceivedMessage) {
    let Some(req) = received
        .message
        .as_ref()
        .ok()
        .and_then(OnDemandRequest::from_message)
    else {
        return;
    };
    let n = usize::try_from(req.count).unwrap_or(0).min(MAX_ON_DEMAND);
    let chat = req.chat.to_string();
    let messages = (0..n)
        .map(|k| wa::HistorySyncMsg {
            message: Some(wa::WebMessageInfo {
                key: Some(wa::MessageKey {
                    remote_jid: Some(chat.clone()),
                    from_me: Some(k % 2 == 0),
                    id: Some(on_demand_message_id(k)),
                    participant: None,
                }),
                message: Some(Box::new(wa::Message {
                    conversation: Some(format!("older message {k}")),
                    ..Default::default()
                })),
                message_timestamp: Some(
                    u64::try_from(req.oldest_timestamp.saturating_sub((k as i64 + 1) * 60))
                        .unwrap_or_default(),
                ),
                ..Default::default()
            }),
            msg_order_id: Some(k as u64 + 1),
        })
        .collect();
    let mut sync = chunk(
        SyncType::OnDemand,
        vec![wa::Conversation {
            id: Some(chat),
            messages,
            ..Default::default()
        }],
        1,
    );
    sync.progress = Some(100);
    let compressed = compress(&sync.encode_to_vec());
    let source = match st.media.clone() {
        Some(host) => stored(&host, &compressed),
        None => HistorySource::Inline(compressed.into()),
    };
    let parts = NotificationParts {
        sync_type: Some(SyncType::OnDemand),
        chunk_order: 1,
        progress: Some(100),
        original_message_id: Some(received.id.clone()),
        request_session_id: None,
    };
    if let Err(e) = enqueue_from_phone(st, device, &notification(&parts, &source)) {
        tracing::warn!(error = %e, "phone could not answer the history request");
    }
}
