//! A contact answering our device's retry receipt (messages.md §4.2; whatsmeow
//! `handleRetryReceipt`): a new session from the `<keys>` bundle the receipt carries, or from
//! a fresh server bundle, then the original plaintext re-encrypted to that one device under
//! the same id with `<enc count=N>`. A group message is re-sent over the 1:1 session with our
//! sender key's distribution message attached, so the device can read later `skmsg`s too.

use wa_protocol::stanza::receipt::RetryRequest;

use crate::contact::encrypt_direct;
use crate::envelope::{enc_node, message_node, padded};
use crate::error::TestkitError;
use crate::groups::skdm_message;
use crate::prekeys::take_bundle;
use crate::state::{DeviceKey, State};

/// A contact re-sends one message to one device at most this often (whatsmeow gives up after
/// 10 internal retries; our client stops asking at 5).
pub const MAX_RESENDS: u32 = 5;

/// Re-sends the message `retry` names to `device`, queued like any other stanza.
pub(crate) fn resend(
    st: &mut State,
    device: DeviceKey,
    retry: &RetryRequest,
) -> Result<u64, TestkitError> {
    let id = retry.message_id.clone();
    let (phone, sent) = st
        .contacts
        .iter()
        .find_map(|(phone, c)| c.sent.get(&id).map(|s| (*phone, s.clone())))
        .ok_or_else(|| TestkitError::UnknownMessage(id.clone()))?;
    let resends = st
        .contacts
        .get(&phone)
        .and_then(|c| c.resends.get(&(id.clone(), device)).copied())
        .unwrap_or(0);
    if resends >= MAX_RESENDS {
        return Err(TestkitError::TooManyResends(id));
    }
    let bundle = match retry.bundle.clone() {
        Some(b) => b,
        None => take_bundle(st, device)
            .ok_or_else(|| TestkitError::NoPrekeys(crate::contact::device_jid(st, device)))?,
    };
    let mut message = sent.message.clone();
    let group_key = sent.group.as_ref().map(|g| g.to_string());
    if let (Some(group), Some(key)) = (&sent.group, &group_key) {
        let record = st
            .contacts
            .get(&phone)
            .and_then(|c| c.sender_keys.get(key))
            .ok_or_else(|| TestkitError::UnknownGroup(group.clone()))?;
        message.sender_key_distribution_message =
            skdm_message(group, record)?.sender_key_distribution_message;
    }
    let (enc_type, ciphertext) =
        encrypt_direct(st, phone, device, Some(bundle), &padded(&message))?;
    let node = message_node(
        &sent.envelope,
        vec![enc_node(enc_type, ciphertext, Some(retry.count))],
    );
    if let Some(c) = st.contacts.get_mut(&phone) {
        c.resends.insert((id, device), resends + 1);
        if let Some(key) = group_key {
            c.skdm_sent.insert((key, device));
        }
    }
    Ok(st.enqueue(device, node))
}
