//! Reading the Signal records a stanza needs from the store, and the keys they live under.

use wa_protocol::binary::Jid;
use wa_protocol::message::{EncType, MessageStanza, RecvKeys};
use wa_protocol::signal::{
    signal_address, PreKeySet, PreKeyWhisperMessage, SenderKeyRecord, SessionRecord, SignedPreKey,
};

use super::decoded::DecodedRecords;
use crate::store::{AccountId, DeviceData, Namespace, Store, StoreResult};

/// Key of a sender-key record: the group and the sender device's Signal address.
pub(crate) fn sender_key_key(group: &Jid, sender: &Jid) -> Vec<u8> {
    format!("{}/{}", group.to_non_ad(), signal_address(sender)).into_bytes()
}

/// Key of a processed message id: chat, sender and id, so two chats can reuse an id.
pub(crate) fn processed_key(stanza: &MessageStanza) -> Vec<u8> {
    format!(
        "{}/{}/{}",
        stanza.source.chat,
        stanza.source.sender.to_non_ad(),
        stanza.id
    )
    .into_bytes()
}

/// The device's current signed prekey.
pub(crate) fn signed_prekey(device: &DeviceData) -> SignedPreKey {
    device.signed_pre_key.clone()
}

/// The stored sessions with the device at Signal `address`. A record that no longer parses is
/// logged and replaced by an empty one: the peer's next `pkmsg` (after our retry receipt), or
/// our next send from a fresh bundle, starts over.
pub(crate) async fn load_session(
    store: &dyn Store,
    account: &AccountId,
    address: &str,
) -> StoreResult<SessionRecord> {
    Ok(
        match store
            .get(account, Namespace::SESSIONS, address.as_bytes())
            .await?
        {
            Some(bytes) => SessionRecord::from_bytes(&bytes).unwrap_or_else(|e| {
                tracing::warn!(%address, error = %e, "stored session unreadable; starting fresh");
                SessionRecord::new()
            }),
            None => SessionRecord::new(),
        },
    )
}

/// Loads the session with the sender device and, for groups, the sender key, taking them
/// from `decoded` when the stored bytes are the ones it remembers. A stored record that no
/// longer parses is logged and replaced by an empty one: the sender's next `pkmsg` (after our
/// retry receipt) starts over.
pub(crate) async fn load_recv_keys(
    store: &dyn Store,
    account: &AccountId,
    stanza: &MessageStanza,
    decoded: &DecodedRecords,
) -> StoreResult<RecvKeys> {
    let identity = stanza.source.encryption_identity();
    let address = signal_address(identity);
    let session = match store
        .get(account, Namespace::SESSIONS, address.as_bytes())
        .await?
    {
        Some(bytes) => match decoded.sessions.get(address.as_bytes(), &bytes) {
            Some(record) => record,
            None => SessionRecord::from_bytes(&bytes).unwrap_or_else(|e| {
                tracing::warn!(%address, error = %e, "stored session unreadable; starting fresh");
                SessionRecord::new()
            }),
        },
        None => SessionRecord::new(),
    };
    let sender_key = if stanza.source.is_group {
        let key = sender_key_key(&stanza.source.chat, identity);
        match store.get(account, Namespace::SENDER_KEYS, &key).await? {
            Some(bytes) => match decoded.sender_keys.get(&key, &bytes) {
                Some(record) => record,
                None => SenderKeyRecord::from_bytes(&bytes).unwrap_or_else(|e| {
                    tracing::warn!(%address, error = %e, "stored sender key unreadable");
                    SenderKeyRecord::new()
                }),
            },
            None => SenderKeyRecord::new(),
        }
    } else {
        SenderKeyRecord::new()
    };
    Ok(RecvKeys {
        session,
        sender_key,
    })
}

/// The prekeys the stanza's `pkmsg`s name: our signed prekey and the one-time prekeys they
/// used, read from the store. Unparseable payloads name nothing (they fail to decrypt later
/// with their own error).
pub(crate) async fn load_prekeys(
    store: &dyn Store,
    account: &AccountId,
    device: &DeviceData,
    stanza: &MessageStanza,
) -> StoreResult<PreKeySet> {
    let mut set = PreKeySet {
        signed: vec![signed_prekey(device)],
        one_time: Vec::new(),
    };
    for enc in stanza.encs.iter().filter(|e| e.enc_type == EncType::PreKey) {
        let Ok(pkmsg) = PreKeyWhisperMessage::parse(&enc.ciphertext) else {
            continue;
        };
        if pkmsg.signed_prekey_id != device.signed_pre_key.id {
            if let Some(bytes) = store
                .get(
                    account,
                    Namespace::SIGNED_PRE_KEYS,
                    &pkmsg.signed_prekey_id.to_be_bytes(),
                )
                .await?
            {
                if let Ok(k) = SignedPreKey::from_bytes(&bytes) {
                    set.signed.push(k);
                }
            }
        }
        if let Some(id) = pkmsg.prekey_id {
            if let Some(bytes) = store
                .get(account, Namespace::PRE_KEYS, &id.to_be_bytes())
                .await?
            {
                match crate::prekeys::stored::decode(id, &bytes) {
                    Ok(k) => set.one_time.push(k),
                    Err(e) => tracing::warn!(id, error = %e, "stored prekey unreadable"),
                }
            }
        }
    }
    Ok(set)
}
