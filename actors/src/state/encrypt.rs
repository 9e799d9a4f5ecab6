//! Encrypting one 1:1 message for a set of devices (signal.md §3, §6–§7; messages.md §5.3):
//! the Signal actor's side of a send. It reads each device's session (starting one from the
//! fetched bundle where there is none), encrypts the padded message, or the
//! `deviceSentMessage` copy for our own devices, and returns the stanza with the batch that
//! stores the new ratchets, the peers' identities and the sent message. The caller writes the
//! stanza only once that batch is committed.

use prost::Message as _;
use tokio::sync::oneshot;
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::send::{
    edit_attribute, hides_on_failure, media_type, message_type, plaintext_for, DeviceEnc,
    OutgoingMessage,
};
use wa_protocol::signal::{signal_address, LocalIdentity, PreKeyBundle, SessionRecord};

use super::keys::load_session;
use crate::send::sent_log::SentLog;
use crate::send::{SendError, SentRecord};
use crate::store::{AccountId, Batch, DeviceData, Namespace, Store};

/// What the send path asks the Signal actor to do.
pub(crate) struct EncryptJob {
    /// The message id.
    pub id: String,
    /// The chat (the recipient's user JID).
    pub chat: Jid,
    /// The content.
    pub message: wa::Message,
    /// Every device to encrypt for: the recipient's and our own others.
    pub devices: Vec<Jid>,
    /// Checked bundles of devices that had no session when the send path looked.
    pub bundles: Vec<(Jid, PreKeyBundle)>,
    /// Answered once the stanza is written (or why it was not).
    pub reply: oneshot::Sender<Result<(), SendError>>,
}

/// The stanza to write once `batch` is stored.
pub(crate) struct Encrypted {
    pub stanza: Node,
    pub batch: Batch,
    pub devices: usize,
}

/// A new session with the device at `address` from its (verified) `bundle`, archiving any
/// old one; its identity key goes into `batch` (trust on first use, as receiving does).
pub(super) fn start_session(
    record: &SessionRecord,
    local: &LocalIdentity,
    bundle: &PreKeyBundle,
    address: &str,
    batch: Batch,
) -> Result<(SessionRecord, Batch), SendError> {
    let record = record
        .initiate(local, bundle, &mut rand::rngs::OsRng)
        .map_err(SendError::Encrypt)?;
    let batch = batch.put(
        Namespace::IDENTITIES,
        address.to_owned(),
        bundle.identity_key.as_bytes().to_vec(),
    );
    Ok((record, batch))
}

/// Which of `devices` have no session yet (their bundles must be fetched).
pub(crate) async fn missing_sessions(
    store: &dyn Store,
    account: &AccountId,
    devices: &[Jid],
) -> Result<Vec<Jid>, SendError> {
    let mut missing = Vec::new();
    for d in devices {
        if !load_session(store, account, &signal_address(d))
            .await?
            .has_session()
        {
            missing.push(d.clone());
        }
    }
    Ok(missing)
}

fn is_own(device: &DeviceData, jid: &Jid) -> bool {
    device.jid.as_ref().is_some_and(|j| j.same_user(jid))
        || device.lid.as_ref().is_some_and(|l| l.same_user(jid))
}

/// Encrypts `job` for every device that has a session or a bundle; devices with neither are
/// left out (logged). Fails with [`SendError::NoDevices`] when no device of the recipient
/// remains.
pub(crate) async fn encrypt(
    store: &dyn Store,
    account: &AccountId,
    device: &DeviceData,
    sent_log: &SentLog,
    job: &EncryptJob,
) -> Result<Encrypted, SendError> {
    let local = LocalIdentity {
        key_pair: device.identity_key.clone(),
        registration_id: device.registration_id,
    };
    let (to_them, to_us) = plaintext_for(&job.chat, &job.message, &mut rand::rngs::OsRng);
    let hide = hides_on_failure(&job.message);
    let mut batch = Batch::new();
    let mut participants = Vec::with_capacity(job.devices.len());
    for target in &job.devices {
        let address = signal_address(target);
        let mut record = load_session(store, account, &address).await?;
        if !record.has_session() {
            let Some((_, bundle)) = job.bundles.iter().find(|(j, _)| j == target) else {
                tracing::debug!(%target, "no session and no bundle; device left out");
                continue;
            };
            (record, batch) = start_session(&record, &local, bundle, &address, batch)?;
        }
        let plaintext = if is_own(device, target) {
            &to_us
        } else {
            &to_them
        };
        let ciphertext = record
            .encrypt_in_place(plaintext)
            .map_err(SendError::Encrypt)?;
        batch = batch.put(Namespace::SESSIONS, address, record.to_bytes());
        participants.push(DeviceEnc::new(target.clone(), &ciphertext));
    }
    if !participants.iter().any(|p| !is_own(device, &p.device)) {
        return Err(SendError::NoDevices);
    }
    let out = OutgoingMessage {
        id: job.id.clone(),
        to: job.chat.to_non_ad(),
        message_type: message_type(&job.message).to_owned(),
        edit: edit_attribute(&job.message),
        media_type: media_type(&job.message).map(str::to_owned),
        hide_on_failure: hide,
        device_identity: device.adv_signed_identity.clone(),
        participants,
    };
    let record = SentRecord {
        id: job.id.clone(),
        chat: job.chat.to_non_ad().to_string(),
        message: job.message.encode_to_vec(),
    };
    let batch = sent_log.add(batch, &record);
    Ok(Encrypted {
        devices: out.participants.len(),
        stanza: out.to_node(),
        batch,
    })
}
