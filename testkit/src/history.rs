//! History sync from our account's phone (history-sync.md): after pairing, the phone sends
//! the companion its history as protocol messages (`HistorySyncNotification`) that point at
//! zlib-compressed `HistorySync` blobs on the media host, in several chunks: an initial
//! bootstrap (chats and LID mappings), recent messages, push names. It can also answer an
//! on-demand request and misbehave on purpose (a missing blob, a corrupt blob, one chunk
//! announced twice). On-demand answers are in `history_on_demand.rs`.

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::history::{compress, notification, HistorySource, NotificationParts, SyncType};
use wa_protocol::media::MediaType;
use wa_protocol::signal::{pad, SessionRecord};

use crate::envelope::{enc_node, MessageId};
use crate::error::TestkitError;
use crate::history_content::{HistoryContent, PhoneHistory};
use crate::own_phone::phone_device;
use crate::prekeys::take_bundle;
use crate::server::{unix_now, FakeServer};
use crate::state::{DeviceKey, State};

/// What the phone sends in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPlan {
    /// The history itself.
    pub content: HistoryContent,
    /// Initial-bootstrap chunks the chats are split over (at least 1).
    pub bootstrap_chunks: usize,
    /// Send the first bootstrap chunk inline (`initialHistBootstrapInlinePayload`).
    pub inline_first: bool,
    /// Also a `RECENT` chunk (the newest chats again, as the phone does).
    pub recent: bool,
    /// Also a `PUSH_NAME` chunk with every contact's name.
    pub push_names: bool,
    /// Faults, by the index of the notification they hit (in sending order).
    pub faults: Vec<(usize, HistoryFault)>,
}

impl Default for HistoryPlan {
    fn default() -> Self {
        Self {
            content: HistoryContent::default(),
            bootstrap_chunks: 2,
            inline_first: false,
            recent: true,
            push_names: true,
            faults: Vec::new(),
        }
    }
}

/// A way for one chunk to go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HistoryFault {
    /// The notification points at a blob the media host does not have (404).
    MissingBlob,
    /// The blob decrypts, but what it holds is not zlib.
    CorruptBlob,
    /// The notification is sent twice, under two message ids.
    Duplicate,
}

/// One notification the phone sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentChunk {
    /// The protocol message's id.
    pub message_id: MessageId,
    /// Its sync type.
    pub sync_type: SyncType,
    /// Its chunk order.
    pub chunk_order: u32,
    /// The ids of the conversations in its blob.
    pub conversations: Vec<String>,
    /// The fault it carries, if any.
    pub fault: Option<HistoryFault>,
}

/// What the phone sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SentHistory {
    /// The history the chunks were cut from.
    pub history: PhoneHistory,
    /// Every notification, in sending order (a duplicate appears twice).
    pub chunks: Vec<SentChunk>,
}

/// The history phones send by themselves once a device is set up.
#[derive(Debug, Default)]
pub(crate) struct HistoryAuto {
    /// Sent to every device after its first prekey upload, when set.
    plan: Option<HistoryPlan>,
    /// What was sent, per device.
    sent: Vec<(DeviceKey, Result<SentHistory, String>)>,
}

/// After a device's first prekey upload (it can now receive): the phone sends the planned
/// history, once per device.
pub(crate) fn after_first_upload(st: &mut State, device: DeviceKey) {
    let Some(plan) = st.history.plan.clone() else {
        return;
    };
    if st.history.sent.iter().any(|(d, _)| *d == device) {
        return;
    }
    let Some(host) = st.media.clone() else {
        return;
    };
    let result = send_in(st, &host, device, &plan).map_err(|e| e.to_string());
    if let Err(e) = &result {
        tracing::warn!(error = %e, "phone could not send history");
    }
    st.history.sent.push((device, result));
}

impl FakeServer {
    /// From now on, the phone sends `plan`'s history to every device right after its first
    /// prekey upload (that is, right after pairing and the first login), as a phone does after
    /// linking. Starts the media host.
    pub async fn send_history_after_pairing(&self, plan: HistoryPlan) -> Result<(), TestkitError> {
        self.media_host().await?;
        self.shared.state().history.plan = Some(plan);
        Ok(())
    }

    /// What the phone sent by itself to device `jid` (see
    /// [`FakeServer::send_history_after_pairing`]), or why it could not.
    pub fn history_sent_to(&self, jid: &Jid) -> Option<Result<SentHistory, String>> {
        let st = self.shared.state();
        let device = st.device_key(jid)?;
        st.history
            .sent
            .iter()
            .find(|(d, _)| *d == device)
            .map(|(_, r)| r.clone())
    }

    /// Sends `plan`'s history from our account's phone to our device `to` now (starts the
    /// media host if needed). Fails when `to` is not a registered device with prekeys.
    pub async fn send_history(
        &self,
        to: &Jid,
        plan: &HistoryPlan,
    ) -> Result<SentHistory, TestkitError> {
        let host = self.media_host().await?;
        let sent = {
            let mut st = self.shared.state();
            let device = st
                .device_key(to)
                .ok_or_else(|| TestkitError::UnknownDevice(to.clone()))?;
            send_in(&mut st, &host, device, plan)?
        };
        self.shared.notify();
        Ok(sent)
    }

    /// Sends `message` from our account's phone (device 0) to our device `to` as a peer
    /// protocol message: `<message from=<own> category="peer" type="text">`, encrypted with
    /// the phone's session (started from the device's bundle when there is none).
    pub fn send_from_phone(
        &self,
        to: &Jid,
        message: &wa::Message,
    ) -> Result<MessageId, TestkitError> {
        let id = {
            let mut st = self.shared.state();
            let device = st
                .device_key(to)
                .ok_or_else(|| TestkitError::UnknownDevice(to.clone()))?;
            enqueue_from_phone(&mut st, device, message)?
        };
        self.shared.notify();
        Ok(id)
    }
}

pub(crate) fn enqueue_from_phone(
    st: &mut State,
    device: DeviceKey,
    message: &wa::Message,
) -> Result<MessageId, TestkitError> {
    let node = phone_stanza(st, device, message)?;
    let id = MessageId(node.attr_str("id").unwrap_or_default().into_owned());
    st.enqueue(device, node);
    Ok(id)
}

/// Cuts the history into chunks, stores each blob on `host` and queues the notifications.
fn send_in(
    st: &mut State,
    host: &crate::MediaHost,
    device: DeviceKey,
    plan: &HistoryPlan,
) -> Result<SentHistory, TestkitError> {
    let own = Jid::pn(device.0.to_string());
    let history = plan.content.build(&own, unix_now());
    let mut chunks = Vec::new();
    for (index, (sync_type, sync)) in blobs(&history, plan).into_iter().enumerate() {
        let fault = plan
            .faults
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, f)| *f);
        let inline = plan.inline_first && index == 0;
        let order = sync.chunk_order.unwrap_or_default();
        let ids: Vec<String> = sync
            .conversations
            .iter()
            .filter_map(|c| c.id.clone())
            .collect();
        let source = match fault {
            Some(HistoryFault::MissingBlob) => HistorySource::Download {
                direct_path: "/v/t62.missing-history/0".into(),
                media_key: vec![5; 32],
                file_enc_sha256: vec![6; 32],
                file_sha256: rand::random::<[u8; 32]>().to_vec(),
                file_length: Some(100),
            },
            Some(HistoryFault::CorruptBlob) => {
                let garbage: Vec<u8> = (0..64).map(|_| rand::random::<u8>()).collect();
                stored(host, &garbage)
            }
            _ if inline => HistorySource::Inline(compress(&sync.encode_to_vec()).into()),
            _ => stored(host, &compress(&sync.encode_to_vec())),
        };
        let parts = NotificationParts {
            sync_type: Some(sync_type),
            chunk_order: order,
            progress: sync.progress,
            ..Default::default()
        };
        let message = notification(&parts, &source);
        let times = if fault == Some(HistoryFault::Duplicate) {
            2
        } else {
            1
        };
        for _ in 0..times {
            let message_id = enqueue_from_phone(st, device, &message)?;
            chunks.push(SentChunk {
                message_id,
                sync_type,
                chunk_order: order,
                conversations: ids.clone(),
                fault,
            });
        }
    }
    Ok(SentHistory { history, chunks })
}

/// The blobs of a plan, in sending order: bootstrap chunks (the first with the LID mappings
/// and global settings), then recent, then push names.
fn blobs(history: &PhoneHistory, plan: &HistoryPlan) -> Vec<(SyncType, wa::HistorySync)> {
    let mut blobs = Vec::new();
    let n = plan.bootstrap_chunks.max(1);
    let per = history.conversations.len().div_ceil(n).max(1);
    for (k, chats) in history.conversations.chunks(per).enumerate() {
        let mut sync = wa::HistorySync {
            sync_type: Some(SyncType::InitialBootstrap.to_wire()),
            conversations: chats.to_vec(),
            chunk_order: Some(k as u32 + 1),
            progress: Some(((k + 1) * 100 / n) as u32),
            ..Default::default()
        };
        if k == 0 {
            sync.phone_number_to_lid_mappings = mappings(history);
            sync.global_settings = Some(wa::GlobalSettings {
                font_size: Some(2),
                ..Default::default()
            });
        }
        blobs.push((SyncType::InitialBootstrap, sync));
    }
    if history.conversations.is_empty() {
        blobs.push((SyncType::InitialBootstrap, bootstrap_empty()));
    }
    if plan.recent {
        let newest = history.conversations.iter().take(2).cloned().collect();
        blobs.push((SyncType::Recent, chunk(SyncType::Recent, newest, 1)));
    }
    if plan.push_names {
        let mut sync = chunk(SyncType::PushName, Vec::new(), 1);
        sync.pushnames = history
            .push_names
            .iter()
            .map(|(jid, name)| wa::Pushname {
                id: Some(jid.to_string()),
                pushname: Some(name.clone()),
            })
            .collect();
        blobs.push((SyncType::PushName, sync));
    }
    blobs
}

fn mappings(h: &PhoneHistory) -> Vec<wa::PhoneNumberToLidMapping> {
    h.lid_mappings
        .iter()
        .map(|(pn, lid)| wa::PhoneNumberToLidMapping {
            pn_jid: Some(pn.to_string()),
            lid_jid: Some(lid.to_string()),
        })
        .collect()
}

pub(crate) fn chunk(
    ty: SyncType,
    conversations: Vec<wa::Conversation>,
    order: u32,
) -> wa::HistorySync {
    wa::HistorySync {
        sync_type: Some(ty.to_wire()),
        conversations,
        chunk_order: Some(order),
        progress: Some(100),
        ..Default::default()
    }
}

fn bootstrap_empty() -> wa::HistorySync {
    chunk(SyncType::InitialBootstrap, Vec::new(), 1)
}

pub(crate) fn stored(host: &crate::MediaHost, plain: &[u8]) -> HistorySource {
    let s = host.store(MediaType::History, plain);
    HistorySource::Download {
        direct_path: s.direct_path,
        media_key: s.info.media_key.0.to_vec(),
        file_enc_sha256: s.info.file_enc_sha256.to_vec(),
        file_sha256: s.info.file_sha256.to_vec(),
        file_length: Some(s.info.file_length),
    }
}

/// The encrypted stanza from the phone of `device`'s account to `device`.
pub(crate) fn phone_stanza(
    st: &mut State,
    device: DeviceKey,
    message: &wa::Message,
) -> Result<Node, TestkitError> {
    let phone = device.0;
    let has_session = phone_device(st, phone)
        .sessions
        .get(&device)
        .is_some_and(SessionRecord::has_session);
    let bundle = if has_session {
        None
    } else {
        let own = Jid::pn(phone.to_string()).with_device(device.1 as u16);
        Some(take_bundle(st, device).ok_or(TestkitError::NoPrekeys(own))?)
    };
    let sender = phone_device(st, phone);
    let mut session = sender.sessions.get(&device).cloned().unwrap_or_default();
    if let Some(bundle) = bundle {
        session = session.initiate(&sender.identity, &bundle, &mut rand::rngs::OsRng)?;
    }
    let plaintext = pad(&message.encode_to_vec(), &mut rand::rngs::OsRng);
    let (ciphertext, session) = session.encrypt(&plaintext)?;
    sender.sessions.insert(device, session);
    let now = unix_now();
    let own = Jid::pn(phone.to_string());
    Ok(Node::build("message")
        .attr("id", MessageId::generate(now, &own.user).0)
        .attr("from", own)
        .attr("type", "text")
        .attr("category", "peer")
        .attr("t", now.to_string())
        .child(enc_node(
            ciphertext.enc_type(),
            ciphertext.serialized().to_vec(),
            None,
        ))
        .finish())
}
