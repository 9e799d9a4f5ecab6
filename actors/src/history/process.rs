//! One pending chunk, from notification to stored, published and receipted.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use prost::Message as _;
use rand::RngCore as _;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::history::{
    hist_sync_receipt, read_blob, server_error_receipt, ChunkInfo, HistoryError, HistorySource,
    MessageSecret, ScannedHistory, SyncType,
};

use super::config::HistoryConfig;
use super::fetch::{fetch, Fetched};
use super::pending::PendingChunk;
use crate::broadcaster::BroadcasterHandle;
use crate::events::{
    Event, HistoryChunk, HistoryFailure, HistorySync, HistorySyncFailed, LazyConversation,
    MessageInfo, MessageSource, PushNameUpdate,
};
use crate::link::LiveConn;
use crate::media::Media;
use crate::store::{AccountId, Batch, Namespace, Store, StoreError};

/// Key of the last global settings a chunk carried, in `Namespace::HISTORY_META`.
pub(super) const GLOBAL_SETTINGS_KEY: &[u8] = b"global_settings";

/// What the processing of one chunk needs.
pub(super) struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub account: &'a AccountId,
    pub media: &'a Media,
    pub directory: &'a crate::directory::Directory,
    pub broadcaster: &'a BroadcasterHandle,
    pub live: &'a LiveConn,
    pub config: &'a HistoryConfig,
    /// Our own JID (the receipts go to its non-AD form).
    pub own: Jid,
}

/// How a chunk ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Its row is gone: published, a duplicate, or given up.
    Finished,
    /// A transient failure: the row stays, try again later.
    RetryLater,
    /// Not connected: the row stays and the attempt does not count.
    Offline,
}

/// Processes `row`; `attempt` counts the transient failures seen so far. Store errors are
/// returned (the row stays; the actor fails and is restarted).
pub(super) async fn process(
    ctx: &Ctx<'_>,
    row: PendingChunk,
    attempt: u32,
) -> Result<Step, StoreError> {
    let info = match ChunkInfo::from_notification(&row.notification) {
        Ok(i) => i,
        Err(e) => {
            let sync_type = row.notification.sync_type.map(SyncType::from_wire);
            let fail = failed(&row, sync_type, e.into());
            finish_one(ctx, &row, fail, None).await?;
            return Ok(Step::Finished);
        }
    };
    let done_key = info
        .dedup_key()
        .unwrap_or_else(|| row.message_id.clone().into_bytes());
    if ctx
        .store
        .get(ctx.account, Namespace::HISTORY_DONE, &done_key)
        .await?
        .is_some()
    {
        tracing::debug!(id = %row.message_id, "history chunk already processed; receipted again");
        let receipt = hist_sync_receipt(&row.message_id, &ctx.own);
        finish_events(ctx, &row, Vec::new(), Some(receipt)).await?;
        return Ok(Step::Finished);
    }
    if matches!(info.source, HistorySource::Download { .. }) && ctx.live.generation().is_none() {
        // No media_conn without a connection, and no way to receipt: wait for one.
        return Ok(Step::Offline);
    }
    let compressed = match fetch(ctx.media, &info.source).await {
        Fetched::Bytes(b) => b,
        Fetched::Transient(e) if attempt + 1 < ctx.config.download_attempts => {
            tracing::info!(id = %row.message_id, error = %e, attempt, "history download failed; will retry");
            return Ok(Step::RetryLater);
        }
        Fetched::Transient(e) | Fetched::Failed(e) => {
            tracing::warn!(id = %row.message_id, error = %e, "history download failed; asking the phone again");
            let receipt = match &info.source {
                HistorySource::Download { media_key, .. } => {
                    let mut iv = [0u8; 12];
                    rand::rngs::OsRng.fill_bytes(&mut iv);
                    Some(server_error_receipt(
                        &row.message_id,
                        &ctx.own,
                        media_key,
                        iv,
                    ))
                }
                _ => None,
            };
            let fail = failed(
                &row,
                Some(info.sync_type),
                HistoryFailure::Download(Arc::new(e)),
            );
            finish_one(ctx, &row, fail, receipt).await?;
            return Ok(Step::Finished);
        }
    };
    // Inflating and scanning a few megabytes is CPU work: off the async threads, so a big
    // chunk never stalls the connection.
    let max = ctx.config.max_inflated;
    let decoded = tokio::task::spawn_blocking(move || decode(&compressed, max))
        .await
        .unwrap_or(Err(HistoryError::Malformed("decoder task panicked")));
    let (blob, scanned, secrets) = match decoded {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(id = %row.message_id, error = %e, "history blob unusable");
            let fail = failed(&row, Some(info.sync_type), e.into());
            finish_one(ctx, &row, fail, None).await?;
            return Ok(Step::Finished);
        }
    };
    let mut batch = Batch::new();
    for s in &secrets {
        batch = batch.put(
            Namespace::MESSAGE_SECRETS,
            secret_key(s, &ctx.own),
            s.secret.clone(),
        );
    }
    let mut events = push_names(ctx, &row, &scanned, &mut batch).await?;
    learn_lids(ctx, &scanned).await;
    if let Some(settings) = &scanned.rest.global_settings {
        batch = batch.put(
            Namespace::HISTORY_META,
            GLOBAL_SETTINGS_KEY.to_vec(),
            settings.encode_to_vec(),
        );
    }
    let conversations: Vec<LazyConversation> = scanned
        .conversations
        .iter()
        .map(|r| LazyConversation::new(blob.slice(r.clone())))
        .collect();
    tracing::info!(
        id = %row.message_id,
        sync_type = ?info.sync_type,
        chunk = info.chunk_order,
        conversations = conversations.len(),
        push_names = scanned.rest.pushnames.len(),
        "history chunk processed"
    );
    events.push(Event::HistorySync(HistorySync::from_chunk(HistoryChunk {
        message_id: row.message_id.clone(),
        sync_type: info.sync_type,
        chunk_order: info.chunk_order,
        progress: info.progress,
        request_id: info.original_message_id.clone(),
        data: scanned.rest,
        conversations,
        blob,
    })));
    batch = batch.put(
        Namespace::HISTORY_DONE,
        done_key,
        row.message_id.clone().into_bytes(),
    );
    let receipt = hist_sync_receipt(&row.message_id, &ctx.own);
    finish(ctx, &row, batch, events, Some(receipt)).await?;
    Ok(Step::Finished)
}

type Decoded = (Bytes, ScannedHistory, Vec<MessageSecret>);

fn decode(compressed: &[u8], max: usize) -> Result<Decoded, HistoryError> {
    let (inflated, scanned, secrets) = read_blob(compressed, max)?;
    Ok((Bytes::from(inflated), scanned, secrets))
}

/// Where a message secret is stored: `chat \0 sender \0 id`, the sender being us for our own
/// messages, the participant in groups, else the chat.
pub(super) fn secret_key(s: &MessageSecret, own: &Jid) -> Vec<u8> {
    let own = own.to_non_ad().to_string();
    let sender = if s.from_me {
        own.as_str()
    } else if s.participant.is_empty() {
        &s.chat
    } else {
        s.participant.as_str()
    };
    [
        s.chat.as_bytes(),
        b"\0",
        sender.as_bytes(),
        b"\0",
        s.id.as_bytes(),
    ]
    .concat()
}

fn failed(row: &PendingChunk, sync_type: Option<SyncType>, error: HistoryFailure) -> Event {
    Event::HistorySyncFailed(HistorySyncFailed {
        message_id: row.message_id.clone(),
        sync_type,
        chunk_order: row.notification.chunk_order.unwrap_or_default(),
        error,
    })
}

/// The stored names of the chunk's push names, and a `PushNameUpdate` for each that changed
/// (whatsmeow `handleHistoricalPushNames`).
async fn push_names(
    ctx: &Ctx<'_>,
    row: &PendingChunk,
    scanned: &ScannedHistory,
    batch: &mut Batch,
) -> Result<Vec<Event>, StoreError> {
    let mut events = Vec::new();
    for p in &scanned.rest.pushnames {
        let (Some(id), Some(name)) = (p.id.as_deref(), p.pushname.as_deref()) else {
            continue;
        };
        let Ok(jid) = id.parse::<Jid>() else {
            continue;
        };
        if name.is_empty() || name == "-" {
            continue;
        }
        let jid = jid.to_non_ad();
        let key = jid.to_string().into_bytes();
        let previous = ctx
            .store
            .get(ctx.account, Namespace::CONTACTS, &key)
            .await?
            .and_then(|b| String::from_utf8(b).ok());
        if previous.as_deref() == Some(name) {
            continue;
        }
        *batch = std::mem::take(batch).put(Namespace::CONTACTS, key, name.as_bytes().to_vec());
        events.push(Event::PushNameUpdate(PushNameUpdate {
            message: Box::new(MessageInfo {
                id: row.message_id.clone(),
                source: MessageSource {
                    sender: jid.clone(),
                    chat: jid.clone(),
                    is_from_me: false,
                    is_bot: false,
                    sender_alt: None,
                },
                timestamp: Utc::now(),
                push_name: name.to_owned(),
                is_group: false,
                category: String::new(),
            }),
            jid,
            old_push_name: previous.unwrap_or_default(),
            new_push_name: name.to_owned(),
        }));
    }
    Ok(events)
}

/// Learns the chunk's phone-number ↔ LID pairs through the directory and waits until they
/// are stored, so they are durable before the chunk is marked done.
async fn learn_lids(ctx: &Ctx<'_>, scanned: &ScannedHistory) {
    let mut learned = false;
    for m in &scanned.rest.phone_number_to_lid_mappings {
        let pn = m.pn_jid.as_deref().and_then(|s| s.parse::<Jid>().ok());
        let lid = m.lid_jid.as_deref().and_then(|s| s.parse::<Jid>().ok());
        if let (Some(pn), Some(lid)) = (pn, lid) {
            ctx.directory.learn_lid(&pn, &lid);
            learned = true;
        }
    }
    if learned {
        ctx.directory.flush().await;
    }
}

async fn finish_one(
    ctx: &Ctx<'_>,
    row: &PendingChunk,
    event: Event,
    reply: Option<Node>,
) -> Result<(), StoreError> {
    finish_events(ctx, row, vec![event], reply).await
}

async fn finish_events(
    ctx: &Ctx<'_>,
    row: &PendingChunk,
    events: Vec<Event>,
    reply: Option<Node>,
) -> Result<(), StoreError> {
    finish(ctx, row, Batch::new(), events, reply).await
}

/// Deletes the row with `batch`, then publishes `events` and sends `reply` once that commits.
async fn finish(
    ctx: &Ctx<'_>,
    row: &PendingChunk,
    batch: Batch,
    events: Vec<Event>,
    reply: Option<Node>,
) -> Result<(), StoreError> {
    let batch = batch.delete(Namespace::HISTORY_PENDING, row.key.clone());
    let broadcaster = ctx.broadcaster.clone();
    let live = ctx.live.clone();
    let hook = move || {
        for event in events {
            if !broadcaster.publish(event) {
                tracing::warn!("broadcaster registry closed; event dropped");
            }
        }
        if let Some(reply) = reply {
            if let Err(e) = live.send(reply) {
                tracing::debug!(error = %e, "history receipt not sent");
            }
        }
    };
    ctx.store
        .apply_then(ctx.account, batch, Box::new(hook))
        .await
}
