//! Answering a retry receipt for a message we sent (messages.md §4.2; whatsmeow
//! `handleRetryReceipt`): the message comes from the stored sent log (so this works after a
//! restart), is re-encrypted for the one device that asked, from the bundle its receipt
//! carries when there is one, and goes out under the same id with `<enc count=N>`. A group
//! message goes to `to=GROUP participant=DEVICE`, 1:1-encrypted, with our sender key's
//! distribution message inside.

use std::collections::HashMap;

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::send::{
    device_sent_message, edit_attribute, group_resend_node, hides_on_failure, media_type,
    message_type, sender_key_distribution, DeviceEnc, OutgoingMessage,
};
use wa_protocol::signal::{pad, signal_address, LocalIdentity, SenderKeyRecord};
use wa_protocol::stanza::receipt::IncomingReceipt;

use super::encrypt::start_session;
use super::keys::{load_session, sender_key_key};
use crate::send::find_sent;
use crate::send::SendError;
use crate::store::{AccountId, Batch, DeviceData, Namespace, Store};

/// A message is re-sent to one device at most this often (whatsmeow gives up after 10).
pub(crate) const MAX_RESENDS: u32 = 10;
/// How many (message, device) re-send counters are remembered; beyond, they start over.
const MAX_TRACKED: usize = 4096;

/// Re-sends per (message id, device address), in this process.
#[derive(Debug, Default)]
pub(crate) struct ResendBook(HashMap<(String, String), u32>);

impl ResendBook {
    /// Counts one more re-send; false once the limit is reached.
    fn allow(&mut self, id: &str, device: &str) -> bool {
        if self.0.len() >= MAX_TRACKED {
            self.0.clear();
        }
        let n = self
            .0
            .entry((id.to_owned(), device.to_owned()))
            .or_insert(0);
        *n += 1;
        *n <= MAX_RESENDS
    }
}

/// `message` with the distribution message of our current sender key for `group` (under
/// either of our names), or as it is when we hold none.
async fn with_sender_key(
    store: &dyn Store,
    account: &AccountId,
    device: &DeviceData,
    group: &Jid,
    message: &wa::Message,
) -> Result<wa::Message, SendError> {
    let names = [device.jid.as_ref(), device.lid.as_ref()];
    for own in names.into_iter().flatten() {
        let key = sender_key_key(group, own);
        let Some(bytes) = store.get(account, Namespace::SENDER_KEYS, &key).await? else {
            continue;
        };
        let Ok(skdm) = SenderKeyRecord::from_bytes(&bytes).and_then(|r| r.distribution_message())
        else {
            continue;
        };
        let mut out = message.clone();
        out.sender_key_distribution_message =
            sender_key_distribution(group, &skdm).sender_key_distribution_message;
        return Ok(out);
    }
    Ok(message.clone())
}

/// The re-send of the message `receipt` asks for, and the batch to store before it goes
/// out; `None` when there is nothing to answer (not ours, not kept, no way to encrypt,
/// asked too often).
pub(crate) async fn answer_retry(
    store: &dyn Store,
    account: &AccountId,
    device: &DeviceData,
    book: &mut ResendBook,
    receipt: &IncomingReceipt,
) -> Result<Option<(Node, Batch)>, SendError> {
    let Some(retry) = &receipt.retry else {
        return Ok(None);
    };
    let Some(sent) = find_sent(store, account, &retry.message_id).await? else {
        tracing::debug!(id = %retry.message_id, "retry receipt for a message not kept");
        return Ok(None);
    };
    let (Ok(message), Ok(chat)) = (
        wa::Message::decode(sent.message.as_slice()),
        sent.chat.parse::<Jid>(),
    ) else {
        tracing::warn!(id = %retry.message_id, "kept message unreadable");
        return Ok(None);
    };
    let target = receipt.source.sender.clone();
    let address = signal_address(&target);
    if !book.allow(&retry.message_id, &address) {
        tracing::debug!(id = %retry.message_id, %address, "re-sent too often");
        return Ok(None);
    }
    let local = LocalIdentity {
        key_pair: device.identity_key.clone(),
        registration_id: device.registration_id,
    };
    let mut batch = Batch::new();
    let mut record = load_session(store, account, &address).await?;
    if let Some(bundle) = &retry.bundle {
        // The asking device sent fresh keys: it has lost our session, so start over.
        (record, batch) = start_session(&record, &local, bundle, &address, batch)?;
    } else if !record.has_session() {
        tracing::debug!(%address, "retry receipt without keys and no session");
        return Ok(None);
    }
    let is_group = chat.is_group();
    let own = device.jid.as_ref().is_some_and(|j| j.same_user(&target));
    let content = if is_group {
        // The device may have lost our sender key too: the copy carries it, at the state
        // our next skmsg is sent at (whatsmeow adds it to the re-sent message likewise).
        with_sender_key(store, account, device, &chat, &message).await?
    } else if own {
        device_sent_message(&chat, &message)
    } else {
        message.clone()
    };
    let plaintext = pad(&content.encode_to_vec(), &mut rand::rngs::OsRng);
    let (ciphertext, record) = record.encrypt(&plaintext).map_err(SendError::Encrypt)?;
    batch = batch.put(Namespace::SESSIONS, address, record.to_bytes());
    if is_group {
        let target = DeviceEnc::new(target, &ciphertext);
        let node = group_resend_node(
            &retry.message_id,
            &chat,
            message_type(&message),
            &edit_attribute(&message),
            &target,
            retry.count,
            device.adv_signed_identity.as_deref(),
        );
        return Ok(Some((node, batch)));
    }
    let out = OutgoingMessage {
        id: retry.message_id.clone(),
        to: chat,
        message_type: message_type(&message).to_owned(),
        edit: edit_attribute(&message),
        media_type: media_type(&message).map(str::to_owned),
        hide_on_failure: hides_on_failure(&message),
        device_identity: device.adv_signed_identity.clone(),
        participants: vec![DeviceEnc::new(target, &ciphertext)],
    };
    Ok(out.to_resend_node(retry.count).map(|node| (node, batch)))
}
